/** The cloud as a whole: state survives a restart, the admin API is gated, injected faults behave. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as msal from '@azure/msal-node';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from './index';
import { agentFor, clientCredential, msalConfig, request } from './testing/sdk';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-cloud-test-'));
let cloud: RehearsalCloud;
afterAll(async () => {
  await cloud?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function keyClient(c: RehearsalCloud, agent = agentFor(c)) {
  const a = c.descriptor.apps[0]!;
  const cred = clientCredential(new msal.ConfidentialClientApplication(msalConfig(c, agent, a.tenantId, a.appId, a.clientSecret)));
  return new KeyClient(c.descriptor.vaults[0]!.url, cred, { agent, retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 2000 } } as never);
}

describe('rehearsal cloud lifecycle and faults', () => {
  it('keeps tenants, keys, secrets, clock and certificates across a restart, atomically written', async () => {
    cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
    const first = cloud.descriptor;
    expect(first.tenants).toHaveLength(2);
    expect(first.users).toHaveLength(2);
    expect(first.vaults.map((v) => [v.softDelete, v.purgeProtection, v.retentionDays])).toEqual([[true, true, 90], [true, true, 90]]);
    expect(first.adminUrl).toBe(`https://localhost:${first.port}/admin`);
    const k = await keyClient(cloud).createRsaKey('survivor', { keySize: 2048 });
    await request(agentFor(cloud), `${first.adminUrl}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advanceMs":3600000}' });
    await cloud.stop();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const ca = fs.readFileSync(first.caCertPath, 'utf8');

    cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
    expect(cloud.descriptor.tenants).toEqual(first.tenants.map((t) => ({ ...t, authority: `https://localhost:${cloud.port}/${t.id}` })));
    expect(cloud.descriptor.apps.map((a) => a.clientSecret)).toEqual(first.apps.map((a) => a.clientSecret));
    expect(cloud.caCertPem).toBe(ca);
    expect(cloud.port).toBe(first.port);
    const again = await keyClient(cloud).getKey('survivor');
    expect(again.key?.n).toEqual(k.key?.n);
    const clock = (await request(agentFor(cloud), `${cloud.descriptor.adminUrl}/state`)).json() as { clock: { offsetMs: number } };
    expect(clock.clock.offsetMs).toBe(3600000);
  });

  it('refuses a damaged state file with a message saying what to do', async () => {
    const bad = path.join(dir, 'broken', 'state.json');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, '{"version":1,');
    await expect(startRehearsalCloud({ stateFile: bad })).rejects.toThrow(/Move it aside/);
  });

  it('injects 503/429 with Retry-After (the SDK retries through them), connection resets and latency', async () => {
    const agent = agentFor(cloud);
    const adminUrl = cloud.descriptor.adminUrl!;
    const post = (p: string, body: unknown) => request(agent, `${adminUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const kc = keyClient(cloud, agent);
    await kc.getKey('survivor');
    expect((await post('/faults', { family: 'keyvault', path: '^/keys/survivor', status: 503, kind: 'status', retryAfterSeconds: 0, count: 1 })).status).toBe(201);
    expect((await kc.getKey('survivor')).name).toBe('survivor');
    expect(((await request(agent, `${adminUrl}/faults`)).json() as { faults: unknown[] }).faults).toEqual([]);

    await post('/faults', { family: 'keyvault', kind: 'status', status: 429, retryAfterSeconds: 7, count: 1 });
    const throttled = await request(agent, `${cloud.descriptor.vaults[0]!.url}/keys?api-version=2025-07-01`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect(throttled.json()).toMatchObject({ error: { code: 'Throttled' } });

    await post('/faults', { family: 'entra', kind: 'status', status: 503, count: 1 });
    const busy = await request(agent, `${cloud.descriptor.tenants[0]!.authority}/v2.0/.well-known/openid-configuration`);
    expect(busy.status).toBe(503);
    expect(busy.json()).toMatchObject({ error: 'temporarily_unavailable' });

    await post('/faults', { family: 'keyvault', kind: 'reset', count: 1 });
    await expect(request(agent, `${cloud.descriptor.vaults[0]!.url}/keys?api-version=2025-07-01`)).rejects.toThrow(/ECONNRESET|socket hang up/);

    const lat = await post('/faults', { family: 'graph', kind: 'latency', latencyMs: 20 });
    expect(lat.status).toBe(201);
    expect((await request(agent, `${cloud.descriptor.graphUrl}/applications`)).status).toBe(401);
    expect((await request(agent, `${adminUrl}/faults`, { method: 'DELETE' })).status).toBe(204);

    expect((await post('/faults', { kind: 'explode' })).status).toBe(400);
    expect((await post('/clock', { advanceMs: 'soon' })).status).toBe(400);
    expect((await post('/vaults', { name: 'x', tenantId: 'nope' })).status).toBe(400);
    expect((await request(agent, `${adminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' })).status).toBe(400);
  });

  it('keeps the admin API off unless enabled', async () => {
    const other = await startRehearsalCloud({ dataDir: path.join(dir, 'no-admin'), port: 0 });
    try {
      expect(other.descriptor.adminUrl).toBeUndefined();
      const r = await request(agentFor(other), `https://localhost:${other.port}/admin/state`);
      expect(r.status).toBe(404);
      expect(r.text).toMatch(/admin API is off/);
    } finally {
      await other.stop();
    }
  });
});
