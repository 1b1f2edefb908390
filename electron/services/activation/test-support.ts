/**
 * Test-only component sources that really authenticate, standing in for
 * the escrow engineer's holder copies and quorum shares: AES-256-GCM under a
 * low-cost scrypt key, and Shamir shares whose combination must open an
 * AES-GCM check blob. Every buffer they hand out is kept in `handedOut` so a
 * test can prove the session zeroed it. Also the one walk of a split-knowledge
 * activation through the desk (`enrolCast`, `walkSplitKnowledge`), which the
 * integration harnesses and e2e setup use to import as the app does.
 */
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { KeyholderError } from '../../../shared/errors/index';
import type { Custodian } from '../../../shared/ceremony/activation';
import type { QuorumShareComponentSource, SealedCopyComponentSource } from './component-source';
import { enrolParticipant, openParticipant, type ParticipantSigner } from '../participants/participant-file';
import { addParticipant, addWorkstation, emptyPlan, enrolmentStatement, type CeremonyPlan } from '../../../shared/ceremony/plan';
import type { Role } from '../../../shared/transcript/entry';
import { toBase64Url } from '../../../shared/transcript/canonical';
import { ed25519Sign, ed25519Verify, rawPublicKey } from '../transcript/ed25519';
import type { WorkstationKey } from '../participants/plan-store';
import type { ActivationDesk, ActivationView } from './desk';

const COST = { N: 2 ** 10, r: 8, p: 1 };

function seal(plain: Uint8Array, passphrase: string) {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, COST);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return { salt, iv, ct, tag: c.getAuthTag() };
}

function unseal(box: ReturnType<typeof seal>, passphrase: Uint8Array): Uint8Array {
  const key = scryptSync(passphrase, box.salt, 32, COST);
  const d = createDecipheriv('aes-256-gcm', key, box.iv);
  d.setAuthTag(box.tag);
  try {
    return new Uint8Array(Buffer.concat([d.update(box.ct), d.final()]));
  } catch {
    throw new KeyholderError('escrow.wrong_passphrase', 'Wrong passphrase for this sealed copy.');
  } finally {
    key.fill(0);
  }
}

export function fakeSealedCopy(passphrase: string, fingerprint = 'copy-fp-1') {
  const material = randomBytes(32);
  const box = seal(material, passphrase);
  const handedOut: Uint8Array[] = [];
  let opens = 0;
  const source: SealedCopyComponentSource = {
    kind: 'passphrase-for-sealed-copy',
    copyFingerprint: fingerprint,
    async open(pass) {
      opens++;
      const out = unseal(box, pass);
      handedOut.push(out);
      return out;
    },
  };
  return { source, material: new Uint8Array(material), handedOut, opens: () => opens };
}

export async function fakeQuorum(m: number, custodians: Custodian[], passphraseOf: (c: Custodian) => string) {
  const secret = randomBytes(32);
  const checkIv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', secret, checkIv);
  const check = Buffer.concat([c.update('keyholder quorum check'), c.final()]);
  const checkTag = c.getAuthTag();
  const shares = await split(new Uint8Array(secret), custodians.length, m);
  const sealed = new Map(custodians.map((cu, i) => [cu.id, seal(shares[i]!, passphraseOf(cu))]));
  const handedOut: Uint8Array[] = [];
  let combines = 0;
  const source: QuorumShareComponentSource = {
    kind: 'quorum-share',
    threshold: m,
    custodians,
    async openShare(id, pass) {
      const box = sealed.get(id);
      if (!box) throw new KeyholderError('escrow.unknown_custodian', 'No share for that custodian.');
      const out = unseal(box, pass);
      handedOut.push(out);
      return out;
    },
    async combine(parts) {
      combines++;
      let key: Uint8Array;
      try {
        key = await combine(parts.map((p) => p.share));
      } catch {
        throw new KeyholderError('escrow.quorum_failed', 'The components do not open the key.');
      }
      handedOut.push(key);
      try {
        const d = createDecipheriv('aes-256-gcm', key, checkIv);
        d.setAuthTag(checkTag);
        Buffer.concat([d.update(check), d.final()]);
      } catch {
        key.fill(0);
        throw new KeyholderError('escrow.quorum_failed', 'The components do not open the key.');
      }
      return key;
    },
  };
  return { source, secret: new Uint8Array(secret), shares, handedOut, combines: () => combines };
}

