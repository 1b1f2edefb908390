/**
 * Microsoft Graph v1.0, the part the ceremony needs: applications with their
 * password credentials (get, addPassword, removePassword) and the tenant's
 * defaultAppManagementPolicy (longest password lifetime allowed).
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

function sendGraphError(res: ServerResponse, e: GraphError): void {
  sendJson(res, e.status, { error: { code: e.code, message: e.message, innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID(), 'client-request-id': crypto.randomUUID() } } });
}

/** ISO 8601 duration to milliseconds (days, hours, minutes, seconds; years as 365 days). */
export function durationMs(d: string): number | null {
  const m = /^P(?:(\d+)Y)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d);
  if (!m || d === 'P' || d.endsWith('T')) return null;
  const [, y, days, h, min, s] = m.map((x) => Number(x ?? 0));
  return ((((y! * 365 + days!) * 24 + h!) * 60 + min!) * 60 + s!) * 1000;
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

function authenticate(ctx: CloudContext, req: IncomingMessage): { tid: string } {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  const claims = ctx.signer.verify(m[1]!);
  if (!claims) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid signature.');
  if (String(claims.aud ?? '').replace(/\/$/, '') !== GRAPH_RESOURCE) throw new GraphError(401, 'InvalidAuthenticationToken', `Access token validation failure. Invalid audience; use the scope ${GRAPH_RESOURCE}/.default.`);
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.now().getTime()) throw new GraphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
  if (typeof claims.xms_rh_ms !== 'number' || claims.xms_rh_ms < ctx.state.tokensNotBefore) throw new GraphError(401, 'InvalidAuthenticationToken', 'The token was revoked by the rehearsal administrator.');
  return { tid: String(claims.tid) };
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString('utf8');
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new GraphError(400, 'BadRequest', 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

function parseDate(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new GraphError(400, 'Request_BadRequest', `Invalid value specified for property '${field}' of resource 'PasswordCredential'.`);
  return t;
}

async function addPassword(ctx: CloudContext, a: AppRegistration, req: IncomingMessage): Promise<unknown> {
  const b = await jsonBody(req);
  const pc = (b.passwordCredential ?? {}) as Record<string, unknown>;
  if (typeof pc !== 'object' || Array.isArray(pc)) throw new GraphError(400, 'Request_BadRequest', 'passwordCredential must be an object.');
  if (pc.displayName !== undefined && pc.displayName !== null && (typeof pc.displayName !== 'string' || pc.displayName.length > 256)) {
    throw new GraphError(400, 'Request_BadRequest', 'displayName must be a string of at most 256 characters.');
  }
  const now = ctx.now().getTime();
  const start = parseDate(pc.startDateTime, 'startDateTime') ?? now;
  const maxMs = durationMs(ctx.state.maxPasswordLifetime) ?? 730 * 86400_000;
  const end = parseDate(pc.endDateTime, 'endDateTime') ?? start + Math.min(maxMs, 730 * 86400_000);
  if (end <= start) throw new GraphError(400, 'Request_BadRequest', 'endDateTime must be after startDateTime.');
  if (end - start > maxMs) {
    throw new GraphError(400, 'CredentialInvalidLifetimeAsPerAppPolicy', `Credential lifetime exceeds the max value allowed as per assigned policy (${ctx.state.maxPasswordLifetime}). Choose an endDateTime closer to the start.`);
  }
  if (a.passwordCredentials.length >= 100) throw new GraphError(400, 'Request_BadRequest', 'The application has too many password credentials; remove some first.');
  const text = newSecretText();
  const cred = newPasswordCredential(text, typeof pc.displayName === 'string' ? pc.displayName : null, new Date(start), new Date(end));
  a.passwordCredentials.push(cred);
  ctx.store.save();
  return { '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#microsoft.graph.passwordCredential`, ...credentialJson(cred, text) };
}

async function removePassword(ctx: CloudContext, a: AppRegistration, req: IncomingMessage): Promise<void> {
  const b = await jsonBody(req);
  if (typeof b.keyId !== 'string' || !/^[0-9a-f-]{36}$/i.test(b.keyId)) throw new GraphError(400, 'Request_BadRequest', "The request must name the password's keyId (a GUID).");
  const before = a.passwordCredentials.length;
  a.passwordCredentials = a.passwordCredentials.filter((c) => c.keyId !== (b.keyId as string).toLowerCase());
  if (a.passwordCredentials.length === before) throw new GraphError(400, 'Request_BadRequest', `No password credential with keyId ${b.keyId} exists on this application.`);
  if (a.seedSecret && a.seedSecret.keyId === b.keyId) delete a.seedSecret;
  ctx.store.save();
}

async function patchPolicy(ctx: CloudContext, req: IncomingMessage): Promise<void> {
  const b = await jsonBody(req);
  const pcs = (b.applicationRestrictions as { passwordCredentials?: { restrictionType?: string; maxLifetime?: string }[] } | undefined)?.passwordCredentials;
  const life = pcs?.find((p) => p.restrictionType === 'passwordLifetime')?.maxLifetime;
  if (typeof life !== 'string' || durationMs(life) === null || durationMs(life)! <= 0) {
    throw new GraphError(400, 'Request_BadRequest', 'Give applicationRestrictions.passwordCredentials with restrictionType passwordLifetime and maxLifetime as an ISO 8601 duration such as P180D.');
  }
  ctx.state.maxPasswordLifetime = life;
  ctx.store.save();
}

export async function handleGraph(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = decodeURIComponent(url.pathname);
  if (!path.startsWith('/v1.0/')) return false;
  try {
    const { tid } = authenticate(ctx, req);
    const m = req.method ?? 'GET';
    if (path === '/v1.0/policies/defaultAppManagementPolicy') {
      if (m === 'GET') return sendJson(res, 200, policyJson(ctx)), true;
      if (m === 'PATCH') return await patchPolicy(ctx, req), sendJson(res, 204, undefined), true;
      throw new GraphError(405, 'Request_BadRequest', `${m} is not supported here.`);
    }
    if (path === '/v1.0/applications' && m === 'GET') {
      const f = /^appId eq '([0-9a-f-]{36})'$/i.exec(url.searchParams.get('$filter') ?? '');
      const apps = ctx.state.apps.filter((a) => a.tenantId === tid && (!f || a.appId === f[1]!.toLowerCase()));
      sendJson(res, 200, { '@odata.context': `${ctx.baseUrl()}/v1.0/$metadata#applications`, value: apps.map((a) => appJson(ctx, a)) });
      return true;
    }
    const am = /^\/v1\.0\/applications(?:\(appId='([^']*)'\)|\/([^/]+))(?:\/(addPassword|removePassword))?$/.exec(path);
    if (!am) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[2] ?? ''}'.`);
    const [, appId, objectId, action] = am;
    const a = ctx.state.apps.find((x) => x.tenantId === tid && (appId !== undefined ? x.appId === appId.toLowerCase() : x.objectId === objectId!.toLowerCase()));
    if (!a) throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${appId ?? objectId}' does not exist or one of its queried reference-property objects are not present.`);
    if (!action && m === 'GET') return sendJson(res, 200, appJson(ctx, a)), true;
    if (action === 'addPassword' && m === 'POST') return sendJson(res, 200, await addPassword(ctx, a, req)), true;
    if (action === 'removePassword' && m === 'POST') return await removePassword(ctx, a, req), sendJson(res, 204, undefined), true;
    throw new GraphError(405, 'Request_BadRequest', `${m} is not supported on ${path}.`);
  } catch (e) {
    if (e instanceof GraphError) return sendGraphError(res, e), true;
    if (e instanceof BodyTooLarge) return sendGraphError(res, new GraphError(400, 'Request_BadRequest', 'The request body is too large.')), true;
    throw e;
  }
}
