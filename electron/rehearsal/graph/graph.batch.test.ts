/**
 * Graph additions the rotation and the expiry refresh need, through plain
 * HTTPS with the rehearsal CA: JSON batching (`$batch`, 20 at most, each
 * member answered on its own), `$select`, an app's own appManagementPolicies
 * (which override the tenant default), ownership-based 403s, keyCredentials.
 */
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, msalConfig, request } from '../testing/sdk';

let cloud: RehearsalCloud;
let agent: https.Agent;
const app1 = () => cloud.descriptor.apps[0]!;
const json = { 'content-type': 'application/json' };

async function appToken(): Promise<string> {
  const a = app1();
  const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a.tenantId, a.appId, a.clientSecret));
  return (await cca.acquireTokenByClientCredential({ scopes: [cloud.descriptor.graphScope], skipCache: true }))!.accessToken;
}
async function graph(method: string, path: string, token: string, body?: unknown) {
  const r = await request(agent, `${cloud.descriptor.graphUrl}${path}`, { method, headers: { ...json, authorization: `Bearer ${token}` }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely typed Graph JSON
  return { status: r.status, body: (r.text ? r.json() : undefined) as any };
}
async function admin(path: string, body: unknown) {
  const r = await request(agent, `${cloud.descriptor.adminUrl}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.text}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely typed admin JSON
  return r.json() as any;
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
});
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
});

describe('Graph $batch', () => {
  it('answers up to 20 requests in one round trip, each with its own status, honouring $select', async () => {
    const t = await appToken();
    const made = (await admin('/apps', { tenantId: app1().tenantId, count: 18 })).apps as { appId: string }[];
    const requests = [app1().appId, ...made.map((a) => a.appId), '00000000-0000-4000-8000-000000000000'].map((appId, i) => ({
      id: String(i),
      method: 'GET',
      url: `/applications(appId='${appId}')?$select=appId,passwordCredentials,keyCredentials`,
    }));
    expect(requests).toHaveLength(20);
    const r = await graph('POST', '/$batch', t, { requests });
    expect(r.status).toBe(200);
    const responses = r.body.responses as { id: string; status: number; body: Record<string, unknown> }[];
    expect(responses.map((x) => x.id)).toEqual(requests.map((x) => x.id));
    expect(responses.slice(0, 19).every((x) => x.status === 200)).toBe(true);
    expect(responses[19]!.status).toBe(404);
    expect(responses[19]!.body).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    expect(Object.keys(responses[0]!.body).filter((k) => !k.startsWith('@')).sort()).toEqual(['appId', 'keyCredentials', 'passwordCredentials']);
    expect(responses[1]!.body.appId).toBe(made[0]!.appId);
  });

  it('refuses more than 20 requests, duplicate ids, nested batches and absolute urls', async () => {
    const t = await appToken();
    const get = (id: string) => ({ id, method: 'GET', url: `/applications(appId='${app1().appId}')` });
    const tooMany = await graph('POST', '/$batch', t, { requests: Array.from({ length: 21 }, (_, i) => get(String(i))) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/at most 20/);
    expect((await graph('POST', '/$batch', t, { requests: [get('a'), get('a')] })).status).toBe(400);
    expect((await graph('POST', '/$batch', t, { requests: [] })).status).toBe(400);
    const nested = await graph('POST', '/$batch', t, { requests: [{ id: '1', method: 'POST', url: '/$batch', body: { requests: [] } }, { id: '2', method: 'GET', url: `${cloud.descriptor.graphUrl}/applications` }] });
    expect(nested.status).toBe(200);
    expect(nested.body.responses.map((x: { status: number }) => x.status)).toEqual([400, 400]);
    expect((await graph('POST', '/$batch', 'not-a-token', { requests: [get('1')] })).status).toBe(401);
  });

  it('runs writes inside a batch too (addPassword, removePassword)', async () => {
    const t = await appToken();
    const end = new Date(Date.now() + 30 * 86400_000).toISOString();
    const r = await graph('POST', '/$batch', t, { requests: [{ id: 'add', method: 'POST', url: `/applications/${app1().objectId}/addPassword`, body: { passwordCredential: { displayName: 'batched', endDateTime: end } } }] });
    const added = r.body.responses[0];
    expect(added.status).toBe(200);
    expect(added.body.secretText).toHaveLength(40);
    const rm = await graph('POST', '/$batch', t, { requests: [{ id: 'rm', method: 'POST', url: `/applications/${app1().objectId}/removePassword`, body: { keyId: added.body.keyId } }] });
    expect(rm.body.responses[0].status).toBe(204);
    expect(rm.body.responses[0].body).toBeUndefined();
  });
});

describe('app management policies, ownership and certificates', () => {
  it('serves the app’s own policy, which overrides the tenant default for new passwords', async () => {
    const t = await appToken();
    expect((await graph('GET', `/applications/${app1().objectId}/appManagementPolicies`, t)).body.value).toEqual([]);
    await admin('/apps/policy', { appId: app1().appId, maxPasswordLifetime: 'P90D' });
    const p = await graph('GET', `/applications/${app1().objectId}/appManagementPolicies`, t);
    expect(p.body.value[0]).toMatchObject({ isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }] } });
    const refused = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: { endDateTime: new Date(Date.now() + 91 * 86400_000).toISOString() } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
    expect(refused.body.error.message).toContain('P90D');
    const ok = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: { endDateTime: new Date(Date.now() + 89 * 86400_000).toISOString() } });
    expect(ok.status).toBe(200);
    await graph('POST', `/applications/${app1().objectId}/removePassword`, t, { keyId: ok.body.keyId });
    await admin('/apps/policy', { appId: app1().appId, maxPasswordLifetime: null });
    expect((await graph('GET', `/applications/${app1().objectId}/appManagementPolicies`, t)).body.value).toEqual([]);
  });

  it('answers 403 Authorization_RequestDenied when an app-only caller does not own the application', async () => {
    const t = await appToken();
    const [other] = (await admin('/apps', { tenantId: app1().tenantId, count: 1 })).apps as { appId: string; objectId: string }[];
    const denied = await graph('POST', `/applications/${other!.objectId}/addPassword`, t, { passwordCredential: {} });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    // Reading stays allowed; owning makes the write pass.
    expect((await graph('GET', `/applications/${other!.objectId}`, t)).status).toBe(200);
    await admin('/apps/owners', { appId: other!.appId, owners: [app1().objectId] });
    expect((await graph('POST', `/applications/${other!.objectId}/addPassword`, t, { passwordCredential: {} })).status).toBe(200);
  });

  it('lists keyCredentials (certificates) an administrator added', async () => {
    const t = await appToken();
    const end = new Date(Date.now() + 40 * 86400_000).toISOString();
    await admin('/apps/key-credentials', { appId: app1().appId, displayName: 'vendor cert', endDateTime: end });
    const app = await graph('GET', `/applications(appId='${app1().appId}')?$select=keyCredentials`, t);
    expect(app.body.keyCredentials).toEqual([expect.objectContaining({ displayName: 'vendor cert', endDateTime: end, type: 'AsymmetricX509Cert', key: null })]);
  });
});
