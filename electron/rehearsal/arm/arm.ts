/**
 * A small stand-in for Azure Resource Manager: just enough to read a key
 * vault's properties. Key Vault's data plane does not say whether a vault has
 * soft delete or purge protection; in Azure that comes from
 * `GET https://management.azure.com/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}`
 * (properties.enableSoftDelete, enablePurgeProtection, softDeleteRetentionInDays),
 * found through the subscriptions list and the resources list, as served here.
 *
 * Each rehearsal tenant has one subscription (a GUID derived from the tenant
 * ID) and one resource group, "rehearsal". Tokens must be for the management
 * resource; a vault is visible to principals that have a role on it.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MANAGEMENT_RESOURCE, nowSeconds, type CloudContext } from '../context';
import { sendJson } from '../http';
import type { Vault } from '../state';

const RESOURCE_GROUP = 'rehearsal';

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The rehearsal subscription of a tenant: stable across restarts, never equal to the tenant ID. */
export function subscriptionOf(tenantId: string): string {
  const h = crypto.createHash('sha256').update(`rehearsal-subscription\n${tenantId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function caller(ctx: CloudContext, req: IncomingMessage): { tid: string; principals: string[] } {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new ArmError(401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
  const claims = ctx.signer.verify(m[1]!);
  if (!claims) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  const aud = String(claims.aud ?? '').replace(/\/$/, '');
  if (aud !== MANAGEMENT_RESOURCE) throw new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for the wrong audience or resource '${aud}'. It should be '${MANAGEMENT_RESOURCE}/'.`);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds(ctx)) throw new ArmError(401, 'ExpiredAuthenticationToken', 'The access token expiry has passed.');
  if (typeof claims.xms_rh_ms !== 'number' || claims.xms_rh_ms < ctx.state.tokensNotBefore) throw new ArmError(401, 'ExpiredAuthenticationToken', 'The access token has been revoked.');
  const principals = [claims.oid, claims.idtyp === 'app' ? claims.azp : undefined].filter((x): x is string => typeof x === 'string');
  return { tid: String(claims.tid ?? ''), principals };
}

/** What each rehearsal role allows, as Azure's built-in role definitions say (the parts Key Holder looks at). */
const ROLE_PERMISSIONS: Record<string, { actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }> = {
  Reader: { actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] },
  'Key Vault Crypto Officer': {
    actions: ['Microsoft.Authorization/*/read', 'Microsoft.Resources/deployments/*', 'Microsoft.Resources/subscriptions/resourceGroups/read', 'Microsoft.KeyVault/checkNameAvailability/read', 'Microsoft.KeyVault/deletedVaults/read', 'Microsoft.KeyVault/locations/*/read', 'Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/operations/read'],
    notActions: [],
    dataActions: ['Microsoft.KeyVault/vaults/keys/*', 'Microsoft.KeyVault/vaults/keyrotationpolicies/*'],
    notDataActions: [],
  },
};

function vaultId(v: Vault): string {
  return `/subscriptions/${subscriptionOf(v.tenantId)}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/${v.name}`;
}

function vaultResource(ctx: CloudContext, v: Vault): Record<string, unknown> {
  return {
    id: vaultId(v),
    name: v.name,
    type: 'Microsoft.KeyVault/vaults',
    location: 'rehearsal',
    tags: {},
    properties: {
      tenantId: v.tenantId,
      sku: { family: 'A', name: 'premium' },
      vaultUri: `https://${v.name}.vault.rehearsal.localhost:${ctx.port()}/`,
      enableRbacAuthorization: true,
      // ARM omits enableSoftDelete/enablePurgeProtection when off on older vaults; the rehearsal always says.
      enableSoftDelete: v.softDelete,
      ...(v.softDelete ? { softDeleteRetentionInDays: v.retentionDays } : {}),
      ...(v.purgeProtection ? { enablePurgeProtection: true } : {}),
      provisioningState: 'Succeeded',
    },
  };
}

function visible(ctx: CloudContext, v: Vault, who: { tid: string; principals: string[] }): boolean {
  return v.tenantId === who.tid && ctx.state.roleAssignments.some((a) => a.vaultName === v.name && who.principals.includes(a.principalId));
}

