/**
 * Entra ID (Microsoft identity platform v2.0) as MSAL Node uses it: OpenID
 * discovery, JWKS, /authorize (auth code + PKCE, form_post), /token
 * (authorization_code, refresh_token, device_code, client_credentials) and
 * /devicecode with its verification page. Errors carry AADSTS numbers in the
 * shape Entra returns them.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudContext, GRAPH_RESOURCE, MANAGEMENT_RESOURCE, VAULT_RESOURCE, issuer, nowSeconds } from '../context';
import { BodyTooLarge, b64url, parseForm, readBody, sendHtml, sendJson } from '../http';
import { sha256, type AppRegistration, type Tenant, type User } from '../state';
import { autoPostPage, deviceCodeEntryPage, deviceCodeUserPage, deviceDonePage, errorPage, signInPage } from './pages';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const RESOURCES = [VAULT_RESOURCE, GRAPH_RESOURCE, MANAGEMENT_RESOURCE];
const REFRESH_LIFETIME_S = 90 * 24 * 3600;
const DEVICE_CODE_LIFETIME_S = 900;
const AUTH_CODE_LIFETIME_S = 600;

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
    readonly suberror?: string,
  ) {
    super(description);
  }
}

function sendOAuthError(res: ServerResponse, e: OAuthError): void {
  sendJson(res, e.status, {
    error: e.error,
    error_description: `AADSTS${e.aadsts}: ${e.message} Trace ID: ${crypto.randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [e.aadsts],
    timestamp: new Date().toISOString(),
    trace_id: crypto.randomUUID(),
    correlation_id: crypto.randomUUID(),
    ...(e.suberror ? { suberror: e.suberror } : {}),
  });
}

function findTenant(ctx: CloudContext, idOrDomain: string): Tenant | undefined {
  const k = idOrDomain.toLowerCase();
  return ctx.state.tenants.find((t) => t.id === k || t.domain === k);
}

function findApp(ctx: CloudContext, clientId: string | null): AppRegistration | undefined {
  return clientId ? ctx.state.apps.find((a) => a.appId === clientId) : undefined;
}

/** The resource a set of scopes asks for; OIDC scopes alone mean Graph, as in Entra. */
function resourceOf(scopes: string[]): { resource: string; names: string[] } {
  const names: string[] = [];
  let resource: string | undefined;
  for (const s of scopes) {
    if (OIDC_SCOPES.has(s)) continue;
    const cut = s.lastIndexOf('/');
    if (cut <= 'https://'.length) throw new OAuthError(400, 'invalid_scope', 70011, `The provided value for scope ${s} is not valid. Use a resource scope such as ${VAULT_RESOURCE}/.default.`);
    const r = s.slice(0, cut).replace(/\/$/, '');
    const name = s.slice(cut + 1);
    if (!RESOURCES.includes(r)) {
      throw new OAuthError(400, 'invalid_resource', 500011, `The resource principal named ${r} was not found in the tenant. The rehearsal cloud knows ${RESOURCES.join(' and ')}.`);
    }
    if (resource && resource !== r) throw new OAuthError(400, 'invalid_scope', 28000, 'Provide scopes for one resource only.');
    resource = r;
    names.push(name);
  }
  return { resource: resource ?? GRAPH_RESOURCE, names };
}

function delegatedScp(resource: string, names: string[]): string {
  const explicit = names.filter((n) => n !== '.default');
  if (explicit.length) return explicit.join(' ');
  return resource === VAULT_RESOURCE || resource === MANAGEMENT_RESOURCE ? 'user_impersonation' : 'Application.ReadWrite.All User.Read';
}

function clientInfo(u: User): string {
  return b64url(Buffer.from(JSON.stringify({ uid: u.oid, utid: u.tenantId })));
}

