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

export async function armVaultProtection(o: ManagementEndpoint & { credential: TokenCredential; agent?: https.Agent }, vaultUrl: string): Promise<VaultProtection> {
  const host = new URL(vaultUrl).host;
  const name = new URL(vaultUrl).hostname.split('.')[0]!.toLowerCase();
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
  for (const sub of subs) {
    const filter = encodeURIComponent(`resourceType eq 'Microsoft.KeyVault/vaults' and name eq '${name}'`);
    const r = await get(`${base}/subscriptions/${sub}/resources?$filter=${filter}&api-version=${RESOURCES_API}`, token, o.agent);
    if (r.status !== 200) continue;
    const id = ((r.json as { value?: { id?: string; name?: string }[] })?.value ?? []).find((x) => x.name?.toLowerCase() === name)?.id;
    if (!id) continue;
    const v = await get(`${base}${id}?api-version=${VAULT_API}`, token, o.agent);
    if (v.status !== 200) throw refused(host, v);
    const p = (v.json as { properties?: { enableSoftDelete?: boolean; enablePurgeProtection?: boolean; softDeleteRetentionInDays?: number; vaultUri?: string } })?.properties ?? {};
    // Fail closed: a pull is refused unless the vault states both protections explicitly.
    const softDelete = p.enableSoftDelete === true;
    return {
      softDelete,
      purgeProtection: p.enablePurgeProtection === true,
      retentionDays: softDelete ? (p.softDeleteRetentionInDays ?? 90) : null,
      resourceId: id,
    };
  }
  throw new KeyholderError(
    'vault.properties_not_found',
    `Key Holder could not find ${host} in the Azure subscriptions your account can see, so it cannot check soft delete and purge protection. Ask for the "Reader" role on the vault, then retry. Nothing was changed.`,
  );
}
