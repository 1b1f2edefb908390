import { describe, expect, it, vi } from 'vitest';
import type { Custodian } from '../../../shared/ceremony/activation';
import type { Role } from '../../../shared/transcript/entry';
import type { ParticipantSigner } from '../participants/participant-file';
import { ActivationSession, type ActivationSessionOptions, type Timers } from './session';
import { fakeQuorum, fakeSealedCopy, person, planOf } from './test-support';

const purpose = { kind: 'vault-import' as const, target: 'holder1-vault / cmk-2026', holder: 1 as const };
const zeroed = (bufs: Uint8Array[]) => bufs.length > 0 && bufs.every((b) => b.every((x) => x === 0));

function manualTimers() {
  const pending: { fn: () => void; ms: number }[] = [];
  const timers: Timers = {
    set: (fn, ms) => {
      const h = { fn, ms };
      pending.push(h);
      return h;
    },
    clear: (h) => {
      const i = pending.indexOf(h as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  return { timers, fire: () => pending.shift()?.fn(), pending };
}

function join(s: ActivationSession, who: ParticipantSigner, role: Role, custodian?: string) {
  s.join(who.attest(role, s.joinStatement(role, who, custodian)), custodian);
}

const [operator, supervisor, keeper, knower] = await Promise.all(['Olive Operator', 'Sam Supervisor', 'Kim Keeper', 'Noor Knower'].map(person));
const NAMES = ['Ada Custodian', 'Ben Custodian', 'Cy Custodian', 'Di Custodian', 'Ed Custodian', 'Flo Custodian', 'Gus Custodian'];
const custodianSigners = await Promise.all(NAMES.map(person));
/** The ceremony plan every session here runs under: each person in their one role, custodians as keepers. */
const plan = planOf([
  [operator!, ['operator']],
  [supervisor!, ['supervisor']],
  [keeper!, ['keeper']],
  [knower!, ['knower']],
  ...custodianSigners.map((c) => [c, ['keeper']] as [ParticipantSigner, Role[]]),
]);

function splitSession(extra: Partial<ActivationSessionOptions> = {}) {
  const copy = fakeSealedCopy('the knower passphrase');
  const onPurpose = vi.fn(async (m: Uint8Array) => ({ keyVersionId: 'https://v/keys/k/1', sawMaterial: Buffer.from(m).equals(Buffer.from(copy.material)) }));
  const record = vi.fn(async () => undefined);
  const s = new ActivationSession({ ceremony: 'ceremony-test-1', purpose, source: copy.source, plan, onPurpose, record, ...extra });
  return { s, copy, onPurpose, record };
}

async function splitUpToAttest(s: ActivationSession, pass: string | Uint8Array = 'the knower passphrase') {
  join(s, operator!, 'operator');
  join(s, supervisor!, 'supervisor');
  join(s, keeper!, 'keeper');
  s.presentSealedCopy(keeper!.id, 'copy-fp-1');
  join(s, knower!, 'knower');
  return s.enterPassphrase(knower!.id, pass);
}

describe('split-knowledge activation session', () => {
  it('keeper, knower, supervisor in turn; the purpose runs once with the material; everything is wiped', async () => {
    const { s, copy, onPurpose, record } = splitSession();
    const pass = new TextEncoder().encode('the knower passphrase');
    const { checkValue } = await splitUpToAttest(s, pass);
    expect(checkValue).toMatch(/^[0-9A-F]{6}$/);
    expect(pass.every((b) => b === 0)).toBe(true);
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    const result = await s.carryOut();
    expect(result).toEqual({ keyVersionId: 'https://v/keys/k/1', sawMaterial: true });
    expect(onPurpose).toHaveBeenCalledTimes(1);
    expect(zeroed(copy.handedOut)).toBe(true);
    expect(s.state).toMatchObject({ step: 'done', wiped: true });
    await expect(s.carryOut()).rejects.toMatchObject({ code: 'activation.ended' });
    expect(onPurpose).toHaveBeenCalledTimes(1);
    const kinds = record.mock.calls.map((c) => (c as unknown[])[0]);
    expect(kinds).toEqual(['activation.attested', 'activation.completed']);
    const [, data, atts] = record.mock.calls[0] as unknown as [string, Record<string, unknown>, { role: string }[]];
    expect(data).toMatchObject({ holder: 1, mode: 'split-knowledge', checkValues: [checkValue], copyFingerprint: 'copy-fp-1' });
    expect(atts.map((a) => a.role)).toEqual(['operator', 'supervisor', 'keeper', 'knower', 'supervisor']);
    expect(JSON.stringify(record.mock.calls)).not.toContain('the knower passphrase');
  });

  it('refuses skipped and reordered steps before anything is opened', async () => {
    const { s, copy } = splitSession();
    await expect(s.enterPassphrase(knower!.id, 'the knower passphrase')).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    join(s, operator!, 'operator');
    expect(() => join(s, keeper!, 'keeper')).toThrow(expect.objectContaining({ code: 'ceremony.step_out_of_order' }));
    join(s, supervisor!, 'supervisor');
    join(s, keeper!, 'keeper');
    await expect(s.enterPassphrase(knower!.id, 'the knower passphrase')).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    expect(copy.opens()).toBe(0);
    s.presentSealedCopy(keeper!.id, 'copy-fp-1');
    join(s, knower!, 'knower');
    await expect(s.carryOut()).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    await s.enterPassphrase(knower!.id, 'the knower passphrase');
    await expect(s.carryOut()).rejects.toMatchObject({ code: 'ceremony.step_out_of_order', message: expect.stringContaining('supervisor attests') });
  });

  it('refuses a second role for the same person, by name or by key', async () => {
    const { s } = splitSession();
    join(s, operator!, 'operator');
    join(s, supervisor!, 'supervisor');
    expect(() => join(s, supervisor!, 'keeper')).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
    const namesake = await person('  sam   SUPERVISOR');
    expect(() => join(s, namesake, 'keeper')).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
  });

  it('refuses a key that is not in the ceremony plan, and a planned person in a role they are not planned for (issue 16)', async () => {
    const { s, copy } = splitSession();
    // Someone who made themselves a participant key on the spot (what "enrolled on first use" allowed).
    const stranger = await person('Mallory Walk-in');
    expect(() => join(s, stranger, 'operator')).toThrow(expect.objectContaining({ code: 'activation.not_in_plan' }));
    join(s, operator!, 'operator');
    // Kim is planned as a keeper, not as the supervisor.
    expect(() => join(s, keeper!, 'supervisor')).toThrow(expect.objectContaining({ code: 'activation.role_not_in_plan' }));
    join(s, supervisor!, 'supervisor');
    // The same name with a fresh key is still not the planned person.
    const impostor = await person('Kim Keeper');
    expect(() => join(s, impostor, 'keeper')).toThrow(expect.objectContaining({ code: 'activation.not_in_plan' }));
    expect(s.state.participants.map((p) => p.name)).toEqual(['Olive Operator', 'Sam Supervisor']);
    expect(copy.opens()).toBe(0);
  });

  it('refuses a forged or misdirected join and attestation', async () => {
    const { s } = splitSession();
    const stmt = s.joinStatement('operator', operator!);
    expect(() => s.join({ ...operator!.attest('operator', stmt), name: 'Someone Else' })).toThrow(expect.objectContaining({ code: 'activation.bad_join' }));
    const other = splitSession().s;
    expect(() => s.join(operator!.attest('operator', other.joinStatement('operator', operator!)))).toThrow(expect.objectContaining({ code: 'activation.bad_join' }));
    await splitUpToAttest(s);
    await expect(s.attest(keeper!.attest('supervisor', s.attestationStatement()))).rejects.toMatchObject({ code: 'ceremony.wrong_person' });
    await expect(s.attest(supervisor!.attest('supervisor', { ...s.attestationStatement(), checkValues: ['000000'] }))).rejects.toMatchObject({ code: 'activation.bad_attestation' });
  });

  it('refuses a wrong passphrase, lets the knower retry, and stops after three', async () => {
    const { s, copy } = splitSession();
    await expect(splitUpToAttest(s, 'not the passphrase')).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(s.enterPassphrase(knower!.id, 'still wrong')).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await expect(s.enterPassphrase(knower!.id, 'wrong again')).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    expect(s.state.step).toBe('aborted');
    await expect(s.enterPassphrase(knower!.id, 'the knower passphrase')).rejects.toMatchObject({ code: 'activation.ended' });
    expect(copy.handedOut).toHaveLength(0);
  });

  it('wipes after a failed purpose and reports it', async () => {
    const t = manualTimers();
    const { s, copy, record } = splitSession({ timers: t.timers, onPurpose: async () => Promise.reject(new Error('vault said no')) });
    await splitUpToAttest(s);
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    await expect(s.carryOut()).rejects.toMatchObject({ code: 'activation.purpose_failed' });
    expect(zeroed(copy.handedOut)).toBe(true);
    expect(record.mock.calls.at(-1)).toMatchObject(['activation.completed', { outcome: 'failed', wiped: true }]);
    expect(t.pending).toHaveLength(0);
  });

  it('wipes on timeout, at whatever step, and refuses to go on', async () => {
    const t = manualTimers();
    const { s, copy, onPurpose, record } = splitSession({ timers: t.timers, timeoutMs: 1000 });
    await splitUpToAttest(s);
    expect(t.pending).toHaveLength(1);
    expect(t.pending[0]!.ms).toBe(1000);
    t.fire();
    await vi.waitFor(() => expect(record).toHaveBeenCalled());
    expect(zeroed(copy.handedOut)).toBe(true);
    expect(s.state).toMatchObject({ step: 'aborted', wiped: true, abort: { reason: 'timeout' } });
    await expect(s.attest(supervisor!.attest('supervisor', s.attestationStatement()))).rejects.toMatchObject({ code: 'activation.ended', message: expect.stringContaining('took too long') });
    expect(onPurpose).not.toHaveBeenCalled();
    expect(record.mock.calls[0]).toMatchObject(['activation.aborted', { reason: 'timeout', step: 'supervisor-attests' }]);
  });

  it('does not carry out the purpose when the attestation cannot be recorded', async () => {
    const { s, copy, onPurpose } = splitSession({ record: async () => Promise.reject(new Error('disk full')) });
    await splitUpToAttest(s);
    await expect(s.attest(supervisor!.attest('supervisor', s.attestationStatement()))).rejects.toThrow('disk full');
    expect(zeroed(copy.handedOut)).toBe(true);
    await expect(s.carryOut()).rejects.toMatchObject({ code: 'activation.ended' });
    expect(onPurpose).not.toHaveBeenCalled();
  });
});

const custodiansOf = (n: number): Custodian[] => NAMES.slice(0, n).map((name, i) => ({ id: `c${i}`, name }));
const passOf = (c: Custodian) => `${c.name} share passphrase`;

async function quorumSession(m: number, n: number, extra: Partial<ActivationSessionOptions> = {}) {
  const q = await fakeQuorum(m, custodiansOf(n), passOf);
  const onPurpose = vi.fn(async (mat: Uint8Array) => ({ matches: Buffer.from(mat).equals(Buffer.from(q.secret)) }));
  const s = new ActivationSession({ ceremony: 'ceremony-test-2', purpose: { kind: 'escrow-restore', target: 'escrow-2026.khescrow' }, source: q.source, plan, onPurpose, ...extra });
  join(s, operator!, 'operator');
  join(s, supervisor!, 'supervisor');
  return { s, q, onPurpose };
}

async function enter(s: ActivationSession, i: number, pass = passOf({ id: '', name: NAMES[i]! })) {
  join(s, custodianSigners[i]!, 'keeper', `c${i}`);
  return s.enterComponent(custodianSigners[i]!.id, pass);
}

describe('quorum activation session', () => {
  it('opens with exactly M components, for every M-of-N up to 5-of-7; fewer opens nothing', async () => {
    for (let n = 2; n <= 7; n++) {
      for (let m = 2; m <= Math.min(n, 5); m++) {
        const { s, q, onPurpose } = await quorumSession(m, n);
        // The last m custodians, in reverse, so any subset order works.
        const who = Array.from({ length: m }, (_, k) => n - 1 - k);
        for (const i of who.slice(0, -1)) await enter(s, i);
        expect(q.combines()).toBe(0);
        await expect(s.attest(supervisor!.attest('supervisor', s.attestationStatement()))).rejects.toMatchObject({
          code: 'ceremony.quorum_not_met',
          message: expect.stringContaining(`${m - 1} of the ${m} components`),
        });
        await expect(s.carryOut()).rejects.toMatchObject({ code: 'ceremony.quorum_not_met' });
        // The source's own check is what makes "too few" safe: combine with m-1 shares does not authenticate.
        await expect(q.source.combine(q.shares.slice(0, m - 1).map((share, i) => ({ custodian: `c${i}`, share })))).rejects.toMatchObject({ code: 'escrow.quorum_failed' });
        const last = await enter(s, who.at(-1)!);
        expect(last).toMatchObject({ entered: m, threshold: m });
        await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
        expect(await s.carryOut()).toEqual({ matches: true });
        expect(onPurpose).toHaveBeenCalledTimes(1);
        expect(zeroed(q.handedOut)).toBe(true);
      }
    }
  });

  it('refuses a wrong passphrase, a custodian twice, and a duplicated share under another custodian', async () => {
    const { s, q } = await quorumSession(3, 5);
    join(s, custodianSigners[0]!, 'keeper', 'c0');
    await expect(s.enterComponent(custodianSigners[0]!.id, 'wrong')).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await s.enterComponent(custodianSigners[0]!.id, passOf(custodiansOf(1)[0]!));
    expect(() => join(s, custodianSigners[0]!, 'keeper', 'c0')).toThrow(expect.objectContaining({ code: 'ceremony.component_duplicate' }));
    // Ben enters, but his sealed share turns out to be Ada's (same check value).
    const adaShare = q.shares[0]!;
    const real = q.source.openShare;
    q.source.openShare = async () => adaShare.slice();
    join(s, custodianSigners[1]!, 'keeper', 'c1');
    await expect(s.enterComponent(custodianSigners[1]!.id, 'anything')).rejects.toMatchObject({ code: 'ceremony.component_duplicate' });
    q.source.openShare = real;
    expect(s.state.components).toHaveLength(1);
  });

  it('refuses someone entering another custodian\'s component and a custodian who is also the supervisor', async () => {
    const { s } = await quorumSession(2, 3);
    expect(() => join(s, custodianSigners[1]!, 'keeper', 'c0')).toThrow(expect.objectContaining({ code: 'ceremony.wrong_person' }));
    const supAsCustodian = await fakeQuorum(2, [{ id: 'c0', name: 'Sam Supervisor' }, { id: 'c1', name: 'Ben Custodian' }], passOf);
    const s2 = new ActivationSession({ ceremony: 'ceremony-test-2', purpose, source: supAsCustodian.source, plan, onPurpose: async () => ({}) });
    join(s2, operator!, 'operator');
    join(s2, supervisor!, 'supervisor');
    expect(() => join(s2, supervisor!, 'keeper', 'c0')).toThrow(expect.objectContaining({ code: 'ceremony.same_person_two_roles' }));
  });

  it('a wrong component from another escrow opens nothing and wipes everything', async () => {
    const { s, q, onPurpose } = await quorumSession(2, 3);
    const stranger = await fakeQuorum(2, custodiansOf(3), passOf);
    await enter(s, 0);
    q.source.openShare = stranger.source.openShare;
    await expect(enter(s, 1)).rejects.toMatchObject({ code: 'activation.quorum_failed' });
    expect(s.state.step).toBe('aborted');
    expect(zeroed([...q.handedOut, ...stranger.handedOut])).toBe(true);
    expect(onPurpose).not.toHaveBeenCalled();
  });

  it('wipes the shares already entered on timeout, before the quorum is reached', async () => {
    const t = manualTimers();
    const { s, q } = await quorumSession(3, 4, { timers: t.timers });
    await enter(s, 0);
    await enter(s, 1);
    t.fire();
    await vi.waitFor(() => expect(s.state.step).toBe('aborted'));
    expect(zeroed(q.handedOut)).toBe(true);
    await expect(enter(s, 2)).rejects.toMatchObject({ code: 'activation.ended' });
  });
});
