/**
 * Microsoft Graph v1.0, the part the ceremony needs: applications with their
 * password and key credentials (get, addPassword, removePassword, the app's
 * appManagementPolicies), the tenant's defaultAppManagementPolicy (longest
 * password lifetime allowed), and JSON batching (`POST /v1.0/$batch`, at most
 * 20 requests, each answered on its own as Graph does).
 *
 * Writes follow Graph's permission model closely enough to rehearse a 403: a
 * delegated token needs Application.ReadWrite.All and its user must own the
 * application; an app-only token with Application.ReadWrite.OwnedBy may
 * change only applications it owns (itself included).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudContext, GRAPH_RESOURCE } from '../context';
import { BodyTooLarge, readBody, sendJson } from '../http';
import { newPasswordCredential, newSecretText, type AppRegistration, type PasswordCredential } from '../state';

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function graphErrorBody(e: GraphError): Record<string, unknown> {
  return { error: { code: e.code, message: e.message, innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID(), 'client-request-id': crypto.randomUUID() } } };
}

/** ISO 8601 duration to milliseconds (days, hours, minutes, seconds; years as 365 days). */
function durationMs(d: string): number | null {
  const m = /^P(?:(\d+)Y)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d);
  if (!m || d === 'P' || d.endsWith('T')) return null;
  const [, y, days, h, min, s] = m.map((x) => Number(x ?? 0));
  return ((((y! * 365 + days!) * 24 + h!) * 60 + min!) * 60 + s!) * 1000;
}

const BATCH_LIMIT = 20;

interface Caller {
  tid: string;
  oid: string;
  scp: string[];
  roles: string[];
}

interface GraphAnswer {
  status: number;
  body?: unknown;
}

function credentialJson(c: PasswordCredential, secretText: string | null = null): Record<string, unknown> {
  return { customKeyIdentifier: null, displayName: c.displayName, endDateTime: c.endDateTime, hint: c.hint, keyId: c.keyId, secretText, startDateTime: c.startDateTime };
}

function appJson(ctx: CloudContext, a: AppRegistration): Record<string, unknown> {
  return {
    '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#applications/$entity`,
    id: a.objectId,
    appId: a.appId,
    displayName: a.displayName,
    createdDateTime: a.createdDateTime,
    signInAudience: 'AzureADMyOrg',
    publisherDomain: ctx.state.tenants.find((t) => t.id === a.tenantId)?.domain ?? null,
    passwordCredentials: a.passwordCredentials.map((c) => credentialJson(c)),
    keyCredentials: a.keyCredentials.map((k) => ({ customKeyIdentifier: null, displayName: k.displayName, endDateTime: k.endDateTime, key: null, keyId: k.keyId, startDateTime: k.startDateTime, type: k.type, usage: k.usage })),
  };
}

/** `$select`: Graph returns only the named properties (plus the context). */
function selected(body: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return body;
  const keep = new Set(select.split(',').map((s) => s.trim()).filter(Boolean));
  return Object.fromEntries(Object.entries(body).filter(([k]) => k.startsWith('@odata') || keep.has(k)));
}

function policyJson(ctx: CloudContext): Record<string, unknown> {
  return {
    '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#policies/defaultAppManagementPolicy/$entity`,
    id: '00000000-0000-0000-0000-000000000000',
    displayName: 'Default app management tenant policy',
    description: 'Default tenant policy that enforces app management restrictions on applications and service principals.',
    isEnabled: true,
    applicationRestrictions: {
      passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: ctx.state.maxPasswordLifetime, restrictForAppsCreatedAfterDateTime: '2020-01-01T00:00:00Z' }],
      keyCredentials: [],
    },
    servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
  };
}

