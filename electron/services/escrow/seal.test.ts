import crypto, { type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendKeys, parseEscrow, requireRsaEntry, serializeEscrow } from '../../../shared/escrow/format';
import { PRODUCTION_KDF, TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { openKey, sealKey, openSlot, finishOpen } from './seal';
import { identityOf } from '../keys/source-key';
import { editBody, editHeader, fixChecksum, PASS } from './testing/helpers';

const keys: Record<number, KeyObject> = {};
beforeAll(() => {
  for (const bits of [2048, 3072, 4096]) keys[bits] = crypto.generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
});

const meta = (keyId = crypto.randomUUID()) => ({ keyId, purpose: 'test', created: new Date('2026-11-27T10:00:00Z') });
const names = ['Alice Archer', 'Bob Baker', 'Chen Cho', 'Dana Diaz', 'Emil Ek'];
const custodians = (n: number) => names.slice(0, n).map((name, i) => ({ name, passphrase: PASS[i]! }));
const roundTrip = async (bytes: Uint8Array, unlocks: { custodian: number | string; passphrase: string }[]) => openKey(parseEscrow(bytes), undefined, unlocks);

describe('escrow round trips', () => {
  for (const bits of [2048, 3072, 4096]) {
    it(`RSA ${bits}: seals and reopens to the same key`, async () => {
      const file = await sealKey(keys[bits]!, meta(), custodians(2), 1, TEST_KDF);
      const bytes = serializeEscrow(file);
      for (const i of [1, 2]) {
        const { pkcs8, entry } = await roundTrip(bytes, [{ custodian: i, passphrase: PASS[i - 1]! }]);
        expect(requireRsaEntry(entry).modulusBits).toBe(bits);
        expect(pkcs8.equals(keys[bits]!.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
      }
    });
  }

  for (const [m, n] of [[1, 1], [1, 3], [2, 2], [2, 3], [3, 5], [5, 5]] as const) {
    it(`${m}-of-${n}: any ${m} custodians restore, ${m - 1} cannot`, async () => {
      const bytes = serializeEscrow(await sealKey(keys[2048]!, meta(), custodians(n), m, TEST_KDF));
      const expected = identityOf(keys[2048]!).fingerprint;
      // every contiguous window of m custodians, and the last m in reverse order
      const groups = [...Array.from({ length: n - m + 1 }, (_, s) => Array.from({ length: m }, (_, k) => s + k + 1)), Array.from({ length: m }, (_, k) => n - k)];
      for (const g of groups) {
        const { pkcs8 } = await roundTrip(bytes, g.map((i) => ({ custodian: i, passphrase: PASS[i - 1]! })));
        expect(identityOf(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).fingerprint).toBe(expected);
      }
      if (m > 1) {
        await expect(roundTrip(bytes, g1(m - 1))).rejects.toMatchObject({ code: 'escrow.too_few_shares' });
      }
    });
  }
  const g1 = (k: number) => Array.from({ length: k }, (_, i) => ({ custodian: i + 1, passphrase: PASS[i]! }));

  it('opens by custodian name, case-insensitively', async () => {
    const bytes = serializeEscrow(await sealKey(keys[2048]!, meta(), custodians(2), 1, TEST_KDF));
    await expect(roundTrip(bytes, [{ custodian: 'bob baker', passphrase: PASS[1]! }])).resolves.toBeTruthy();
  });

  it('holds successive keys (rotations), each opened by its key ID', async () => {
    const a = await sealKey(keys[2048]!, meta(), custodians(1), 1, TEST_KDF);
    const b = await sealKey(keys[3072]!, meta(), custodians(1), 1, TEST_KDF);
    const both = parseEscrow(serializeEscrow(appendKeys(a, b)));
    expect(both.header.keys).toHaveLength(2);
    const first = await openKey(both, a.header.keys[0]!.keyId, [{ custodian: 1, passphrase: PASS[0]! }]);
    expect(requireRsaEntry(first.entry).modulusBits).toBe(2048);
    const latest = await openKey(both, undefined, [{ custodian: 1, passphrase: PASS[0]! }]);
    expect(requireRsaEntry(latest.entry).modulusBits).toBe(3072);
    await expect(openKey(both, crypto.randomUUID(), [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.unknown_key' });
  });

  it('opens at production KDF parameters (scrypt N=2^18, r=8)', async () => {
    const bytes = serializeEscrow(await sealKey(keys[2048]!, meta(), custodians(1), 1, PRODUCTION_KDF));
    const parsed = parseEscrow(bytes);
    expect(parsed.header.keys[0]!.custodians[0]!.kdf).toMatchObject({ name: 'scrypt', log2N: 18, r: 8, p: 1 });
    const { pkcs8 } = await openKey(parsed, undefined, [{ custodian: 1, passphrase: PASS[0]! }]);
    expect(pkcs8.length).toBeGreaterThan(1000);
    await expect(openKey(parsed, undefined, [{ custodian: 1, passphrase: PASS[1]! }])).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
  });
});

describe('escrow refusals', () => {
  let bytes: Uint8Array;
  let quorum: Uint8Array;
  beforeAll(async () => {
    bytes = serializeEscrow(await sealKey(keys[2048]!, meta(), custodians(3), 1, TEST_KDF));
    quorum = serializeEscrow(await sealKey(keys[2048]!, meta(), custodians(3), 2, TEST_KDF));
  });

  it('a wrong passphrase names the custodian whose share it does not open', async () => {
    const err = await roundTrip(bytes, [{ custodian: 2, passphrase: PASS[0]! }]).catch((e) => e);
    expect(err.code).toBe('escrow.wrong_passphrase');
    expect(err.message).toContain("custodian Bob Baker's share");
    expect(err.detail).toEqual({ custodian: 'Bob Baker' });
    const q = await roundTrip(quorum, [{ custodian: 1, passphrase: PASS[0]! }, { custodian: 3, passphrase: 'nope nope nope nope' }]).catch((e) => e);
    expect(q.code).toBe('escrow.wrong_passphrase');
    expect(q.detail).toEqual({ custodian: 'Chen Cho' });
  });

  it('the same custodian twice is a duplicate, not a quorum', async () => {
    await expect(roundTrip(quorum, [{ custodian: 1, passphrase: PASS[0]! }, { custodian: 'alice archer', passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.duplicate_share' });
    const f = parseEscrow(quorum);
    const s = await openSlot(f, undefined, 1, PASS[0]!);
    await expect(finishOpen(f, undefined, [s, { ...s, index: 2 }])).rejects.toMatchObject({ code: 'escrow.duplicate_share' });
  });

  it('lowering the threshold in the header (checksum fixed) is an alteration, not a restore', async () => {
    const t = editHeader(quorum, (h) => {
      (h.keys as { policy: { threshold: number } }[])[0]!.policy.threshold = 1;
    });
    await expect(roundTrip(t, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.altered' });
  });

  it('an altered header field (checksum fixed) says altered, distinct from a wrong passphrase', async () => {
    for (const edit of [
      (h: Record<string, unknown>) => ((h.keys as { purpose: string }[])[0]!.purpose = 'changed'),
      (h: Record<string, unknown>) => ((h.keys as { created: string }[])[0]!.created = '2020-01-01T00:00:00.000Z'),
      (h: Record<string, unknown>) => ((h.keys as { custodians: { name: string }[] }[])[0]!.custodians[2]!.name = 'Mallory'),
    ]) {
      await expect(roundTrip(editHeader(bytes, edit), [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.altered' });
    }
    // The custodian's own slot is bound to its wrap: changing its salt looks like a wrong passphrase, as it must.
    const salted = editHeader(bytes, (h) => {
      const c = (h.keys as { custodians: { kdf: { salt: string } }[] }[])[0]!.custodians[0]!;
      c.kdf.salt = Buffer.alloc(32, 7).toString('base64');
    });
    await expect(roundTrip(salted, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
  });

  it('swapped wraps or a changed private-key ciphertext are refused', async () => {
    const swapped = editBody(bytes, (b) => {
      const w = b.keys[0]!.wraps;
      [w[0], w[1]] = [w[1]!, w[0]!];
    });
    await expect(roundTrip(swapped, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    const ct = editBody(bytes, (b) => {
      const raw = Buffer.from(b.keys[0]!.privateKey, 'base64');
      raw[100]! ^= 1;
      b.keys[0]!.privateKey = raw.toString('base64');
    });
    await expect(roundTrip(ct, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.altered' });
  });

  it('accidental damage is caught by the checksum before any passphrase is tried', () => {
    const d = new Uint8Array(bytes);
    d[200]! ^= 0x20;
    expect(() => parseEscrow(d)).toThrow(expect.objectContaining({ code: 'escrow.damaged' }));
    expect(() => parseEscrow(bytes.subarray(0, bytes.length - 1))).toThrow(expect.objectContaining({ code: 'escrow.damaged' }));
  });

  it('a newer version, a foreign file and a non-canonical header are told apart', () => {
    const v2 = new Uint8Array(bytes);
    v2[9] = 2;
    expect(() => parseEscrow(fixChecksum(v2))).toThrow(expect.objectContaining({ code: 'escrow.unsupported_version' }));
    expect(() => parseEscrow(new TextEncoder().encode('-----BEGIN ENCRYPTED PRIVATE KEY-----'))).toThrow(expect.objectContaining({ code: 'escrow.not_escrow' }));
    const spaced = editHeader(bytes, () => {});
    expect(() => parseEscrow(spaced)).not.toThrow();
    const b = Buffer.from(bytes);
    const hLen = b.readUInt32BE(10);
    const pretty = Buffer.from(JSON.stringify(JSON.parse(b.subarray(14, 14 + hLen).toString()), null, 1));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(pretty.length);
    const reformatted = fixChecksum(new Uint8Array(Buffer.concat([b.subarray(0, 10), len, pretty, b.subarray(14 + hLen, b.length - 32), Buffer.alloc(32)])));
    expect(() => parseEscrow(reformatted)).toThrow(expect.objectContaining({ code: 'escrow.damaged' }));
  });

  it('a file demanding more memory than allowed is refused before deriving', async () => {
    const greedy = editHeader(bytes, (h) => {
      (h.keys as { custodians: { kdf: { log2N: number; r: number } }[] }[])[0]!.custodians[0]!.kdf.log2N = 24;
      (h.keys as { custodians: { kdf: { log2N: number; r: number } }[] }[])[0]!.custodians[0]!.kdf.r = 32;
    });
    await expect(roundTrip(greedy, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.unsupported_parameters' });
  });
});
