/**
 * The ceremony plan: who takes part, in which roles, with which key. It is
 * fixed before the ceremony (participants are enrolled in front of the
 * supervisor, never on first use at the activation desk) so that the desk
 * can refuse a key nobody agreed to, and both key holders compare one short
 * plan fingerprint aloud to know they hold the same plan.
 *
 * Each participant entry carries the participant's own signature over it
 * (proof that whoever is named holds the key's passphrase); each workstation
 * entry names a ceremony (transcript) key whose activation requests the
 * plan's participants may seal components to. Pure: signatures are checked
 * with an injected verify function.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyholderError } from '../errors/index';
import { canonicalJson, fromBase64Url, toHex, utf8, type JsonObject } from '../transcript/canonical';
import { attestationSigningBytes, keyFingerprint, ROLES, type Role } from '../transcript/entry';
import { normaliseName } from './roles';

export const PLAN_FORMAT = 'keyholder-ceremony-plan' as const;

const publicKey = z.string().refine((s) => fromBase64Url(s)?.length === 32, 'must be a 32-byte Ed25519 public key (base64url)');

export const planParticipantSchema = z.strictObject({
  id: z.string().regex(/^p-[0-9a-f-]{36}$/),
  name: z.string().min(1).max(200),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  key: publicKey,
  enrolled: z.string().max(40),
  /** The participant's own signature over `enrolmentStatement(...)`. */
  proof: z.string().min(1).max(200),
});
export type PlanParticipant = z.infer<typeof planParticipantSchema>;

export const planWorkstationSchema = z.strictObject({
  label: z.string().min(1).max(100),
  /** The workstation's ceremony key: it signs that workstation's transcript and its activation requests. */
  key: publicKey,
});
export type PlanWorkstation = z.infer<typeof planWorkstationSchema>;

export const ceremonyPlanSchema = z.strictObject({
  format: z.literal(PLAN_FORMAT),
  v: z.literal(1),
  participants: z.array(planParticipantSchema).max(64),
  workstations: z.array(planWorkstationSchema).max(16),
});
export type CeremonyPlan = z.infer<typeof ceremonyPlanSchema>;

export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export const emptyPlan = (): CeremonyPlan => ({ format: PLAN_FORMAT, v: 1, participants: [], workstations: [] });

/** What a participant signs when enrolled: their name, roles and key, nothing else. */
export function enrolmentStatement(p: Pick<PlanParticipant, 'id' | 'name' | 'roles' | 'key' | 'enrolled'>): JsonObject {
  return { statement: 'ceremony-plan-enrolment', id: p.id, name: p.name, roles: [...p.roles].sort(), key: p.key, enrolled: p.enrolled };
}

/**
 * The plan's fingerprint, read aloud between workstations: SHA-256 over the
 * canonical plan with its lists in a fixed order (so two workstations that
 * merged the same entries in another order agree).
 */
export function planFingerprint(plan: CeremonyPlan): string {
  const sorted = {
    ...plan,
    participants: [...plan.participants].sort((a, b) => a.key.localeCompare(b.key)).map((p) => ({ ...p, roles: [...p.roles].sort() })),
    workstations: [...plan.workstations].sort((a, b) => a.key.localeCompare(b.key)),
  };
  return toHex(sha256(utf8(canonicalJson(sorted))).slice(0, 8)).toUpperCase().match(/.{4}/g)!.join('-');
}

function checkProof(p: PlanParticipant, verify: VerifyFn): void {
  const key = fromBase64Url(p.key);
  const sig = fromBase64Url(p.proof);
  if (!key || !sig || !verify(key, attestationSigningBytes(enrolmentStatement(p)), sig)) {
    throw new KeyholderError('plan.bad_enrolment', `The plan's entry for ${p.name} is not signed by the key it names: it was changed after enrolment. Do not use this plan; enrol ${p.name} again.`);
  }
}

/** Parses and checks a plan: every entry signed by its own key, no key or name twice. */
export function parsePlan(raw: unknown, verify: VerifyFn): CeremonyPlan {
  const r = ceremonyPlanSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new KeyholderError('plan.bad_file', `This is not a valid ceremony plan (${i?.path.join('.') || 'plan'}: ${i?.message}).`);
  }
  let plan = emptyPlan();
  for (const p of r.data.participants) plan = addParticipant(plan, p, verify);
  for (const w of r.data.workstations) plan = addWorkstation(plan, w);
  return plan;
}

/**
 * Adds a participant. One key is one person: the same key under a second
 * name, or a second key under the same name, is refused (a person with
 * several roles is one entry listing them all).
 */
export function addParticipant(plan: CeremonyPlan, p: PlanParticipant, verify: VerifyFn): CeremonyPlan {
  checkProof(p, verify);
  const same = plan.participants.find((x) => x.key === p.key);
  if (same) {
    if (same.id === p.id && canonicalJson(same) === canonicalJson(p)) return plan;
    throw new KeyholderError('plan.same_key_twice', `${p.name}'s participant key is already in the plan as ${same.name}. One person, one key: enrol a person once, with all their roles.`);
  }
  const name = normaliseName(p.name);
  const twin = plan.participants.find((x) => normaliseName(x.name) === name || x.id === p.id);
  if (twin) throw new KeyholderError('plan.same_name_twice', `${p.name} is already in the plan with another key. If this is a different person, enrol them under their full name; one person is enrolled once.`);
  return { ...plan, participants: [...plan.participants, p] };
}

export function addWorkstation(plan: CeremonyPlan, w: PlanWorkstation): CeremonyPlan {
  if (plan.workstations.some((x) => x.key === w.key)) return plan;
  return { ...plan, workstations: [...plan.workstations, w] };
}

/** Merges another workstation's plan into this one (both must agree on every shared key). */
export function mergePlans(mine: CeremonyPlan, theirs: CeremonyPlan, verify: VerifyFn): CeremonyPlan {
  let out = mine;
  for (const p of theirs.participants) out = addParticipant(out, p, verify);
  for (const w of theirs.workstations) out = addWorkstation(out, w);
  return out;
}

/**
 * The desk's check: the key that signed a join must be a participant of the
 * plan enrolled for that role. Name matching is not enough (names are typed).
 */
export function requirePlannedRole(plan: CeremonyPlan, who: { name: string; key: string }, role: Role): PlanParticipant {
  const p = plan.participants.find((x) => x.key === who.key);
  if (!p) {
    throw new KeyholderError('activation.not_in_plan', `${who.name}'s participant key (${keyFingerprint(who.key)}) is not in the ceremony plan. Only participants enrolled before the ceremony can take part; enrol them in front of the supervisor first.`);
  }
  if (!p.roles.includes(role)) {
    throw new KeyholderError('activation.role_not_in_plan', `${p.name} is in the ceremony plan as ${p.roles.join(' and ')}, not as the ${role}. Ask the person planned for this role to join.`);
  }
  return p;
}

/** The activation request's signer must be a workstation of the plan. */
export function requirePlannedWorkstation(plan: CeremonyPlan, key: string): PlanWorkstation {
  const w = plan.workstations.find((x) => x.key === key);
  if (!w) {
    throw new KeyholderError('activation.offer_unknown_signer', `This activation request was signed by a workstation (ceremony key ${keyFingerprint(key)}) that is not in the ceremony plan. Do not seal anything to it; ask the operator to read out their workstation's key and compare the plans.`);
  }
  return w;
}
