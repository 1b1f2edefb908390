import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeDeviceCode, startHarness, type Harness } from './harness';
import { IdentityService } from '../../services/identity/identity-service';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('signing a holder in to the rehearsal Entra', () => {
  it('browser sign-in (auth code + PKCE, loopback) gives Key Vault and Graph tokens from the same account', async () => {
    const me = h.holder(1);
    const account = await h.identity.signIn({ tenantId: me.tenantId, method: 'browser' });
    expect(account.tenantId).toBe(me.tenantId);
    expect(account.username).toMatch(/@holder1\./);
    const kv = await h.identity.credential().getToken(h.cloud.descriptor.vaultScope, { tenantId: me.tenantId });
    expect(kv?.tokenType).toBe('Bearer');
    expect(claims(kv!.token)).toMatchObject({ aud: h.cloud.descriptor.vaultResource, tid: me.tenantId, oid: me.oid });
    const graph = await h.identity.graphToken();
    expect(claims(graph.token)).toMatchObject({ aud: h.cloud.descriptor.graphResource, oid: me.oid });
    expect(await h.identity.activeAccount()).toMatchObject({ homeAccountId: account.homeAccountId });
  });

  it('keeps the sign-in sealed on disk across a restart, and sign-out removes it', async () => {
    const me = h.holder(1);
    await h.identity.signIn({ tenantId: me.tenantId, method: 'browser' });
    const cacheFile = path.join(h.dir, 'app', 'identity', `msal-cache-${me.tenantId}.bin`);
    const raw = fs.readFileSync(cacheFile);
    expect(raw.includes(Buffer.from('refresh'))).toBe(false);
    expect(raw.includes(Buffer.from(me.oid))).toBe(false);
    // A second service instance on the same folder and secret box = the app reopened.
    const reopened = new IdentityService({ ...(h.identity as unknown as { deps: ConstructorParameters<typeof IdentityService>[0] }).deps });
    expect((await reopened.listAccounts()).map((a) => a.tenantId)).toEqual([me.tenantId]);
    await expect(reopened.getToken([h.cloud.descriptor.vaultScope])).resolves.toMatchObject({ tokenType: 'Bearer' });
    await reopened.signOut();
    expect(fs.existsSync(cacheFile)).toBe(false);
    expect(await reopened.listAccounts()).toEqual([]);
    await expect(reopened.getToken([h.cloud.descriptor.vaultScope], { tenantId: me.tenantId })).rejects.toMatchObject({ code: 'identity.sign_in_required' });
  });

  it('device code: shows code, URL and expiry, and completes when the holder enters it elsewhere', async () => {
    const me = h.holder(1);
    const start = await h.identity.startSignIn({ tenantId: me.tenantId, method: 'device-code' });
    expect(start.deviceCode?.userCode).toMatch(/\w{6,}/);
    expect(start.deviceCode?.verificationUri).toMatch(/^https:\/\/localhost:\d+\/devicelogin$/);
    expect(Date.parse(start.deviceCode!.expiresAt)).toBeGreaterThan(Date.now());
    await completeDeviceCode(h.agent, start.deviceCode!, me.oid);
    const account = await h.identity.waitSignIn(start.flowId);
    expect(account.tenantId).toBe(me.tenantId);
  });

  it('cancelling a device-code sign-in stops it with a clear error', async () => {
    const me = h.holder(1);
    const start = await h.identity.startSignIn({ tenantId: me.tenantId, method: 'device-code' });
    const waiting = h.identity.waitSignIn(start.flowId);
    h.identity.cancelSignIn(start.flowId);
    await expect(waiting).rejects.toMatchObject({ code: 'identity.cancelled' });
  });

  it('a browser sign-in that never comes back times out, releases the loopback, and a new sign-in works', async () => {
    const me = h.holder(1);
    let seen = '';
    const start = await h.identity.startSignIn({ tenantId: me.tenantId, method: 'browser', timeoutMs: 400, openBrowser: async (u) => void (seen = u) });
    await expect(h.identity.waitSignIn(start.flowId)).rejects.toMatchObject({ code: 'identity.timed_out' });
    const redirect = new URL(seen).searchParams.get('redirect_uri')!;
    await expect.poll(async () => fetch(redirect.replace('localhost', '127.0.0.1')).then(() => 'open', () => 'closed'), { timeout: 5000 }).toBe('closed');
    await expect(h.identity.signIn({ tenantId: me.tenantId, method: 'browser' })).resolves.toMatchObject({ tenantId: me.tenantId });
  });

  it('a holder who declines on the sign-in page gets "cancelled"', async () => {
    const me = h.holder(1);
    const decline = async (url: string) => {
      const u = new URL(url);
      const form = new URLSearchParams(u.searchParams);
      form.set('rehearsal_user', '-');
      form.set('rehearsal_cancel', '1');
      const { request } = await import('../../rehearsal/testing/sdk');
      const r = await request(h.agent, `${u.origin}${u.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      const fields = Object.fromEntries([...r.text.matchAll(/name="([^"]*)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
      void fetch(new URLSearchParams(u.search).get('redirect_uri')!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }).catch(() => {});
    };
    await expect(h.identity.signIn({ tenantId: me.tenantId, method: 'browser', openBrowser: decline })).rejects.toMatchObject({ code: 'identity.cancelled' });
  });

  // MSAL hides an unknown tenant behind endpoints_resolution_error, so "unreachable" names the tenant ID as the first thing to check.
  it('an unknown tenant and an unregistered app are told apart', async () => {
    const e1 = await h.identity.signIn({ tenantId: '00000000-0000-0000-0000-000000000001', method: 'device-code' }).catch((e: unknown) => e);
    const deps = (h.identity as unknown as { deps: ConstructorParameters<typeof IdentityService>[0] }).deps;
    const stranger = new IdentityService({ ...deps, config: { ...deps.config, clientId: '11111111-2222-3333-4444-555555555555' } });
    const e2 = await stranger.signIn({ tenantId: h.holder(1).tenantId, method: 'device-code' }).catch((e: unknown) => e);
    expect([(e1 as { code: string }).code, (e2 as { code: string }).code]).toEqual(['identity.unreachable', 'identity.refused']);
  });
});
