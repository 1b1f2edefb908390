/**
 * The client-secret rotation against the rehearsal cloud and the reference
 * control plane, with the app's own services: the whole rotation; a crash
 * after every step and a resume from disk, leaving no orphan and exactly one
 * valid new secret; the old secret really failing after removal; a policy
 * shorter than two years; Graph 403 and the control plane unreachable as
 * errors the holder can act on; and an expired secret making the primary key
 * Unavailable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyholderError } from '../../../shared/errors/index';
import type { CredentialRotationPorts } from '../../../shared/expiry/credential-rotation-runner';
import type { CredentialRotationView } from '../../../shared/ipc/channels/credential-rotation';
import { startWorld, type World } from './harness';
import { GraphClient } from '../../services/credential-rotation/graph-client';

const DAY = 86_400_000;
let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 120_000);
afterAll(async () => {
  await w?.close();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isKeyholderError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

/** The secret on line 4 and its Graph keyId, found the way the wizard finds it (by hint). */
async function currentOld(): Promise<{ keyId: string; text: string }> {
  const plan = await w.ws.credentialRotation.plan(1);
  const on = plan.credentials.filter((c) => c.onWorksheet);
  expect(on).toHaveLength(1);
  return { keyId: on[0]!.keyId, text: await w.ws.worksheet.revealSecret(1) };
}

/** What must hold after any finished rotation: one secret on the app, held by the worksheet and the vendor; the old one refused. */
async function expectClean(v: CredentialRotationView, oldText: string) {
  expect(v.phase).toBe('done');
  const pw = await w.passwords();
  expect(pw.map((p) => p.keyId)).toEqual([v.newSecret!.keyId]);
  expect(pw.filter((p) => (p.displayName ?? '').startsWith('keyholder-rotation-'))).toHaveLength(1);
  const line4 = await w.ws.worksheet.revealSecret(1);
  expect(line4).not.toBe(oldText);
  expect(line4.slice(0, 3)).toBe(pw[0]!.hint);
  expect(await w.signInWith(line4)).toBe('ok');
  expect(await w.signInWith(oldText)).toBe('AADSTS7000215');
  // The view the renderer gets never carries the secret's text, only the masked form.
  expect(JSON.stringify(v)).not.toContain(line4);
  expect(JSON.stringify(w.ws.credentialRotation.list())).not.toContain(line4);
  const sheet = (await w.ws.worksheet.get()).holder1;
  expect(sheet.secretExpiresOn).toBe(v.newSecret!.endDateTime.slice(0, 10));
  // The vendor's copy works: the control plane reaches the vault with what it now holds. (Restarted first: its
  // MSAL cache times tokens by the real clock, which did not move with the rehearsal's.)
  await w.restartControlPlane();
  const status = await w.ws.controlPlane.status({ refresh: true });
  expect(status.primaryKey?.status).toBe('Available');
  // Nothing of the secret's text is left outside the worksheet's SecretBox.
  expect(w.ws.credentialRotation.keeper.info(v.rotationId)).toBeNull();
}

/** Runs a rotation to its end, moving the world's clock past the overlap; each step may be interrupted by `crash`. */
async function rotate(o: { crashAfter?: number } = {}): Promise<CredentialRotationView> {
  const old = await currentOld();
  const plan = await w.ws.credentialRotation.plan(1);
  let calls = 0;
  let crashed = false;
  const wrapPorts = (ports: CredentialRotationPorts): CredentialRotationPorts =>
    Object.fromEntries(
      Object.entries(ports).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          const out = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
          if (!crashed && ++calls === o.crashAfter) {
            crashed = true;
            throw new Error(`crash after ${name}`);
          }
          return out;
        },
      ]),
    ) as unknown as CredentialRotationPorts;
  let ws = w.restart(o.crashAfter ? { wrapPorts } : {});
  const started = await ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime });
  for (let round = 0; round < 6; round++) {
    let v: CredentialRotationView;
    try {
      v = await ws.credentialRotation.advance(started.rotationId);
    } catch (e) {
      expect(String((e as Error).message)).toMatch(/^crash after/);
      ws = w.restart(); // the app starts again from what it wrote to disk
      continue;
    }
    if (v.phase === 'done') {
      await expectClean(v, old.text);
      return v;
    }
    expect(v.outcome).toBe('waiting-overlap');
    expect(v.newSecret?.masked).toMatch(/^.{3}•+$/);
    w.clock.advance(DAY + 60_000);
    try {
      v = await ws.credentialRotation.removeOld(started.rotationId);
    } catch (e) {
      expect(String((e as Error).message)).toMatch(/^crash after/);
      ws = w.restart();
      continue;
    }
    if (v.phase === 'done') {
      await expectClean(v, old.text);
      return v;
    }
  }
  throw new Error('the rotation did not finish');
}