function userTokens(ctx: CloudContext, u: User, app: AppRegistration, scopes: string[], nonce?: string): Record<string, unknown> {
  const { resource, names } = resourceOf(scopes);
  const iat = nowSeconds(ctx);
  const exp = iat + ctx.tokenLifetimeSeconds;
  const common = { iss: issuer(ctx, u.tenantId), iat, nbf: iat, exp, tid: u.tenantId, oid: u.oid, sub: u.oid, ver: '2.0' };
  const access = ctx.signer.sign({
    ...common,
    aud: resource,
    azp: app.appId,
    appid: app.appId,
    scp: delegatedScp(resource, names),
    preferred_username: u.username,
    name: u.displayName,
    uti: crypto.randomBytes(12).toString('base64url'),
    xms_rh_ms: ctx.now().getTime(),
  });
  const idToken = ctx.signer.sign({ ...common, aud: app.appId, preferred_username: u.username, name: u.displayName, ...(nonce ? { nonce } : {}) });
  const refresh = crypto.randomBytes(48).toString('base64url');
  ctx.state.refreshTokens = ctx.state.refreshTokens.filter((r) => r.expiresAt > iat);
  ctx.state.refreshTokens.push({ hash: sha256(refresh), oid: u.oid, tenantId: u.tenantId, clientId: app.appId, scopes, expiresAt: iat + REFRESH_LIFETIME_S });
  ctx.store.save();
  return {
    token_type: 'Bearer',
    scope: scopes.join(' '),
    expires_in: ctx.tokenLifetimeSeconds,
    ext_expires_in: ctx.tokenLifetimeSeconds,
    access_token: access,
    refresh_token: refresh,
    id_token: idToken,
    client_info: clientInfo(u),
  };
}

function scopesOf(p: URLSearchParams): string[] {
  return (p.get('scope') ?? '').split(/\s+/).filter(Boolean);
}

function requireParam(p: URLSearchParams, name: string): string {
  const v = p.get(name);
  if (!v) throw new OAuthError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
  return v;
}

function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]');
  } catch {
    return false;
  }
}

function discovery(ctx: CloudContext, t: Tenant): Record<string, unknown> {
  const base = `${ctx.baseUrl()}/${t.id}`;
  return {
    issuer: issuer(ctx, t.id),
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    userinfo_endpoint: `${ctx.baseUrl()}/oidc/userinfo`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256', 'plain'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'nonce', 'oid', 'preferred_username', 'tid', 'ver'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'rehearsal.localhost',
    request_uri_parameter_supported: false,
  };
}

interface AuthorizeRequest {
  tenant: Tenant;
  app: AppRegistration;
  params: URLSearchParams;
  redirectUri: string;
}

/** Validates what must never be echoed to a redirect (client and redirect URI); other errors go back by form_post. */
function checkAuthorize(ctx: CloudContext, tenant: Tenant, params: URLSearchParams): AuthorizeRequest | string {
  const app = findApp(ctx, params.get('client_id'));
  if (!app) return `AADSTS700016: Application with identifier '${params.get('client_id') ?? ''}' was not found in the rehearsal cloud. Use a client ID from the rehearsal descriptor.`;
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!isLoopbackRedirect(redirectUri)) return `AADSTS50011: The redirect URI '${redirectUri}' is not a loopback (http://localhost) address; the rehearsal cloud accepts only native-app loopback redirects.`;
  return { tenant, app, params, redirectUri };
}

function authorizeProblem(p: URLSearchParams): string | null {
  if (p.get('response_type') !== 'code') return 'AADSTS70000: response_type must be "code".';
  if (!p.get('code_challenge')) return 'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption (code_challenge missing).';
  const m = p.get('code_challenge_method') ?? 'plain';
  if (m !== 'S256' && m !== 'plain') return `AADSTS501491: Invalid code_challenge_method '${m}'.`;
  try {
    resourceOf(scopesOf(p));
  } catch (e) {
    return e instanceof OAuthError ? `AADSTS${e.aadsts}: ${e.message}` : String(e);
  }
  return null;
}

