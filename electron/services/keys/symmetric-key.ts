/**
 * The 256-bit symmetric key a holder imports into AWS KMS (imported key
 * material): generated here with Node's CSPRNG, escrowed and copied to
 * holders exactly like the RSA source key. It has no public half, so its
 * fingerprint is a keyed check value, HMAC-SHA-256(key, label): it names the
 * key (same key, same 64 characters) without revealing it, and comparing it
 * needs the key itself (it is no help to someone who lacks it: 2^256 guesses).
 */
import crypto, { type KeyObject } from 'node:crypto';
import { KeyholderError } from '../../../shared/errors/index';
import { checkValue, groupFingerprint } from '../../../shared/keys/fingerprint';

export const SYMMETRIC_KEY_BYTES = 32;
const FINGERPRINT_LABEL = 'keyholder/aes-256/fingerprint/v1';

export interface SymmetricKeyIdentity {
  fingerprint: string;
  fingerprintGrouped: string;
  checkValue: string;
  keyBits: 256;
}

export interface SymmetricKey {
  keyId: string;
  /** A Node secret KeyObject: export() gives the raw 32 bytes for as long as an operation needs them. */
  secretKey: KeyObject;
  identity: SymmetricKeyIdentity;
}

export function symmetricFingerprint(raw: Uint8Array): string {
  if (raw.length !== SYMMETRIC_KEY_BYTES) throw new KeyholderError('keys.bad_size', `A symmetric key for AWS KMS is 256 bits (32 bytes); this one is ${raw.length} bytes.`);
  return crypto.createHmac('sha256', raw).update(FINGERPRINT_LABEL, 'utf8').digest('hex');
}

export function symmetricIdentityOf(key: KeyObject): SymmetricKeyIdentity {
  if (key.type !== 'secret') throw new KeyholderError('keys.not_symmetric', 'This is not a symmetric key.');
  const raw = key.export();
  try {
    const fp = symmetricFingerprint(raw);
    return { fingerprint: fp, fingerprintGrouped: groupFingerprint(fp), checkValue: checkValue(fp), keyBits: 256 };
  } finally {
    raw.fill(0);
  }
}

export function generateSymmetricKey(): SymmetricKey {
  const raw = crypto.randomBytes(SYMMETRIC_KEY_BYTES);
  const secretKey = crypto.createSecretKey(raw);
  raw.fill(0);
  return { keyId: crypto.randomUUID(), secretKey, identity: symmetricIdentityOf(secretKey) };
}