describe('rotation against the rehearsal cloud', () => {
  it('rotates end to end: overlap enforced, override needs a reason, old secret refused by Entra, worksheet and vendor updated', async () => {
    const old = await currentOld();
    expect(old.keyId).toBe(w.app1.seedKeyId);
    const plan = await w.ws.credentialRotation.plan(1);
    expect(plan).toMatchObject({ signedIn: true, appId: w.app1.appId, rule: { source: 'tenant-default', maxLifetime: 'P730D' } });
    const v0 = await w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime });
    expect(await codeOf(w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime }))).toBe('rotation.already_running');
    const v1 = await w.ws.credentialRotation.advance(v0.rotationId);
    expect(v1).toMatchObject({ phase: 'overlap', step: 5, outcome: 'waiting-overlap' });
    expect(v1.overlapRemainingMs).toBeGreaterThan(DAY - 60_000);
    // Both secrets work during the overlap; the vendor already has the new one.
    const pw = await w.passwords();
    expect(pw.map((p) => p.keyId).sort()).toEqual([old.keyId, v1.newSecret!.keyId].sort());
    expect(await w.signInWith(old.text)).toBe('ok');
    expect(JSON.stringify(v1)).not.toContain(old.text);
    // Removal is refused before the 24 hours are over; a short reason is no reason.
    expect(await codeOf(w.ws.credentialRotation.removeOld(v0.rotationId))).toBe('rotation.overlap_not_over');
    expect(await codeOf(w.ws.credentialRotation.removeOld(v0.rotationId, 'because'))).toBe('rotation.overlap_not_over');
    expect(await w.signInWith(old.text)).toBe('ok');
    // After a restart the rotation is still at step 5, with the countdown from the control plane's confirmation.
    const again = w.restart().credentialRotation.get(v0.rotationId);
    expect(again).toMatchObject({ step: 5, overlapEndsAt: new Date(Date.parse(again.confirmedAt!) + DAY).toISOString() });
    w.clock.advance(DAY + 60_000);
    const done = await w.ws.credentialRotation.removeOld(v0.rotationId);
    expect(done.override).toBeUndefined();
    await expectClean(done, old.text);
    expect(done.history.map((h) => h.event)).toEqual(['started', 'signed-in', 'password-added', 'submitted', 'confirmed', 'removal-requested', 'old-removed', 'old-proven-failing', 'worksheet-updated']);
  }, 120_000);

  it('an override during the overlap needs a typed reason, which is recorded', async () => {
    const old = await currentOld();
    const plan = await w.ws.credentialRotation.plan(1);
    const v0 = await w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime });
    await w.ws.credentialRotation.advance(v0.rotationId);
    const done = await w.ws.credentialRotation.removeOld(v0.rotationId, 'Old secret leaked in a screenshot; vendor confirmed by phone.');
    expect(done.override?.reason).toBe('Old secret leaked in a screenshot; vendor confirmed by phone.');
    expect(done.history.some((h) => h.event === 'overlap-overridden')).toBe(true);
    await expectClean(done, old.text);
  }, 120_000);

  // Effects in order: signIn, listPasswords, addPasswordAndKeep, submitCredentials, confirmation, removePassword, oldSecretFails, updateWorksheet.
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`survives a crash right after effect ${n}, resumed from disk: no orphan, exactly one valid new secret`, async () => {
      await rotate({ crashAfter: n });
    }, 120_000);
  }

  it('a crash between addPassword and keeping the text leaves an orphan that the resume removes before adding a fresh one', async () => {
    const old = await currentOld();
    const plan = await w.ws.credentialRotation.plan(1);
    // The app dies inside addPasswordAndKeep: Graph added the secret, the text never reached the SecretBox.
    const ws = w.restart({
      wrapPorts: (ports) => ({
        ...ports,
        addPasswordAndKeep: async (appId, displayName, end) => {
          const graph = (w.ws.credentialRotation as unknown as { graph(t: string): { getApplication(a: string): Promise<{ id: string }>; addPassword(o: string, a: string, n: string, e: string): Promise<unknown> } }).graph(w.app1.tenantId);
          const app = await graph.getApplication(appId);
          await graph.addPassword(app.id, appId, displayName, end);
          throw new Error('crash after addPassword, before keeping the text');
        },
      }),
    });
    const v0 = await ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime });
    await expect(ws.credentialRotation.advance(v0.rotationId)).rejects.toThrow(/crash after addPassword/);
    const orphan = (await w.passwords()).find((p) => (p.displayName ?? '').startsWith(`keyholder-rotation-${v0.rotationId}`))!;
    expect(orphan).toBeDefined();
    const resumed = await w.restart().credentialRotation.advance(v0.rotationId);
    expect(resumed.history.find((h) => h.event === 'orphans-removed')?.note).toBe(orphan.keyId);
    expect(resumed.newSecret!.keyId).not.toBe(orphan.keyId);
    expect((await w.passwords()).map((p) => p.keyId)).not.toContain(orphan.keyId);
    w.clock.advance(DAY + 60_000);
    await expectClean(await w.ws.credentialRotation.removeOld(v0.rotationId), old.text);
  }, 120_000);

  it('respects an app policy shorter than 2 years: a longer secret is refused before Azure is touched, the suggestion fits', async () => {
    await w.admin('/apps/policy', { appId: w.app1.appId, maxPasswordLifetime: 'P90D' });
    try {
      const old = await currentOld();
      const plan = await w.ws.credentialRotation.plan(1);
      expect(plan.rule).toMatchObject({ source: 'app-policy', maxLifetime: 'P90D' });
      expect(Date.parse(plan.rule.suggestedEndDateTime)).toBe(Date.parse(plan.rule.maxEndDateTime));
      const before = await w.passwords();
      const tooLong = await w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: new Date(w.clock.now().getTime() + 200 * DAY).toISOString() });
      const failed = await w.ws.credentialRotation.advance(tooLong.rotationId);
      expect(failed).toMatchObject({ outcome: 'failed', phase: 'add-password', lastError: { code: 'expiry.lifetime_refused' } });
      expect(failed.lastError!.message).toContain('P90D');
      expect(await w.passwords()).toEqual(before);
      await w.ws.credentialRotation.abandon(tooLong.rotationId);
      const v = await rotate();
      expect(Date.parse(v.newSecret!.endDateTime) - Date.parse(v.startedAt)).toBeLessThanOrEqual(90 * DAY);
    } finally {
      await w.admin('/apps/policy', { appId: w.app1.appId, maxPasswordLifetime: null });
    }
  }, 120_000);

  it('names the ownership and permission needed when Graph answers 403; nothing is changed', async () => {
    const user = w.cloud.descriptor.users.find((u) => u.tenantId === w.app1.tenantId)!;
    await w.admin('/apps/owners', { appId: w.app1.appId, owners: [] });
    try {
      const old = await currentOld();
      const plan = await w.ws.credentialRotation.plan(1);
      const v0 = await w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime });
      const v = await w.ws.credentialRotation.advance(v0.rotationId);
      expect(v.lastError?.code).toBe('rotation.graph_forbidden');
      expect(v.lastError?.message).toMatch(/owner/);
      expect(v.lastError?.message).toContain('Application.ReadWrite.All');
      expect((await w.passwords()).map((p) => p.keyId)).toEqual([old.keyId]);
      await w.admin('/apps/owners', { appId: w.app1.appId, owners: [user.oid] });
      await w.ws.credentialRotation.abandon(v0.rotationId);
    } finally {
      await w.admin('/apps/owners', { appId: w.app1.appId, owners: [user.oid] });
    }
  }, 120_000);

  it('keeps everything when the control plane is unreachable, and continues once it is back', async () => {
    const old = await currentOld();
    const plan = await w.ws.credentialRotation.plan(1);
    const v0 = await w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime });
    const port = w.cp.port;
    await w.cp.close();
    const v1 = await w.ws.credentialRotation.advance(v0.rotationId);
    expect(v1).toMatchObject({ phase: 'submit', outcome: 'failed', lastError: { code: 'rotation.control_plane_unreachable' } });
    expect(v1.newSecret?.kept).toBe(true);
    expect(await w.signInWith(old.text)).toBe('ok');
    expect(port).toBeGreaterThan(0);
    await w.restartControlPlane();
    const v2 = await w.ws.credentialRotation.advance(v0.rotationId);
    expect(v2.phase).toBe('overlap');
    w.clock.advance(DAY + 60_000);
    await expectClean(await w.ws.credentialRotation.removeOld(v0.rotationId), old.text);
  }, 120_000);

  it('rolls back when the control plane refuses the new credentials: the new secret is removed, the old one stays', async () => {
    // The holder moves the key store to a new application but forgot to give it access to the vault.
    const made = (await w.admin('/apps', { tenantId: w.app1.tenantId, count: 1 })) as { apps: { appId: string }[] };
    const newAppId = made.apps[0]!.appId;
    const old = await currentOld();
    const before = await w.ws.worksheet.get();
    const plan = await w.ws.credentialRotation.plan(1);
    const v0 = await w.ws.credentialRotation.start({ holder: 1, oldKeyId: old.keyId, endDateTime: plan.rule.suggestedEndDateTime, newAppId });
    const v = await w.ws.credentialRotation.advance(v0.rotationId);
    expect(v).toMatchObject({ phase: 'rolled-back', outcome: 'rolled-back', finished: true });
    expect(v.rejection?.reason).toMatch(/key holder 1/i);
    const graph = new GraphClient({ baseUrl: w.cloud.descriptor.graphUrl, agent: w.agent, token: async ({ forceRefresh }) => (await w.ws.identity.graphToken(w.app1.tenantId, { forceRefresh })).token });
    expect((await graph.getApplication(newAppId)).passwordCredentials).toEqual([]);
    expect((await w.passwords()).map((p) => p.keyId)).toEqual([old.keyId]);
    expect(await w.signInWith(old.text)).toBe('ok');
    expect((await w.ws.worksheet.get()).holder1).toEqual(before.holder1);
    expect(w.ws.credentialRotation.keeper.info(v0.rotationId)).toBeNull();
    expect((await w.ws.credentialRotation.plan(1)).unfinishedRotationId).toBeUndefined();
  }, 120_000);

  it('refreshes the dashboard from Graph in one $batch: the line-4 date is the new secret’s, read from Graph', async () => {
    const keyId = (await currentOld()).keyId;
    const end = (await w.passwords()).find((p) => p.keyId === keyId)!.endDateTime;
    const r = await w.ws.credentialRotation.refreshGraphItems();
    expect(r).toEqual({ refreshed: true, items: 1, httpRequests: 1, account: 'alice@holder1.rehearsal.example' });
    const row = (await w.ws.expiry.dashboard()).rows.find((x) => x.item.kind === 'client-secret')!;
    expect(row.item).toMatchObject({ source: 'graph', expiresAt: end, holder: 'holder-1', ceremony: 'primary' });
  }, 120_000);

  it('an expired secret cuts the control plane’s access to the vault: the primary key becomes Unavailable', async () => {
    await w.restartControlPlane();
    expect((await w.ws.controlPlane.status({ refresh: true })).primaryKey?.status).toBe('Available');
    // Past every secret's end (holder 1's newest lives at most 12 months from now, holder 2's seed one year from the start).
    w.clock.advance(400 * DAY);
    await w.restartControlPlane();
    const s = await w.ws.controlPlane.status({ refresh: true });
    expect(s.primaryKey?.status).toBe('Unavailable');
    expect(s.primaryKey?.keyStores.find((k) => k.holder === 1)).toMatchObject({ health: 'unreachable', reason: 'client secret expired' });
    expect(await w.signInWith(await w.ws.worksheet.revealSecret(1))).toBe('AADSTS7000222');
  }, 120_000);
});
