/**
 * Graph contract: application passwords through Graph v1.0 with MSAL tokens,
 * and client-credentials sign-in that follows those passwords (added,
 * removed, expired against the cloud's movable clock).
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

async function tokenWith(secret: string, scope = cloud.descriptor.graphScope): Promise<string> {
  const a = app1();
  const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a.tenantId, a.appId, secret));
  return (await cca.acquireTokenByClientCredential({ scopes: [scope], skipCache: true }))!.accessToken;
}

async function graph(method: string, path: string, token: string, body?: unknown) {
  const r = await request(agent, `${cloud.descriptor.graphUrl}${path}`, { method, headers: { ...json, authorization: `Bearer ${token}` }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  return { status: r.status, body: (r.text ? r.json() : undefined) as Record<string, unknown> & { error?: { code: string; message: string } } };
}
const admin = (path: string, body: unknown) => request(agent, `${cloud.descriptor.adminUrl}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
});
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
});

describe('Graph application passwords', () => {
  it('reads an application by appId and by object id, with password credentials but never their text', async () => {
    const t = await tokenWith(app1().clientSecret!);
    const byAppId = await graph('GET', `/applications(appId='${app1().appId}')`, t);
    expect(byAppId.status).toBe(200);
    expect(byAppId.body).toMatchObject({ id: app1().objectId, appId: app1().appId, keyCredentials: [] });
    const creds = byAppId.body.passwordCredentials as Record<string, unknown>[];
    expect(creds).toHaveLength(1);
    expect(creds[0]).toMatchObject({ hint: app1().clientSecret!.slice(0, 3), secretText: null });
    expect(Object.keys(creds[0]!).sort()).toEqual(['customKeyIdentifier', 'displayName', 'endDateTime', 'hint', 'keyId', 'secretText', 'startDateTime']);
    expect((await graph('GET', `/applications/${app1().objectId}`, t)).body.appId).toBe(app1().appId);
    const other = cloud.descriptor.apps[1]!;
    expect((await graph('GET', `/applications(appId='${other.appId}')`, t)).status).toBe(404);
  });

  it('adds a password (text shown once) that signs in, refuses lifetimes over the policy, removes it so it stops working', async () => {
    const t = await tokenWith(app1().clientSecret!);
    const end = new Date(Date.now() + 365 * 86400_000).toISOString();
    const added = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: { displayName: 'rotation 2026', endDateTime: end } });
    expect(added.status).toBe(200);
    const secretText = added.body.secretText as string;
    expect(secretText).toHaveLength(40);
    expect(added.body.hint).toBe(secretText.slice(0, 3));
    const listed = (await graph('GET', `/applications(appId='${app1().appId}')`, t)).body.passwordCredentials as Record<string, unknown>[];
    expect(listed.map((c) => c.keyId)).toContain(added.body.keyId);
    expect(JSON.stringify(listed)).not.toContain(secretText);
    expect(await tokenWith(secretText, cloud.descriptor.vaultScope)).toBeTruthy();
    const tooLong = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: { endDateTime: new Date(Date.now() + 731 * 86400_000).toISOString() } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error?.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
    expect((await graph('POST', `/applications(appId='${app1().appId}')/removePassword`, t, { keyId: added.body.keyId })).status).toBe(204);
    await expect(tokenWith(secretText)).rejects.toThrow(/AADSTS7000215/);
  });

  it('stops client-credentials sign-in once a secret expires on the cloud clock', async () => {
    const t = await tokenWith(app1().clientSecret!);
    const short = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: { endDateTime: new Date(Date.now() + 10 * 86400_000).toISOString() } });
    const text = short.body.secretText as string;
    expect(await tokenWith(text)).toBeTruthy();
    expect((await admin('/clock', { advanceMs: 11 * 86400_000 })).status).toBe(200);
    await expect(tokenWith(text)).rejects.toThrow(/AADSTS7000222/);
    expect(await tokenWith(app1().clientSecret!)).toBeTruthy();
    await admin('/clock', { advanceMs: -11 * 86400_000 });
  });

  it('serves and applies the default app management policy', async () => {
    const t = await tokenWith(app1().clientSecret!);
    const p = await graph('GET', '/policies/defaultAppManagementPolicy', t);
    expect(p.body).toMatchObject({ isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P730D' }] } });
    expect((await graph('PATCH', '/policies/defaultAppManagementPolicy', t, { applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P180D' }] } })).status).toBe(204);
    const refused = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: { endDateTime: new Date(Date.now() + 200 * 86400_000).toISOString() } });
    expect(refused.body.error?.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
    const dflt = await graph('POST', `/applications/${app1().objectId}/addPassword`, t, { passwordCredential: {} });
    expect(Date.parse(dflt.body.endDateTime as string) - Date.parse(dflt.body.startDateTime as string)).toBe(180 * 86400_000);
  });

  it('answers bad input and bad tokens in Graph shape', async () => {
    const t = await tokenWith(app1().clientSecret!);
    const base = `/applications/${app1().objectId}`;
    expect((await graph('POST', `${base}/addPassword`, t, '{nope')).status).toBe(400);
    expect((await graph('POST', `${base}/addPassword`, t, { passwordCredential: { endDateTime: 'soon' } })).status).toBe(400);
    expect((await graph('POST', `${base}/removePassword`, t, { keyId: 'x' })).status).toBe(400);
    expect((await graph('POST', `${base}/removePassword`, t, { keyId: '00000000-0000-0000-0000-000000000000' })).status).toBe(400);
    expect((await graph('GET', '/users', t)).status).toBe(400);
    expect((await graph('GET', base, 'not-a-token')).status).toBe(401);
    const vaultToken = await tokenWith(app1().clientSecret!, cloud.descriptor.vaultScope);
    const wrongAud = await graph('GET', base, vaultToken);
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.body.error?.code).toBe('InvalidAuthenticationToken');
  });
});
