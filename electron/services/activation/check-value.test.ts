import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { componentCheckValue, formatCheckValue } from './check-value';

describe('component check value', () => {
  it('is the first 3 bytes of HMAC-SHA-256 over the fixed label, upper-case hex', () => {
    const c = new Uint8Array(33).map((_, i) => i);
    const want = createHmac('sha256', c).update('keyholder component check value v1').digest().subarray(0, 3).toString('hex').toUpperCase();
    expect(componentCheckValue(c)).toBe(want);
    expect(formatCheckValue(want)).toMatch(/^[0-9A-F]{3} [0-9A-F]{3}$/);
  });
  it('differs for components differing in one byte, and does not contain the component', () => {
    const a = new Uint8Array(32).fill(7);
    const b = a.slice();
    b[31] = 8;
    expect(componentCheckValue(a)).not.toBe(componentCheckValue(b));
    expect(componentCheckValue(a)).not.toContain('070707');
  });
});
