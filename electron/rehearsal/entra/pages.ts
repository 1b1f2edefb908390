/** The rehearsal sign-in pages: plain HTML, every value escaped, clearly marked as a rehearsal. */
import { escapeHtml as h } from '../http';
import type { AppRegistration, Tenant, User } from '../state';

const style = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
.banner{background:#ffe08a;border:2px solid #b58900;padding:.5rem 1rem;font-weight:700;margin-bottom:1.5rem}
button{display:block;width:100%;text-align:left;padding:.75rem 1rem;margin:.5rem 0;font-size:1rem;cursor:pointer}
.muted{color:#555;font-size:.9rem}`;

function page(title: string, body: string, extraHead = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title><style>${style}</style>${extraHead}</head>
<body><div class="banner" role="note">Rehearsal cloud: no real Microsoft account is used here.</div>${body}</body></html>`;
}

function hidden(fields: [string, string][]): string {
  return fields.map(([k, v]) => `<input type="hidden" name="${h(k)}" value="${h(v)}">`).join('');
}

export function errorPage(message: string): string {
  return page('Rehearsal sign-in', `<h1>Sign-in problem</h1><p role="alert">${h(message)}</p>`);
}

export function signInPage(tenant: Tenant, app: AppRegistration, users: User[], action: string, fields: [string, string][], loginHint: string | null): string {
  const buttons = users
    .map(
      (u) => `<form method="post" action="${h(action)}">${hidden(fields)}<input type="hidden" name="rehearsal_user" value="${h(u.oid)}">
<button type="submit" data-username="${h(u.username)}"${loginHint === u.username ? ' autofocus' : ''}>Sign in as ${h(u.displayName)}<br><span class="muted">${h(u.username)}</span></button></form>`,
    )
    .join('');
  const cancel = `<form method="post" action="${h(action)}">${hidden(fields)}<input type="hidden" name="rehearsal_user" value="-"><input type="hidden" name="rehearsal_cancel" value="1"><button type="submit">Cancel</button></form>`;
  return page(
    'Rehearsal sign-in',
    `<h1>Pick an account</h1><p>${h(app.displayName)} wants to sign you in to <strong>${h(tenant.displayName)}</strong>.</p>${buttons}${cancel}`,
  );
}

/** The form_post answer MSAL's loopback listener expects, submitted on load (with a button if scripts are off). */
export function autoPostPage(redirectUri: string, fields: Record<string, string>): string {
  return page(
    'Returning to Key Holder',
    `<form id="f" method="post" action="${h(redirectUri)}">${hidden(Object.entries(fields))}<noscript><button type="submit">Continue</button></noscript></form>
<p>Returning to the application…</p><script>document.getElementById('f').submit()</script>`,
  );
}

export function deviceCodeEntryPage(action: string, problem: string | null): string {
  return page(
    'Enter code',
    `<h1>Enter code</h1>${problem ? `<p role="alert">${h(problem)}</p>` : ''}<p>Enter the code displayed on your app or device.</p>
<form method="post" action="${h(action)}"><label>Code <input name="code" autocomplete="off" autofocus></label><button type="submit">Next</button></form>`,
  );
}

export function deviceCodeUserPage(action: string, code: string, tenant: Tenant, app: AppRegistration, users: User[]): string {
  const buttons = users
    .map(
      (u) => `<form method="post" action="${h(action)}"><input type="hidden" name="code" value="${h(code)}"><input type="hidden" name="rehearsal_user" value="${h(u.oid)}">
<button type="submit" data-username="${h(u.username)}">Sign in as ${h(u.displayName)}<br><span class="muted">${h(u.username)}</span></button></form>`,
    )
    .join('');
  return page('Pick an account', `<h1>Pick an account</h1><p>${h(app.displayName)} is signing in to <strong>${h(tenant.displayName)}</strong> on another device.</p>${buttons}`);
}

export function deviceDonePage(app: AppRegistration, user: User): string {
  return page('Signed in', `<h1 role="status">You have signed in</h1><p>${h(user.displayName)} signed in to ${h(app.displayName)} on your device. You may now close this window.</p>`);
}
