/**
 * The reference control plane mounted in the rehearsal cloud: the whole
 * vendor side over one server. Two holders import the same RSA key into their
 * own rehearsal vaults, are enrolled and registered, submit sealed records;
 * the control plane proves the pair through the real SDKs (Available), and a
 * key disabled behind the app's back turns the status to Key Store 1 Revoked.
 * Its sealing key and admin token survive a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, clientCredential, msalConfig, request } from '../testing/sdk';
import { sealIndependently } from './testing/harness';
import type { Discovery } from '../../../shared/control-plane/api';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-cp-mounted-'));
let cloud: RehearsalCloud;
let agent: https.Agent;
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown, token?: string) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const r = await request(agent, url, { method, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: text });
  return { status: r.status, json: (r.text ? r.json() : null) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('reference control plane inside the rehearsal cloud', () => {
  it('validates a real pair to Available, then reports Key Store 1 Revoked when holder 1’s key is disabled', async () => {
    cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
    agent = agentFor(cloud);
    const d = cloud.descriptor;
    expect(d.controlPlaneUrl).toBe(`https://localhost:${d.port}/control-plane`);
    expect(d.controlPlaneFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const discovery = (await call('GET', `${d.controlPlaneUrl}/.well-known/keyholder-control-plane`)).json as Discovery;
    expect(discovery.sealing.fingerprint).toBe(d.controlPlaneFingerprint);
    expect(discovery.controlPlaneId).toBe(d.controlPlaneId);
    // The vendor's admin calls need the vendor's token; the cloud's own /admin is a different API.
    expect((await call('POST', `${d.controlPlaneUrl}/admin/enrolments`, { environmentId: 'prod', holder: 1 })).status).toBe(401);

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const j = privateKey.export({ format: 'jwk' });
    const b = (s?: string) => Buffer.from(s ?? '', 'base64url');
    const jwk = { kty: 'RSA' as const, n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi), keyOps: ['wrapKey', 'unwrapKey'] };
    const admin = d.controlPlaneAdminToken;
    let last: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const holder of [1, 2] as const) {
      const app = d.apps.find((a) => a.tenantId === d.tenants[holder - 1]!.id)!;
      const vault = d.vaults.find((v) => v.tenantId === app.tenantId)!;
      const kc = new KeyClient(vault.url, clientCredential(new msal.ConfidentialClientApplication(msalConfig(cloud, agent, app.tenantId, app.appId, app.clientSecret))), { agent } as never);
      const key = await kc.importKey('cmk', jwk, {});
      const enr = await call('POST', `${d.controlPlaneUrl}/admin/enrolments`, { environmentId: 'prod', holder, primaryKeyName: 'Rehearsal CMK' }, admin);
      expect(enr.status).toBe(201);
      const token = enr.json.token as string;
      const vaultDnsName = new URL(vault.url).host;
      const reg = await call('POST', `${d.controlPlaneUrl}/v1/registrations`, { vaultDnsName }, token);
      expect(reg.json.status).toBe('pending');
      expect((await call('POST', `${d.controlPlaneUrl}/admin/registrations/${reg.json.registrationId}/approve`, {}, admin)).json.status).toBe('registered');
      const record = { holder, vaultDnsName, keyIdentifier: key.id, applicationId: app.appId, clientSecret: app.clientSecret, tenantId: app.tenantId, secretExpiresOn: '2028-01-01T00:00:00Z' };
      const envelope = await sealIndependently(discovery, { controlPlaneId: discovery.controlPlaneId, apiVersion: discovery.apiVersions[0]!, environmentId: 'prod', enrolmentId: enr.json.enrolmentId, holder, purpose: 'key-store-submission' }, record);
      const sub = await call('POST', `${d.controlPlaneUrl}/v1/key-stores`, envelope, token);
      expect(sub.status).toBe(201);
      last = { ...sub.json, token, vault: vault.name };
    }
    expect(last.validation).toMatchObject({ state: 'validated', failures: [] });
    const status = await call('GET', `${d.controlPlaneUrl}/v1/status`, undefined, last.token);
    expect(status.json.primaryKey).toMatchObject({ name: 'Rehearsal CMK', status: 'Available' });

    const off = await call('POST', `${d.adminUrl}/keys/disable`, { vault: d.vaults[0]!.name, name: 'cmk' });
    expect(off.status).toBe(200);
    const refreshed = await call('POST', `${d.controlPlaneUrl}/v1/status/refresh`, '', last.token);
    expect(refreshed.json.primaryKey.status).toBe('Key Store 1 Revoked');
    expect(refreshed.json.primaryKey.keyStores[0]).toMatchObject({ holder: 1, health: 'revoked' });
    expect(refreshed.json.primaryKey.keyStores[1]).toMatchObject({ holder: 2, health: 'healthy' });
  }, 120_000);

  it('keeps its sealing key, admin token and state across a restart of the cloud', async () => {
    const before = cloud.descriptor;
    agent.destroy();
    await cloud.stop();
    cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
    agent = agentFor(cloud);
    const after = cloud.descriptor;
    expect(after.controlPlaneFingerprint).toBe(before.controlPlaneFingerprint);
    expect(after.controlPlaneAdminToken).toBe(before.controlPlaneAdminToken);
    const regs = await call('GET', `${after.controlPlaneUrl}/admin/registrations`, undefined, after.controlPlaneAdminToken);
    expect(regs.json.registrations.map((r: { status: string }) => r.status)).toEqual(['registered', 'registered']);
    const secretFile = path.join(dir, 'control-plane', 'admin-token');
    expect(fs.statSync(secretFile).mode & 0o077).toBe(0);
  }, 60_000);
});
