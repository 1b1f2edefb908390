/**
 * The rehearsal's Resource Manager stand-in: the three reads the app makes
 * to learn a vault's soft-delete and purge-protection settings, with
 * client-credential tokens from the rehearsal's Entra ID.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as msal from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, msalConfig, request } from '../testing/sdk';
import type https from 'node:https';
import { subscriptionOf } from './arm';

let cloud: RehearsalCloud;
let agent: https.Agent;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-arm-'));
  cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
  agent = agentFor(cloud);
});
afterAll(async () => {
  agent.destroy();
  await cloud.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function token(n: 0 | 1, scope: string): Promise<string> {
  const t = cloud.descriptor.tenants[n]!;
  const app = cloud.descriptor.apps.find((a) => a.tenantId === t.id)!;
  const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, t.id, app.appId, app.clientSecret));
  return (await cca.acquireTokenByClientCredential({ scopes: [scope] }))!.accessToken;
}

const get = (url: string, bearer?: string) => request(agent, url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

describe('rehearsal Resource Manager', () => {
  it('lists the subscription, finds the vault, returns its protection settings', async () => {
    const base = cloud.descriptor.managementUrl;
    const t = await token(0, cloud.descriptor.managementScope);
    const subs = (await get(`${base}/subscriptions?api-version=2022-12-01`, t)).json() as { value: { subscriptionId: string }[] };
    expect(subs.value).toEqual([expect.objectContaining({ subscriptionId: subscriptionOf(cloud.descriptor.tenants[0]!.id) })]);
    const sub = subs.value[0]!.subscriptionId;
    const filter = encodeURIComponent("resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'holder1-vault'");
    const found = (await get(`${base}/subscriptions/${sub}/resources?$filter=${filter}&api-version=2021-04-01`, t)).json() as { value: { id: string }[] };
    expect(found.value).toHaveLength(1);
    const v = await get(`${base}${found.value[0]!.id}?api-version=2023-07-01`, t);
    expect(v.status).toBe(200);
    expect((v.json() as { properties: unknown }).properties).toMatchObject({ enableSoftDelete: true, enablePurgeProtection: true, softDeleteRetentionInDays: 90 });
    // The other holder's vault is not listed for this tenant.
    const other = encodeURIComponent("resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'holder2-vault'");
    expect(((await get(`${base}/subscriptions/${sub}/resources?$filter=${other}&api-version=2021-04-01`, t)).json() as { value: unknown[] }).value).toEqual([]);
  });

  it('refuses a missing or wrong-audience token, a missing api-version, another tenant’s subscription and writes', async () => {
    const base = cloud.descriptor.managementUrl;
    expect((await get(`${base}/subscriptions?api-version=2022-12-01`)).status).toBe(401);
    const vaultToken = await token(0, cloud.descriptor.vaultScope);
    const wrong = await get(`${base}/subscriptions?api-version=2022-12-01`, vaultToken);
    expect(wrong.status).toBe(401);
    expect((wrong.json() as { error: { code: string } }).error.code).toBe('InvalidAuthenticationTokenAudience');
    const t = await token(0, cloud.descriptor.managementScope);
    expect((await get(`${base}/subscriptions`, t)).status).toBe(400);
    const otherSub = subscriptionOf(cloud.descriptor.tenants[1]!.id);
    expect((await get(`${base}/subscriptions/${otherSub}/resourceGroups/rehearsal/providers/Microsoft.KeyVault/vaults/holder2-vault?api-version=2023-07-01`, t)).status).toBe(404);
    const put = await request(agent, `${base}/subscriptions?api-version=2022-12-01`, { method: 'PUT', headers: { authorization: `Bearer ${t}`, 'content-length': '0' } });
    expect(put.status).toBe(405);
  });

  it('reports a vault created without soft delete as such', async () => {
    const text = JSON.stringify({ name: 'plain-vault', tenantId: cloud.descriptor.tenants[0]!.id, softDelete: false });
    await request(agent, `${cloud.descriptor.adminUrl}/vaults`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, body: text });
    const t = await token(0, cloud.descriptor.managementScope);
    const sub = subscriptionOf(cloud.descriptor.tenants[0]!.id);
    const v = await get(`${cloud.descriptor.managementUrl}/subscriptions/${sub}/resourceGroups/rehearsal/providers/Microsoft.KeyVault/vaults/plain-vault?api-version=2023-07-01`, t);
    const p = (v.json() as { properties: Record<string, unknown> }).properties;
    expect(p.enableSoftDelete).toBe(false);
    expect(p.enablePurgeProtection).toBeUndefined();
  });

  it('lists the caller’s permissions on a vault; a Reader sees the vault but may not use its keys', async () => {
    const admin = (method: string, route: string, b: unknown) => {
      const text = JSON.stringify(b);
      return request(agent, `${cloud.descriptor.adminUrl}${route}`, { method, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, body: text });
    };
    const tenant = cloud.descriptor.tenants[0]!;
    const app = cloud.descriptor.apps.find((a) => a.tenantId === tenant.id)!;
    expect((await admin('POST', '/vaults', { name: 'reader-vault', tenantId: tenant.id, principals: [app.appId] })).status).toBe(201);
    const t = await token(0, cloud.descriptor.managementScope);
    const id = `/subscriptions/${subscriptionOf(tenant.id)}/resourceGroups/rehearsal/providers/Microsoft.KeyVault/vaults/reader-vault`;
    const perms = async () => (await get(`${cloud.descriptor.managementUrl}${id}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, t)).json() as { value: { dataActions: string[] }[] };
    expect((await perms()).value.flatMap((p) => p.dataActions)).toContain('Microsoft.KeyVault/vaults/keys/*');
    const kvToken = await token(0, cloud.descriptor.vaultScope);
    const keys = () => get(`https://reader-vault${cloud.descriptor.vaultDnsSuffix}:${cloud.port}/keys?api-version=7.5`, kvToken);
    expect((await keys()).status).toBe(200);
    expect((await admin('DELETE', '/role-assignments', { vaultName: 'reader-vault', principalId: app.appId })).status).toBe(204);
    expect((await admin('POST', '/role-assignments', { vaultName: 'reader-vault', principalId: app.appId, role: 'Reader' })).status).toBe(204);
    expect((await admin('POST', '/role-assignments', { vaultName: 'reader-vault', principalId: app.appId, role: 'Owner' })).status).toBe(400);
    expect((await perms()).value).toEqual([{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }]);
    expect((await get(`${cloud.descriptor.managementUrl}${id}?api-version=2023-07-01`, t)).status).toBe(200);
    expect((await keys()).status).toBe(403);
    // Without any role the vault is not found at all, as in Azure for a principal with no read access.
    expect((await admin('DELETE', '/role-assignments', { vaultName: 'reader-vault', principalId: app.appId })).status).toBe(204);
    expect((await get(`${cloud.descriptor.managementUrl}${id}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`, t)).status).toBe(404);
  });
});
