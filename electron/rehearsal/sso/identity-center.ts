/**
 * IAM Identity Center double: the SSO OIDC API (RegisterClient,
 * StartDeviceAuthorization, CreateToken with the device-code and
 * refresh-token grants) on OIDC_HOST with the page where the person
 * approves or denies a device code, and the access portal API
 * (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout) on
 * PORTAL_HOST. Both are AWS's REST-JSON protocol: errors carry their code in
 * `x-amzn-errortype` and the body members AWS's model names (OIDC:
 * `error`/`error_description`, portal: `message`).
 *
 * Role credentials it hands out are temporary access keys the KMS double
 * accepts until they expire (added to the KMS principals with `expiresAt`).
 * Written from AWS's public API reference and RFC 8628; it never imports the
 * app's services.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudContext } from '../context';
import { escapeHtml as h, parseForm, readBody, sendHtml } from '../http';
import { kmsState } from '../kms/kms';
import { CLIENT_LIFETIME_S, DEVICE_CODE_LIFETIME_S, OIDC_HOST, PORTAL_HOST, SSO_REGION, SSO_USERS, reservedRole, startUrlOf, type SsoUser } from './directory';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 3.5: after slow_down the client waits 5 seconds longer for this and every later poll. */
const SLOW_DOWN_STEP_S = 5;

interface Client {
  clientId: string;
  clientSecret: string;
  name: string;
  scopes: string[];
  expiresAt: number;
}
interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  clientId: string;
  expiresAt: number;
  interval: number;
  lastPollAt?: number;
  decision?: { user: string } | 'denied';
}
interface Token {
  user: string;
  clientId: string;
  expiresAt: number;
  scopes: string[];
}
interface Runtime {
  clients: Map<string, Client>;
  devices: Map<string, DeviceAuthorization>;
  accessTokens: Map<string, Token>;
  refreshTokens: Map<string, Omit<Token, 'expiresAt'>>;
}

const runtimes = new WeakMap<CloudContext, Runtime>();
function runtime(ctx: CloudContext): Runtime {
  let r = runtimes.get(ctx);
  if (!r) runtimes.set(ctx, (r = { clients: new Map(), devices: new Map(), accessTokens: new Map(), refreshTokens: new Map() }));
  return r;
}

class SsoError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** OIDC's RFC 6749 error word (`authorization_pending`, ...); absent for the portal's errors. */
    readonly oauth?: string,
  ) {
    super(message);
  }
}

const oidcError = (code: string, oauth: string, message: string, status = 400) => new SsoError(code, status, message, oauth);

function send(ctx: CloudContext, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    'cache-control': 'no-store',
    date: ctx.now().toUTCString(),
    ...headers,
  });
  res.end(text);
}

function sendError(ctx: CloudContext, res: ServerResponse, e: SsoError): void {
  const body = e.oauth !== undefined ? { error: e.oauth, error_description: e.message } : { message: e.message };
  send(ctx, res, e.status, body, { 'x-amzn-errortype': e.code });
}

const seconds = (ctx: CloudContext) => Math.floor(ctx.now().getTime() / 1000);
const token = (bytes = 48) => crypto.randomBytes(bytes).toString('base64url');

