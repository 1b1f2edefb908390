import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
import type { Clock } from '../platform/clock';

/** A workstation's services as the app composes them: the plan signed with the workstation's own ceremony key. */
function workstation(dataDir: string, clock: Clock, throttle?: PassphraseThrottle) {
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
  const key = () => ({ label: path.basename(dataDir), publicKey: transcript.ceremonyKey().publicKey, sign: transcript.ceremonyKey().sign });
  const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: key });
  const desk = createActivationDesk({ activation: createActivationService({ transcript, clock, workstation: key }), participants, transcript, clock, ...(throttle ? { throttle } : {}) });
  return { transcript, participants, desk };
}
const signing = (name: string) => `${name} signing passphrase`;

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

async function setup() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-desk-'));
  const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
  const { desk, participants } = workstation(dataDir, clock);
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
    await expect(desk.start({ mode: 'split-knowledge', escrowFile: file + '.missing', purpose: { kind: 'escrow-restore', target: 'v' } })).rejects.toMatchObject({ code: 'escrow.file_unreadable' });
  });

  it('joins only people enrolled in the plan beforehand (never on first use), refuses a wrong participant passphrase, and cancel ends the activation', async () => {
    const { desk, file, participants } = await setup();
    await desk.enrol({ name: 'Olive Operator', roles: ['operator'], participantPassphrase: signing('Olive Operator') });
    let v = await desk.start({ mode: 'split-knowledge', escrowFile: file, purpose: { kind: 'escrow-restore', target: 'check' } });
    expect(v).toMatchObject({ step: 'operator-request', waitingFor: 'operator', mode: 'split-knowledge' });
    v = await desk.join({ session: v.session, role: 'operator', name: 'Olive Operator', participantPassphrase: signing('Olive Operator') });
    // Someone not enrolled is refused and nothing is enrolled for them (today's code enrolled them on the spot).
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'Sam Supervisor', participantPassphrase: signing('Sam Supervisor') })).rejects.toMatchObject({ code: 'participant.not_enrolled' });
    expect(participants.list().map((p) => p.name)).toEqual(['Olive Operator']);
    // Same person later, wrong passphrase: refused.
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'olive operator', participantPassphrase: 'not hers at all' })).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'olive operator', participantPassphrase: signing('Olive Operator') })).rejects.toMatchObject({ code: 'ceremony.same_person_two_roles' });
    v = await desk.cancel({ session: v.session });
    expect(v.ended).toMatchObject({ reason: 'cancelled' });
    await expect(desk.join({ session: v.session, role: 'supervisor', name: 'Olive Operator', participantPassphrase: signing('Olive Operator') })).rejects.toMatchObject({ code: 'activation.ended' });
  });

  it('enrolment: a weak passphrase (twelve a\'s) is refused, one person cannot be enrolled twice, and a person joins only in their planned roles', async () => {
    const { desk, file, participants } = await setup();
    await expect(desk.enrol({ name: 'Mallory', roles: ['supervisor'], participantPassphrase: 'aaaaaaaaaaaa' })).rejects.toMatchObject({ code: 'participant.weak_passphrase' });
    await expect(desk.enrol({ name: 'Mallory', roles: ['supervisor'], participantPassphrase: 'Mallory2026!' })).rejects.toMatchObject({ code: 'participant.weak_passphrase' });
    expect(participants.list()).toHaveLength(0);
    let plan = await desk.enrol({ name: 'Sam Supervisor', roles: ['supervisor'], participantPassphrase: signing('Sam Supervisor') });
    // The same person under a second (look-alike) name is refused.
    await expect(desk.enrol({ name: '  sam  SUPERVISOR ', roles: ['keeper'], participantPassphrase: signing('Sam Supervisor') })).rejects.toMatchObject({ code: 'plan.same_name_twice' });
    plan = await desk.enrol({ name: 'Olive Operator', roles: ['operator'], participantPassphrase: signing('Olive Operator') });
    expect(plan.participants.map((p) => [p.name, p.roles])).toEqual([['Sam Supervisor', ['supervisor']], ['Olive Operator', ['operator']]]);
    expect(plan.fingerprint).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(plan.workstations).toHaveLength(1);
    let v = await desk.start({ mode: 'split-knowledge', escrowFile: file, purpose: { kind: 'escrow-restore', target: 'check' } });
    // Sam is planned as supervisor only: he cannot be the operator, even as the first to join.
    await expect(desk.join({ session: v.session, role: 'operator', name: 'Sam Supervisor', participantPassphrase: signing('Sam Supervisor') })).rejects.toMatchObject({ code: 'activation.role_not_in_plan' });
    v = await desk.join({ session: v.session, role: 'operator', name: 'Olive Operator', participantPassphrase: signing('Olive Operator') });
    v = await desk.join({ session: v.session, role: 'supervisor', name: 'Sam Supervisor', participantPassphrase: signing('Sam Supervisor') });
    expect(v.participants.map((p) => p.role)).toEqual(['operator', 'supervisor']);
    // Someone enrolled after the activation started is not in the plan it runs under.
    await desk.enrol({ name: 'Kim Keeper', roles: ['keeper'], participantPassphrase: signing('Kim Keeper') });
    await expect(desk.join({ session: v.session, role: 'keeper', name: 'Kim Keeper', participantPassphrase: signing('Kim Keeper') })).rejects.toMatchObject({ code: 'activation.not_in_plan' });
  });

  it('the plan file is signed by the workstation: a participant added to it by hand makes every join fail', async () => {
    const { desk, file, participants } = await setup();
    await desk.enrol({ name: 'Olive Operator', roles: ['operator'], participantPassphrase: signing('Olive Operator') });
    const planFile = path.join(path.dirname(file), 'participants', 'ceremony-plan.json');
    const signed = JSON.parse(readFileSync(planFile, 'utf8'));
    signed.plan.participants[0].roles = ['operator', 'supervisor'];
    writeFileSync(planFile, JSON.stringify(signed));
    expect(() => participants.plan()).toThrow(expect.objectContaining({ code: 'plan.tampered' }));
    await expect(desk.start({ mode: 'split-knowledge', escrowFile: file, purpose: { kind: 'escrow-restore', target: 'check' } })).rejects.toMatchObject({ code: 'plan.tampered' });
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
    const { desk } = workstation(dataDir, clock, new PassphraseThrottle({ clock, freeFailures: 3 }));
    await desk.enrol({ name: 'Bob Baker', roles: ['keeper'], participantPassphrase: signing('Bob Baker') });
    const quorum = path.join(dataDir, 'quorum.khescrow');
    writeFileSync(quorum, serializeEscrow(await sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 't', created: new Date() }, ['A', 'B', 'C'].map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));
    const v = await desk.start({ mode: 'quorum', escrowFile: quorum, purpose: { kind: 'escrow-restore', target: 'q' } });
    const { offer } = await desk.offer({ session: v.session });
    const seal = (secret: string) => desk.sealForRemote({ offer, content: 'share', escrowFile: quorum, custodian: 2, secret, name: 'Bob Baker', participantPassphrase: signing('Bob Baker') });
    for (let i = 0; i < 4; i++) await expect(seal(`guess ${i}`)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(seal(PASS[1]!)).rejects.toMatchObject({ code: 'escrow.throttled' });
    clock.advance(1_000);
    expect((await seal(PASS[1]!)).sealed.length).toBeGreaterThan(100);
  });

  describe('sealing for another workstation (issue 16)', () => {
    async function twoWorkstations() {
      const clock = fixedClock(new Date());
      const root = mkdtempSync(path.join(tmpdir(), 'kh-desk-'));
      const activating = workstation(path.join(root, 'holder1'), clock);
      const remote = workstation(path.join(root, 'bob'), clock);
      const stranger = workstation(path.join(root, 'stranger'), clock);
      await remote.desk.enrol({ name: 'Bob Baker', roles: ['keeper'], participantPassphrase: signing('Bob Baker') });
      await remote.desk.enrol({ name: 'Noor Knower', roles: ['knower'], participantPassphrase: signing('Noor Knower') });
      await activating.desk.enrol({ name: 'Olive Operator', roles: ['operator'], participantPassphrase: signing('Olive Operator') });
      await activating.desk.enrol({ name: 'Sam Supervisor', roles: ['supervisor'], participantPassphrase: signing('Sam Supervisor') });
      await stranger.desk.enrol({ name: 'Sam Supervisor', roles: ['operator'], participantPassphrase: signing('Sam Supervisor') });
      // The plans are exchanged before the ceremony: both workstations then hold the same plan (same fingerprint).
      const afterImport = await remote.desk.importPlan({ text: activating.desk.plan().text });
      expect((await activating.desk.importPlan({ text: afterImport.text })).fingerprint).toBe(afterImport.fingerprint);
      const quorum = path.join(root, 'quorum.khescrow');
      writeFileSync(quorum, serializeEscrow(await sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 't', created: new Date() }, ['A', 'B', 'C'].map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));
      const holderCopy = path.join(root, 'copy.khcopy');
      writeFileSync(holderCopy, serializeEscrow(await sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 't', created: new Date() }, [{ name: 'Key holder 1', passphrase: PASS[0]! }], 1, TEST_KDF)));
      const start = async (d: typeof activating.desk) => {
        let v = await d.start({ mode: 'quorum', escrowFile: quorum, purpose: { kind: 'escrow-restore', target: 'restore check' } });
        v = await d.join({ session: v.session, role: 'operator', name: d === stranger.desk ? 'Sam Supervisor' : 'Olive Operator', participantPassphrase: signing(d === stranger.desk ? 'Sam Supervisor' : 'Olive Operator') });
        return v;
      };
      return { activating, remote, stranger, quorum, holderCopy, start };
    }

    it('seals once to a request signed by a planned workstation, shows the same fingerprint on both sides, refuses the replay', async () => {
      const w = await twoWorkstations();
      const v = await w.start(w.activating.desk);
      const { offer, fingerprint } = await w.activating.desk.offer({ session: v.session });
      const req = { offer, content: 'share' as const, escrowFile: w.quorum, custodian: 2, secret: PASS[1]!, name: 'Bob Baker', participantPassphrase: signing('Bob Baker') };
      const sealed = await w.remote.desk.sealForRemote(req);
      expect(sealed.offerFingerprint).toBe(fingerprint);
      expect(sealed.purpose).toBe('restore check');
      await expect(w.remote.desk.sealForRemote(req)).rejects.toMatchObject({ code: 'activation.offer_replayed' });
    });

    it('refuses a request from a workstation that is not in the plan, and a swapped public key, before opening anything', async () => {
      const w = await twoWorkstations();
      const v = await w.start(w.stranger.desk);
      const { offer } = await w.stranger.desk.offer({ session: v.session });
      const req = { content: 'share' as const, escrowFile: w.quorum, custodian: 2, secret: 'not even the right passphrase', name: 'Bob Baker', participantPassphrase: signing('Bob Baker') };
      // A wrong share passphrase would say escrow.wrong_passphrase: the refusal comes before anything is opened.
      await expect(w.remote.desk.sealForRemote({ ...req, offer })).rejects.toMatchObject({ code: 'activation.offer_unknown_signer' });
      const genuine = JSON.parse((await w.activating.desk.offer({ session: (await w.start(w.activating.desk)).session })).offer);
      const swapped = JSON.stringify({ ...genuine, publicKey: JSON.parse(offer).publicKey });
      await expect(w.remote.desk.sealForRemote({ ...req, offer: swapped })).rejects.toMatchObject({ code: 'activation.offer_bad_signature' });
    });

    it('never sends a whole content key across: a 1-of-N file is refused', async () => {
      const w = await twoWorkstations();
      const v = await w.start(w.activating.desk);
      const { offer } = await w.activating.desk.offer({ session: v.session });
      await expect(
        w.remote.desk.sealForRemote({ offer, content: 'share', escrowFile: w.holderCopy, custodian: 1, secret: PASS[0]!, name: 'Bob Baker', participantPassphrase: signing('Bob Baker') }),
      ).rejects.toMatchObject({ code: 'activation.whole_key_refused' });
    });
  });

  it('refuses a device or FIFO named as the escrow file instead of reading it forever', async () => {
    const { desk } = await setup();
    for (const f of ['/dev/zero', '/dev/urandom']) {
      await expect(desk.start({ mode: 'split-knowledge', escrowFile: f, purpose: { kind: 'escrow-restore', target: 'v' } })).rejects.toMatchObject({ code: 'escrow.not_a_file' });
    }
  });
});