async function handleAuthorize(ctx: CloudContext, tenant: Tenant, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const params = req.method === 'POST' ? parseForm(await readBody(req)) : url.searchParams;
  const checked = checkAuthorize(ctx, tenant, params);
  if (typeof checked === 'string') return sendHtml(res, 400, errorPage(checked));
  const state = params.get('state');
  const back = (fields: Record<string, string>) => sendHtml(res, 200, autoPostPage(checked.redirectUri, { ...fields, ...(state !== null ? { state } : {}) }));
  const problem = authorizeProblem(params);
  if (problem) return back({ error: 'invalid_request', error_description: problem });
  if (req.method === 'GET' || !params.get('rehearsal_user')) {
    const users = ctx.state.users.filter((u) => u.tenantId === tenant.id);
    const fields = [...params.entries()].filter(([k]) => k !== 'rehearsal_user' && k !== 'rehearsal_cancel');
    return sendHtml(res, 200, signInPage(tenant, checked.app, users, `${ctx.baseUrl()}/${tenant.id}/oauth2/v2.0/authorize`, fields, params.get('login_hint')));
  }
  if (params.get('rehearsal_cancel')) return back({ error: 'access_denied', error_description: 'AADSTS65004: The key holder declined to sign in.' });
  const user = ctx.state.users.find((u) => u.oid === params.get('rehearsal_user') && u.tenantId === tenant.id);
  if (!user) return sendHtml(res, 400, errorPage('AADSTS50034: That user account does not exist in this tenant.'));
  const code = crypto.randomBytes(32).toString('base64url');
  ctx.authCodes.set(code, {
    code,
    clientId: checked.app.appId,
    redirectUri: checked.redirectUri,
    codeChallenge: params.get('code_challenge')!,
    codeChallengeMethod: params.get('code_challenge_method') ?? 'plain',
    scopes: scopesOf(params),
    oid: user.oid,
    tenantId: tenant.id,
    ...(params.get('nonce') ? { nonce: params.get('nonce')! } : {}),
    expiresAt: nowSeconds(ctx) + AUTH_CODE_LIFETIME_S,
  });
  return back({ code, client_info: clientInfo(user) });
}

function grantAuthorizationCode(ctx: CloudContext, tenant: Tenant, p: URLSearchParams): Record<string, unknown> {
  const code = requireParam(p, 'code');
  const verifier = requireParam(p, 'code_verifier');
  const entry = ctx.authCodes.get(code);
  // Single use: a replayed code is refused even if the first redemption failed.
  ctx.authCodes.delete(code);
  if (!entry || entry.tenantId !== tenant.id) throw new OAuthError(400, 'invalid_grant', 70000, 'The provided authorization code is invalid or has already been used.');
  if (entry.expiresAt < nowSeconds(ctx)) throw new OAuthError(400, 'invalid_grant', 70008, 'The provided authorization code has expired. Sign in again.');
  if (entry.clientId !== p.get('client_id')) throw new OAuthError(400, 'invalid_grant', 70000, 'The authorization code was issued to a different client.');
  if (entry.redirectUri !== p.get('redirect_uri')) throw new OAuthError(400, 'invalid_grant', 50148, 'The redirect_uri does not match the one used to obtain the authorization code.');
  const computed = entry.codeChallengeMethod === 'S256' ? crypto.createHash('sha256').update(verifier).digest('base64url') : verifier;
  if (computed !== entry.codeChallenge) throw new OAuthError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
  const user = ctx.state.users.find((u) => u.oid === entry.oid)!;
  const app = findApp(ctx, entry.clientId)!;
  refusePublicClientOff(app, p);
  const requested = scopesOf(p);
  return userTokens(ctx, user, app, requested.length ? requested : entry.scopes, entry.nonce);
}

function grantRefresh(ctx: CloudContext, tenant: Tenant, p: URLSearchParams): Record<string, unknown> {
  const token = requireParam(p, 'refresh_token');
  const hash = sha256(token);
  const entry = ctx.state.refreshTokens.find((r) => r.hash === hash);
  const bad = (msg: string) => new OAuthError(400, 'invalid_grant', 9002313, msg, 'bad_token');
  if (!entry || entry.tenantId !== tenant.id) throw bad('Invalid request. The refresh token is not known to this tenant; sign in again.');
  if (entry.expiresAt < nowSeconds(ctx)) throw bad('The refresh token has expired due to inactivity; sign in again.');
  if (entry.clientId !== p.get('client_id')) throw bad('The refresh token was issued to a different client.');
  const user = ctx.state.users.find((u) => u.oid === entry.oid);
  const app = findApp(ctx, entry.clientId);
  if (!user || !app) throw bad('The user or application behind this refresh token no longer exists.');
  ctx.state.refreshTokens = ctx.state.refreshTokens.filter((r) => r.hash !== hash);
  const requested = scopesOf(p);
  return userTokens(ctx, user, app, requested.length ? requested : entry.scopes);
}

function grantDeviceCode(ctx: CloudContext, tenant: Tenant, p: URLSearchParams): Record<string, unknown> {
  const dc = p.get('device_code') ?? p.get('code') ?? '';
  const entry = ctx.deviceCodes.get(dc);
  if (!entry || entry.tenantId !== tenant.id || entry.clientId !== p.get('client_id')) throw new OAuthError(400, 'invalid_grant', 70000, 'The device code is not known.');
  if (entry.expiresAt < nowSeconds(ctx)) {
    ctx.deviceCodes.delete(dc);
    throw new OAuthError(400, 'expired_token', 70019, 'Verification code expired. Start the device sign-in again.');
  }
  if (!entry.oid) throw new OAuthError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
  ctx.deviceCodes.delete(dc);
  const user = ctx.state.users.find((u) => u.oid === entry.oid)!;
  const app = findApp(ctx, entry.clientId)!;
  refusePublicClientOff(app, p);
  return userTokens(ctx, user, app, entry.scopes);
}

