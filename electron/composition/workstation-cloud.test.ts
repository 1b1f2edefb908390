import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveSettingsFromEnv, workstationCloud } from './workstation-cloud';
import { dataFolderFor } from './data-folder';
import { filePolicyReader } from '../services/settings/policy-reader';

const CLIENT = '11111111-1111-1111-1111-111111111111';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kh-ws-cloud-'));

describe('which cloud a workstation talks to', () => {
  it('is the embedded rehearsal cloud unless live mode is chosen, in the rehearsal data folder, and its control plane answers through the deps’ agent', async () => {
    const dir = tmp();
    const ws = await workstationCloud({ baseDir: dir, env: { KEYHOLDER_REHEARSAL_HOLDER: '2' } });
    try {
      expect(ws.deps.environment.mode).toBe('rehearsal');
      expect(ws.dataDir).toBe(path.join(dir, 'rehearsal'));
      expect(ws.deps.workstation!.configuration().modeChosen).toBe(false);
      const d = ws.rehearsal!.cloud.descriptor;
      expect(ws.deps.azure!.identity.defaultTenantId).toBe(d.tenants[1]!.id);
      expect(ws.deps.azure!.vaultSuffixes).toEqual([d.vaultDnsSuffix]);
      expect(fs.existsSync(path.join(dir, 'rehearsal', 'rehearsal-cloud', 'control-plane', 'sealing-key.json'))).toBe(true);
      // The control-plane agent trusts the rehearsal CA (TLS checks on) and reaches the mounted control plane.
      const body = await new Promise<string>((resolve, reject) => {
        import('node:https').then(({ default: https }) =>
          https
            .get(`${d.controlPlaneUrl}/.well-known/keyholder-control-plane`, { agent: ws.deps.controlPlaneAgent }, (res) => {
              let t = '';
              res.on('data', (c) => (t += c));
              res.on('end', () => resolve(t));
            })
            .on('error', reject),
        );
      });
      expect(JSON.parse(body).sealing.fingerprint).toBe(d.controlPlaneFingerprint);
    } finally {
      await ws.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is live Azure when the environment sets a client ID, and refuses an unknown cloud', async () => {
    const dir = tmp();
    const ws = await workstationCloud({ baseDir: dir, env: { KEYHOLDER_LIVE_CLIENT_ID: CLIENT, KEYHOLDER_LIVE_TENANT_ID: 'contoso.com', KEYHOLDER_LIVE_CLOUD: 'usgov' } });
    expect(ws.rehearsal).toBeNull();
    expect(ws.dataDir).toBe(dataFolderFor(dir, 'live'));
    expect(ws.deps.environment).toEqual({ mode: 'live', description: 'Azure US Government, tenant contoso.com' });
    expect(ws.deps.azure!.identity.authorityHost).toBe('https://login.microsoftonline.us');
    expect(ws.deps.azure!.management).toEqual({ endpoint: 'https://management.usgovcloudapi.net', scope: 'https://management.usgovcloudapi.net/.default' });
    expect(() => liveSettingsFromEnv({ KEYHOLDER_LIVE_CLIENT_ID: 'x', KEYHOLDER_LIVE_CLOUD: 'mars' })).toThrow(/public, china, usgov/);
  });

  it('saved settings and a custom cloud make a live workstation; policy overrides them; live without settings refuses sign-in', async () => {
    const dir = tmp();
    const first = await workstationCloud({ baseDir: dir, env: {} });
    const custom = {
      authorityHost: 'https://login.example.test',
      keyVaultDnsSuffix: '.vault.example.test',
      managedHsmDnsSuffix: '.hsm.example.test',
      keyVaultScope: 'https://vault.example.test/.default',
      graphEndpoint: 'https://graph.example.test',
      graphScope: 'https://graph.example.test/.default',
      resourceManagerEndpoint: 'https://management.example.test',
      resourceManagerScope: 'https://management.example.test/.default',
    };
    first.deps.workstation!.saveLive({ tenant: 'contoso.com', clientId: CLIENT, cloud: 'custom', custom }, { confirmed: true });
    first.deps.workstation!.setMode('live', { confirmed: true });
    await first.stop();
    const live = await workstationCloud({ baseDir: dir, env: {} });
    expect(live.rehearsal).toBeNull();
    expect(live.deps.azure!.identity).toMatchObject({ authorityHost: 'https://login.example.test', knownAuthorities: ['login.example.test'], vaultScope: custom.keyVaultScope, defaultTenantId: 'contoso.com' });
    expect(live.deps.azure!.vaultSuffixes).toEqual(['.vault.example.test', '.hsm.example.test']);
    const policyFile = path.join(dir, 'policy.json');
    fs.writeFileSync(policyFile, JSON.stringify({ tenant: 'fabrikam.com' }));
    const managed = await workstationCloud({ baseDir: dir, env: {}, policy: filePolicyReader(policyFile) });
    expect(managed.deps.azure!.identity.defaultTenantId).toBe('fabrikam.com');
    expect(managed.deps.workstation!.configuration().managed).toEqual(['tenant']);
    fs.writeFileSync(policyFile, JSON.stringify({ clientId: 'broken' }));
    const broken = await workstationCloud({ baseDir: dir, env: {}, policy: filePolicyReader(policyFile) });
    expect(broken.deps.azure).toBeUndefined();
    expect(broken.deps.environment.description).toMatch(/not set up/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
