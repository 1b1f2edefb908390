/**
 * "Test connection" on the settings screen: before anything is saved, try the
 * candidate live settings the way a ceremony will use them, and say for each
 * check whether it passed or what to fix. In order: the tenant exists, it
 * knows the application (client) ID, the holder can sign in (public client
 * flows on, consent given), the vault is found in Resource Manager with soft
 * delete, purge protection, the RBAC permission model and a SKU that allows
 * HSM import, the holder's role on it allows key import, and, if expiry
 * tracking is wanted, Microsoft Graph answers.
 *
 * The sign-in is memory-only: no token or account is written, so a failed or
 * abandoned test leaves nothing behind.
 */
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { isKeyholderError, KeyholderError } from '../../../shared/errors/index';
import { endpointsOf, type LiveSettings } from '../../../shared/settings/live-settings';
import { IdentityService } from '../identity/identity-service';
import { liveEndpointsFromSettings } from '../identity/index';
import type { OpenBrowser } from '../identity/types';
import { allowsDataAction, armVaultPermissions, armVaultResource, type ManagementEndpoint } from '../vault/arm';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { SecretBox } from '../platform/secret-box';

export type CheckId = 'tenant' | 'application' | 'sign-in' | 'vault' | 'soft-delete' | 'purge-protection' | 'rbac' | 'sku' | 'role' | 'graph';
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';

export interface ConnectionCheck {
  id: CheckId;
  label: string;
  status: CheckStatus;
  /** What was found, or what to fix, in a holder's words. */
  message: string;
}

export interface ConnectionReport {
  ok: boolean;
  checks: ConnectionCheck[];
}

export interface ConnectionTestDeps {
  clock: Clock;
  log: Logger;
  secretBox: SecretBox;
  openBrowser?: OpenBrowser;
  /** How long the holder has to finish signing in (default 5 minutes). */
  signInTimeoutMs?: number;
}

const LABELS: Record<CheckId, string> = {
  tenant: 'Tenant',
  application: 'Application (client) ID',
  'sign-in': 'Sign-in',
  vault: 'Your vault',
  'soft-delete': 'Soft delete',
  'purge-protection': 'Purge protection',
  rbac: 'Permission model',
  sku: 'Pricing tier (HSM import)',
  role: 'Your role on the vault',
  graph: 'Microsoft Graph (expiry tracking)',
};

interface Answer {
  status: number;
  json: Record<string, unknown> | null;
}

