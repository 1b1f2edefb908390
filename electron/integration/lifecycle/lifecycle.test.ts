/**
 * Every lifecycle action and every guard against the rehearsal cloud and
 * the reference control plane: health (unreachable is never "revoked"),
 * revoke/unrevoke with typed confirmations, the quorum for the last key
 * store, pull refused without soft delete and purge protection, restore of
 * every version within retention.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV, KEY_NAME, startLifecycleHarness, type LifecycleHarness } from './harness';
import { PASS } from '../../services/escrow/testing/helpers';
import { LifecycleService } from '../../services/lifecycle/service';
import { silentLogger } from '../../services/log/logger';
import { KeyholderError } from '../../../shared/errors/index';
import { generateSourceKey } from '../../services/keys/source-key';
import { enrolParticipant, openParticipant } from '../../services/participants/participant-file';

let h: LifecycleHarness;
beforeAll(async () => {
  h = await startLifecycleHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const DAY = 86_400_000;

function transcriptKinds(): string[] {
  const file = h.transcript.pathOf(h.lifecycle.transcriptId()!);
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { kind: string }).kind);
}

describe('health with the holder’s own sign-in', () => {
  it('reports Available, and the vendor’s Available, with what it means', async () => {
    const s = await h.lifecycle.status();
    expect(s.keyStore).toMatchObject({ holder: 1, state: 'Available', keyName: KEY_NAME });
    expect(s.vendor).toMatchObject({ status: 'Available' });
    expect(s.vendor!.meaning).toMatch(/both key stores are healthy/i);
  });

  it('a vendor that cannot be asked now (a terminal without the keychain, the vendor down): its last status, dated, not "not connected"', async () => {
    const now = await h.lifecycle.status();
    const receivedAt = '2026-12-01T09:30:00.000Z';
    const cannotAsk = new LifecycleService({
      dataDir: path.join(h.dir, 'holder1'),
      clock: h.clock,
      log: silentLogger,
      provider: () => h.holders[0].provider,
      heldKeyStore: () => ({ ...h.held }),
      vendorStatus: () => Promise.reject(new KeyholderError('platform.secret_storage_unavailable', 'The system keychain cannot be reached.')),
      lastVendorStatus: () => ({ status: { environmentId: ENV, submitted: { holder1: true, holder2: true }, validation: { state: 'validated', failures: [] }, primaryKey: now.vendor!.primaryKey, primaryKeys: now.vendor!.primaryKeys }, receivedAt }),
      participants: h.participants,
      transcript: h.transcript,
    });
    const s = await cannotAsk.status();
    expect(s.keyStore).toMatchObject({ state: 'Available' });
    expect(s.vendor).toMatchObject({ status: 'Available', receivedAt });
    // Asked just now, the view says so (no date).
    expect(now.vendor!.receivedAt).toBeNull();
  });

  it('an unreachable vault is Unavailable, never Revoked', async () => {
    await h.admin('/faults', { kind: 'reset', family: 'keyvault', vault: h.holders[0].vaultName, count: 20 });
    try {
      const s = await h.lifecycle.status({ refresh: false });
      expect(s.keyStore!.state).toBe('Unavailable');
      expect(s.keyStore!.meaning).toMatch(/has NOT been revoked/);
    } finally {
      await h.admin('/faults', { kind: 'reset', count: 0 }).catch(() => undefined);
      await fetchDelete();
    }
  });

});

async function fetchDelete(): Promise<void> {
  const { request } = await import('../../rehearsal/testing/sdk');
  await request(h.agent, `${h.cloud.descriptor.adminUrl}/faults`, { method: 'DELETE', headers: { 'content-length': '0' } });
}

describe('revoke and unrevoke', () => {
  it('refuses a wrong confirmation and changes nothing', async () => {
    const c = await h.lifecycle.confirmationFor('revoke');
    expect(c).toMatchObject({ text: 'revoke key store 1, documents depend on key store 2 alone', needsQuorum: false });
    await expect(h.lifecycle.revoke({ confirmation: 'revoke key store 1' })).rejects.toMatchObject({ code: 'lifecycle.confirmation_mismatch' });
    expect((await h.lifecycle.status({ refresh: false })).keyStore!.state).toBe('Available');
  });

  it('revoke disables the key version: Revoked here, Key Store 1 Revoked at the vendor, lag notice caught up; unrevoke brings Available back', async () => {
    const out = await h.lifecycle.revoke({ confirmation: '  Revoke key store 1,  documents depend on key store 2 alone ' });
    expect(out.keyStore).toMatchObject({ state: 'Revoked', detail: 'The key version is disabled.' });
    expect(out.keyStore.meaning).toMatch(/Documents still work: key store 2 alone/);
    expect(out.lag.text).toMatch(/may lag/);
    const s = await h.lifecycle.status();
    expect(s.vendor!.status).toBe('Key Store 1 Revoked');
    expect(s.lag!.caughtUpAt).toBeTruthy();
    expect(s.lag!.text).toMatch(/caught up/);
    const back = await h.lifecycle.unrevoke({ confirmation: 'unrevoke key store 1' });
    expect(back.keyStore.state).toBe('Available');
    expect((await h.lifecycle.status()).vendor!.status).toBe('Available');
    expect(transcriptKinds()).toEqual(expect.arrayContaining(['key-store.revoked', 'key-store.unrevoked']));
  });

  it('with the vendor’s data-key cache, the lag notice stays open until the vendor caught up', async () => {
    await h.cp.updateSettings({ dataKeyCacheSeconds: 3600 });
    try {
      const out = await h.lifecycle.revoke({ confirmation: 'revoke key store 1, documents depend on key store 2 alone' });
      expect(out.lag.cacheSeconds).toBe(3600);
      let s = await h.lifecycle.status();
      expect(s.vendor!.status).toBe('Available');
      expect(s.lag!.caughtUpAt).toBeUndefined();
      h.clock.advance(3601 * 1000);
      s = await h.lifecycle.status();
      expect(s.vendor!.status).toBe('Key Store 1 Revoked');
      // Caught up at the check after the cache delay ran out, not before.
      expect(Date.parse(s.lag!.caughtUpAt!)).toBeGreaterThanOrEqual(Date.parse(out.lag.catchUpBy));
      expect(Date.parse(s.lag!.caughtUpAt!)).toBeLessThanOrEqual(h.clock.now().getTime());
    } finally {
      await h.cp.updateSettings({ dataKeyCacheSeconds: 0 });
      await h.lifecycle.unrevoke({ confirmation: 'unrevoke key store 1' });
    }
  });
});

describe('revoking the last key store needs a quorum', () => {
  it('refuses without signatures, with too few, with a stranger’s; succeeds with 2 of 3 and records them', async () => {
    await h.admin('/keys/disable', { vault: h.holders[1].vaultName, name: KEY_NAME });
    expect((await h.lifecycle.status()).vendor!.status).toBe('Key Store 2 Revoked');
    const c = await h.lifecycle.confirmationFor('revoke');
    expect(c).toEqual({ text: 'revoke key store 1, stop all encryption and decryption', needsQuorum: true });
    // The single-store words do not pass for the last store.
    await expect(h.lifecycle.revoke({ confirmation: 'revoke key store 1, documents depend on key store 2 alone' })).rejects.toMatchObject({ code: 'lifecycle.confirmation_mismatch' });
    await expect(h.lifecycle.revoke({ confirmation: c.text })).rejects.toMatchObject({ code: 'lifecycle.quorum_required' });
    await expect(h.lifecycle.requestLastStoreAction({ action: 'revoke', reason: 'short' })).rejects.toMatchObject({ code: 'lifecycle.reason_required' });
    const req = await h.lifecycle.requestLastStoreAction({ action: 'revoke', reason: 'Suspected compromise of the vendor tenant, incident 4411' });
    await h.lifecycle.signRequest({ requestId: req.requestId, participantId: h.participantIds[0]!, passphrase: PASS[0]! });
    await expect(h.lifecycle.signRequest({ requestId: req.requestId, participantId: h.participantIds[1]!, passphrase: 'wrong passphrase here' })).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(h.lifecycle.revoke({ confirmation: c.text, requestId: req.requestId })).rejects.toMatchObject({ code: 'lifecycle.quorum_incomplete' });
    // A participant who is not enrolled here cannot stand in.
    const stranger = await enrolParticipant({ name: 'Mallory', passphrase: 'mallory passphrase long', kdf: { N: 2 ** 10, r: 8, p: 1 } });
    const mallory = await openParticipant(stranger.file, 'mallory passphrase long');
    expect(() => h.lifecycle.addApprovals(req.requestId, [mallory.attest('supervisor', req.statement)])).toThrow(expect.objectContaining({ code: 'lifecycle.approval_unknown_participant' }));
    // A signature over another statement does not count.
    const kim = await h.participants.unlock(h.participantIds[1]!, PASS[1]!);
    expect(() => h.lifecycle.addApprovals(req.requestId, [kim.attest('supervisor', { ...req.statement, reason: 'changed after signing' })])).toThrow(expect.objectContaining({ code: 'lifecycle.approval_invalid' }));
    kim.dispose();
    const q = await h.lifecycle.signRequest({ requestId: req.requestId, participantId: h.participantIds[1]!, passphrase: PASS[1]! });
    expect(q.participants.filter((p) => p.signed)).toHaveLength(2);
    const out = await h.lifecycle.revoke({ confirmation: c.text, requestId: req.requestId });
    expect(out.keyStore.state).toBe('Revoked');
    expect(out.keyStore.meaning).toMatch(/cannot be uploaded, viewed or downloaded/);
    expect((await h.lifecycle.status()).vendor!.status).toBe('Both Key Stores Revoked');
    const file = h.transcript.pathOf(h.lifecycle.transcriptId()!);
    const entry = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.kind === 'key-store.revoked')
      .at(-1);
    expect(entry.data).toMatchObject({ lastKeyStore: true, reason: 'Suspected compromise of the vendor tenant, incident 4411', approvals: 2 });
    expect(entry.attestations.map((a: { name: string }) => a.name).sort()).toEqual(['Kim Keeper', 'Sam Supervisor']);
    const verified = h.transcript.verify(file, { allowOpen: true });
    // The lifecycle transcript stays open for the key's whole life: only "not closed" is acceptable.
    expect(verified.ok || ('fault' in verified && verified.fault.reason === 'not-closed')).toBe(true);
    // The request is used up.
    await expect(h.lifecycle.revoke({ confirmation: c.text, requestId: req.requestId })).rejects.toMatchObject({ code: 'lifecycle.request_expired' });
    await h.lifecycle.unrevoke({ confirmation: 'unrevoke key store 1' });
    await h.admin('/keys/enable', { vault: h.holders[1].vaultName, name: KEY_NAME });
    expect((await h.lifecycle.status()).vendor!.status).toBe('Available');
  });
});

describe('pull and restore', () => {
  it('refuses to pull from a vault without soft delete, or without purge protection', async () => {
    const t1 = h.holders[0].tenantId;
    for (const v of [
      { name: 'nosoft-vault', softDelete: false },
      { name: 'nopurge-vault', softDelete: true, purgeProtection: false },
    ]) {
      const created = (await h.admin('/vaults', { ...v, tenantId: t1 })) as { url: string };
      const key = await generateSourceKey(2048);
      const { identityOf } = await import('../../services/keys/source-key');
      const out = await h.holders[0].provider.importKey({ location: created.url, keyName: 'k', protection: 'software', privateKey: key.privateKey, keyId: key.keyId, fingerprint: identityOf(key.privateKey).fingerprint });
      const before = { ...h.held };
      h.held.keyVersionId = out.keyVersionId;
      try {
        const prot = await h.holders[0].provider.vaultProtection(created.url);
        expect(prot).toMatchObject({ softDelete: v.softDelete, purgeProtection: false });
        await expect(h.lifecycle.pull({ confirmation: 'pull key store 1, restorable for 90 days' })).rejects.toMatchObject({ code: 'lifecycle.pull_unprotected' });
        expect((await h.holders[0].provider.keyVersionHealth(out.keyVersionId)).state).toBe('available');
      } finally {
        Object.assign(h.held, before);
      }
    }
  });

  it('pulls (soft delete) with the retention and scheduled purge date shown, then restores every version within retention', async () => {
    const vaultUrl = h.holders[0].vaultUrl;
    // A second version under the same name, so "every version" means something.
    const extra = await generateSourceKey(2048);
    const { identityOf } = await import('../../services/keys/source-key');
    await h.holders[0].provider.importKey({ location: vaultUrl, keyName: KEY_NAME, protection: 'software', privateKey: extra.privateKey, keyId: extra.keyId, fingerprint: identityOf(extra.privateKey).fingerprint });
    const before = (await h.holders[0].provider.listVersions({ location: vaultUrl, keyName: KEY_NAME })).map((v) => v.version).sort();
    expect(before.length).toBe(2);
    const c = await h.lifecycle.confirmationFor('pull');
    expect(c.protection).toMatchObject({ softDelete: true, purgeProtection: true, retentionDays: 90 });
    expect(c.text).toBe('pull key store 1, restorable for 90 days');
    const pulled = await h.lifecycle.pull({ confirmation: c.text });
    expect(Date.parse(pulled.deleted.scheduledPurgeDate!) - h.clock.now().getTime()).toBeGreaterThan(89 * DAY);
    const s = await h.lifecycle.status();
    expect(s.keyStore).toMatchObject({ state: 'Revoked' });
    expect(s.keyStore!.deleted?.scheduledPurgeDate).toBe(pulled.deleted.scheduledPurgeDate);
    expect(s.vendor!.status).toBe('Key Store 1 Revoked');
    h.clock.advance(30 * DAY);
    const restored = await h.lifecycle.restore({ confirmation: 'restore key store 1' });
    expect(restored.versions).toEqual(before);
    expect(restored.allVersionsBack).toBe(true);
    expect((await h.lifecycle.status()).vendor!.status).toBe('Available');
    await expect(h.lifecycle.restore({ confirmation: 'restore key store 1' })).rejects.toMatchObject({ code: 'lifecycle.nothing_to_restore' });
    expect(transcriptKinds()).toEqual(expect.arrayContaining(['key-store.pulled', 'key-store.restored']));
  });

  it('cannot restore once the retention ended (the vault purged it)', async () => {
    const scratch = (await h.admin('/vaults', { name: 'short-retention', tenantId: h.holders[0].tenantId, softDelete: true, purgeProtection: true, retentionDays: 7 })) as { url: string };
    const key = await generateSourceKey(2048);
    const { identityOf } = await import('../../services/keys/source-key');
    const out = await h.holders[0].provider.importKey({ location: scratch.url, keyName: 'k', protection: 'software', privateKey: key.privateKey, keyId: key.keyId, fingerprint: identityOf(key.privateKey).fingerprint });
    const before = { ...h.held };
    h.held.keyVersionId = out.keyVersionId;
    try {
      // Key store 2 is healthy at the vendor for this key? No: the vendor does not know this key, so it is the "last store" case only if unknown.
      const c = await h.lifecycle.confirmationFor('pull');
      expect(c.text).toMatch(/pull key store 1/);
      let requestId: string | undefined;
      if (c.needsQuorum) {
        const req = await h.lifecycle.requestLastStoreAction({ action: 'pull', reason: 'Rehearsing a pull on a scratch vault' });
        for (const [i, id] of h.participantIds.slice(0, 2).entries()) await h.lifecycle.signRequest({ requestId: req.requestId, participantId: id, passphrase: PASS[i]! });
        requestId = req.requestId;
      }
      await h.lifecycle.pull({ confirmation: c.text, ...(requestId ? { requestId } : {}) });
      h.clock.advance(8 * DAY);
      await expect(h.lifecycle.restore({ confirmation: 'restore key store 1' })).rejects.toMatchObject({ code: expect.stringMatching(/^lifecycle\.(nothing_to_restore|retention_over)$/) });
    } finally {
      Object.assign(h.held, before);
    }
  });

  it('purge is never offered', () => {
    const api = Object.getOwnPropertyNames(Object.getPrototypeOf(h.lifecycle));
    expect(api.some((n) => /purge/i.test(n))).toBe(false);
    expect(ENV).toBeTruthy();
  });
});

// Last: expiring every token also stops the vendor's cached application tokens.
describe('sign-in trouble', () => {
  it('an expired or refused sign-in is Unavailable, never Revoked', async () => {
    await h.admin('/tokens/expire');
    const s = await h.lifecycle.status({ refresh: false });
    expect(s.keyStore!.state).toBe('Unavailable');
    expect(s.keyStore!.state).not.toBe('Revoked');
    for (const side of h.holders) await side.identity.signIn({ tenantId: side.tenantId, method: 'browser' });
    expect((await h.lifecycle.status({ refresh: false })).keyStore!.state).toBe('Available');
  });
});
