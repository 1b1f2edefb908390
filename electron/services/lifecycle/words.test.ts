import { describe, expect, it } from 'vitest';
import { confirmationText, meaningOf, type VendorSeen } from './words';

describe('what a key store state means for documents', () => {
  it('a revoked key store with the other known available says documents still work through the other', () => {
    expect(meaningOf('Revoked', 1, false).meaning).toMatch(/Documents still work: key store 2 alone/);
  });

  it('both revoked says encryption and decryption have stopped', () => {
    expect(meaningOf('Revoked', 2, true).meaning).toMatch(/Both key stores are revoked/);
  });

  it('a revoked key store whose partner’s state is unknown does not promise that documents still work', () => {
    const m = meaningOf('Revoked', 1, null);
    expect(m.meaning).not.toMatch(/Documents still work/);
    expect(m.meaning).toMatch(/depends on key store 2.*cannot see now/);
    expect(m.whatToDo).toMatch(/Ask key holder 2/);
  });

  it('the revoke confirmation names the consequence', () => {
    expect(confirmationText('revoke', 2)).toBe('revoke key store 2, documents depend on key store 1 alone');
  });
  it('a revoked key store whose vendor is connected but has no primary key says what the vendor waits for, not "connect to the vendor"', () => {
    const waiting: VendorSeen = { submitted: { holder1: true, holder2: false }, validation: 'waiting_for_other_holder' };
    const m = meaningOf('Revoked', 1, null, { keyStore: 'aws-kms', vendor: waiting });
    expect(m.whatToDo).not.toMatch(/connect to the vendor/);
    expect(m.meaning).not.toMatch(/no status from the vendor/);
    expect(m.meaning).toMatch(/vendor is connected but has no primary key yet: it waits for key store 2’s submission/);
    expect(m.whatToDo).toMatch(/Ask key holder 2 .* submit it to the vendor/);
    expect(m.whatToDo).toMatch(/unrevoke\.$/);
    // Both submitted: the vendor is validating, or its validation failed, or (validated) it cannot reach key store 2.
    expect(meaningOf('Revoked', 1, null, { vendor: { submitted: { holder1: true, holder2: true }, validation: 'waiting_for_other_holder' } }).meaning).toMatch(/still validating/);
    expect(meaningOf('Revoked', 1, null, { vendor: { submitted: { holder1: true, holder2: true }, validation: 'failed' } }).whatToDo).toMatch(/Submission screen/);
    expect(meaningOf('Revoked', 2, null, { vendor: { submitted: { holder1: true, holder2: true }, validation: 'validated' } }).meaning).toMatch(/reports key store 1 as unreachable/);
    // No answer from the vendor at all: connecting is still the way to know.
    expect(meaningOf('Revoked', 1, null, { vendor: null }).whatToDo).toMatch(/connect to the vendor/);
  });

  it('an unreachable AWS key store points at the AWS sign-in, key policy and key material, never a client secret', () => {
    const aws = meaningOf('Unavailable', 1, null, { keyStore: 'aws-kms' });
    expect(aws.whatToDo).not.toMatch(/client secret|vault/);
    expect(aws.whatToDo).toMatch(/AWS sign-in.*key policy.*key material/);
    expect(meaningOf('Unavailable', 1, null).whatToDo).toMatch(/client secret/);
  });
});