function send(url: string, o: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/json', ...(o.headers ?? {}) };
    if (o.body !== undefined) headers['content-length'] = Buffer.byteLength(o.body);
    const req = https.request(url, { method: o.method ?? 'GET', headers, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

const describeError = (a: Answer): string => String(a.json?.error_description ?? (a.json?.error as { message?: string } | undefined)?.message ?? a.json?.error ?? `HTTP ${a.status}`);

export async function testConnection(d: ConnectionTestDeps, settings: LiveSettings, vaultUrl: string): Promise<ConnectionReport> {
  const checks: ConnectionCheck[] = [];
  const add = (id: CheckId, status: CheckStatus, message: string) => checks.push({ id, label: LABELS[id], status, message });
  const skipRest = (ids: CheckId[], why: string) => ids.forEach((id) => add(id, 'skipped', why));
  const finish = (): ConnectionReport => ({ ok: !checks.some((c) => c.status === 'fail'), checks });
  const ep = endpointsOf(settings);
  const authority = `${ep.authorityHost}/${encodeURIComponent(settings.tenant)}`;
  const later: CheckId[] = ['sign-in', 'vault', 'soft-delete', 'purge-protection', 'rbac', 'sku', 'role', ...(settings.expiryTracking ? (['graph'] as const) : [])];

  // 1. The tenant: its OpenID configuration answers.
  try {
    const a = await send(`${authority}/v2.0/.well-known/openid-configuration`);
    if (a.status !== 200) {
      add('tenant', 'fail', `Tenant ${settings.tenant} was not found at ${ep.authorityHost} (${describeError(a)}). Check the tenant ID or domain (Microsoft Entra ID > Overview) and the cloud.`);
      skipRest(['application', ...later], 'Not checked: fix the tenant first.');
      return finish();
    }
    add('tenant', 'pass', `Tenant ${settings.tenant} answers at ${ep.authorityHost}.`);
  } catch {
    add('tenant', 'fail', `Key Holder could not reach ${ep.authorityHost}. Check the cloud (or the custom sign-in host), your network connection and proxy, then test again.`);
    skipRest(['application', ...later], 'Not checked: the sign-in service is unreachable.');
    return finish();
  }

  // 2. The application ID: asking for a device code names an unknown app at once, without signing anyone in.
  const dc = await send(`${authority}/oauth2/v2.0/devicecode`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: settings.clientId, scope: `${ep.keyVaultScope} openid profile offline_access` }).toString(),
  }).catch(() => null);
  const dcError = dc && dc.status !== 200 ? describeError(dc) : '';
  if (!dc) {
    add('application', 'fail', 'Key Holder could not reach the sign-in service to check the application ID. Test again.');
    skipRest(later, 'Not checked.');
    return finish();
  }
  if (/AADSTS700016|unauthorized_client|invalid_client/.test(`${dcError} ${String(dc.json?.error ?? '')}`)) {
    add('application', 'fail', `Tenant ${settings.tenant} has no application with ID ${settings.clientId}. Copy the Application (client) ID from App registrations > Key Holder > Overview (not the object ID or the tenant ID).`);
    skipRest(later, 'Not checked: fix the application ID first.');
    return finish();
  }
  add('application', dc.status === 200 ? 'pass' : 'warn', dc.status === 200 ? `The tenant knows application ${settings.clientId}.` : `The tenant answered unexpectedly (${dcError}); sign-in below will tell more.`);

  // 3. Sign in (browser, PKCE), memory only.
  const azure = liveEndpointsFromSettings(settings);
  const identity = new IdentityService({
    dataDir: path.join(os.tmpdir(), 'keyholder-connection-test'),
    secretBox: d.secretBox,
    clock: d.clock,
    log: d.log,
    config: azure.identity,
    memoryOnly: true,
    ...(d.openBrowser ? { openBrowser: d.openBrowser } : {}),
  });
  try {
    const account = await identity.signIn({ tenantId: settings.tenant, method: 'browser', ...(d.signInTimeoutMs ? { timeoutMs: d.signInTimeoutMs } : {}) });
    add('sign-in', 'pass', `Signed in as ${account.username}.`);
  } catch (e) {
    const k = isKeyholderError(e) ? e : new KeyholderError('identity.failed', 'Sign-in did not complete.');
    add('sign-in', 'fail', k.message);
    skipRest(later.slice(1), 'Not checked: sign in first.');
    return finish();
  }

  try {
    // 4. The vault: in this cloud, found in Resource Manager, with the protections a ceremony needs.
    const host = new URL(vaultUrl).hostname.toLowerCase();
    if (!azure.vaultSuffixes.some((s) => host.endsWith(s))) {
      add('vault', 'fail', `${host} is not a vault of this cloud: its name must end with ${azure.vaultSuffixes.join(' or ')}. Check the vault URL (Key vault > Overview > Vault URI) or the cloud.`);
      skipRest(['soft-delete', 'purge-protection', 'rbac', 'sku', 'role'], 'Not checked: fix the vault URL first.');
    } else {
      await checkVault(add, skipRest, identity, settings, { endpoint: ep.resourceManagerEndpoint, scope: ep.resourceManagerScope }, vaultUrl);
    }
    // 5. Graph, only when expiry tracking is wanted.
    if (settings.expiryTracking) await checkGraph(add, identity, settings, azure.graphUrl!);
  } finally {
    await identity.signOut().catch(() => {});
  }
  return finish();
}

type Add = (id: CheckId, status: CheckStatus, message: string) => void;

