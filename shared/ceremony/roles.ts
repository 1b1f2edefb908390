/**
 * The people of an activation. The app cannot see faces, so "one person, one
 * role" is checked on what it can see: names (ignoring case, spacing and
 * Unicode look-alike forms) and participant keys.
 */
import { KeyholderError } from '../errors/index';
import type { Role } from '../transcript/entry';

export { type Role };

export interface Participant {
  /** Participant ID from enrolment (participant-v1 file). */
  id: string;
  name: string;
  role: Role;
  /** Ed25519 public key, base64url. */
  key: string;
}

export function normaliseName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
}

/** Refuses `candidate` if it is, as far as the app can tell, someone already in the activation. */
export function assertNewPerson(existing: readonly Participant[], candidate: Participant): void {
  const name = normaliseName(candidate.name);
  if (name.length === 0) throw new KeyholderError('ceremony.name_required', `The ${candidate.role} must give their name.`);
  for (const p of existing) {
    const why = p.key === candidate.key ? 'participant key' : p.id === candidate.id ? 'participant ID' : normaliseName(p.name) === name ? 'name' : null;
    if (why) {
      throw new KeyholderError(
        'ceremony.same_person_two_roles',
        `${candidate.name} cannot be the ${candidate.role}: the same ${why} is already the ${p.role} of this activation. Each role needs a different person.`,
        { role: candidate.role, existingRole: p.role, matchedOn: why },
      );
    }
  }
}
