/**
 * Thousands of mutated and truncated escrow files: every one is refused
 * with a typed KeyholderError (never a crash, never a key). Half the
 * mutations fix the checksum afterwards, as a deliberate attacker would,
 * so they reach the JSON schema, the KDF and AES-GCM.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKeyholderError } from '../../../shared/errors/index';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { openKey, sealKey } from './seal';
import { fixChecksum, PASS } from './testing/helpers';

const ALLOWED = new Set(['escrow.damaged', 'escrow.not_escrow', 'escrow.unsupported_version', 'escrow.wrong_passphrase', 'escrow.altered', 'escrow.unsupported_parameters', 'escrow.too_few_shares', 'escrow.duplicate_share']);

async function attempt(bytes: Uint8Array, unlocks: { custodian: number; passphrase: string }[]): Promise<string> {
  try {
    const { pkcs8 } = await openKey(parseEscrow(bytes), undefined, unlocks);
    pkcs8.fill(0);
    return 'opened';
  } catch (e) {
    if (!isKeyholderError(e)) return `untyped: ${String(e)}`;
    return ALLOWED.has(e.code) ? 'refused' : `unexpected code ${e.code}`;
  }
}

const mutation = (len: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(len - 1), bit: fc.integer({ min: 0, max: 7 }), fix: fc.boolean() }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(len - 1), value: fc.integer({ min: 0, max: 255 }), fix: fc.boolean() }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(len - 1), fix: fc.boolean() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(len - 1), value: fc.uint8Array({ minLength: 1, maxLength: 8 }), fix: fc.boolean() }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(len - 1), count: fc.integer({ min: 1, max: 16 }), fix: fc.boolean() }),
  );

type Mutation = { kind: 'flip'; at: number; bit: number; fix: boolean } | { kind: 'set'; at: number; value: number; fix: boolean } | { kind: 'truncate'; at: number; fix: boolean } | { kind: 'insert'; at: number; value: Uint8Array; fix: boolean } | { kind: 'delete'; at: number; count: number; fix: boolean };

function apply(original: Uint8Array, m: Mutation): Uint8Array | null {
  let out: Uint8Array;
  switch (m.kind) {
    case 'flip':
      out = new Uint8Array(original);
      out[m.at]! ^= 1 << m.bit;
      break;
    case 'set':
      if (original[m.at] === m.value) return null;
      out = new Uint8Array(original);
      out[m.at] = m.value;
      break;
    case 'truncate':
      out = original.slice(0, m.at);
      break;
    case 'insert':
      out = new Uint8Array([...original.subarray(0, m.at), ...m.value, ...original.subarray(m.at)]);
      break;
    case 'delete':
      out = new Uint8Array([...original.subarray(0, m.at), ...original.subarray(m.at + m.count)]);
      break;
  }
  const result = m.fix && out.length > 32 ? fixChecksum(out) : out;
  // Mutating only the checksum and then "fixing" it gives back the original file: not a mutation.
  return Buffer.from(result).equals(Buffer.from(original)) ? null : result;
}

describe('mutated and truncated escrow files', () => {
  let single: Uint8Array;
  let quorum: Uint8Array;
  beforeAll(async () => {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const meta = { keyId: crypto.randomUUID(), purpose: 'property test', created: new Date('2026-11-27T10:00:00Z') };
    single = serializeEscrow(await sealKey(key, meta, [{ name: 'A', passphrase: PASS[0]! }, { name: 'B', passphrase: PASS[1]! }], 1, TEST_KDF));
    quorum = serializeEscrow(await sealKey(key, { ...meta, keyId: crypto.randomUUID() }, [0, 1, 2].map((i) => ({ name: `C${i}`, passphrase: PASS[i]! })), 2, TEST_KDF));
  });

  it('3,000 mutations of a 1-of-2 file are all refused with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(single.length), async (m) => {
        const bytes = apply(single, m as Mutation);
        if (!bytes) return;
        expect(await attempt(bytes, [{ custodian: 1, passphrase: PASS[0]! }])).toBe('refused');
      }),
      { numRuns: 3000 },
    );
  });

  it('1,500 mutations of a 2-of-3 file are all refused with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(quorum.length), async (m) => {
        const bytes = apply(quorum, m as Mutation);
        if (!bytes) return;
        expect(await attempt(bytes, [{ custodian: 1, passphrase: PASS[0]! }, { custodian: 3, passphrase: PASS[2]! }])).toBe('refused');
      }),
      { numRuns: 1500 },
    );
  });

  it('every truncation point is refused', async () => {
    for (let n = 0; n < single.length; n += 1) {
      const r = await attempt(single.subarray(0, n), [{ custodian: 1, passphrase: PASS[0]! }]);
      if (r !== 'refused') throw new Error(`truncated at ${n}: ${r}`);
    }
  });

  it('random bytes and random JSON-looking files are refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (junk, withMagic) => {
        const bytes = withMagic ? new Uint8Array([...new TextEncoder().encode('KHESCROW'), 0, 1, ...junk]) : junk;
        expect(await attempt(bytes, [{ custodian: 1, passphrase: PASS[0]! }])).toBe('refused');
      }),
      { numRuns: 1000 },
    );
  });

  it('the unmutated files still open (the harness can tell success from refusal)', async () => {
    expect(await attempt(single, [{ custodian: 2, passphrase: PASS[1]! }])).toBe('opened');
    expect(await attempt(quorum, [{ custodian: 2, passphrase: PASS[1]! }, { custodian: 3, passphrase: PASS[2]! }])).toBe('opened');
  });
});
