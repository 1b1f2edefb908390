import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { createEscrowService } from './service';
import { openHolderCopyKey, readHolderCopy } from './holder-copy';
import { PassphraseThrottle } from './throttle';
import { PASS } from './testing/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-escrow-'));
  dirs.push(dataDir);
  const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
  const throttle = new PassphraseThrottle({ clock, baseDelayMs: 1000 });
  return { dataDir, clock, throttle, svc: createEscrowService({ dataDir, clock, log: silentLogger, kdf: TEST_KDF, throttle }) };
}

describe('escrow ceremony (service)', () => {
  it('1-of-2: files written, receipt only after every custodian reopened escrow and PEM from disk', async () => {
    const { svc, dataDir } = setup();
    let st = await svc.startCeremony({ modulusBits: 2048, purpose: 'Contoso CMK 2026' });
    expect(st.key.fingerprintGrouped.split(' ')).toHaveLength(16);
    st = await svc.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
    await expect(svc.enterPassphrase(st.sessionId, 1, 'password1234')).rejects.toMatchObject({ code: 'escrow.weak_passphrase' });
    await expect(svc.writeFiles(st.sessionId)).rejects.toMatchObject({ code: 'escrow.incomplete' });
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
    st = await svc.writeFiles(st.sessionId);
    const w = st.written!;
    expect(w.folder).toBe(path.join(dataDir, 'ceremony', 'escrow', st.key.keyId));
    expect(path.basename(w.escrowFile)).toBe(`escrow-${st.key.fingerprint.slice(0, 16)}.khescrow`);
    expect(w.pemFiles.map((f) => path.basename(f))).toEqual([`escrow-${st.key.fingerprint.slice(0, 16)}-custodian-1-alice-archer.pem`, `escrow-${st.key.fingerprint.slice(0, 16)}-custodian-2-bob-baker.pem`]);
    expect(w.artifacts.map((a) => a.kind)).toEqual(['escrow', 'pem', 'pem']);
    const sheet = await svc.restoreSheet(st.sessionId);
    expect(sheet).toContain(st.key.keyId);
    expect(sheet).toContain(st.key.fingerprintGrouped);
    expect(sheet).toContain('openssl pkey -in');
    expect(sheet).not.toContain(PASS[0]!);

    await expect(svc.testRestore(st.sessionId, 2, PASS[0]!)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase', detail: { custodian: 'Bob Baker' } });
    st = await svc.testRestore(st.sessionId, 1, PASS[0]!);
    expect(st.restoreDone).toBe(false);
    expect(await svc.receipt(w.folder)).toBeNull();
    expect(fs.existsSync(path.join(w.folder, 'restore-receipt.json'))).toBe(false);
    await expect(svc.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!)).rejects.toMatchObject({ code: 'escrow.not_verified' });
    // Bob's earlier wrong attempt set a pause on his slot.
    await expect(svc.testRestore(st.sessionId, 2, PASS[1]!)).rejects.toMatchObject({ code: 'escrow.throttled' });
  });

  it('the unsupervised test-restore exists only while the generating session is open (docs/activation.md: why it is exempt)', async () => {
    const { svc } = setup();
    let st = await svc.startCeremony({ modulusBits: 2048 });
    st = await svc.setCustodians(st.sessionId, ['Alice', 'Bob'], 1);
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
    st = await svc.writeFiles(st.sessionId);
    svc.closeCeremony(st.sessionId);
    // A stored escrow cannot be opened later through this path: that needs a supervised activation.
    await expect(svc.testRestore(st.sessionId, 1, PASS[0]!)).rejects.toMatchObject({ code: 'escrow.no_session' });
  });

  it('receipt is durable and tied to the escrow file bytes; the holder copy opens with its own passphrase', async () => {
    const { svc, throttle } = setup();
    let st = await svc.startCeremony({ modulusBits: 2048 });
    st = await svc.setCustodians(st.sessionId, ['Alice', 'Bob'], 1);
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
    st = await svc.writeFiles(st.sessionId);
    await svc.testRestore(st.sessionId, 1, PASS[0]!);
    st = await svc.testRestore(st.sessionId, 2, PASS[1]!);
    expect(st.restoreDone).toBe(true);
    const receipt = await svc.receipt(st.written!.folder);
    expect(receipt).toMatchObject({ keyId: st.key.keyId, fingerprint: st.key.fingerprint, threshold: 1, total: 2 });
    expect(receipt!.verified.map((v) => [v.name, v.pem])).toEqual([['Alice', true], ['Bob', true]]);

    st = await svc.createHolderCopy(st.sessionId, 'Key holder 1 - Jane', PASS[2]!);
    const copy = st.holderCopies[0]!.file;
    expect(path.basename(copy)).toBe(`holder-key-holder-1-jane-${st.key.fingerprint.slice(0, 16)}.khescrow`);
    // What the activation desk takes as a key-holder copy (holder-copy.test.ts: every refusal, and the passphrase).
    expect(await readHolderCopy(copy)).toMatchObject({ holder: 'Key holder 1 - Jane', entry: { keyId: st.key.keyId, fingerprint: st.key.fingerprint } });
    await expect(readHolderCopy(st.written!.escrowFile)).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    const { pkcs8 } = await openHolderCopyKey(await readHolderCopy(copy), PASS[2]!, { throttle });
    expect(pkcs8.length).toBeGreaterThan(1000);
    pkcs8.fill(0);

    // Tampering with the escrow file after the receipt voids the receipt.
    fs.appendFileSync(st.written!.escrowFile, 'x');
    expect(await svc.receipt(st.written!.folder)).toBeNull();
  });

  it('2-of-3: no PEMs, quorum test-restore from disk completes the receipt', async () => {
    const { svc } = setup();
    let st = await svc.startCeremony({ modulusBits: 2048 });
    st = await svc.setCustodians(st.sessionId, ['Ann', 'Ben', 'Cy'], 2);
    for (const i of [1, 2, 3]) await svc.enterPassphrase(st.sessionId, i, PASS[i - 1]!);
    st = await svc.writeFiles(st.sessionId);
    expect(st.written!.pemFiles).toEqual([]);
    const sheet = await svc.restoreSheet(st.sessionId);
    expect(sheet).toContain('No single passphrase opens this key');
    expect(sheet).toContain('2 of the 3');
    st = await svc.testRestore(st.sessionId, 3, PASS[2]!);
    expect(st.restoreDone).toBe(false);
    st = await svc.testRestore(st.sessionId, 1, PASS[0]!);
    expect(st.restoreDone).toBe(true);
    expect((await svc.receipt(st.written!.folder))!.verified.map((v) => v.name)).toEqual(['Ann', 'Cy']);
  });

  it('a file changed on disk after writing fails the test-restore', async () => {
    const { svc } = setup();
    let st = await svc.startCeremony({ modulusBits: 2048 });
    st = await svc.setCustodians(st.sessionId, ['Ann'], 1);
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    st = await svc.writeFiles(st.sessionId);
    const bytes = fs.readFileSync(st.written!.escrowFile);
    bytes[100]! ^= 1;
    fs.writeFileSync(st.written!.escrowFile, bytes);
    await expect(svc.testRestore(st.sessionId, 1, PASS[0]!)).rejects.toMatchObject({ code: 'escrow.changed_on_disk' });
    expect(svc.status(st.sessionId).restoreDone).toBe(false);
  });
});

describe('passphrase throttle', () => {
  it('one attempt at a time, growing pause after failures, reset on success', async () => {
    const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
    const t = new PassphraseThrottle({ clock, baseDelayMs: 1000 });
    const wrong = () => Promise.reject(Object.assign(new Error('no'), { code: 'escrow.wrong_passphrase' }));
    let release!: () => void;
    const slow = t.run('f', () => new Promise<void>((r) => (release = r)));
    await expect(t.run('f', async () => 1)).rejects.toMatchObject({ code: 'escrow.attempt_in_progress' });
    release();
    await slow;
    await expect(t.run('f', wrong)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(t.run('f', async () => 1)).rejects.toMatchObject({ code: 'escrow.throttled', detail: { retryAfterSeconds: 1 } });
    clock.advance(1000);
    await expect(t.run('f', wrong)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    clock.advance(1000);
    await expect(t.run('f', async () => 1)).rejects.toMatchObject({ code: 'escrow.throttled', detail: { retryAfterSeconds: 1 } });
    clock.advance(1000);
    await expect(t.run('f', async () => 'ok')).resolves.toBe('ok');
    expect(t.failures('f')).toBe(0);
    expect(await t.run('other', async () => 2)).toBe(2);
  });
});
