/**
 * The vault's private-key operations, done only inside the double with
 * Node's crypto: RSA-OAEP (SHA-1), RSA-OAEP-256, RSA1_5, RS256/384/512, and
 * unwrapping an Azure BYOK transfer blob (CKM_RSA_AES_KEY_WRAP: RSA-OAEP-SHA1
 * of an ephemeral AES key, then AES key wrap with padding, RFC 5649, of the
 * target key's PKCS#8).
 */
import crypto from 'node:crypto';

export class CryptoInputError extends Error {}

export const ENCRYPTION_ALGS = ['RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5'] as const;
export const SIGNATURE_ALGS: Record<string, { hash: string; digestBytes: number; prefix: string }> = {
  // DER DigestInfo prefixes from RFC 8017 section 9.2, note 1.
  RS256: { hash: 'sha256', digestBytes: 32, prefix: '3031300d060960864801650304020105000420' },
  RS384: { hash: 'sha384', digestBytes: 48, prefix: '3041300d060960864801650304020205000430' },
  RS512: { hash: 'sha512', digestBytes: 64, prefix: '3051300d060960864801650304020305000440' },
};

function modulusBytes(key: crypto.KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

function maxPlaintext(alg: string, k: number): number {
  if (alg === 'RSA-OAEP') return k - 2 * 20 - 2;
  if (alg === 'RSA-OAEP-256') return k - 2 * 32 - 2;
  return k - 11;
}

export function rsaEncrypt(pub: crypto.KeyObject, alg: string, plaintext: Buffer): Buffer {
  const k = modulusBytes(pub);
  if (plaintext.length === 0) throw new CryptoInputError('The value to encrypt is empty.');
  if (plaintext.length > maxPlaintext(alg, k)) throw new CryptoInputError(`The value is too long for ${alg} with a ${k * 8}-bit key.`);
  if (alg === 'RSA1_5') return crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_PADDING }, plaintext);
  return crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg === 'RSA-OAEP-256' ? 'sha256' : 'sha1' }, plaintext);
}

/**
 * PKCS#1 v1.5 decryption. Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt
 * (CVE-2023-46809), so the double decrypts raw and checks the type-2 padding
 * itself; timing leaks do not matter in a local rehearsal vault.
 */
function pkcs1v15Decrypt(priv: crypto.KeyObject, ciphertext: Buffer): Buffer {
  const em = crypto.privateDecrypt({ key: priv, padding: crypto.constants.RSA_NO_PADDING }, ciphertext);
  const sep = em.indexOf(0, 2);
  if (em[0] !== 0 || em[1] !== 2 || sep < 10) throw new CryptoInputError('The ciphertext could not be decrypted with this key (bad RSA1_5 padding).');
  return em.subarray(sep + 1);
}

export function rsaDecrypt(priv: crypto.KeyObject, alg: string, ciphertext: Buffer): Buffer {
  const k = modulusBytes(priv);
  if (ciphertext.length !== k) throw new CryptoInputError(`The ciphertext must be ${k} bytes for this ${k * 8}-bit key; it is ${ciphertext.length}.`);
  try {
    if (alg === 'RSA1_5') return pkcs1v15Decrypt(priv, ciphertext);
    return crypto.privateDecrypt({ key: priv, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: alg === 'RSA-OAEP-256' ? 'sha256' : 'sha1' }, ciphertext);
  } catch (e) {
    if (e instanceof CryptoInputError) throw e;
    throw new CryptoInputError(`The ciphertext could not be decrypted with this key and ${alg}.`);
  }
}

export function rsaSignDigest(priv: crypto.KeyObject, alg: string, digest: Buffer): Buffer {
  const a = SIGNATURE_ALGS[alg]!;
  if (digest.length !== a.digestBytes) throw new CryptoInputError(`${alg} needs a ${a.digestBytes}-byte digest; got ${digest.length} bytes.`);
  return crypto.privateEncrypt({ key: priv, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.concat([Buffer.from(a.prefix, 'hex'), digest]));
}

export function rsaVerifyDigest(pub: crypto.KeyObject, alg: string, digest: Buffer, signature: Buffer): boolean {
  const a = SIGNATURE_ALGS[alg]!;
  if (signature.length !== modulusBytes(pub)) return false;
  try {
    const em = crypto.publicDecrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_PADDING }, signature);
    return crypto.timingSafeEqual(em, Buffer.concat([Buffer.from(a.prefix, 'hex'), digest]));
  } catch {
    return false;
  }
}