export async function person(name: string): Promise<ParticipantSigner> {
  const pass = `${name} participant passphrase`;
  const { file } = await enrolParticipant({ name, passphrase: pass, kdf: COST });
  return openParticipant(file, pass);
}

/** A workstation's ceremony key for tests (the app's is sealed by the SecretBox). */
export function testWorkstation(label = 'Test workstation'): WorkstationKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { label, publicKey: toBase64Url(rawPublicKey(publicKey)), sign: (m) => ed25519Sign(privateKey, m) };
}

/** A ceremony plan listing these people in these roles (each entry signed by the person's own key) and workstations. */
export function planOf(people: [ParticipantSigner, Role[]][], workstations: WorkstationKey[] = []): CeremonyPlan {
  let plan = emptyPlan();
  for (const [who, roles] of people) {
    const entry = { id: who.id, name: who.name, roles: [...roles].sort(), key: who.key, enrolled: '2026-11-27T10:00:00.000Z' };
    plan = addParticipant(plan, { ...entry, proof: who.attest(roles[0]!, enrolmentStatement(entry)).sig }, ed25519Verify);
  }
  for (const w of workstations) plan = addWorkstation(plan, { label: w.label, key: w.publicKey });
  return plan;
}

/** The four people of a split-knowledge activation (a key-holder copy's), by name, each in their one role. */
export interface SplitKnowledgeCast {
  operator: string;
  supervisor: string;
  keeper: string;
  knower: string;
}

/** Enrols in the desk's plan whoever of the cast is not in it yet (before the activation starts: it takes the plan then). */
export async function enrolCast(desk: Pick<ActivationDesk, 'plan' | 'enrol'>, cast: SplitKnowledgeCast, signing: (name: string) => string): Promise<void> {
  const planned = new Set(desk.plan().participants.map((p) => p.name));
  for (const [role, name] of Object.entries(cast) as [keyof SplitKnowledgeCast, string][]) {
    if (!planned.has(name)) await desk.enrol({ name, roles: [role], participantPassphrase: signing(name) });
  }
}

/**
 * A started split-knowledge activation walked as the hand-over screens walk
 * it: operator and supervisor join, the keeper joins and presents the copy,
 * the knower joins and types the copy's passphrase, the supervisor attests
 * (unless `attest` is false) and the operator carries out the purpose. A
 * refused passphrase cancels the activation before the error is passed on.
 */
export async function walkSplitKnowledge(
  desk: Pick<ActivationDesk, 'join' | 'presentCopy' | 'enterPassphrase' | 'attest' | 'carryOut' | 'cancel'>,
  started: ActivationView,
  o: { cast: SplitKnowledgeCast; signing: (name: string) => string; passphrase: string; attest?: boolean },
): Promise<ActivationView> {
  const session = started.session;
  const join = (role: keyof SplitKnowledgeCast) => desk.join({ session, role, name: o.cast[role], participantPassphrase: o.signing(o.cast[role]) });
  await join('operator');
  await join('supervisor');
  await join('keeper');
  desk.presentCopy({ session });
  await join('knower');
  try {
    await desk.enterPassphrase({ session, passphrase: o.passphrase });
  } catch (e) {
    await desk.cancel({ session }).catch(() => {});
    throw e;
  }
  if (o.attest !== false) await desk.attest({ session, participantPassphrase: o.signing(o.cast.supervisor) });
  return desk.carryOut({ session });
}
