import { describe, expect, it } from 'vitest';
import { applyActivation, expectedRole, startActivation, type ActivationEvent, type ActivationPlan, type ActivationState } from './activation';
import type { Participant, Role } from './roles';

const person = (id: string, name: string, role: Role): Participant => ({ id, name, role, key: `key-${id}`.padEnd(43, 'A') });
const run = (s: ActivationState, evs: ActivationEvent[]) => evs.reduce(applyActivation, s);
const purpose = { kind: 'vault-import' as const, target: 'holder1-vault/cmk', holder: 1 as const };
const split: ActivationPlan = { mode: 'split-knowledge', purpose, ceremony: 'ceremony-a1', session: 's1', copyFingerprint: 'fp-1' };

const op = person('op', 'Olive Operator', 'operator');
const sup = person('sup', 'Sam Supervisor', 'supervisor');
const keeper = person('kee', 'Kim Keeper', 'keeper');
const knower = person('kno', 'Noor Knower', 'knower');
const splitHappy: ActivationEvent[] = [
  { type: 'join', participant: op },
  { type: 'join', participant: sup },
  { type: 'join', participant: keeper },
  { type: 'sealed-copy-presented', by: 'kee', copyFingerprint: 'fp-1' },
  { type: 'join', participant: knower },
  { type: 'component-accepted', by: 'kno', checkValue: 'ABC123', nonce: 'n1' },
  { type: 'attested', by: 'sup' },
  { type: 'purpose-finished', ok: true },
  { type: 'wiped' },
];

describe('split-knowledge activation', () => {
  it('runs keeper, knower, supervisor in order to done', () => {
    const s0 = startActivation(split);
    const roles: (Role | null)[] = [];
    const end = splitHappy.reduce((s, e) => {
      roles.push(expectedRole(s));
      return applyActivation(s, e);
    }, s0);
    expect(end.step).toBe('done');
    expect(end.wiped).toBe(true);
    expect(roles).toEqual(['operator', 'supervisor', 'keeper', 'keeper', 'knower', 'knower', 'supervisor', 'operator', null]);
  });

  it('refuses every step taken out of order (each event tried at every wrong point)', () => {
    let s = startActivation(split);
    for (let i = 0; i < splitHappy.length - 1; i++) {
      for (let j = i + 1; j < splitHappy.length - 1; j++) {
        const ev = splitHappy[j]!;
        // A later event is refused unless it is the same kind of step as the one due now (a join after a join).
        if (ev.type === 'join' && splitHappy[i]!.type === 'join') continue;
        expect(() => applyActivation(s, ev), `event ${j} at step ${i}`).toThrow(/not allowed now|Only the/);
      }
      s = applyActivation(s, splitHappy[i]!);
    }
  });

  it('refuses the purpose before the supervisor attests', () => {
    const s = run(startActivation(split), splitHappy.slice(0, 6));
    expect(() => applyActivation(s, { type: 'purpose-finished', ok: true })).toThrow(expect.objectContaining({ code: 'ceremony.step_out_of_order' }));
    expect(() => applyActivation(s, { type: 'attested', by: 'kee' })).toThrow(expect.objectContaining({ code: 'ceremony.wrong_person' }));
  });

  it.each([
    ['same name, other case and spacing', { ...knower, name: '  kim   KEEPER ' }],
    ['same name written with a full-width letter', { ...knower, name: 'Ｋim Keeper' }],
    ['same participant key', { ...knower, key: keeper.key }],
    ['same participant ID', { ...knower, id: 'kee' }],
  ])('refuses one person in two roles: %s', (_why, knowerAgain) => {
    const s = run(startActivation(split), splitHappy.slice(0, 4));
    expect(() => applyActivation(s, { type: 'join', participant: knowerAgain })).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
  });

  it('refuses the operator as supervisor and a wrong sealed copy', () => {
    const s = run(startActivation(split), splitHappy.slice(0, 1));
    expect(() => applyActivation(s, { type: 'join', participant: { ...sup, name: 'olive operator' } })).toThrow(/different person/);
    const s2 = run(startActivation(split), splitHappy.slice(0, 3));
    expect(() => applyActivation(s2, { type: 'sealed-copy-presented', by: 'kee', copyFingerprint: 'fp-2' })).toThrow(expect.objectContaining({ code: 'ceremony.wrong_copy' }));
  });

  it('a timeout aborts at any step and wiping afterwards is recorded', () => {
    const s = run(startActivation(split), [...splitHappy.slice(0, 6), { type: 'abort', reason: 'timeout', message: 't' }, { type: 'wiped' }]);
    expect(s).toMatchObject({ step: 'aborted', wiped: true, abort: { reason: 'timeout', at: 'supervisor-attests' } });
    expect(() => applyActivation(s, { type: 'attested', by: 'sup' })).toThrow(/not allowed now/);
  });
});

