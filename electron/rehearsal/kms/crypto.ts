/**
 * The double's own cryptography: its ciphertext blobs (opaque to clients, as
 * AWS's are, and naming the key that made them), unwrapping imported key
 * material, and HMAC. Real KMS ciphertexts have another, undocumented layout:
 * nothing outside the double may parse these.
 */
import crypto from 'node:crypto';

const VERSION = 1;

export class CiphertextError extends Error {}

/** Encryption context in a fixed order, so {a,b} and {b,a} authenticate the same. */
function contextAad(keyArn: string, context: Record<string, string>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify([keyArn, sorted]), 'utf8');
}

export function seal(keyArn: string, material: Buffer, plaintext: Buffer, context: Record<string, string>): Buffer {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(contextAad(keyArn, context));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const arn = Buffer.from(keyArn, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(arn.length);
  return Buffer.concat([Buffer.from([VERSION]), len, arn, iv, cipher.getAuthTag(), ct]);
}

/** The key ARN a ciphertext names (without decrypting it). */
export function ciphertextKeyArn(blob: Buffer): string {
  if (blob.length < 3 || blob[0] !== VERSION) throw new CiphertextError('not a ciphertext of this service');
  const len = blob.readUInt16BE(1);
  if (blob.length < 3 + len + 12 + 16) throw new CiphertextError('truncated');
  return blob.subarray(3, 3 + len).toString('utf8');
}

export function open(material: Buffer, blob: Buffer, context: Record<string, string>): Buffer {
  const keyArn = ciphertextKeyArn(blob);
  const at = 3 + Buffer.byteLength(keyArn, 'utf8');
  const iv = blob.subarray(at, at + 12);
  const tag = blob.subarray(at + 12, at + 28);
  const decipher = crypto.createDecipheriv('aes-256-gcm', material, iv);
  decipher.setAAD(contextAad(keyArn, context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]);
  } catch {
    throw new CiphertextError('authentication failed');
  }
}

export const WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const;
export type WrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number];
export const WRAPPING_KEY_SPECS = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 } as const;

/**
 * Unwraps EncryptedKeyMaterial as AWS describes it: RSAES-OAEP with the named
 * hash over the material, or (RSA_AES_KEY_WRAP_*) RSAES-OAEP over a fresh
 * AES-256 key followed by that key's AES key wrap with padding (RFC 5649) of the material.
 */
export function unwrapMaterial(privateKeyPem: string, algorithm: WrappingAlgorithm, wrapped: Buffer): Buffer {
  const key = crypto.createPrivateKey(privateKeyPem);
  const hash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const rsa = (data: Buffer) => crypto.privateDecrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return rsa(wrapped);
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (wrapped.length <= modulusBytes) throw new CiphertextError('too short for RSA_AES_KEY_WRAP');
  const aesKey = rsa(wrapped.subarray(0, modulusBytes));
  if (aesKey.length !== 32) throw new CiphertextError('the wrapped AES key is not 256 bits');
  const decipher = crypto.createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([decipher.update(wrapped.subarray(modulusBytes)), decipher.final()]);
}

export function hmacSha256(material: Buffer, message: Buffer): Buffer {
  return crypto.createHmac('sha256', material).update(message).digest();
}