function appPoliciesJson(ctx: CloudContext, a: AppRegistration): Record<string, unknown> {
  const p = a.appManagementPolicy;
  return {
    '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#policies/appManagementPolicies`,
    value: p
      ? [
          {
            id: p.id,
            displayName: p.displayName,
            description: 'Assigned to this application by the rehearsal administrator.',
            isEnabled: true,
            restrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: p.maxPasswordLifetime, restrictForAppsCreatedAfterDateTime: null }], keyCredentials: [] },
          },
        ]
      : [],
  };
}

/** The lifetime that governs this app's new passwords: its own policy when assigned, else the tenant default. */
function effectiveLifetime(ctx: CloudContext, a: AppRegistration): string {
  return a.appManagementPolicy?.maxPasswordLifetime ?? ctx.state.maxPasswordLifetime;
}

function authenticate(ctx: CloudContext, req: IncomingMessage): Caller {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  const claims = ctx.signer.verify(m[1]!);
  if (!claims) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid signature.');
  if (String(claims.aud ?? '').replace(/\/$/, '') !== GRAPH_RESOURCE) throw new GraphError(401, 'InvalidAuthenticationToken', `Access token validation failure. Invalid audience; use the scope ${GRAPH_RESOURCE}/.default.`);
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.now().getTime()) throw new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
  if (typeof claims.xms_rh_ms !== 'number' || claims.xms_rh_ms < ctx.state.tokensNotBefore) throw new GraphError(401, 'InvalidAuthenticationToken', 'The token was revoked by the rehearsal administrator.');
  return {
    tid: String(claims.tid),
    oid: String(claims.oid ?? ''),
    scp: typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [],
    roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [],
  };
}

const DENIED = 'Insufficient privileges to complete the operation.';

/** Graph's rule for changing an application's credentials. */
function requireWrite(caller: Caller, a: AppRegistration): void {
  const owns = a.owners === undefined || a.owners.includes(caller.oid) || a.objectId === caller.oid;
  if (caller.roles.includes('Application.ReadWrite.All')) return;
  if (caller.roles.includes('Application.ReadWrite.OwnedBy')) {
    if (a.objectId === caller.oid || (a.owners ?? []).includes(caller.oid)) return;
    throw new GraphError(403, 'Authorization_RequestDenied', DENIED);
  }
  if (!caller.scp.includes('Application.ReadWrite.All')) throw new GraphError(403, 'Authorization_RequestDenied', DENIED);
  if (!owns) throw new GraphError(403, 'Authorization_RequestDenied', DENIED);
}

