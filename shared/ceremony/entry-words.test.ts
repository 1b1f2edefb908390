import { describe, expect, it } from 'vitest';
import { CEREMONY_STEPS } from './steps';
import { carriedEntry, entryWords, ENTRY_WORDS } from './entry-words';

describe('entry words', () => {
  it('every kind the step table records has words', () => {
    for (const s of CEREMONY_STEPS) expect(ENTRY_WORDS[s.kind], s.kind).toBeTruthy();
  });

  it('a deviation names the step it carries; unknown kinds are never printed raw', () => {
    expect(entryWords('ceremony.step-out-of-order', { step: 'vault.imported' })).toBe('Recorded out of order: Key imported into the vault');
    expect(entryWords('ceremony.step-repeated', { step: 'made.up' })).toBe('Recorded again (already done): a ceremony step');
    expect(entryWords('future.kind')).toBe('Other recorded entry');
    for (const w of Object.values(ENTRY_WORDS)) expect(w).not.toMatch(/[a-z]\.[a-z]/);
  });

  it('the carried entry of a deviation, else the entry itself', () => {
    expect(carriedEntry('ceremony.step-out-of-order', { step: 'status.changed', entry: { status: 'Available' } })).toEqual({ kind: 'status.changed', data: { status: 'Available' } });
    expect(carriedEntry('ceremony.step-out-of-order', { step: 'status.changed', entry: [] })).toEqual({ kind: 'ceremony.step-out-of-order', data: { step: 'status.changed', entry: [] } });
    expect(carriedEntry('vault.imported', { holder: 1 })).toEqual({ kind: 'vault.imported', data: { holder: 1 } });
  });
});