export interface TransferBlobHeader {
  kid: string;
  alg: string;
  enc: string;
}

/** Parses the key_hsm transfer blob's JSON envelope; throws CryptoInputError for anything malformed. */
export function parseTransferBlob(keyHsm: Buffer): { header: TransferBlobHeader; ciphertext: Buffer } {
  let blob: unknown;
  try {
    blob = JSON.parse(keyHsm.toString('utf8'));
  } catch {
    throw new CryptoInputError('key_hsm is not a BYOK transfer blob (base64url of a JSON document).');
  }
  const b = blob as { schema_version?: unknown; header?: Partial<TransferBlobHeader>; ciphertext?: unknown };
  if (!b || typeof b !== 'object' || typeof b.schema_version !== 'string') throw new CryptoInputError('The transfer blob has no schema_version.');
  const h = b.header;
  if (!h || typeof h.kid !== 'string') throw new CryptoInputError('The transfer blob header has no kid (the Key Exchange Key identifier).');
  if (h.alg !== 'dir') throw new CryptoInputError(`The transfer blob header alg must be "dir"; it is "${String(h.alg)}".`);
  if (h.enc !== 'CKM_RSA_AES_KEY_WRAP') throw new CryptoInputError(`The transfer blob header enc must be "CKM_RSA_AES_KEY_WRAP"; it is "${String(h.enc)}".`);
  if (typeof b.ciphertext !== 'string' || !/^[A-Za-z0-9_+/-]+=*$/.test(b.ciphertext)) throw new CryptoInputError('The transfer blob ciphertext is missing or not base64url.');
  return { header: h as TransferBlobHeader, ciphertext: Buffer.from(b.ciphertext, 'base64url') };
}

const KWP_IV = Buffer.from('a65959a6', 'hex');

/** CKM_RSA_AES_KEY_WRAP unwrap with the Key Exchange Key; returns the target RSA private key. */
export function unwrapTransferCiphertext(kek: crypto.KeyObject, ciphertext: Buffer): crypto.KeyObject {
  const k = modulusBytes(kek);
  if (ciphertext.length <= k) throw new CryptoInputError('The transfer blob ciphertext is too short to hold a wrapped AES key and a wrapped private key.');
  let aesKey: Buffer;
  try {
    aesKey = crypto.privateDecrypt({ key: kek, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ciphertext.subarray(0, k));
  } catch {
    throw new CryptoInputError('The transfer blob was not wrapped for this Key Exchange Key (RSA-OAEP unwrap of the AES key failed).');
  }
  const cipher = { 16: 'id-aes128-wrap-pad', 24: 'id-aes192-wrap-pad', 32: 'id-aes256-wrap-pad' }[aesKey.length];
  if (!cipher) throw new CryptoInputError(`The wrapped AES key has ${aesKey.length} bytes; expected 32.`);
  let pkcs8: Buffer;
  try {
    const d = crypto.createDecipheriv(cipher, aesKey, KWP_IV);
    pkcs8 = Buffer.concat([d.update(ciphertext.subarray(k)), d.final()]);
  } catch {
    throw new CryptoInputError('The transfer blob key material failed the AES key wrap integrity check.');
  } finally {
    aesKey.fill(0);
  }
  try {
    const key = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'rsa') throw new CryptoInputError('The transferred key is not an RSA key.');
    return key;
  } catch (e) {
    if (e instanceof CryptoInputError) throw e;
    throw new CryptoInputError('The transferred key material is not a PKCS#8 private key.');
  } finally {
    pkcs8.fill(0);
  }
}

/** True when priv and the public (n, e) belong together: a cheap round trip. */
export function keyPairMatches(priv: crypto.KeyObject, pub: crypto.KeyObject): boolean {
  const probe = crypto.randomBytes(16);
  try {
    const c = crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, probe);
    return crypto.privateDecrypt({ key: priv, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, c).equals(probe);
  } catch {
    return false;
  }
}