function jsonBody(raw: Buffer): Record<string, unknown> {
  try {
    const v: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw oidcError('InvalidRequestException', 'invalid_request', 'The request body is not a JSON object.');
}

function required(b: Record<string, unknown>, name: string): string {
  const v = b[name];
  if (typeof v !== 'string' || v.length === 0) throw oidcError('InvalidRequestException', 'invalid_request', `${name} is required.`);
  return v;
}

function client(ctx: CloudContext, b: Record<string, unknown>): Client {
  const id = required(b, 'clientId');
  const secret = required(b, 'clientSecret');
  const c = runtime(ctx).clients.get(id);
  if (!c || !timingSafeEqual(c.clientSecret, secret)) throw oidcError('InvalidClientException', 'invalid_client', 'The client is not registered or its secret is wrong.', 401);
  if (c.expiresAt <= seconds(ctx)) throw oidcError('InvalidClientException', 'invalid_client', 'The client registration has expired. Register the client again.', 401);
  return c;
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/** Eight letters from an alphabet without look-alikes, shown as XXXX-XXXX like AWS's. */
function userCode(): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';
  const b = crypto.randomBytes(8);
  const s = Array.from(b, (x) => alphabet[x % alphabet.length]).join('');
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/* ---------- OIDC ---------- */

function registerClient(ctx: CloudContext, b: Record<string, unknown>): Record<string, unknown> {
  const name = required(b, 'clientName');
  const type = required(b, 'clientType');
  if (type !== 'public') throw oidcError('InvalidClientMetadataException', 'invalid_client_metadata', 'clientType must be public.');
  const scopes = Array.isArray(b.scopes) ? b.scopes.filter((s): s is string => typeof s === 'string') : [];
  const now = seconds(ctx);
  const c: Client = { clientId: token(24), clientSecret: token(64), name, scopes, expiresAt: now + CLIENT_LIFETIME_S };
  runtime(ctx).clients.set(c.clientId, c);
  return { clientId: c.clientId, clientSecret: c.clientSecret, clientIdIssuedAt: now, clientSecretExpiresAt: c.expiresAt };
}

function startDeviceAuthorization(ctx: CloudContext, b: Record<string, unknown>): Record<string, unknown> {
  const c = client(ctx, b);
  const startUrl = required(b, 'startUrl');
  if (startUrl.replace(/\/+$/, '') !== startUrlOf(ctx.port())) {
    throw oidcError('InvalidRequestException', 'invalid_request', `The start URL ${startUrl} is not this organisation's AWS access portal (${startUrlOf(ctx.port())}).`);
  }
  const d: DeviceAuthorization = { deviceCode: token(), userCode: userCode(), clientId: c.clientId, expiresAt: seconds(ctx) + DEVICE_CODE_LIFETIME_S, interval: ctx.deviceCodeIntervalSeconds };
  runtime(ctx).devices.set(d.deviceCode, d);
  const verificationUri = `${oidcBase(ctx)}/device`;
  return {
    deviceCode: d.deviceCode,
    userCode: d.userCode,
    verificationUri,
    verificationUriComplete: `${verificationUri}?user_code=${encodeURIComponent(d.userCode)}`,
    expiresIn: DEVICE_CODE_LIFETIME_S,
    interval: d.interval,
  };
}

function issue(ctx: CloudContext, user: string, c: Client, withRefresh: boolean): Record<string, unknown> {
  const r = runtime(ctx);
  const access = token();
  const lifetime = ctx.tokenLifetimeSeconds;
  r.accessTokens.set(access, { user, clientId: c.clientId, expiresAt: seconds(ctx) + lifetime, scopes: c.scopes });
  const out: Record<string, unknown> = { accessToken: access, tokenType: 'Bearer', expiresIn: lifetime };
  // AWS returns a refresh token only to clients registered with the sso:account:access scope.
  if (withRefresh && c.scopes.includes('sso:account:access')) {
    const refresh = token();
    r.refreshTokens.set(refresh, { user, clientId: c.clientId, scopes: c.scopes });
    out.refreshToken = refresh;
  }
  return out;
}

function createToken(ctx: CloudContext, b: Record<string, unknown>): Record<string, unknown> {
  const c = client(ctx, b);
  const grant = required(b, 'grantType');
  const r = runtime(ctx);
  if (grant === 'refresh_token') {
    const rt = required(b, 'refreshToken');
    const known = r.refreshTokens.get(rt);
    if (!known || known.clientId !== c.clientId) throw oidcError('InvalidGrantException', 'invalid_grant', 'The refresh token is not valid (expired, revoked by a sign-out, or issued to another client). Sign in again.');
    // Refresh tokens rotate: the old one is used up.
    r.refreshTokens.delete(rt);
    return issue(ctx, known.user, c, true);
  }
  if (grant !== DEVICE_GRANT) throw oidcError('UnsupportedGrantTypeException', 'unsupported_grant_type', `Grant type ${grant} is not supported.`);
  const code = required(b, 'deviceCode');
  const d = r.devices.get(code);
  if (!d || d.clientId !== c.clientId) throw oidcError('InvalidGrantException', 'invalid_grant', 'The device code is not valid for this client.');
  const now = ctx.now().getTime();
  if (d.expiresAt * 1000 <= now) {
    r.devices.delete(code);
    throw oidcError('ExpiredTokenException', 'expired_token', 'The device code has expired. Start the sign-in again.');
  }
  if (d.decision === 'denied') {
    r.devices.delete(code);
    throw oidcError('AccessDeniedException', 'access_denied', 'The sign-in request was denied in the browser.');
  }
  if (d.decision) {
    r.devices.delete(code);
    return issue(ctx, d.decision.user, c, true);
  }
  const tooSoon = d.lastPollAt !== undefined && now - d.lastPollAt < d.interval * 1000;
  d.lastPollAt = now;
  if (tooSoon) {
    d.interval += SLOW_DOWN_STEP_S;
    throw oidcError('SlowDownException', 'slow_down', `Polling too fast: wait ${d.interval} seconds between requests.`);
  }
  throw oidcError('AuthorizationPendingException', 'authorization_pending', 'The user has not yet approved the sign-in in the browser.');
}

const oidcBase = (ctx: CloudContext) => `https://${OIDC_HOST}:${ctx.port()}`;

/* ---------- the approval page ---------- */

const style = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
.banner{background:#ffe08a;border:2px solid #b58900;padding:.5rem 1rem;font-weight:700;margin-bottom:1.5rem}
button{padding:.75rem 1rem;margin:.5rem .5rem .5rem 0;font-size:1rem;cursor:pointer}
fieldset{margin:1rem 0}label{display:block;margin:.4rem 0}.muted{color:#555;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title><style>${style}</style></head>
<body><div class="banner" role="note">Rehearsal cloud: no real AWS account is used here.</div>${body}</body></html>`;
}

function approvalPage(action: string, code: string, problem: string | null, users: readonly SsoUser[]): string {
  const choices = users
    .map((u, i) => `<label><input type="radio" name="user" value="${h(u.userName)}"${i === 0 ? ' checked' : ''}> ${h(u.displayName)} <span class="muted">${h(u.email)}</span></label>`)
    .join('');
  return page(
    'Authorize request',
    `<h1>Authorize request</h1>${problem ? `<p role="alert">${h(problem)}</p>` : ''}
<p>An application on your computer asks to use your AWS access portal sign-in. Approve only if the code matches the one the application shows.</p>
<form method="post" action="${h(action)}"><label>Code <input name="user_code" value="${h(code)}" autocomplete="off"></label>
<fieldset><legend>Sign in as</legend>${choices}</fieldset>
<button type="submit" name="decision" value="approve">Allow access</button><button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

async function handleDevicePage(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const action = `${oidcBase(ctx)}/device`;
  if (req.method === 'GET') return sendHtml(res, 200, approvalPage(action, url.searchParams.get('user_code') ?? '', null, SSO_USERS));
  const form = parseForm(await readBody(req));
  const typed = (form.get('user_code') ?? '').trim().toUpperCase();
  const now = seconds(ctx);
  const d = [...runtime(ctx).devices.values()].find((x) => x.userCode === typed && x.expiresAt > now && !x.decision);
  if (!d) return sendHtml(res, 400, approvalPage(action, typed, 'That code is not valid or has expired. Check the code the application shows.', SSO_USERS));
  if (form.get('decision') === 'deny') {
    d.decision = 'denied';
    return sendHtml(res, 200, page('Request denied', '<h1>Request denied</h1><p>The application was not given access. You can close this window.</p>'));
  }
  const user = SSO_USERS.find((u) => u.userName === form.get('user'));
  if (!user) return sendHtml(res, 400, approvalPage(action, typed, 'Choose who signs in.', SSO_USERS));
  d.decision = { user: user.userName };
  return sendHtml(res, 200, page('Request approved', `<h1>Request approved</h1><p>${h(user.displayName)} is signed in. You can close this window and return to the application.</p>`));
}

export async function handleOidc(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    if (url.pathname === '/device' && (req.method === 'GET' || req.method === 'POST')) return await handleDevicePage(ctx, req, res, url);
    if (req.method !== 'POST') throw oidcError('InvalidRequestException', 'invalid_request', 'SSO OIDC accepts POST only.');
    const body = jsonBody(await readBody(req));
    switch (url.pathname) {
      case '/client/register':
        return send(ctx, res, 200, registerClient(ctx, body));
      case '/device_authorization':
        return send(ctx, res, 200, startDeviceAuthorization(ctx, body));
      case '/token':
        if (url.searchParams.has('aws_iam')) throw oidcError('InvalidRequestException', 'invalid_request', 'CreateTokenWithIAM is not part of the rehearsal.', 400);
        return send(ctx, res, 200, createToken(ctx, body));
      default:
        throw new SsoError('UnknownOperationException', 404, `Nothing at ${url.pathname}.`, 'invalid_request');
    }
  } catch (e) {
    if (e instanceof SsoError) return sendError(ctx, res, e);
    throw e;
  }
}

/* ---------- the access portal ---------- */

function bearer(ctx: CloudContext, req: IncomingMessage): Token & { accessToken: string } {
  const t = req.headers['x-amz-sso_bearer_token'];
  if (typeof t !== 'string' || !t) throw new SsoError('UnauthorizedException', 401, 'Session token not found or invalid');
  const known = runtime(ctx).accessTokens.get(t);
  if (!known || known.expiresAt <= seconds(ctx)) throw new SsoError('UnauthorizedException', 401, 'Session token not found or invalid');
  return { ...known, accessToken: t };
}

function userOf(name: string): SsoUser {
  return SSO_USERS.find((u) => u.userName === name)!;
}

function pageOf<T>(all: T[], url: URL): { slice: T[]; nextToken?: string } {
  const max = Number.parseInt(url.searchParams.get('max_result') ?? '20', 10);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw new SsoError('InvalidRequestException', 400, 'max_result must be between 1 and 100.');
  const next = url.searchParams.get('next_token');
  const start = next ? Number.parseInt(Buffer.from(next, 'base64url').toString('utf8'), 10) : 0;
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw new SsoError('InvalidRequestException', 400, 'next_token is not valid.');
  const slice = all.slice(start, start + max);
  return { slice, ...(start + max < all.length ? { nextToken: Buffer.from(String(start + max)).toString('base64url') } : {}) };
}

function getRoleCredentials(ctx: CloudContext, req: IncomingMessage, url: URL): Record<string, unknown> {
  const t = bearer(ctx, req);
  const roleName = url.searchParams.get('role_name');
  const accountId = url.searchParams.get('account_id');
  if (!roleName || !accountId) throw new SsoError('InvalidRequestException', 400, 'role_name and account_id are required.');
  const user = userOf(t.user);
  const a = user.assignments.find((x) => x.accountId === accountId && x.roleName === roleName);
  if (!a) throw new SsoError('ResourceNotFoundException', 404, `No access: ${user.userName} is not assigned ${roleName} in account ${accountId}.`);
  const role = reservedRole(a, user.userName);
  const kms = kmsState(ctx);
  const now = ctx.now().getTime();
  const expiresAt = now + ctx.tokenLifetimeSeconds * 1000;
  // Keys expired for a day are dropped so the state file does not grow; until then they get AWS's ExpiredTokenException.
  kms.principals = kms.principals.filter((p) => p.expiresAt === undefined || p.expiresAt > now - 24 * 3600_000);
  const cred = {
    accessKeyId: `ASIA${crypto.randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`,
    secretAccessKey: crypto.randomBytes(30).toString('base64').replace(/[+/]/g, 'K'),
    sessionToken: crypto.randomBytes(96).toString('base64'),
  };
  kms.principals.push({ arn: role.arn, callerArn: role.callerArn, accountId: a.accountId, label: `${user.userName} via Identity Center (${a.roleName})`, identityAllows: a.allows, expiresAt, ...cred });
  ctx.store.save();
  return { roleCredentials: { ...cred, expiration: expiresAt } };
}

export async function handlePortal(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    if (req.method === 'GET' && (url.pathname === '/start' || url.pathname === '/start/')) {
      return sendHtml(res, 200, page('AWS access portal', '<h1>AWS access portal (rehearsal)</h1><p>Sign in from Key Holder: it shows a code and opens the approval page.</p>'));
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /federation/credentials') return send(ctx, res, 200, getRoleCredentials(ctx, req, url));
    if (route === 'GET /assignment/accounts') {
      const user = userOf(bearer(ctx, req).user);
      const accounts = [...new Map(user.assignments.map((a) => [a.accountId, { accountId: a.accountId, accountName: a.accountName, emailAddress: user.email }])).values()];
      const p = pageOf(accounts, url);
      return send(ctx, res, 200, { accountList: p.slice, ...(p.nextToken ? { nextToken: p.nextToken } : {}) });
    }
    if (route === 'GET /assignment/roles') {
      const user = userOf(bearer(ctx, req).user);
      const accountId = url.searchParams.get('account_id');
      if (!accountId) throw new SsoError('InvalidRequestException', 400, 'account_id is required.');
      const p = pageOf(
        user.assignments.filter((a) => a.accountId === accountId).map((a) => ({ roleName: a.roleName, accountId: a.accountId })),
        url,
      );
      return send(ctx, res, 200, { roleList: p.slice, ...(p.nextToken ? { nextToken: p.nextToken } : {}) });
    }
    if (route === 'POST /logout') {
      const t = bearer(ctx, req);
      const r = runtime(ctx);
      r.accessTokens.delete(t.accessToken);
      for (const [k, v] of r.refreshTokens) if (v.user === t.user && v.clientId === t.clientId) r.refreshTokens.delete(k);
      await readBody(req);
      return send(ctx, res, 200, undefined);
    }
    throw new SsoError('ResourceNotFoundException', 404, `Nothing at ${route}.`);
  } catch (e) {
    if (e instanceof SsoError) return sendError(ctx, res, e);
    throw e;
  }
}

/** For the rehearsal admin and tests: the users, the start URL and the endpoints. */
export function identityCenterDescriptor(ctx: CloudContext) {
  return {
    startUrl: startUrlOf(ctx.port()),
    oidcEndpoint: oidcBase(ctx),
    portalEndpoint: `https://${PORTAL_HOST}:${ctx.port()}`,
    region: SSO_REGION,
    users: SSO_USERS.map((u) => ({ userName: u.userName, displayName: u.displayName, assignments: u.assignments.map((a) => ({ accountId: a.accountId, roleName: a.roleName })) })),
  };
}