describe('quorum activation', () => {
  const custodians = ['Ada', 'Ben', 'Cy', 'Di', 'Ed', 'Flo', 'Gus'].map((n, i) => ({ id: `c${i}`, name: n }));
  const plan = (m: number, n: number): ActivationPlan => ({ mode: 'quorum', purpose, ceremony: 'ceremony-a1', session: 's2', threshold: m, custodians: custodians.slice(0, n) });
  const enter = (i: number, cv = `CV${i}`, nonce = `n${i}`): ActivationEvent[] => [
    { type: 'join', participant: person(`p${i}`, custodians[i]!.name, 'keeper'), custodian: `c${i}` },
    { type: 'component-accepted', by: `p${i}`, custodian: `c${i}`, checkValue: cv, nonce },
  ];
  const opening = [{ type: 'join', participant: op }, { type: 'join', participant: sup }] as ActivationEvent[];

  it('needs exactly M components for every M-of-N up to 5-of-7', () => {
    for (let n = 2; n <= 7; n++) {
      for (let m = 2; m <= Math.min(n, 5); m++) {
        let s = run(startActivation(plan(m, n)), opening);
        for (let i = 0; i < m - 1; i++) s = run(s, enter(n - 1 - i));
        expect(s.step).toBe('custodians-enter');
        expect(() => applyActivation(s, { type: 'quorum-opened' })).toThrow(expect.objectContaining({ code: 'ceremony.quorum_not_met', message: expect.stringContaining(`${m - 1} of the ${m}`) }));
        expect(() => applyActivation(s, { type: 'attested', by: 'sup' })).toThrow(/nothing can be opened/);
        s = run(s, enter(0));
        expect(s.step).toBe('combine');
      }
    }
  });

  it('refuses a duplicated or replayed component and an outsider', () => {
    const s = run(startActivation(plan(3, 5)), [...opening, ...enter(0)]);
    expect(() => run(s, enter(0))).toThrow(expect.objectContaining({ code: 'ceremony.component_duplicate' }));
    expect(() => run(s, enter(1, 'CV0'))).toThrow(expect.objectContaining({ code: 'ceremony.component_duplicate' }));
    expect(() => run(s, enter(1, 'CV1', 'n0'))).toThrow(expect.objectContaining({ code: 'ceremony.component_replayed' }));
    expect(() => run(s, [{ type: 'join', participant: person('px', 'Xena', 'keeper'), custodian: 'c9' }])).toThrow(expect.objectContaining({ code: 'ceremony.unknown_custodian' }));
    expect(() => run(s, [{ type: 'join', participant: person('px', 'Xena', 'keeper'), custodian: 'c1' }])).toThrow(expect.objectContaining({ code: 'ceremony.wrong_person' }));
    expect(() => run(s, [{ type: 'join', participant: { ...person('px', 'Ben', 'keeper'), key: sup.key }, custodian: 'c1' }])).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
  });

  it('refuses impossible plans', () => {
    expect(() => startActivation(plan(1, 3))).toThrow(/between 2 and 3/);
    expect(() => startActivation(plan(4, 3))).toThrow(/between 2 and 3/);
  });
});

