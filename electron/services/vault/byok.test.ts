import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTransferBlob, transferBlobBytes } from './byok';

const IV = Buffer.from('A65959A6', 'hex');
const kek = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const target = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'https://v1.vault.azure.net/keys/k-kek/0123456789abcdef0123456789abcdef';

/** What the HSM does on import, done here with node crypto to prove the blob is well-formed. */
function hsmUnwrap(ciphertext: string, kekPrivate: crypto.KeyObject): Buffer {
  const bytes = Buffer.from(ciphertext, 'base64url');
  const split = (kekPrivate.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const aes = crypto.privateDecrypt({ key: kekPrivate, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, bytes.subarray(0, split));
  const d = crypto.createDecipheriv('id-aes256-wrap-pad', aes, IV);
  return Buffer.concat([d.update(bytes.subarray(split)), d.final()]);
}

describe('BYOK transfer blob', () => {
  it('carries the target PKCS#8 wrapped to the KEK, in the schema Azure expects', () => {
    const blob = buildTransferBlob(target.privateKey, { kid: KID, publicKey: kek.publicKey });
    expect(blob.schema_version).toBe('1.0.0');
    expect(blob.header).toEqual({ kid: KID, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
    expect(blob.generator).toMatch(/Key Holder/);
    const pkcs8 = hsmUnwrap(blob.ciphertext, kek.privateKey);
    expect(pkcs8.equals(target.privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
    const json = JSON.parse(Buffer.from(transferBlobBytes(blob)).toString('utf8'));
    expect(json).toEqual(blob);
  });

  it('uses a fresh AES key each time, and never puts the key in the clear', () => {
    const a = buildTransferBlob(target.privateKey, { kid: KID, publicKey: kek.publicKey });
    const b = buildTransferBlob(target.privateKey, { kid: KID, publicKey: kek.publicKey });
    expect(a.ciphertext).not.toBe(b.ciphertext);
    const der = target.privateKey.export({ type: 'pkcs8', format: 'der' });
    const text = JSON.stringify(a);
    expect(text).not.toContain(der.subarray(40, 80).toString('base64url'));
    expect(Buffer.from(a.ciphertext, 'base64url').includes(der.subarray(40, 80))).toBe(false);
  });

  it('is refused by the unwrap when a byte of the wrapped key is changed (RFC 5649 integrity check)', () => {
    const blob = buildTransferBlob(target.privateKey, { kid: KID, publicKey: kek.publicKey });
    const bytes = Buffer.from(blob.ciphertext, 'base64url');
    bytes[bytes.length - 5]! ^= 0x01;
    expect(() => hsmUnwrap(bytes.toString('base64url'), kek.privateKey)).toThrow();
  });

  it('cannot be opened with another KEK', () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const blob = buildTransferBlob(target.privateKey, { kid: KID, publicKey: kek.publicKey });
    expect(() => hsmUnwrap(blob.ciphertext, other.privateKey)).toThrow();
  });

  it('refuses anything but an RSA private key', () => {
    expect(() => buildTransferBlob(target.publicKey, { kid: KID, publicKey: kek.publicKey })).toThrow(/RSA private key/);
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => buildTransferBlob(ec.privateKey, { kid: KID, publicKey: kek.publicKey })).toThrow(/RSA private key/);
  });
});
