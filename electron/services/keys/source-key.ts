/**
 * The customer-supplied source key: generated here with Node's crypto and
 * identified by a key ID (GUID) and a fingerprint, SHA-256 over the public
 * key's SubjectPublicKeyInfo DER. The fingerprint is computed the same way
 * from a PEM, a JWK or a vault's public key (n, e), so two vaults holding the
 * same key show the same characters.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KeyholderError } from '../../../shared/errors/index';
import { checkValue, groupFingerprint } from '../../../shared/keys/fingerprint';

export const RSA_SIZES = [2048, 3072, 4096] as const;
export type RsaSize = (typeof RSA_SIZES)[number];
/**
 * 3072 bits: about 128-bit security (NIST SP 800-57), the size NIST expects
 * beyond 2030, accepted by Azure Key Vault; 4096 costs more on every wrap
 * for little gain, 2048 is only 112-bit.
 */
export const DEFAULT_RSA_SIZE: RsaSize = 3072;

export interface KeyIdentity {
  fingerprint: string;
  fingerprintGrouped: string;
  checkValue: string;
  modulusBits: number;
}

const generateKeyPair = promisify(crypto.generateKeyPair);

export interface SourceKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  identity: KeyIdentity;
}

export async function generateSourceKey(modulusBits: RsaSize = DEFAULT_RSA_SIZE): Promise<SourceKey> {
  if (!RSA_SIZES.includes(modulusBits)) {
    throw new KeyholderError('keys.bad_size', `RSA keys can be 2048, 3072 or 4096 bits; ${modulusBits} is not one of them.`);
  }
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: modulusBits, publicExponent: 0x10001 });
  return { keyId: crypto.randomUUID(), privateKey, publicKey, identity: identityOf(publicKey) };
}

export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

export function identityOf(key: KeyObject): KeyIdentity {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'rsa') throw new KeyholderError('keys.not_rsa', 'This is not an RSA key; the source key must be RSA.');
  const fp = crypto.createHash('sha256').update(spkiDer(pub)).digest('hex');
  return { fingerprint: fp, fingerprintGrouped: groupFingerprint(fp), checkValue: checkValue(fp), modulusBits: pub.asymmetricKeyDetails?.modulusLength ?? 0 };
}

const notAKey = () =>
  new KeyholderError('keys.unreadable', 'Key Holder could not read a public or private RSA key from this file. Give a PEM (public key, unencrypted private key or certificate) or a JWK / Key Vault key JSON.');

/** Reads a public key from PEM text, a JWK, or a Key Vault key bundle (`{ key: { kty, n, e } }`). */
function publicKeyFromText(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw notAKey();
    }
    const obj = json as { key?: unknown; kty?: unknown };
    const jwk = (obj.kty ? obj : obj.key) as { kty?: string; n?: string; e?: string } | undefined;
    if (!jwk || jwk.kty?.replace(/-HSM$/, '') !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw notAKey();
    return publicKeyFromModulus(jwk.n, jwk.e);
  }
  if (trimmed.includes('ENCRYPTED PRIVATE KEY')) {
    throw new KeyholderError('keys.encrypted', 'This PEM is encrypted. Use its public key instead (openssl pkey -in FILE -pubout) or the escrow file.');
  }
  try {
    if (trimmed.includes('CERTIFICATE')) return new crypto.X509Certificate(trimmed).publicKey;
    return crypto.createPublicKey(trimmed);
  } catch {
    throw notAKey();
  }
}

/** From a vault's public JWK: base64url n and e (Key Vault strips a leading zero byte; Node accepts both). */
export function publicKeyFromModulus(n: string, e: string): KeyObject {
  try {
    return crypto.createPublicKey({ key: { kty: 'RSA', n: n.replace(/=+$/, ''), e: e.replace(/=+$/, '') }, format: 'jwk' });
  } catch {
    throw notAKey();
  }
}

export function fingerprintOfText(text: string): KeyIdentity {
  return identityOf(publicKeyFromText(text));
}
