import { describe, expect, it } from 'vitest';
import { activationViewSchema } from './activation';

describe('activation view result', () => {
  const resultSchema = activationViewSchema.shape.result;

  it('accepts identifiers and yes/no facts', () => {
    expect(resultSchema.safeParse({ holder: 1, keyVersionId: 'https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef', fingerprintMatches: true, note: null }).success).toBe(true);
    expect(resultSchema.safeParse(null).success).toBe(true);
  });

  it('refuses anything that could carry key material to the page', () => {
    const pkcs8Base64 = 'M'.repeat(1700);
    expect(resultSchema.safeParse({ key: pkcs8Base64 }).success).toBe(false);
    expect(resultSchema.safeParse({ jwk: { d: 'abc' } }).success).toBe(false);
    expect(resultSchema.safeParse({ bytes: [1, 2, 3] }).success).toBe(false);
  });
});