/** Entra with "Allow public client flows" off treats the app as confidential: a code redeemed without a secret is refused. */
function refusePublicClientOff(app: AppRegistration, p: URLSearchParams): void {
  if (app.publicClientFlows === false && !p.get('client_secret') && !p.get('client_assertion')) {
    throw new OAuthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
}

function grantClientCredentials(ctx: CloudContext, tenant: Tenant, p: URLSearchParams, basic: { id: string; secret: string } | null): Record<string, unknown> {
  const clientId = basic?.id ?? requireParam(p, 'client_id');
  const secret = basic?.secret ?? p.get('client_secret');
  const app = findApp(ctx, clientId);
  if (!app || app.tenantId !== tenant.id) {
    throw new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.id}'.`);
  }
  if (!secret) throw new OAuthError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  const scopes = scopesOf(p);
  if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) {
    throw new OAuthError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.');
  }
  const { resource } = resourceOf(scopes);
  const hash = sha256(secret);
  const cred = app.passwordCredentials.find((c) => c.secretHash === hash);
  if (!cred) {
    throw new OAuthError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app ' + `'${app.appId}'.`);
  }
  const now = ctx.now().getTime();
  if (Date.parse(cred.endDateTime) <= now) throw new OAuthError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${app.appId}' are expired. Create a new client secret for the app.`);
  if (Date.parse(cred.startDateTime) > now) throw new OAuthError(401, 'invalid_client', 7000215, `The client secret for app '${app.appId}' is not valid yet.`);
  const iat = nowSeconds(ctx);
  const access = ctx.signer.sign({
    aud: resource,
    iss: issuer(ctx, tenant.id),
    iat,
    nbf: iat,
    exp: iat + ctx.tokenLifetimeSeconds,
    tid: tenant.id,
    oid: app.objectId,
    sub: app.objectId,
    azp: app.appId,
    appid: app.appId,
    idtyp: 'app',
    roles: resource === GRAPH_RESOURCE ? ['Application.ReadWrite.OwnedBy'] : [],
    ver: '2.0',
    uti: crypto.randomBytes(12).toString('base64url'),
    xms_rh_ms: now,
  });
  return { token_type: 'Bearer', expires_in: ctx.tokenLifetimeSeconds, ext_expires_in: ctx.tokenLifetimeSeconds, access_token: access };
}

function basicAuth(req: IncomingMessage): { id: string; secret: string } | null {
  const h = req.headers.authorization;
  if (!h?.startsWith('Basic ')) return null;
  const text = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { id: decodeURIComponent(text.slice(0, i)), secret: decodeURIComponent(text.slice(i + 1)) };
}

async function handleToken(ctx: CloudContext, tenant: Tenant, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError(400, 'invalid_request', 900144, 'The request body must be application/x-www-form-urlencoded.');
  }
  const p = parseForm(await readBody(req));
  const grant = requireParam(p, 'grant_type');
  let body: Record<string, unknown>;
  switch (grant) {
    case 'authorization_code':
      body = grantAuthorizationCode(ctx, tenant, p);
      break;
    case 'refresh_token':
      body = grantRefresh(ctx, tenant, p);
      break;
    case 'urn:ietf:params:oauth:grant-type:device_code':
    case 'device_code':
      body = grantDeviceCode(ctx, tenant, p);
      break;
    case 'client_credentials':
      body = grantClientCredentials(ctx, tenant, p, basicAuth(req));
      break;
    default:
      throw new OAuthError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
  }
  sendJson(res, 200, body);
}

function newUserCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...crypto.randomBytes(9)].map((b) => alphabet[b % alphabet.length]).join('');
}

