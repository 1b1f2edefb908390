/**
 * The holder's browser, scripted, for a headless rehearsal: on the rehearsal
 * cloud's sign-in page it picks the holder's own user, then lets the
 * auto-posting page hand the authorization code to MSAL's loopback listener,
 * exactly as the page's form would in a real browser. TLS is checked against
 * the rehearsal CA (the agent); nothing here works against real Entra ID.
 */
import https from 'node:https';

function post(agent: https.Agent, url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function scriptedRehearsalBrowser(agent: https.Agent, userOid: string): (url: string) => Promise<void> {
  return async (url: string) => {
    const u = new URL(url);
    if (u.hostname !== 'localhost') throw new Error('The scripted browser only signs in to the rehearsal cloud.');
    const form = new URLSearchParams(u.searchParams);
    form.set('rehearsal_user', userOid);
    const page = await post(agent, `${u.origin}${u.pathname}`, form.toString());
    const action = /<form id="f" method="post" action="([^"]+)"/.exec(page.text)?.[1];
    if (!action) throw new Error(`The rehearsal sign-in page did not answer with a form post (HTTP ${page.status}).`);
    const fields = new URLSearchParams();
    for (const m of page.text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.set(unescape(m[1]!), unescape(m[2]!));
    const target = new URL(unescape(action));
    // MSAL's loopback listener is plain http on 127.0.0.1; it is the only place the code goes.
    if (target.protocol !== 'http:' || !['localhost', '127.0.0.1'].includes(target.hostname)) throw new Error('The sign-in page posts somewhere other than the loopback redirect.');
    void fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() }).catch(() => {});
  };
}
