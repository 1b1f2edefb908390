import { describe, expect, it } from 'vitest';
import { addParticipant, addWorkstation, emptyPlan, mergePlans, parsePlan, planFingerprint, requirePlannedRole, requirePlannedWorkstation } from '../../../shared/ceremony/plan';
import { person, planOf, testWorkstation } from '../activation/test-support';
import { ed25519Verify } from '../transcript/ed25519';

const [sam, kim, noor] = await Promise.all(['Sam Supervisor', 'Kim Keeper', 'Noor Knower'].map(person));

describe('ceremony plan', () => {
  it('has one fingerprint whatever order the entries were merged in', () => {
    const ws1 = testWorkstation('holder 1');
    const ws2 = testWorkstation('holder 2');
    const a = planOf([[sam!, ['supervisor']], [kim!, ['keeper']]], [ws1]);
    const b = planOf([[noor!, ['knower']]], [ws2]);
    const ab = mergePlans(a, b, ed25519Verify);
    const ba = mergePlans(b, a, ed25519Verify);
    expect(planFingerprint(ab)).toBe(planFingerprint(ba));
    expect(planFingerprint(ab)).not.toBe(planFingerprint(a));
    expect(requirePlannedWorkstation(ab, ws2.publicKey).label).toBe('holder 2');
    expect(() => requirePlannedWorkstation(a, ws2.publicKey)).toThrow(expect.objectContaining({ code: 'activation.offer_unknown_signer' }));
  });

  it('refuses an entry changed after the participant signed it (roles added, name or key swapped)', () => {
    const plan = planOf([[kim!, ['keeper']]]);
    const entry = plan.participants[0]!;
    for (const changed of [{ ...entry, roles: ['keeper', 'supervisor'] as const }, { ...entry, name: 'Mallory' }, { ...entry, key: sam!.key }]) {
      expect(() => addParticipant(emptyPlan(), { ...changed, roles: [...changed.roles] }, ed25519Verify)).toThrow(expect.objectContaining({ code: 'plan.bad_enrolment' }));
      expect(() => parsePlan({ ...plan, participants: [{ ...changed, roles: [...changed.roles] }] }, ed25519Verify)).toThrow(expect.objectContaining({ code: 'plan.bad_enrolment' }));
    }
  });

  it('one key is one person: the same key or the same name twice is refused', async () => {
    const plan = planOf([[kim!, ['keeper']]]);
    const again = planOf([[kim!, ['knower']]]).participants[0]!;
    expect(() => addParticipant(plan, again, ed25519Verify)).toThrow(expect.objectContaining({ code: 'plan.same_key_twice' }));
    const namesake = await person('kim  KEEPER');
    expect(() => addParticipant(plan, planOf([[namesake, ['knower']]]).participants[0]!, ed25519Verify)).toThrow(expect.objectContaining({ code: 'plan.same_name_twice' }));
    expect(requirePlannedRole(plan, kim!, 'keeper').name).toBe('Kim Keeper');
    expect(() => requirePlannedRole(plan, kim!, 'knower')).toThrow(expect.objectContaining({ code: 'activation.role_not_in_plan' }));
    expect(() => requirePlannedRole(plan, namesake, 'keeper')).toThrow(expect.objectContaining({ code: 'activation.not_in_plan' }));
    expect(addWorkstation(plan, { label: 'x', key: kim!.key }).workstations).toHaveLength(1);
  });
});
