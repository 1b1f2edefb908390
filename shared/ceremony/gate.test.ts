import { describe, expect, it } from 'vitest';
import { assertGateOpen, happenedOutOfOrder, importSteps, stepGate } from './gate';
import { ceremonyProgress, type Receipt } from './steps';

const r = (kind: string, data: Receipt['data'] = {}): Receipt => ({ kind, data });
const FP = 'ab'.repeat(32);
const escrowChain = [r('key.generated', { fingerprint: FP }), r('escrow.written', { fingerprint: FP }), r('escrow.test-restored', { fingerprint: FP })];
const gateAfter = (receipts: Receipt[], holder: 1 | 2 = 1) => stepGate(ceremonyProgress([r('ceremony.opened'), ...receipts]), importSteps(holder));

describe('the import gate (the step table, as the Import screen and vault:startImport ask it)', () => {
  it('is closed before the vendor registered the vault, naming the registration as what comes first', () => {
    const g = gateAfter([r('worksheet.saved', { holder: 1 }), ...escrowChain, r('holder-copy.written', { holder: 1, fingerprint: FP })]);
    expect(g).toMatchObject({ open: false, why: 'blocked', stepId: 'activation-attested:1', first: [{ id: 'registered:1', title: 'Vault registered with the vendor (holder 1)' }] });
    expect(() => assertGateOpen(ceremonyProgress([r('ceremony.opened')]), importSteps(1))).toThrow(expect.objectContaining({ code: 'ceremony.step_out_of_order' }));
  });

  it('opens once the holder copy and this holder’s registration are recorded, not the other holder’s', () => {
    const base = [r('worksheet.saved', { holder: 1 }), ...escrowChain, r('holder-copy.written', { holder: 1, fingerprint: FP })];
    expect(gateAfter([...base, r('registration.done', { holder: 2 })])).toMatchObject({ open: false });
    expect(gateAfter([...base, r('registration.done', { holder: 1 })])).toEqual({ open: true, stepId: 'activation-attested:1' });
    // Holder 2's import stays closed: no copy, no registration for holder 2.
    expect(gateAfter([...base, r('registration.done', { holder: 1 })], 2)).toMatchObject({ open: false, first: [{ id: 'holder-copy-written:2' }, { id: 'registered:2' }] });
  });

  it('demands the holder copy when this workstation made the escrow, but not a chain it has no record of (made on the custodians’ workstation)', () => {
    const registered = [r('worksheet.saved', { holder: 1 }), r('registration.done', { holder: 1 })];
    expect(gateAfter([...registered, ...escrowChain])).toMatchObject({ open: false, first: [{ id: 'holder-copy-written:1' }] });
    expect(gateAfter(registered)).toEqual({ open: true, stepId: 'activation-attested:1' });
  });

  it('after an attested activation whose import failed, the import may run again; once imported, it is refused as done', () => {
    const ready = [r('worksheet.saved', { holder: 1 }), r('registration.done', { holder: 1 })];
    expect(gateAfter([...ready, r('activation.attested', { holder: 1 })])).toEqual({ open: true, stepId: 'vault-imported:1' });
    const done = [...ready, r('activation.attested', { holder: 1 }), r('vault.imported', { holder: 1 })];
    expect(gateAfter(done)).toMatchObject({ open: false, why: 'done' });
    expect(() => assertGateOpen(ceremonyProgress([r('ceremony.opened'), ...done]), importSteps(1))).toThrow(expect.objectContaining({ code: 'ceremony.step_already_done' }));
  });

  it('says what comes first in words a key holder can act on', () => {
    expect(stepGate(ceremonyProgress([r('ceremony.opened')]), importSteps(2))).toMatchObject({ message: 'The supervised import for key holder 2 cannot start yet. First: Vault registered with the vendor (holder 2).' });
    expect(gateAfter([...escrowChain], 2)).toMatchObject({ message: 'The supervised import for key holder 2 cannot start yet. First: Holder copy written (holder 2) and Vault registered with the vendor (holder 2).' });
    expect(gateAfter([])).toMatchObject({ message: 'The supervised import for key holder 1 cannot start yet. First: Vault registered with the vendor (holder 1).' });
  });
});

describe('steps recorded out of order', () => {
  it('happened, so a gate does not ask for them again, though they are not progress', () => {
    const outOfOrder = (kind: string, data: Receipt['data']) => r('ceremony.step-out-of-order', { step: kind, reason: 'cannot start yet', entry: data });
    const receipts = [r('ceremony.opened'), outOfOrder('activation.attested', { holder: 1 }), outOfOrder('vault.imported', { holder: 1 }), r('worksheet.saved', { holder: 1 }), r('registration.done', { holder: 1 })];
    const happened = happenedOutOfOrder(receipts);
    expect(happened).toEqual(['activation-attested:1', 'vault-imported:1']);
    const progress = ceremonyProgress(receipts);
    expect(progress.find((p) => p.id === 'vault-imported:1')?.state).not.toBe('done');
    // The import is not started a second time, and the submission does not wait for an import that happened.
    expect(stepGate(progress, importSteps(1), happened)).toMatchObject({ open: false, why: 'done' });
    expect(stepGate(progress, ['submitted:1'], happened)).toEqual({ open: true, stepId: 'submitted:1' });
    expect(stepGate(progress, ['submitted:1'])).toMatchObject({ open: false, first: [{ id: 'vault-imported:1' }] });
    // A repeated or disputed step is not counted as having happened in order to open anything.
    expect(happenedOutOfOrder([r('ceremony.step-disputed', { step: 'vault.imported', entry: { holder: 1 } })])).toEqual([]);
  });
});