describe('escrow re-seal (rewrap) activation', () => {
  const rewrap: Extract<ActivationPlan, { mode: 'rewrap' }> = {
    mode: 'rewrap',
    purpose: { kind: 'escrow-rewrap', target: 'rotation r1: re-seal escrow' },
    ceremony: 'ceremony-a1',
    session: 's3',
    custodians: [
      { id: 'custodian-1', name: 'Alice Archer' },
      { id: 'custodian-2', name: 'Bob Baker' },
    ],
    copies: [
      { id: 'copy-1', name: 'Key holder 1' },
      { id: 'copy-2', name: 'Key holder 2' },
    ],
  };
  const alice = person('ali', 'Alice Archer', 'keeper');
  const bob = person('bob', 'Bob Baker', 'keeper');
  const nico = person('nic', 'Nico Knower', 'knower');
  const happy: ActivationEvent[] = [
    { type: 'join', participant: op },
    { type: 'join', participant: sup },
    { type: 'join', participant: alice, custodian: 'custodian-1' },
    { type: 'component-accepted', by: 'ali', custodian: 'custodian-1', checkValue: 'AAA111', nonce: 'r1' },
    { type: 'join', participant: bob, custodian: 'custodian-2' },
    // A 1-of-N escrow: every custodian's slot holds the same content key, so the same check value is no duplicate here.
    { type: 'component-accepted', by: 'bob', custodian: 'custodian-2', checkValue: 'AAA111', nonce: 'r2' },
    { type: 'join', participant: knower, custodian: 'copy-1' },
    { type: 'component-accepted', by: 'kno', custodian: 'copy-1', checkValue: 'CCC333', nonce: 'r3' },
    { type: 'join', participant: nico, custodian: 'copy-2' },
    { type: 'component-accepted', by: 'nic', custodian: 'copy-2', checkValue: 'DDD444', nonce: 'r4' },
    { type: 'attested', by: 'sup' },
    { type: 'purpose-finished', ok: true },
    { type: 'wiped' },
  ];

  it('takes every custodian, then the knower of every copy, then the attestation', () => {
    const roles: (Role | null)[] = [];
    const end = happy.reduce((s, e) => {
      roles.push(expectedRole(s));
      return applyActivation(s, e);
    }, startActivation(rewrap));
    expect(end.step).toBe('done');
    expect(roles).toEqual(['operator', 'supervisor', 'keeper', 'keeper', 'keeper', 'keeper', 'knower', 'knower', 'knower', 'knower', 'supervisor', 'operator', null]);
  });

  it('refuses the attestation until every custodian and every copy is in (no threshold: the new key is sealed to each)', () => {
    for (const upTo of [2, 4, 6, 8]) {
      const s = run(startActivation(rewrap), happy.slice(0, upTo));
      expect(() => applyActivation(s, { type: 'attested', by: 'sup' }), `after ${upTo} events`).toThrow(expect.objectContaining({ code: 'ceremony.rewrap_incomplete' }));
      expect(() => applyActivation(s, { type: 'purpose-finished', ok: true })).toThrow();
    }
  });

  it('refuses one person in two roles, a copy not in the re-seal, a custodian under another name, and a copy entered twice', () => {
    const afterCustodians = run(startActivation(rewrap), happy.slice(0, 6));
    // Alice (custodian) cannot also be the knower of a copy, nor can the supervisor.
    expect(() => applyActivation(afterCustodians, { type: 'join', participant: { ...alice, role: 'knower' }, custodian: 'copy-1' })).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
    expect(() => applyActivation(afterCustodians, { type: 'join', participant: { ...sup, id: 'sup2', role: 'knower' }, custodian: 'copy-1' })).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
    expect(() => applyActivation(afterCustodians, { type: 'join', participant: knower, custodian: 'copy-3' })).toThrow(expect.objectContaining({ code: 'ceremony.unknown_copy' }));
    const s = run(startActivation(rewrap), happy.slice(0, 2));
    expect(() => applyActivation(s, { type: 'join', participant: { ...bob, id: 'x' }, custodian: 'custodian-1' })).toThrow(expect.objectContaining({ code: 'ceremony.wrong_person' }));
    const oneCopy = run(startActivation(rewrap), happy.slice(0, 8));
    expect(() => applyActivation(oneCopy, { type: 'join', participant: nico, custodian: 'copy-1' })).toThrow(expect.objectContaining({ code: 'ceremony.component_duplicate' }));
  });

  it('refuses a plan with the same custodian twice', () => {
    expect(() => startActivation({ ...rewrap, custodians: [rewrap.custodians[0]!, { id: 'custodian-2', name: ' alice  ARCHER' }] })).toThrow(expect.objectContaining({ code: 'ceremony.bad_rewrap' }));
    expect(() => startActivation({ ...rewrap, custodians: [] })).toThrow(expect.objectContaining({ code: 'ceremony.bad_rewrap' }));
  });
});
