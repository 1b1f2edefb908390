import { describe, expect, it } from 'vitest';
import { checkValue, fingerprintFilePrefix, groupFingerprint, normalizeFingerprint } from './fingerprint';

const fp = '3f2a9c1b00112233445566778899aabbccddeeff00112233445566778899aabb';

describe('fingerprint display', () => {
  it('groups in fours, upper case, sixteen groups', () => {
    const g = groupFingerprint(fp);
    expect(g.split(' ')).toHaveLength(16);
    expect(g.startsWith('3F2A 9C1B 0011')).toBe(true);
  });
  it('check value is the first eight characters', () => {
    expect(checkValue(fp)).toBe('3F2A-9C1B');
  });
  it('accepts what people paste and compares equal', () => {
    expect(normalizeFingerprint(groupFingerprint(fp))).toBe(fp);
    expect(normalizeFingerprint(`SHA256:${fp.toUpperCase().match(/../g)!.join(':')}`)).toBe(fp);
    expect(normalizeFingerprint(fp.replace(/b$/, 'c'))).not.toBe(fp);
  });
  it('rejects something that is not a SHA-256 fingerprint', () => {
    expect(() => normalizeFingerprint('3f2a')).toThrow(expect.objectContaining({ code: 'keys.bad_fingerprint' }));
    expect(() => normalizeFingerprint(fp.replace('3', 'g'))).toThrow(expect.objectContaining({ code: 'keys.bad_fingerprint' }));
  });
  it('file prefix is sixteen hex characters', () => {
    expect(fingerprintFilePrefix(fp)).toBe('3f2a9c1b00112233');
  });
});
