/**
 * The key rotation's escrow re-seal as a supervised activation (issue 16):
 * every custodian joins as a keeper and proves their own passphrase, the
 * knower of each key-holder copy proves that copy's, the supervisor attests,
 * and only then does the `escrow-rewrap` purpose get the proven passphrases.
 * Before this, the re-seal took every passphrase from the page with no
 * supervisor and no plan: each test here fails on that code (no re-seal activation).
 */
import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import type { Purpose } from '../../../shared/ceremony/activation';
import { sealKey } from '../escrow/seal';
import { PASS } from '../escrow/testing/helpers';
import { fixedClock } from '../platform/clock';
import { createCeremonyTranscripts } from '../transcript/index';
import { testSecretBox } from '../transcript/test-support';
import { createParticipantsService } from '../participants/index';
import { createActivationService } from './index';
import { createActivationDesk, type PurposeHandler } from './desk';
import type { RewrapPassphrases } from './session';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signing = (name: string) => `${name} signing passphrase`;
const CAST: [string, ('operator' | 'supervisor' | 'keeper' | 'knower')[]][] = [
  ['Olive Operator', ['operator']],
  ['Sam Supervisor', ['supervisor']],
  ['Alice Archer', ['keeper']],
  ['Bob Baker', ['keeper']],
  ['Noor Knower', ['knower']],
];

async function setup(o: { enrol?: typeof CAST } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-rewrap-'));
  const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
  const key = () => ({ label: 'holder 1', publicKey: transcript.ceremonyKey().publicKey, sign: transcript.ceremonyKey().sign });
  const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: key });
  const calls: { purpose: Purpose; material: number; passphrases: Record<string, string>; held: Uint8Array[] }[] = [];
  const rewrap: PurposeHandler = async (material, purpose, _escrow, passphrases?: RewrapPassphrases) => {
    const held = [...(passphrases?.values() ?? [])];
    calls.push({ purpose, material: material.length, passphrases: Object.fromEntries([...(passphrases ?? new Map())].map(([k, v]) => [k, Buffer.from(v).toString('utf8')])), held });
    return { sealed: true };
  };
  const desk = createActivationDesk({ activation: createActivationService({ transcript, clock, workstation: key }), participants, transcript, clock, purposes: { 'escrow-rewrap': rewrap, 'escrow-restore': rewrap } });
  const keyId = crypto.randomUUID();
  const escrowFile = path.join(dataDir, 'escrow.khescrow');
  writeFileSync(escrowFile, serializeEscrow(await sealKey(rsa, { keyId, purpose: 't', created: new Date() }, [{ name: 'Alice Archer', passphrase: PASS[0]! }, { name: 'Bob Baker', passphrase: PASS[1]! }], 1, TEST_KDF)));
  const copyFile = path.join(dataDir, 'holder1.khcopy');
  writeFileSync(copyFile, serializeEscrow(await sealKey(rsa, { keyId, purpose: 'Key-holder copy for Key holder 1', created: new Date() }, [{ name: 'Key holder 1', passphrase: PASS[2]! }], 1, TEST_KDF)));
  const strangerCopy = path.join(dataDir, 'other.khcopy');
  writeFileSync(strangerCopy, serializeEscrow(await sealKey(other, { keyId: crypto.randomUUID(), purpose: 'Key-holder copy for Key holder 1', created: new Date() }, [{ name: 'Key holder 1', passphrase: PASS[2]! }], 1, TEST_KDF)));
  for (const [name, roles] of o.enrol ?? CAST) await participants.enrol(name, signing(name), roles);
  const start = () => desk.startRewrap({ escrowFile, holderCopies: [copyFile], purpose: { target: 'rotation r1: re-seal escrow.khescrow' } });
  const join = (session: string, role: 'operator' | 'supervisor' | 'keeper' | 'knower', name: string, custodian?: string) =>
    desk.join({ session, role, name, participantPassphrase: signing(name), ...(custodian ? { custodian } : {}) });
  /** Operator, supervisor, both custodians with their passphrases, the copy's knower. */
  const everyoneIn = async (session: string) => {
    await join(session, 'operator', 'Olive Operator');
    await join(session, 'supervisor', 'Sam Supervisor');
    await join(session, 'keeper', 'Alice Archer', 'custodian-1');
    await desk.enterComponent({ session, passphrase: PASS[0]! });
    await join(session, 'keeper', 'Bob Baker', 'custodian-2');
    await desk.enterComponent({ session, passphrase: PASS[1]! });
    await join(session, 'knower', 'Noor Knower', 'copy-1');
    return desk.enterPassphrase({ session, passphrase: PASS[2]! });
  };
  return { desk, participants, escrowFile, copyFile, strangerCopy, calls, start, join, everyoneIn };
}

