/**
 * The AES-256 key type in the escrow (AWS KMS imported material): sealed and
 * opened like the RSA source key, its fingerprint checked on open, and an
 * alteration of type or fingerprint refused.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalHeaderJson, parseEscrow, requireRsaEntry, serializeEscrow, type EscrowFile } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { generateSymmetricKey, symmetricFingerprint } from '../keys/symmetric-key';
import { openKey, sealKey } from './seal';

const custodians = [
  { name: 'Ada', passphrase: 'aes-escrow-one-violet-anchor-tundra' },
  { name: 'Grace', passphrase: 'aes-escrow-two-copper-whisper-glacier' },
  { name: 'Linus', passphrase: 'aes-escrow-three-saffron-quiver-basalt' },
];
const meta = () => ({ keyId: crypto.randomUUID(), purpose: 'AWS KMS imported material', created: new Date('2026-12-06T12:00:00Z') });

/** Rewrites the header JSON and the checksum, as an attacker with the file would. */
function reseal(file: EscrowFile, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const header = JSON.parse(canonicalHeaderJson(file.header)) as Record<string, unknown>;
  edit(header);
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const b = Buffer.from(JSON.stringify({ keys: file.body.keys.map((k) => ({ privateKey: k.privateKey, wraps: k.wraps })) }), 'utf8');
  const u32 = (n: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32BE(n);
    return x;
  };
  const head = Buffer.concat([Buffer.from('KHESCROW'), Buffer.from([0, 1]), u32(h.length), h, u32(b.length), b]);
  return Buffer.concat([head, crypto.createHash('sha256').update(head).digest()]);
}

describe('AES-256 escrow entries', () => {
  it('seals a generated key 2-of-3 and opens it with any two custodians to the same 32 bytes', async () => {
    const key = generateSymmetricKey();
    const file = await sealKey(key.secretKey, meta(), custodians, 2, TEST_KDF);
    const entry = parseEscrow(serializeEscrow(file)).header.keys[0]!;
    expect(entry).toMatchObject({ keyType: 'AES', keyBits: 256, fingerprint: key.identity.fingerprint });
    expect(entry).not.toHaveProperty('publicKeySpki');
    const back = parseEscrow(serializeEscrow(file));
    const { pkcs8: raw } = await openKey(back, undefined, [custodians[2]!, custodians[0]!].map((c) => ({ custodian: c.name, passphrase: c.passphrase })));
    expect(raw.equals(key.secretKey.export())).toBe(true);
    expect(symmetricFingerprint(raw)).toBe(key.identity.fingerprint);
    await expect(openKey(back, undefined, [{ custodian: 'Ada', passphrase: custodians[0]!.passphrase }])).rejects.toMatchObject({ code: 'escrow.too_few_shares' });
  });

  it('refuses a file whose fingerprint or key type was changed (authenticated header), even with a fixed checksum', async () => {
    const key = generateSymmetricKey();
    const file = await sealKey(key.secretKey, meta(), custodians.slice(0, 1), 1, TEST_KDF);
    const unlock = [{ custodian: 1, passphrase: custodians[0]!.passphrase }];
    const otherFp = reseal(file, (h) => {
      (h.keys as Record<string, unknown>[])[0]!.fingerprint = 'ab'.repeat(32);
    });
    await expect(openKey(parseEscrow(otherFp), undefined, unlock)).rejects.toMatchObject({ code: 'escrow.altered' });
    const asRsa = reseal(file, (h) => {
      const e = (h.keys as Record<string, unknown>[])[0]!;
      e.keyType = 'RSA';
    });
    expect(() => parseEscrow(asRsa)).toThrow(expect.objectContaining({ code: 'escrow.damaged' }));
    const unknownType = reseal(file, (h) => {
      (h.keys as Record<string, unknown>[])[0]!.keyType = 'EC';
    });
    expect(() => parseEscrow(unknownType)).toThrow(expect.objectContaining({ code: 'escrow.damaged' }));
  });

  it('an RSA-only step refuses an AES entry with a message a holder can act on', async () => {
    const file = await sealKey(generateSymmetricKey().secretKey, meta(), custodians.slice(0, 1), 1, TEST_KDF);
    expect(() => requireRsaEntry(file.header.keys[0]!)).toThrow(expect.objectContaining({ code: 'escrow.wrong_key_type', message: expect.stringMatching(/AES 256 key \(for AWS KMS\)/) }));
  });

  it('refuses to seal a symmetric key that is not 256 bits', async () => {
    await expect(sealKey(crypto.createSecretKey(crypto.randomBytes(16)), meta(), custodians.slice(0, 1), 1, TEST_KDF)).rejects.toMatchObject({ code: 'keys.bad_size' });
  });
});
