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

  it('an AWS KMS step in AWS’s words, from the entry’s own fields (also when carried by a deviation)', () => {
    expect(entryWords('worksheet.saved', { holder: 1, provider: 'aws-kms', keyLocation: 'arn:aws:kms:eu-west-2:111122223333' })).toBe('AWS worksheet saved');
    expect(entryWords('worksheet.saved', { holder: 1, vaultHost: 'v.vault.azure.net' })).toBe('Azure Information Worksheet saved');
    expect(entryWords('vault.imported', { keyVersionId: 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' })).toBe('Key imported into AWS KMS');
    expect(entryWords('registration.done', { vaultDnsName: 'arn:aws:kms:eu-west-2:111122223333' })).toBe('Key store registration confirmed by the vendor');
    expect(entryWords('registration.done', { vaultDnsName: 'v.vault.azure.net' })).toBe('Vault registration confirmed by the vendor');
    expect(entryWords('ceremony.step-out-of-order', { step: 'vault.imported', entry: { keyVersionId: 'arn:aws:kms:eu-west-2:1:key/x' } })).toBe('Recorded out of order: Key imported into AWS KMS');
    // A key rotation's import names the new KMS key too (rotation.imported's keyVersionId is its ARN on AWS).
    expect(entryWords('rotation.imported', { rotationId: 'r', holder: 2, keyVersionId: 'arn:aws:kms:eu-west-2:444455556666:key/5678' })).toBe('Key rotation: new key imported into AWS KMS');
    expect(entryWords('rotation.imported', { rotationId: 'r', holder: 2, keyVersionId: 'https://v.vault.azure.net/keys/cmk/abc' })).toBe('Key rotation: new key imported into the vault');
  });
});
