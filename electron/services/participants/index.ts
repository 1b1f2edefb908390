/**
 * Enrolled participants of this workstation, one participant-v1 file each
 * under <dataDir>/participants/, and the ceremony plan they are enrolled in
 * (name, roles, key). Enrolment happens before the ceremony, in front of the
 * supervisor; the activation desk never enrols anyone. A participant from
 * elsewhere brings their own file; the file is useless without its passphrase.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { attemptKey, processPassphraseThrottle, type PassphraseThrottle } from '../escrow/throttle';
import { addParticipant, enrolmentStatement, mergePlans, parsePlan, planFingerprint, type CeremonyPlan } from '../../../shared/ceremony/plan';
import { normaliseName, type Role } from '../../../shared/ceremony/roles';
import { ed25519Verify } from '../transcript/ed25519';
import { createPlanStore, type WorkstationKey } from './plan-store';
import { enrolParticipant, openParticipant, parseParticipantFile, serializeParticipantFile, type ParticipantIdentity, type ParticipantSigner, type ScryptCost } from './participant-file';

export type { WorkstationKey };

export interface ParticipantsService {
  /** Enrols a person in the ceremony plan with their roles: a new participant key under a passphrase that passes the strength rule. */
  enrol(name: string, passphrase: string | Uint8Array, roles: readonly Role[]): Promise<ParticipantIdentity & { roles: Role[] }>;
  /** Participants whose key file is on this workstation. */
  list(): ParticipantIdentity[];
  unlock(id: string, passphrase: string | Uint8Array): Promise<ParticipantSigner>;
  /** The ceremony plan as this workstation holds it (signed by its ceremony key), and its fingerprint. */
  plan(): { plan: CeremonyPlan; fingerprint: string };
  /** Merges another workstation's plan (its exported text): every entry must be signed by its own key. */
  importPlan(text: string): Promise<{ plan: CeremonyPlan; fingerprint: string }>;
}

export function createParticipantsService(deps: {
  dataDir: string;
  clock: { now(): Date };
  /** This workstation's ceremony key: signs the plan file and is the plan's workstation entry. */
  workstation: () => WorkstationKey;
  kdf?: ScryptCost;
  throttle?: PassphraseThrottle;
  /** Told of every change of the plan (the app records it in the ceremony transcript). */
  planChanged?: (plan: CeremonyPlan, fingerprint: string) => Promise<unknown>;
}): ParticipantsService {
  // A participant key signs attestations; its passphrase must not be guessable through the desk at KDF speed.
  const throttle = deps.throttle ?? processPassphraseThrottle;
  const dir = path.join(deps.dataDir, 'participants');
  const fileOf = (id: string) => {
    if (!/^p-[0-9a-f-]{36}$/.test(id)) throw new KeyholderError('participant.not_found', 'No such participant on this workstation.');
    return path.join(dir, `${id}.json`);
  };
  const load = (id: string) => {
    const f = fileOf(id);
    if (!existsSync(f)) throw new KeyholderError('participant.not_found', 'No such participant on this workstation. Enrol them first, or load their participant file.');
    return parseParticipantFile(readFileSync(f, 'utf8'));
  };
  const store = createPlanStore(deps.dataDir, deps.workstation);
  const changed = async (plan: CeremonyPlan) => {
    store.write(plan);
    const fingerprint = planFingerprint(plan);
    await deps.planChanged?.(plan, fingerprint);
    return { plan, fingerprint };
  };
  return {
    async enrol(name, passphrase, roles) {
      const wanted = [...new Set(roles)].sort();
      if (!wanted.length) throw new KeyholderError('participant.roles_required', 'Choose at least one role for this participant.');
      let plan = store.read();
      // Refuse a second enrolment of the same name before the slow key derivation.
      if (plan.participants.some((p) => normaliseName(p.name) === normaliseName(name))) {
        throw new KeyholderError('plan.same_name_twice', `${name.trim()} is already enrolled in the ceremony plan. One person is enrolled once, with all their roles.`);
      }
      const { file, identity, proof } = await enrolParticipant({
        name,
        passphrase,
        now: deps.clock.now(),
        ...(deps.kdf ? { kdf: deps.kdf } : {}),
        sign: (id) => enrolmentStatement({ id: id.id, name: id.name, roles: wanted, key: id.key, enrolled: id.created }),
      });
      plan = addParticipant(plan, { id: identity.id, name: identity.name, roles: wanted, key: identity.key, enrolled: file.created, proof: proof! }, ed25519Verify);
      mkdirSync(dir, { recursive: true });
      const f = fileOf(file.id);
      writeFileSync(f + '.tmp', serializeParticipantFile(file), { mode: 0o600 });
      renameSync(f + '.tmp', f);
      await changed(plan);
      return { ...identity, roles: wanted };
    },
    plan() {
      const plan = store.read();
      return { plan, fingerprint: planFingerprint(plan) };
    },
    async importPlan(text) {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new KeyholderError('plan.bad_file', 'This is not a ceremony plan (it is not JSON). Copy the whole text from the other workstation.');
      }
      const theirs = parsePlan(raw, ed25519Verify);
      return changed(mergePlans(store.read(), theirs, ed25519Verify));
    },
    list() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((n) => /^p-[0-9a-f-]{36}\.json$/.test(n))
        .map((n) => {
          const p = parseParticipantFile(readFileSync(path.join(dir, n), 'utf8'));
          return { id: p.id, name: p.name, key: p.publicKey };
        });
    },
    unlock: async (id, passphrase) => {
      const f = fileOf(id);
      const file = load(id);
      return throttle.run(attemptKey(readFileSync(f), 'participant'), () => openParticipant(file, passphrase));
    },
  };
}
