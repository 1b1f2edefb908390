import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveSettingsFromEnv, workstationCloud } from './workstation-cloud';

describe('which cloud a workstation talks to', () => {
  it('is the embedded rehearsal cloud unless a live tenant is configured, and its control plane answers through the deps’ agent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-ws-cloud-'));
    const ws = await workstationCloud(dir, { KEYHOLDER_REHEARSAL_HOLDER: '2' });
    try {
      expect(ws.deps.environment.mode).toBe('rehearsal');
      const d = ws.rehearsal!.cloud.descriptor;
      expect(ws.deps.azure!.identity.defaultTenantId).toBe(d.tenants[1]!.id);
      expect(ws.deps.azure!.vaultSuffixes).toEqual([d.vaultDnsSuffix]);
      expect(fs.existsSync(path.join(dir, 'rehearsal-cloud', 'control-plane', 'sealing-key.json'))).toBe(true);
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

  it('is live Azure when a client ID is set, and refuses an unknown cloud', async () => {
    const ws = await workstationCloud('/nonexistent', { KEYHOLDER_LIVE_CLIENT_ID: '11111111-1111-1111-1111-111111111111', KEYHOLDER_LIVE_CLOUD: 'usgov' });
    expect(ws.rehearsal).toBeNull();
    expect(ws.deps.environment.mode).toBe('live');
    expect(ws.deps.azure!.identity.authorityHost).toBe('https://login.microsoftonline.us');
    expect(() => liveSettingsFromEnv({ KEYHOLDER_LIVE_CLIENT_ID: 'x', KEYHOLDER_LIVE_CLOUD: 'mars' })).toThrow(/public, china, usgov/);
  });
});