async function handleDeviceCode(ctx: CloudContext, tenant: Tenant, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
  const p = parseForm(await readBody(req));
  const app = findApp(ctx, requireParam(p, 'client_id'));
  if (!app) throw new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${p.get('client_id')}' was not found in the rehearsal cloud.`);
  const scopes = scopesOf(p);
  resourceOf(scopes);
  const deviceCode = crypto.randomBytes(32).toString('base64url');
  const userCode = newUserCode();
  ctx.deviceCodes.set(deviceCode, { deviceCode, userCode, clientId: app.appId, tenantId: tenant.id, scopes, expiresAt: nowSeconds(ctx) + DEVICE_CODE_LIFETIME_S });
  const verificationUri = `${ctx.baseUrl()}/devicelogin`;
  sendJson(res, 200, {
    user_code: userCode,
    device_code: deviceCode,
    verification_uri: verificationUri,
    expires_in: DEVICE_CODE_LIFETIME_S,
    interval: ctx.deviceCodeIntervalSeconds,
    message: `To sign in to the rehearsal cloud, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
  });
}

/** The page a key holder opens from another device: enter the code, pick a rehearsal user. */
async function handleDeviceLogin(ctx: CloudContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const action = `${ctx.baseUrl()}/devicelogin`;
  if (req.method === 'GET') return sendHtml(res, 200, deviceCodeEntryPage(action, null));
  if (req.method !== 'POST') return sendHtml(res, 405, errorPage('Use the form on this page.'));
  const p = parseForm(await readBody(req));
  const typed = (p.get('code') ?? '').replace(/[\s-]/g, '').toUpperCase();
  const entry = [...ctx.deviceCodes.values()].find((d) => d.userCode === typed && d.expiresAt >= nowSeconds(ctx) && !d.oid);
  if (!entry) return sendHtml(res, 400, deviceCodeEntryPage(action, 'That code is not valid or has expired. Check the code your device shows and try again.'));
  const tenant = ctx.state.tenants.find((t) => t.id === entry.tenantId)!;
  const app = findApp(ctx, entry.clientId)!;
  const chosen = p.get('rehearsal_user');
  if (!chosen) return sendHtml(res, 200, deviceCodeUserPage(action, typed, tenant, app, ctx.state.users.filter((u) => u.tenantId === tenant.id)));
  const user = ctx.state.users.find((u) => u.oid === chosen && u.tenantId === tenant.id);
  if (!user) return sendHtml(res, 400, errorPage('That user account does not exist in this tenant.'));
  entry.oid = user.oid;
  return sendHtml(res, 200, deviceDonePage(app, user));
}

/** Routes Entra requests on the localhost host; returns false when the path is not Entra's. */
export async function handleEntra(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const parts = url.pathname.split('/').filter(Boolean);
  try {
    if (parts[0] === 'devicelogin' && parts.length === 1) {
      await handleDeviceLogin(ctx, req, res);
      return true;
    }
    if (parts.length < 2) return false;
    const rest = parts.slice(1).join('/');
    const known = ['v2.0/.well-known/openid-configuration', 'discovery/v2.0/keys', 'oauth2/v2.0/authorize', 'oauth2/v2.0/token', 'oauth2/v2.0/devicecode', 'oauth2/v2.0/logout'];
    if (!known.includes(rest)) return false;
    const tenant = findTenant(ctx, decodeURIComponent(parts[0]!));
    if (!tenant) {
      throw new OAuthError(400, 'invalid_tenant', 90002, `Tenant '${parts[0]}' not found. Check the tenant ID in the rehearsal descriptor; only its tenants exist here.`);
    }
    switch (rest) {
      case 'v2.0/.well-known/openid-configuration':
        sendJson(res, 200, discovery(ctx, tenant));
        break;
      case 'discovery/v2.0/keys':
        sendJson(res, 200, { keys: [ctx.signer.publicJwk] });
        break;
      case 'oauth2/v2.0/authorize':
        await handleAuthorize(ctx, tenant, req, res, url);
        break;
      case 'oauth2/v2.0/token':
        await handleToken(ctx, tenant, req, res);
        break;
      case 'oauth2/v2.0/devicecode':
        await handleDeviceCode(ctx, tenant, req, res);
        break;
      case 'oauth2/v2.0/logout':
        sendHtml(res, 200, errorPage('You have signed out of the rehearsal cloud. You can close this window.'));
        break;
    }
    return true;
  } catch (e) {
    if (e instanceof OAuthError) {
      sendOAuthError(res, e);
      return true;
    }
    if (e instanceof BodyTooLarge) {
      sendOAuthError(res, new OAuthError(400, 'invalid_request', 90014, `The request body is too large (${e.message}).`));
      return true;
    }
    throw e;
  }
}
