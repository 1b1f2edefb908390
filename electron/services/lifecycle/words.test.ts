import { describe, expect, it } from 'vitest';
import { confirmationText, meaningOf } from './words';

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
});
