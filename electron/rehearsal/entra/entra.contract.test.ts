/**
 * Entra contract: every sign-in flow the app uses, driven by @azure/msal-node
 * against the rehearsal cloud, plus the protocol checks MSAL itself never
 * makes (PKCE, single-use codes, redirect URI) and bad input.
 */
import crypto from 'node:crypto';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, msalConfig, request } from '../testing/sdk';
import { formBody, formsOf } from '../testing/pages';

let cloud: RehearsalCloud;
let agent: https.Agent;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
});
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
});

const t1 = () => cloud.descriptor.tenants[0]!;
const app1 = () => cloud.descriptor.apps[0]!;
const alice = () => cloud.descriptor.users[0]!;

function decode(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** What a key holder does in the browser: open the page, click their name; the page posts back to MSAL. */
async function signInAs(authorizeUrl: string, username: string): Promise<void> {
  const page = await request(agent, authorizeUrl);
  expect(page.status).toBe(200);
  const pick = formsOf(page.text).find((f) => f.username === username);
  if (!pick) throw new Error(`no button for ${username}`);
  const back = await request(agent, pick.action, { method: 'POST', headers: form, body: formBody(pick.fields) });
  const post = formsOf(back.text)[0]!;
  expect(post.action).toMatch(/^http:\/\/localhost:\d+/);
  const res = await fetch(post.action, { method: 'POST', headers: form, body: formBody(post.fields) });
  await res.text();
}

describe('Entra ID double through MSAL Node', () => {
  it('issues client-credentials tokens (ConfidentialClientApplication) signed by the published JWKS key', async () => {
    const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, t1().id, app1().appId, app1().clientSecret));
    const r = await cca.acquireTokenByClientCredential({ scopes: [cloud.descriptor.vaultScope] });
    expect(r?.accessToken).toBeTruthy();
    const claims = decode(r!.accessToken);
    expect(claims).toMatchObject({ aud: cloud.descriptor.vaultResource, tid: t1().id, azp: app1().appId, idtyp: 'app' });
    expect(claims.iss).toBe(`${cloud.descriptor.entraUrl}/${t1().id}/v2.0`);
    const jwks = (await request(agent, `${t1().authority}/discovery/v2.0/keys`)).json() as { keys: (crypto.JsonWebKey & { kid: string })[] };
    const [h, p, s] = r!.accessToken.split('.') as [string, string, string];
    const kid = (JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string }).kid;
    const jwk = jwks.keys.find((k) => k.kid === kid)!;
    const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
    expect(ok).toBe(true);
  });

  it('refuses a wrong client secret and an app from another tenant', async () => {
    const wrong = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, t1().id, app1().appId, 'not-the-secret'));
    await expect(wrong.acquireTokenByClientCredential({ scopes: [cloud.descriptor.vaultScope] })).rejects.toThrow(/AADSTS7000215/);
    const other = cloud.descriptor.apps[1]!;
    const cross = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, t1().id, other.appId, other.clientSecret));
    await expect(cross.acquireTokenByClientCredential({ scopes: [cloud.descriptor.vaultScope] })).rejects.toThrow(/AADSTS700016/);
  });

  it('signs a key holder in interactively (auth code + PKCE, loopback form_post) and refreshes silently', async () => {
    const pca = new msal.PublicClientApplication(msalConfig(cloud, agent, t1().id, app1().appId));
    const r = await pca.acquireTokenInteractive({
      scopes: [cloud.descriptor.vaultScope],
      openBrowser: (url) => signInAs(url, alice().username),
      successTemplate: 'Signed in. You can close this window.',
      errorTemplate: 'Sign-in failed: {error}',
    });
    expect(r.account?.username).toBe(alice().username);
    expect(r.account?.tenantId).toBe(t1().id);
    expect(decode(r.accessToken)).toMatchObject({ aud: cloud.descriptor.vaultResource, oid: alice().oid, scp: 'user_impersonation' });
    const cached = await pca.acquireTokenSilent({ account: r.account!, scopes: [cloud.descriptor.vaultScope] });
    expect(cached.accessToken).toBe(r.accessToken);
    const refreshed = await pca.acquireTokenSilent({ account: r.account!, scopes: [cloud.descriptor.vaultScope], forceRefresh: true });
    expect(refreshed.accessToken).not.toBe(r.accessToken);
    expect(decode(refreshed.accessToken).oid).toBe(alice().oid);
    const graph = await pca.acquireTokenSilent({ account: r.account!, scopes: [cloud.descriptor.graphScope] });
    expect(decode(graph.accessToken).aud).toBe(cloud.descriptor.graphResource);
  });

  it('signs a key holder in with a device code entered on the verification page', async () => {
    const pca = new msal.PublicClientApplication(msalConfig(cloud, agent, t1().id, app1().appId));
    const r = await pca.acquireTokenByDeviceCode({
      scopes: [cloud.descriptor.vaultScope],
      deviceCodeCallback: (dc) => {
        void (async () => {
          expect(dc.message).toContain(dc.userCode);
          const page = await request(agent, dc.verificationUri, { method: 'POST', headers: form, body: formBody({ code: dc.userCode.toLowerCase() }) });
          const pick = formsOf(page.text).find((f) => f.username === alice().username)!;
          const done = await request(agent, pick.action, { method: 'POST', headers: form, body: formBody(pick.fields) });
          expect(done.text).toContain('You have signed in');
        })();
      },
    });
    expect(r?.account?.username).toBe(alice().username);
    expect(decode(r!.accessToken).aud).toBe(cloud.descriptor.vaultResource);
  });

  it('a refused refresh token surfaces as InteractionRequiredAuthError', async () => {
    const res = await request(agent, `${t1().authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: form,
      body: formBody({ grant_type: 'refresh_token', refresh_token: 'forged', client_id: app1().appId, scope: cloud.descriptor.vaultScope }),
    });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_grant', suberror: 'bad_token' });
  });
});

describe('Entra ID double: checks MSAL never makes, and bad input', () => {
  async function codeFor(challenge: string, redirect: string): Promise<string> {
    const q = new URLSearchParams({
      client_id: app1().appId,
      response_type: 'code',
      redirect_uri: redirect,
      scope: `${cloud.descriptor.vaultScope} openid offline_access`,
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      response_mode: 'form_post',
    });
    const page = await request(agent, `${t1().authority}/oauth2/v2.0/authorize?${q}`);
    const pick = formsOf(page.text).find((f) => f.username === alice().username)!;
    const back = await request(agent, pick.action, { method: 'POST', headers: form, body: formBody(pick.fields) });
    const fields = formsOf(back.text)[0]!.fields;
    expect(fields.state).toBe('s1');
    return fields.code!;
  }
  const redeem = (fields: Record<string, string>) =>
    request(agent, `${t1().authority}/oauth2/v2.0/token`, { method: 'POST', headers: form, body: formBody({ grant_type: 'authorization_code', client_id: app1().appId, ...fields }) });

  it('checks PKCE, the redirect URI and single use of codes', async () => {
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const redirect = 'http://localhost:5999/';
    const c1 = await codeFor(challenge, redirect);
    expect((await redeem({ code: c1, code_verifier: 'wrong'.padEnd(43, 'x'), redirect_uri: redirect })).json()).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    const c2 = await codeFor(challenge, redirect);
    expect((await redeem({ code: c2, code_verifier: verifier, redirect_uri: 'http://localhost:6000/' })).json()).toMatchObject({ error: 'invalid_grant', error_codes: [50148] });
    const c3 = await codeFor(challenge, redirect);
    const ok = await redeem({ code: c3, code_verifier: verifier, redirect_uri: redirect });
    expect(ok.status).toBe(200);
    expect((await redeem({ code: c3, code_verifier: verifier, redirect_uri: redirect })).json()).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
  });

  it('answers bad requests with Entra-shaped errors, never a crash', async () => {
    const token = `${t1().authority}/oauth2/v2.0/token`;
    const unknownTenant = await request(agent, `${cloud.descriptor.entraUrl}/${crypto.randomUUID()}/v2.0/.well-known/openid-configuration`);
    expect(unknownTenant.status).toBe(400);
    expect(unknownTenant.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    expect((await request(agent, token, { method: 'POST', headers: form, body: 'grant_type=password' })).json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect((await request(agent, token, { method: 'POST', headers: form, body: '' })).json()).toMatchObject({ error: 'invalid_request' });
    expect((await request(agent, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);
    const badScope = await request(agent, token, {
      method: 'POST',
      headers: form,
      body: formBody({ grant_type: 'client_credentials', client_id: app1().appId, client_secret: app1().clientSecret!, scope: 'https://vault.azure.net/.default' }),
    });
    expect(badScope.json()).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
    const huge = await request(agent, token, { method: 'POST', headers: form, body: 'a='.padEnd(400_000, 'x') });
    expect(huge.status).toBe(400);
    const notLoopback = await request(agent, `${t1().authority}/oauth2/v2.0/authorize?client_id=${app1().appId}&redirect_uri=${encodeURIComponent('https://evil.example/')}&response_type=code`);
    expect(notLoopback.status).toBe(400);
    expect(notLoopback.text).toContain('AADSTS50011');
    const unknownClient = await request(agent, `${t1().authority}/oauth2/v2.0/authorize?client_id=${crypto.randomUUID()}&redirect_uri=http%3A%2F%2Flocalhost%3A1%2F`);
    expect(unknownClient.text).toContain('AADSTS700016');
    const xss = await request(agent, `${t1().authority}/oauth2/v2.0/authorize?client_id=${app1().appId}&redirect_uri=http%3A%2F%2Flocalhost%3A1%2F&response_type=code&code_challenge=x&scope=openid&state=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(xss.text).not.toContain('<script>alert(1)</script>');
    const noDevice = await request(agent, `${cloud.descriptor.entraUrl}/devicelogin`, { method: 'POST', headers: form, body: 'code=NOPE' });
    expect(noDevice.status).toBe(400);
    const pending = await request(agent, `${t1().authority}/oauth2/v2.0/devicecode`, { method: 'POST', headers: form, body: formBody({ client_id: app1().appId, scope: cloud.descriptor.vaultScope }) });
    const dc = pending.json() as { device_code: string };
    const poll = await request(agent, token, { method: 'POST', headers: form, body: formBody({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: app1().appId, device_code: dc.device_code }) });
    expect(poll.json()).toMatchObject({ error: 'authorization_pending' });
  });
});