function objectBody(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new GraphError(400, 'BadRequest', 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}

function parseDate(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new GraphError(400, 'Request_BadRequest', `Invalid value specified for property '${field}' of resource 'PasswordCredential'.`);
  return t;
}

function addPassword(ctx: CloudContext, a: AppRegistration, raw: unknown): unknown {
  const b = objectBody(raw);
  const pc = (b.passwordCredential ?? {}) as Record<string, unknown>;
  if (typeof pc !== 'object' || Array.isArray(pc)) throw new GraphError(400, 'Request_BadRequest', 'passwordCredential must be an object.');
  if (pc.displayName !== undefined && pc.displayName !== null && (typeof pc.displayName !== 'string' || pc.displayName.length > 256)) {
    throw new GraphError(400, 'Request_BadRequest', 'displayName must be a string of at most 256 characters.');
  }
  const now = ctx.now().getTime();
  const start = parseDate(pc.startDateTime, 'startDateTime') ?? now;
  const lifetime = effectiveLifetime(ctx, a);
  const maxMs = Math.min(durationMs(lifetime) ?? 730 * 86400_000, 730 * 86400_000);
  const end = parseDate(pc.endDateTime, 'endDateTime') ?? start + maxMs;
  if (end <= start) throw new GraphError(400, 'Request_BadRequest', 'endDateTime must be after startDateTime.');
  if (end - start > maxMs) {
    throw new GraphError(400, 'CredentialInvalidLifetimeAsPerAppPolicy', `Credential lifetime exceeds the max value allowed as per assigned policy (${lifetime}). Choose an endDateTime closer to the start.`);
  }
  if (a.passwordCredentials.length >= 100) throw new GraphError(400, 'Request_BadRequest', 'The application has too many password credentials; remove some first.');
  const text = newSecretText();
  const cred = newPasswordCredential(text, typeof pc.displayName === 'string' ? pc.displayName : null, new Date(start), new Date(end));
  a.passwordCredentials.push(cred);
  ctx.store.save();
  return { '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#microsoft.graph.passwordCredential`, ...credentialJson(cred, text) };
}

function removePassword(ctx: CloudContext, a: AppRegistration, raw: unknown): void {
  const b = objectBody(raw);
  if (typeof b.keyId !== 'string' || !/^[0-9a-f-]{36}$/i.test(b.keyId)) throw new GraphError(400, 'Request_BadRequest', "The request must name the password's keyId (a GUID).");
  const before = a.passwordCredentials.length;
  a.passwordCredentials = a.passwordCredentials.filter((c) => c.keyId !== (b.keyId as string).toLowerCase());
  if (a.passwordCredentials.length === before) throw new GraphError(400, 'Request_BadRequest', `No password credential with keyId ${b.keyId} exists on this application.`);
  if (a.seedSecret && a.seedSecret.keyId === b.keyId) delete a.seedSecret;
  ctx.store.save();
}

function patchPolicy(ctx: CloudContext, raw: unknown): void {
  const b = objectBody(raw);
  const pcs = (b.applicationRestrictions as { passwordCredentials?: { restrictionType?: string; maxLifetime?: string }[] } | undefined)?.passwordCredentials;
  const life = pcs?.find((p) => p.restrictionType === 'passwordLifetime')?.maxLifetime;
  if (typeof life !== 'string' || durationMs(life) === null || durationMs(life)! <= 0) {
    throw new GraphError(400, 'Request_BadRequest', 'Give applicationRestrictions.passwordCredentials with restrictionType passwordLifetime and maxLifetime as an ISO 8601 duration such as P180D.');
  }
  ctx.state.maxPasswordLifetime = life;
  ctx.store.save();
}

/** One Graph request, answered as a status and body: the HTTP route and each `$batch` member go through here. */
function route(ctx: CloudContext, caller: Caller, method: string, rawPath: string, query: URLSearchParams, body: unknown): GraphAnswer {
  const path = decodeURIComponent(rawPath);
  const { tid } = caller;
  if (path === '/v1.0/policies/defaultAppManagementPolicy') {
    if (method === 'GET') return { status: 200, body: policyJson(ctx) };
    if (method === 'PATCH') return patchPolicy(ctx, body), { status: 204 };
    throw new GraphError(405, 'Request_BadRequest', `${method} is not supported here.`);
  }
  if (path === '/v1.0/applications' && method === 'GET') {
    const f = /^appId eq '([0-9a-f-]{36})'$/i.exec(query.get('$filter') ?? '');
    const apps = ctx.state.apps.filter((a) => a.tenantId === tid && (!f || a.appId === f[1]!.toLowerCase()));
    return { status: 200, body: { '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#applications`, value: apps.map((a) => selected(appJson(ctx, a), query.get('$select'))) } };
  }
  const am = /^\/v1\.0\/applications(?:\(appId='([^']*)'\)|\/([^/]+))(?:\/(addPassword|removePassword|appManagementPolicies))?$/.exec(path);
  if (!am) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[2] ?? ''}'.`);
  const [, appId, objectId, action] = am;
  const a = ctx.state.apps.find((x) => x.tenantId === tid && (appId !== undefined ? x.appId === appId.toLowerCase() : x.objectId === objectId!.toLowerCase()));
  if (!a) throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${appId ?? objectId}' does not exist or one of its queried reference-property objects are not present.`);
  if (!action && method === 'GET') return { status: 200, body: selected(appJson(ctx, a), query.get('$select')) };
  if (action === 'appManagementPolicies' && method === 'GET') return { status: 200, body: appPoliciesJson(ctx, a) };
  if (action === 'addPassword' && method === 'POST') return requireWrite(caller, a), { status: 200, body: addPassword(ctx, a, body) };
  if (action === 'removePassword' && method === 'POST') return requireWrite(caller, a), removePassword(ctx, a, body), { status: 204 };
  throw new GraphError(405, 'Request_BadRequest', `${method} is not supported on ${path}.`);
}

function answer(f: () => GraphAnswer): GraphAnswer {
  try {
    return f();
  } catch (e) {
    if (e instanceof GraphError) return { status: e.status, body: graphErrorBody(e) };
    throw e;
  }
}

/** JSON batching: each member runs on its own (no dependsOn), answered with its own status, in request order. */
function batch(ctx: CloudContext, caller: Caller, raw: unknown): GraphAnswer {
  const b = objectBody(raw);
  const requests = b.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw new GraphError(400, 'BadRequest', 'Invalid batch payload format: give a non-empty "requests" array.');
  if (requests.length > BATCH_LIMIT) throw new GraphError(400, 'BadRequest', `Invalid batch payload format: a batch may hold at most ${BATCH_LIMIT} requests.`);
  const ids = new Set<string>();
  for (const r of requests as Record<string, unknown>[]) {
    if (!r || typeof r !== 'object' || typeof r.id !== 'string' || !r.id || typeof r.method !== 'string' || typeof r.url !== 'string') {
      throw new GraphError(400, 'BadRequest', 'Invalid batch payload format: every request needs an id, a method and a url.');
    }
    if (ids.has(r.id)) throw new GraphError(400, 'BadRequest', `Invalid batch payload format: request id ${r.id} appears twice.`);
    ids.add(r.id);
    if (r.dependsOn !== undefined) throw new GraphError(400, 'BadRequest', 'The rehearsal Graph does not support dependsOn in a batch.');
  }
  const responses = (requests as { id: string; method: string; url: string; body?: unknown }[]).map((r) => {
    const res = answer(() => {
      const rel = r.url.startsWith('/') ? r.url : `/${r.url}`;
      if (/^\/v1\.0\//.test(rel) || /^https?:/i.test(r.url)) throw new GraphError(400, 'BadRequest', 'A batch request url is relative to the version, e.g. /applications/{id}.');
      const u = new URL(`/v1.0${rel}`, 'https://graph.invalid');
      if (u.pathname === '/v1.0/$batch') throw new GraphError(400, 'BadRequest', 'A batch cannot contain a batch.');
      return route(ctx, caller, r.method.toUpperCase(), u.pathname, u.searchParams, r.body);
    });
    return { id: r.id, status: res.status, headers: res.body === undefined ? {} : { 'content-type': 'application/json' }, ...(res.body === undefined ? {} : { body: res.body }) };
  });
  return { status: 200, body: { responses } };
}

export async function handleGraph(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!decodeURIComponent(url.pathname).startsWith('/v1.0/')) return false;
  let out: GraphAnswer;
  try {
    const caller = authenticate(ctx, req);
    const m = req.method ?? 'GET';
    const body = m === 'GET' ? undefined : await jsonBody(req);
    out = answer(() => (url.pathname === '/v1.0/$batch' && m === 'POST' ? batch(ctx, caller, body) : route(ctx, caller, m, url.pathname, url.searchParams, body)));
  } catch (e) {
    if (e instanceof GraphError) out = { status: e.status, body: graphErrorBody(e) };
    else if (e instanceof BodyTooLarge) out = { status: 400, body: graphErrorBody(new GraphError(400, 'Request_BadRequest', 'The request body is too large.')) };
    else throw e;
  }
  sendJson(res, out.status, out.body);
  return true;
}
