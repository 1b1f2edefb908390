import { describe, expect, it } from 'vitest';
import { assessPassphrase, requireAcceptablePassphrase } from './policy';
import { gpuGuessesPerSecond, PRODUCTION_KDF } from './kdf-profiles';

describe('passphrase policy', () => {
  it('refuses common, patterned and personal passphrases with an explanation', () => {
    for (const p of ['password123456', 'Summer2026!Summer2026!', 'qwertyuiopasdf']) {
      const s = assessPassphrase(p);
      expect(s.acceptable, p).toBe(false);
      expect(s.explanation).toMatch(/graphics cards would need .* Key Holder asks for/);
    }
    // A custodian's own name counts against them.
    expect(assessPassphrase('AliceArcher1970!', ['Alice Archer']).acceptable).toBe(false);
  });
  it('accepts several unrelated words and says why', () => {
    const s = assessPassphrase('violet-anchor-tundra-mosaic-lantern');
    expect(s.acceptable).toBe(true);
    expect(s.explanation).toContain('That is strong enough.');
    expect(s.score).toBeGreaterThanOrEqual(3);
  });
  it('refuses line breaks (OpenSSL reads one line) and short ones, by rule', () => {
    expect(assessPassphrase('violet-anchor\ntundra-mosaic').acceptable).toBe(false);
    expect(assessPassphrase('k#9Lx!2q').explanation).toContain('at least 12 characters');
    expect(() => requireAcceptablePassphrase('password', 'Bob')).toThrow(expect.objectContaining({ code: 'escrow.weak_passphrase', detail: { custodian: 'Bob' } }));
  });
  it('the attacker model reproduces the published anchor points', () => {
    expect(Math.round(gpuGuessesPerSecond({ kind: 'pbkdf2-sha256', iterations: 65_536 }))).toBe(91_553);
    expect(Math.round(gpuGuessesPerSecond({ kind: 'scrypt', cost: { log2N: 14, r: 8, p: 1 } }))).toBe(45_776);
    expect(gpuGuessesPerSecond({ kind: 'scrypt', cost: PRODUCTION_KDF.escrow })).toBeLessThan(gpuGuessesPerSecond({ kind: 'pbkdf2-sha256', iterations: 65_536 }) / 30);
  });
});