/** Answers ARM paths on the local host; false for anything else. */
export async function handleArm(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const p = url.pathname;
  if (p !== '/subscriptions' && !p.startsWith('/subscriptions/')) return false;
  try {
    if ((req.method ?? 'GET') !== 'GET') throw new ArmError(405, 'MethodNotAllowed', 'The rehearsal resource manager only reads.');
    if (!new URLSearchParams(url.search).get('api-version')) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    const who = caller(ctx, req);
    const tenant = ctx.state.tenants.find((t) => t.id === who.tid);
    if (!tenant) throw new ArmError(401, 'InvalidAuthenticationToken', 'The token names no rehearsal tenant.');
    const sub = subscriptionOf(tenant.id);
    if (p === '/subscriptions') {
      return sendJson(res, 200, { value: [{ id: `/subscriptions/${sub}`, subscriptionId: sub, tenantId: tenant.id, displayName: `${tenant.displayName} (rehearsal)`, state: 'Enabled' }] }), true;
    }
    const seg = p.split('/').filter(Boolean);
    if (seg[1]?.toLowerCase() !== sub) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${seg[1] ?? ''}' could not be found.`);
    if (seg.length === 3 && seg[2]!.toLowerCase() === 'resources') {
      // Only the $filter forms the app sends: resourceType eq '...' [and name eq '...'].
      const filter = new URLSearchParams(url.search).get('$filter') ?? '';
      const type = /resourceType eq '([^']+)'/i.exec(filter)?.[1];
      const name = /name eq '([^']+)'/i.exec(filter)?.[1];
      const vaults = ctx.state.vaults.filter((v) => visible(ctx, v, who) && (!type || type.toLowerCase() === 'microsoft.keyvault/vaults') && (!name || name.toLowerCase() === v.name));
      return sendJson(res, 200, { value: vaults.map((v) => ({ id: vaultId(v), name: v.name, type: 'Microsoft.KeyVault/vaults', location: 'rehearsal' })) }), true;
    }
    // Permissions - List For Resource: what the caller may do on the vault (its roles' actions and data actions).
    const isPermissions = seg.length === 11 && seg[8]!.toLowerCase() === 'providers' && seg[9]!.toLowerCase() === 'microsoft.authorization' && seg[10]!.toLowerCase() === 'permissions';
    if (isPermissions) {
      const v = seg[3]!.toLowerCase() === RESOURCE_GROUP ? ctx.state.vaults.find((x) => x.name === seg[7]!.toLowerCase()) : undefined;
      if (!v || v.tenantId !== tenant.id || !visible(ctx, v, who)) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.KeyVault/vaults/${seg[7]}' under resource group '${seg[3]}' was not found.`);
      const roles = ctx.state.roleAssignments.filter((a) => a.vaultName === v.name && who.principals.includes(a.principalId)).map((a) => a.role);
      return sendJson(res, 200, { value: [...new Set(roles)].map((r) => ROLE_PERMISSIONS[r]) }), true;
    }
    const isVault = seg.length === 8 && seg[2]!.toLowerCase() === 'resourcegroups' && seg[4]!.toLowerCase() === 'providers' && seg[5]!.toLowerCase() === 'microsoft.keyvault' && seg[6]!.toLowerCase() === 'vaults';
    if (isVault) {
      const v = seg[3]!.toLowerCase() === RESOURCE_GROUP ? ctx.state.vaults.find((x) => x.name === seg[7]!.toLowerCase()) : undefined;
      if (!v || v.tenantId !== tenant.id) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.KeyVault/vaults/${seg[7]}' under resource group '${seg[3]}' was not found.`);
      if (!visible(ctx, v, who)) {
        throw new ArmError(403, 'AuthorizationFailed', `The client '${who.principals[0] ?? ''}' does not have authorization to perform action 'Microsoft.KeyVault/vaults/read' over scope '${vaultId(v)}'.`);
      }
      return sendJson(res, 200, vaultResource(ctx, v)), true;
    }
    throw new ArmError(404, 'NotFound', `The rehearsal resource manager has nothing at ${p}.`);
  } catch (e) {
    if (e instanceof ArmError) return sendJson(res, e.status, { error: { code: e.code, message: e.message } }), true;
    throw e;
  }
}
