/**
 * The connection test against the rehearsal cloud configured as a *custom
 * cloud* (its hosts typed in as a private cloud's would be), for each check a
 * way to make it fail: wrong tenant, wrong application ID, public client flows
 * off, a vault that is not there, a vault without purge protection, a holder
 * with only the Reader role. Each test runs in a Node process of its own that
 * trusts the rehearsal CA through NODE_EXTRA_CA_CERTS, as a workstation trusts
 * a corporate root; the code under test gets no agent of its own.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../rehearsal/index';
import { agentFor, request } from '../rehearsal/testing/sdk';
import type { ConnectionReport } from '../services/settings/connection-test';
import type { LiveSettings } from '../../shared/settings/live-settings';

let cloud: RehearsalCloud;
let agent: https.Agent;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-conn-'));
  cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
  agent = agentFor(cloud);
});
afterAll(async () => {
  agent.destroy();
  await cloud.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const json = (b: unknown) => ({ headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(JSON.stringify(b))) }, body: JSON.stringify(b) });
const admin = (method: string, route: string, b: unknown) => request(agent, `${cloud.descriptor.adminUrl}${route}`, { method, ...json(b) });

function customSettings(o: Partial<LiveSettings> = {}): LiveSettings {
  const d = cloud.descriptor;
  const base = `https://localhost:${d.port}`;
  return {
    tenant: d.tenants[0]!.id,
    clientId: d.apps.find((a) => a.tenantId === d.tenants[0]!.id)!.appId,
    cloud: 'custom',
    custom: {
      authorityHost: base,
      keyVaultDnsSuffix: d.vaultDnsSuffix,
      managedHsmDnsSuffix: '.managedhsm.rehearsal.localhost',
      keyVaultScope: d.vaultScope,
      graphEndpoint: base,
      graphScope: d.graphScope,
      resourceManagerEndpoint: base,
      resourceManagerScope: d.managementScope,
    },
    expiryTracking: true,
    ...o,
  };
}

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'run-connection-test.ts');
const run = (settings: LiveSettings, vaultUrl: string, username = cloud.descriptor.users[0]!.username) =>
  new Promise<ConnectionReport>((resolve, reject) => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: cloud.descriptor.caCertPath };
    execFile(process.execPath, ['--import', 'tsx', script, JSON.stringify({ settings, vaultUrl, username })], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as ConnectionReport),
    );
  });
const status = (r: ConnectionReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const message = (r: ConnectionReport, id: string) => r.checks.find((c) => c.id === id)?.message ?? '';
const vault1 = () => cloud.descriptor.vaults.find((v) => v.name === 'holder1-vault')!.url;

describe('connection test', () => {
  it('passes every check for the holder’s own vault', async () => {
    const r = await run(customSettings(), vault1());
    expect(r.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(status(r)).toEqual({ tenant: 'pass', application: 'pass', 'sign-in': 'pass', vault: 'pass', 'soft-delete': 'pass', 'purge-protection': 'pass', rbac: 'pass', sku: 'pass', role: 'pass', graph: 'pass' });
    expect(r.ok).toBe(true);
    expect(message(r, 'sign-in')).toContain(cloud.descriptor.users[0]!.username);
  });

  it('a wrong application ID fails before anyone signs in, saying where to copy it from', async () => {
    const r = await run(customSettings({ clientId: '99999999-9999-9999-9999-999999999999' }), vault1());
    expect(r.ok).toBe(false);
    expect(status(r)).toMatchObject({ tenant: 'pass', application: 'fail', 'sign-in': 'skipped', role: 'skipped' });
    expect(message(r, 'application')).toMatch(/no application with ID 99999999-.*App registrations > Key Holder > Overview/);
  });

  it('a wrong tenant fails first', async () => {
    const r = await run(customSettings({ tenant: '00000000-0000-0000-0000-000000000000' }), vault1());
    expect(status(r)).toMatchObject({ tenant: 'fail', application: 'skipped' });
    expect(message(r, 'tenant')).toMatch(/was not found/);
  });

  it('public client flows off: sign-in fails saying which switch to turn on', async () => {
    const app = customSettings().clientId;
    await admin('POST', '/apps/public-client', { appId: app, enabled: false });
    try {
      const r = await run(customSettings(), vault1());
      expect(status(r)).toMatchObject({ application: 'pass', 'sign-in': 'fail', vault: 'skipped' });
      expect(message(r, 'sign-in')).toMatch(/Allow public client flows/);
    } finally {
      await admin('POST', '/apps/public-client', { appId: app, enabled: true });
    }
  });

  it('a vault the holder cannot see is "not found"; another cloud’s vault is refused by its name', async () => {
    const r = await run(customSettings({ expiryTracking: false }), vault1().replace('holder1-vault', 'nosuch-vault'));
    expect(status(r)).toMatchObject({ 'sign-in': 'pass', vault: 'fail', 'purge-protection': 'skipped' });
    expect(message(r, 'vault')).toMatch(/^Vault not found: nosuch-vault/);
    const other = await run(customSettings({ expiryTracking: false }), 'https://contoso.vault.azure.net');
    expect(message(other, 'vault')).toMatch(/not a vault of this cloud/);
  });

  it('a vault without purge protection fails that check and says how to turn it on', async () => {
    const d = cloud.descriptor;
    const created = await admin('POST', '/vaults', { name: 'nopurge-vault', tenantId: d.tenants[0]!.id, purgeProtection: false });
    const url = (created.json() as { url: string }).url;
    const r = await run(customSettings({ expiryTracking: false }), url);
    expect(status(r)).toMatchObject({ vault: 'pass', 'soft-delete': 'pass', 'purge-protection': 'fail', role: 'pass' });
    expect(message(r, 'purge-protection')).toMatch(/Properties > Purge protection/);
    expect(r.ok).toBe(false);
  });

  it('a holder with only the Reader role fails the role check, naming the role to ask for', async () => {
    const d = cloud.descriptor;
    const alice = d.users[0]!;
    await admin('POST', '/vaults', { name: 'reader-only', tenantId: d.tenants[0]!.id, purgeProtection: true, principals: [] });
    await admin('POST', '/role-assignments', { vaultName: 'reader-only', principalId: alice.oid, role: 'Reader' });
    const url = vault1().replace('holder1-vault', 'reader-only');
    const r = await run(customSettings({ expiryTracking: false }), url);
    expect(status(r)).toMatchObject({ vault: 'pass', 'purge-protection': 'pass', role: 'fail' });
    expect(message(r, 'role')).toMatch(/Missing role: .*Key Vault Crypto Officer/);
  });
});
