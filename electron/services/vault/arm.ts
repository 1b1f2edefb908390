/**
 * A vault's own promises about deleted keys (soft delete, purge protection,
 * retention) are not visible through Key Vault's data plane; Azure Resource
 * Manager has them. Three reads with the holder's own sign-in: their
 * subscriptions, the vault's resource ID among each subscription's resources,
 * then the vault resource (properties.enableSoftDelete, enablePurgeProtection,
 * softDeleteRetentionInDays).
 */
import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { KeyholderError } from '../../../shared/errors/index';
import type { VaultProtection } from './provider';

export interface ManagementEndpoint {
  /** https://management.azure.com (or the cloud's, or the rehearsal's). */
  endpoint: string;
  /** https://management.azure.com/.default */
  scope: string;
}

const SUBSCRIPTIONS_API = '2022-12-01';
const RESOURCES_API = '2021-04-01';
const VAULT_API = '2023-07-01';

interface Answer {
  status: number;
  json: unknown;
}

function get(url: string, token: string, agent: https.Agent | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ...(agent ? { agent } : {}), timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function refused(host: string, a: Answer): KeyholderError {
  if (a.status === 401) return new KeyholderError('identity.sign_in_required', 'Azure Resource Manager no longer accepts your sign-in. Sign in again and retry; nothing was changed.');
  if (a.status === 403) {
    return new KeyholderError(
      'vault.properties_forbidden',
      `Your account may not read the settings of ${host} in Azure Resource Manager: it needs the "Reader" role on the vault (or its resource group). Ask your Azure administrator, then retry. Nothing was changed.`,
    );
  }
  return new KeyholderError('vault.properties_unavailable', `Azure Resource Manager did not return the settings of ${host} (HTTP ${a.status}). Retry later; nothing was changed.`);
}

interface VaultResource {
  id: string;
  properties: {
    enableSoftDelete?: boolean;
    enablePurgeProtection?: boolean;
    softDeleteRetentionInDays?: number;
    enableRbacAuthorization?: boolean;
    sku?: { family?: string; name?: string };
    vaultUri?: string;
  };
}

interface Session {
  token: string;
  base: string;
  agent: https.Agent | undefined;
  host: string;
}

async function session(o: ManagementEndpoint & { credential: TokenCredential; agent?: https.Agent }, vaultUrl: string): Promise<Session & { subs: string[] }> {
  const host = new URL(vaultUrl).host;
  const base = o.endpoint.replace(/\/+$/, '');
  let token: string;
  let a: Answer;
  try {
    const t = await o.credential.getToken(o.scope);
    if (!t) throw new Error('no token');
    token = t.token;
    a = await get(`${base}/subscriptions?api-version=${SUBSCRIPTIONS_API}`, token, o.agent);
  } catch (e) {
    if (e instanceof KeyholderError) throw e;
    throw new KeyholderError('vault.properties_unavailable', `Key Holder could not reach Azure Resource Manager to read the settings of ${host}. Check your connection and retry; nothing was changed.`);
  }
  if (a.status !== 200) throw refused(host, a);
  const subs = ((a.json as { value?: { subscriptionId?: string }[] })?.value ?? []).map((s) => s.subscriptionId).filter((s): s is string => !!s);
  return { token, base, agent: o.agent, host, subs };
}

/** The vault's resource in Resource Manager: soft delete, purge protection, permission model, SKU. */
export async function armVaultResource(o: ManagementEndpoint & { credential: TokenCredential; agent?: https.Agent }, vaultUrl: string): Promise<VaultResource> {
  const s = await session(o, vaultUrl);
  const name = new URL(vaultUrl).hostname.split('.')[0]!.toLowerCase();
  for (const sub of s.subs) {
    const filter = encodeURIComponent(`resourceType eq 'Microsoft.KeyVault/vaults' and name eq '${name}'`);
    const r = await get(`${s.base}/subscriptions/${sub}/resources?$filter=${filter}&api-version=${RESOURCES_API}`, s.token, s.agent);
    if (r.status !== 200) continue;
    const id = ((r.json as { value?: { id?: string; name?: string }[] })?.value ?? []).find((x) => x.name?.toLowerCase() === name)?.id;
    if (!id) continue;
    const v = await get(`${s.base}${id}?api-version=${VAULT_API}`, s.token, s.agent);
    if (v.status !== 200) throw refused(s.host, v);
    return { id, properties: (v.json as { properties?: VaultResource['properties'] })?.properties ?? {} };
  }
  throw new KeyholderError(
    'vault.properties_not_found',
    `Key Holder could not find ${s.host} in the Azure subscriptions your account can see, so it cannot check soft delete and purge protection. Ask for the "Reader" role on the vault, then retry. Nothing was changed.`,
  );
}

interface RolePermissions {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const PERMISSIONS_API = '2022-04-01';

/** What the signed-in holder may do on the vault (Permissions - List For Resource): their roles' actions and data actions. */
export async function armVaultPermissions(o: ManagementEndpoint & { credential: TokenCredential; agent?: https.Agent }, vaultUrl: string, resourceId: string): Promise<RolePermissions[]> {
  const s = await session(o, vaultUrl);
  const a = await get(`${s.base}${resourceId}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API}`, s.token, s.agent);
  if (a.status !== 200) throw refused(s.host, a);
  const list = (a.json as { value?: Partial<RolePermissions>[] })?.value ?? [];
  return list.map((p) => ({ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] }));
}

/** Whether a data action (e.g. Microsoft.KeyVault/vaults/keys/import/action) is allowed by the permissions, wildcards included. */
export function allowsDataAction(perms: RolePermissions[], action: string): boolean {
  const matches = (pattern: string) => new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, 'i').test(action);
  return perms.some((p) => p.dataActions.some(matches) && !p.notDataActions.some(matches));
}

export async function armVaultProtection(o: ManagementEndpoint & { credential: TokenCredential; agent?: https.Agent }, vaultUrl: string): Promise<VaultProtection> {
  const { id, properties: p } = await armVaultResource(o, vaultUrl);
  // Fail closed: a pull is refused unless the vault states both protections explicitly.
  const softDelete = p.enableSoftDelete === true;
  return {
    softDelete,
    purgeProtection: p.enablePurgeProtection === true,
    retentionDays: softDelete ? (p.softDeleteRetentionInDays ?? 90) : null,
    resourceId: id,
  };
}
