import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, fromBase64Url, toBase64Url } from './canonical';

const onlySafeIntegers = (v: unknown): boolean =>
  typeof v === 'number' ? Number.isSafeInteger(v) : Array.isArray(v) ? v.every(onlySafeIntegers) : v !== null && typeof v === 'object' ? Object.values(v).every(onlySafeIntegers) : true;

describe('canonicalJson', () => {
  it('sorts keys, drops undefined and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 0, y: -0 } })).toBe('{"a":[true,null,"x"],"b":1,"d":{"y":0,"z":0}}');
  });
  it('refuses values with several spellings', () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/whole numbers/);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
    expect(() => canonicalJson({ a: new Date() })).toThrow(/plain objects/);
    expect(() => canonicalJson({ a: 1n })).toThrow();
  });
  it('round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue().filter(onlySafeIntegers), (v) => {
        const s = canonicalJson(v);
        expect(canonicalJson(JSON.parse(s))).toBe(s);
      }),
      { numRuns: 200 },
    );
  });
});

describe('base64url', () => {
  it('matches Node and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (b) => {
        const s = toBase64Url(b);
        expect(s).toBe(Buffer.from(b).toString('base64url'));
        expect(Array.from(fromBase64Url(s)!)).toEqual(Array.from(b));
      }),
      { numRuns: 300 },
    );
  });
  it('refuses non-canonical encodings (unused low bits set, bad length, padding)', () => {
    const s = toBase64Url(new Uint8Array(64)); // 86 chars, last carries 2 unused bits
    expect(fromBase64Url(s)).not.toBeNull();
    expect(fromBase64Url(s.slice(0, -1) + 'B')).toBeNull();
    expect(fromBase64Url('A')).toBeNull();
    expect(fromBase64Url('AA==')).toBeNull();
    expect(fromBase64Url('A+/A')).toBeNull();
  });
});