describe('the escrow re-seal as a supervised activation', () => {
  it('hands the purpose every proven passphrase only after the supervisor attests, then zeroes them', async () => {
    const t = await setup();
    const v0 = await t.start();
    expect(v0).toMatchObject({ mode: 'rewrap', purpose: { kind: 'escrow-rewrap' }, waitingFor: 'operator' });
    expect(v0.custodians.map((c) => c.name)).toEqual(['Alice Archer', 'Bob Baker']);
    expect(v0.copies).toEqual([{ id: 'copy-1', name: 'Key holder 1', entered: false }]);
    const v = await t.everyoneIn(v0.session);
    expect(v.step).toBe('supervisor-attests');
    expect(t.calls).toHaveLength(0);
    await t.desk.attest({ session: v.session, participantPassphrase: signing('Sam Supervisor') });
    const done = await t.desk.carryOut({ session: v.session });
    expect(done).toMatchObject({ step: 'done', result: { sealed: true } });
    expect(t.calls).toHaveLength(1);
    // Nothing was decrypted: the purpose gets an empty buffer and the passphrases, by slot.
    expect(t.calls[0]!.material).toBe(0);
    expect(t.calls[0]!.passphrases).toEqual({ 'custodian-1': PASS[0], 'custodian-2': PASS[1], 'copy-1': PASS[2] });
    for (const b of t.calls[0]!.held) expect(b.every((x) => x === 0)).toBe(true);
  });

  it('refuses to carry out the re-seal without the supervisor\'s attestation', async () => {
    const t = await setup();
    const v = await t.everyoneIn((await t.start()).session);
    await expect(t.desk.carryOut({ session: v.session })).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    // Someone else cannot attest in the supervisor's place.
    await expect(t.desk.attest({ session: v.session, participantPassphrase: signing('Olive Operator') })).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(t.desk.carryOut({ session: v.session })).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    expect(t.calls).toHaveLength(0);
  });

  it('refuses the attestation until every custodian has entered (the new key is sealed to each, not to a quorum)', async () => {
    const t = await setup();
    const { session } = await t.start();
    await t.join(session, 'operator', 'Olive Operator');
    await t.join(session, 'supervisor', 'Sam Supervisor');
    await t.join(session, 'keeper', 'Alice Archer', 'custodian-1');
    await t.desk.enterComponent({ session, passphrase: PASS[0]! });
    await expect(t.desk.attest({ session, participantPassphrase: signing('Sam Supervisor') })).rejects.toMatchObject({ code: 'ceremony.rewrap_incomplete' });
    await expect(t.join(session, 'knower', 'Noor Knower', 'copy-1')).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
  });

  it('refuses the same person in two roles', async () => {
    const t = await setup({ enrol: [...CAST.slice(0, 2), ['Alice Archer', ['keeper', 'knower']], ['Bob Baker', ['keeper']]] });
    const { session } = await t.start();
    await t.join(session, 'operator', 'Olive Operator');
    // The supervisor cannot also be a custodian (the name check of the escrow's custodian comes after the person check).
    await t.join(session, 'supervisor', 'Sam Supervisor');
    await t.join(session, 'keeper', 'Alice Archer', 'custodian-1');
    await t.desk.enterComponent({ session, passphrase: PASS[0]! });
    await t.join(session, 'keeper', 'Bob Baker', 'custodian-2');
    await t.desk.enterComponent({ session, passphrase: PASS[1]! });
    // Alice is planned as keeper and knower, but within one activation one person has one role.
    await expect(t.join(session, 'knower', 'Alice Archer', 'copy-1')).rejects.toMatchObject({ code: 'ceremony.same_person_two_roles' });
    await expect(t.desk.attest({ session, participantPassphrase: signing('Sam Supervisor') })).rejects.toMatchObject({ code: 'ceremony.rewrap_incomplete' });
    expect(t.calls).toHaveLength(0);
  });

  it('refuses a participant who is not in the ceremony plan', async () => {
    const t = await setup({ enrol: CAST.filter(([n]) => n !== 'Bob Baker') });
    const { session } = await t.start();
    await t.join(session, 'operator', 'Olive Operator');
    await t.join(session, 'supervisor', 'Sam Supervisor');
    await t.join(session, 'keeper', 'Alice Archer', 'custodian-1');
    await t.desk.enterComponent({ session, passphrase: PASS[0]! });
    // Not enrolled at all: the desk never enrols on first use.
    await expect(t.join(session, 'keeper', 'Bob Baker', 'custodian-2')).rejects.toMatchObject({ code: 'participant.not_enrolled' });
    // Enrolled after the re-seal started: not in the plan this activation runs under.
    await t.participants.enrol('Bob Baker', signing('Bob Baker'), ['keeper']);
    await expect(t.join(session, 'keeper', 'Bob Baker', 'custodian-2')).rejects.toMatchObject({ code: 'activation.not_in_plan' });
    await expect(t.desk.attest({ session, participantPassphrase: signing('Sam Supervisor') })).rejects.toMatchObject({ code: 'ceremony.rewrap_incomplete' });
  });

  it('refuses a copy of another key before anyone types, a re-seal started as an ordinary activation, and components from another workstation', async () => {
    const t = await setup();
    await expect(t.desk.startRewrap({ escrowFile: t.escrowFile, holderCopies: [t.strangerCopy], purpose: { target: 'x' } })).rejects.toMatchObject({ code: 'escrow.copy_not_current' });
    await expect(t.desk.start({ mode: 'quorum', escrowFile: t.escrowFile, purpose: { kind: 'escrow-rewrap', target: 'x' } })).rejects.toMatchObject({ code: 'activation.purpose_unavailable' });
    const { session } = await t.start();
    await expect(t.desk.offer({ session })).rejects.toMatchObject({ code: 'activation.remote_refused' });
    await expect(t.desk.receiveSealed({ session, sealed: '{}' })).rejects.toMatchObject({ code: 'activation.remote_refused' });
  });

  it('a wrong passphrase is refused at its own turn, and three stop the re-seal', async () => {
    const t = await setup();
    const { session } = await t.start();
    await t.join(session, 'operator', 'Olive Operator');
    await t.join(session, 'supervisor', 'Sam Supervisor');
    await t.join(session, 'keeper', 'Alice Archer', 'custodian-1');
    await expect(t.desk.enterComponent({ session, passphrase: PASS[1]! })).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(t.desk.enterComponent({ session, passphrase: PASS[2]! })).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(t.desk.enterComponent({ session, passphrase: PASS[3]! })).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    expect((t.desk.state(session)).ended).toMatchObject({ reason: 'refused' });
    expect(t.calls).toHaveLength(0);
  });
});