async function checkVault(add: Add, skipRest: (ids: CheckId[], why: string) => void, identity: IdentityService, s: LiveSettings, management: ManagementEndpoint, vaultUrl: string): Promise<void> {
  const host = new URL(vaultUrl).host;
  const credential = identity.credential(s.tenant);
  let resource;
  try {
    resource = await armVaultResource({ ...management, credential }, vaultUrl);
  } catch (e) {
    const k = isKeyholderError(e) ? e : null;
    const msg =
      k?.code === 'vault.properties_not_found'
        ? `Vault not found: ${host} is not among the vaults your account can see. Check the vault URL, that it is in tenant ${s.tenant}, and ask for a role on it (Reader at least; Key Vault Crypto Officer to import).`
        : (k?.message ?? `Resource Manager did not answer for ${host}. Test again.`);
    add('vault', 'fail', msg);
    skipRest(['soft-delete', 'purge-protection', 'rbac', 'sku', 'role'], 'Not checked: the vault was not found.');
    return;
  }
  const p = resource.properties;
  add('vault', 'pass', `Found ${host}.`);
  add('soft-delete', p.enableSoftDelete === true ? 'pass' : 'fail', p.enableSoftDelete === true ? `On, ${p.softDeleteRetentionInDays ?? 90} days’ retention.` : 'Soft delete is off: a deleted key would be gone at once. Use a vault with soft delete on (every new vault has it).');
  add(
    'purge-protection',
    p.enablePurgeProtection === true ? 'pass' : 'fail',
    p.enablePurgeProtection === true ? 'On.' : 'Purge protection is off: anyone with purge rights could destroy the key before its retention ends. Turn it on: Key vault > Properties > Purge protection (it cannot be turned off again).',
  );
  add(
    'rbac',
    p.enableRbacAuthorization === true ? 'pass' : 'fail',
    p.enableRbacAuthorization === true ? 'Azure role-based access control.' : 'The vault uses access policies: switch it to Azure role-based access control (Key vault > Access configuration), then assign the roles of docs/live-mode.md.',
  );
  const sku = (p.sku?.name ?? '').toLowerCase();
  add('sku', sku === 'premium' ? 'pass' : 'warn', sku === 'premium' ? 'Premium: HSM-protected import is possible.' : `Pricing tier ${sku || 'unknown'}: HSM-protected (BYOK) import needs Premium. Software-protected import works.`);
  try {
    const perms = await armVaultPermissions({ ...management, credential }, vaultUrl, resource.id);
    const canImport = allowsDataAction(perms, 'Microsoft.KeyVault/vaults/keys/import/action') && allowsDataAction(perms, 'Microsoft.KeyVault/vaults/keys/create/action');
    add(
      'role',
      canImport ? 'pass' : 'fail',
      canImport ? 'Your role allows creating and importing keys (Key Vault Crypto Officer).' : `Missing role: your account may not import keys into ${host}. Ask your Azure administrator for "Key Vault Crypto Officer" on this vault (Access control (IAM) > Add role assignment).`,
    );
  } catch (e) {
    add('role', 'fail', isKeyholderError(e) ? e.message : `Your role on ${host} could not be read. Test again.`);
  }
}

async function checkGraph(add: Add, identity: IdentityService, s: LiveSettings, graphUrl: string): Promise<void> {
  try {
    const t = await identity.graphToken(s.tenant);
    const a = await send(`${graphUrl}/applications?$top=1&$select=appId`, { headers: { authorization: `Bearer ${t.token}` } });
    if (a.status === 200) add('graph', 'pass', 'Microsoft Graph answers: app registrations can be read for expiry tracking.');
    else if (a.status === 403) add('graph', 'fail', 'Microsoft Graph refused to list app registrations: grant the delegated permission Application.Read.All with admin consent, or turn expiry tracking off.');
    else add('graph', 'fail', `Microsoft Graph answered ${describeError(a)}. Check the Graph endpoint of the cloud, then test again.`);
  } catch (e) {
    add('graph', 'fail', isKeyholderError(e) ? e.message : 'Microsoft Graph could not be reached. Check the Graph endpoint and your network, then test again.');
  }
}
