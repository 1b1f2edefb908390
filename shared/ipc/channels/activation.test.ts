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

describe('activation requests', () => {
  it('refuse fields the contract does not name, and over-long ceremony IDs', async () => {
    const { activationChannels } = await import('./activation');
    const start = activationChannels['activation:start'].request;
    const ok = { mode: 'split-knowledge', escrowFile: '/tmp/copy.khescrow', purpose: { kind: 'vault-import', target: 'holder 1' } };
    expect(start.safeParse(ok).success).toBe(true);
    expect(start.safeParse({ ...ok, passphrase: 'smuggled' }).success).toBe(false);
    expect(start.safeParse({ ...ok, ceremony: 'c'.repeat(101) }).success).toBe(false);
    expect(activationChannels['activation:carryOut'].request.safeParse({ session: 'x', extra: 1 }).success).toBe(false);
  });
});

describe('the key rotation re-seal request (issue 16)', () => {
  it('names the files only: no custodian or copy passphrase can cross with it', async () => {
    const { lifecycleChannels } = await import('./lifecycle');
    const addKey = lifecycleChannels['lifecycle:key-rotation-add-key'].request;
    const ok = { escrowFile: '/media/escrow.khescrow', holderCopies: ['/media/holder1.khcopy', '/media/holder2.khcopy'] };
    expect(addKey.safeParse(ok).success).toBe(true);
    expect(addKey.safeParse({ ...ok, custodians: [{ custodian: 1, passphrase: 'smuggled' }] }).success).toBe(false);
    expect(addKey.safeParse({ ...ok, holderCopies: [{ file: '/media/holder1.khcopy', passphrase: 'smuggled' }] }).success).toBe(false);
  });
});
