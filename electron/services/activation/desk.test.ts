import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { sealKey } from '../escrow/seal';
import { PASS } from '../escrow/testing/helpers';
import { fixedClock } from '../platform/clock';
import { createCeremonyTranscripts } from '../transcript/index';
import { testSecretBox } from '../transcript/test-support';
import { createParticipantsService } from '../participants/index';
import { createActivationService } from './index';
import { createActivationDesk, verifyRestorePurpose } from './desk';
import { PassphraseThrottle } from '../escrow/throttle';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

async function setup() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-desk-'));
  const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
  const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 } });
  const activation = createActivationService({ transcript, clock });
  const desk = createActivationDesk({ activation, participants, transcript });
  const file = path.join(dataDir, 'copy.khcopy');
  const keyId = crypto.randomUUID();
  const escrow = await sealKey(rsa, { keyId, purpose: 't', created: new Date() }, [{ name: 'Holder', passphrase: PASS[0]! }], 1, TEST_KDF);
  writeFileSync(file, serializeEscrow(escrow));
  return { desk, file, escrow, participants, keyId };
}

describe('activation desk', () => {
  it('refuses purposes it cannot carry out, and unreadable files', async () => {
    const { desk, file } = await setup();
    await expect(desk.start({ mode: 'split-knowledge', escrowFile: file, purpose: { kind: 'vault-import', target: 'v' } })).rejects.toMatchObject({ code: 'activation.purpose_unavailable' });
    await expect(desk.start({ mode: 'split-knowledge', escrowFile: file + '.missing', purpose: { kind: 'escrow-restore', target: 'v' } })).rejects.toMatchObject({ code: 'activation.file_unreadable' });
  });

  it('joins people by name (enrolling on first use), refuses a wrong participant passphrase, and cancel ends the activation', async () => {
    const { desk, file, participants } = await setup();
    let v = await desk.start({ mode: 'split-knowledge', escrowFile: file, purpose: { kind: 'escrow-restore', target: 'check' } });
    expect(v).toMatchObject({ step: 'operator-request', waitingFor: 'operator', mode: 'split-knowledge' });
    v = await desk.join({ session: v.session, role: 'operator', name: 'Olive Operator', participantPassphrase: 'olive passphrase 1' });
    expect(participants.list().map((p) => p.name)).toEqual(['Olive Operator']);
    // Same person later, wrong passphrase: refused, not re-enrolled.
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'olive operator', participantPassphrase: 'not hers at all' })).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'olive operator', participantPassphrase: 'olive passphrase 1' })).rejects.toMatchObject({ code: 'ceremony.same_person_two_roles' });
    expect(participants.list()).toHaveLength(1);
    v = await desk.cancel({ session: v.session });
    expect(v.ended).toMatchObject({ reason: 'cancelled' });
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'Sam', participantPassphrase: 'sam passphrase 12' })).rejects.toMatchObject({ code: 'activation.ended' });
  });

  it('the restore-check purpose refuses a key that is not the escrow\'s', async () => {
    const { escrow, keyId } = await setup();
    const der = other.export({ type: 'pkcs8', format: 'der' });
    await expect(verifyRestorePurpose(new Uint8Array(der), { kind: 'escrow-restore', target: 't' }, escrow)).rejects.toMatchObject({ code: 'activation.wrong_key' });
    const good = rsa.export({ type: 'pkcs8', format: 'der' });
    await expect(verifyRestorePurpose(new Uint8Array(good), { kind: 'escrow-restore', target: 't' }, escrow)).resolves.toMatchObject({ keyId, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('a remote custodian sealing their share goes through the passphrase throttle (no unthrottled guessing path)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-desk-'));
    // The offer's expiry is checked against the real time, so the session clock starts now.
    const clock = fixedClock(new Date());
    const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
    const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 } });
    const desk = createActivationDesk({ activation: createActivationService({ transcript, clock }), participants, transcript, throttle: new PassphraseThrottle({ clock, freeFailures: 3 }) });
    const quorum = path.join(dataDir, 'quorum.khescrow');
    writeFileSync(quorum, serializeEscrow(await sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 't', created: new Date() }, ['A', 'B', 'C'].map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));
    const v = await desk.start({ mode: 'quorum', escrowFile: quorum, purpose: { kind: 'escrow-restore', target: 'q' } });
    const { offer } = await desk.offer({ session: v.session });
    const seal = (secret: string) => desk.sealForRemote({ offer, content: 'share', escrowFile: quorum, custodian: 2, secret, name: 'Bob Baker', participantPassphrase: 'bob participant passphrase' });
    for (let i = 0; i < 4; i++) await expect(seal(`guess ${i}`)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(seal(PASS[1]!)).rejects.toMatchObject({ code: 'escrow.throttled' });
    clock.advance(1_000);
    expect((await seal(PASS[1]!)).sealed.length).toBeGreaterThan(100);
  });

  it('refuses a device or FIFO named as the escrow file instead of reading it forever', async () => {
    const { desk } = await setup();
    for (const f of ['/dev/zero', '/dev/urandom']) {
      await expect(desk.start({ mode: 'split-knowledge', escrowFile: f, purpose: { kind: 'escrow-restore', target: 'v' } })).rejects.toMatchObject({ code: 'escrow.not_a_file' });
    }
  });
});
