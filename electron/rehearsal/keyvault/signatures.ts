/**
 * Signatures over a caller's digest, as Key Vault's sign/verify take them:
 * ECDSA (ES256, ES256K, ES384, ES512) and RSA-PSS (PS256, PS384, PS512).
 *
 * Node's crypto always hashes what it signs, and Key Vault receives a digest
 * already made, so ECDSA goes through @noble/curves (audited, prehash off) and
 * RSA-PSS is the EMSA-PSS encoding of RFC 8017 section 9.1 over Node's raw RSA
 * (RSA_NO_PADDING). Salt length = hash length, as Key Vault uses. Signatures
 * are IEEE P1363 (r ‖ s), the JWS form Key Vault returns.
 */
import crypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CryptoInputError } from './crypto';

export type CurveName = 'P-256' | 'P-256K' | 'P-384' | 'P-521';

/** Key Vault's curve names, Node's names (for generateKeyPair and JWK) and the ECDSA implementation. */
export const CURVES: Record<CurveName, { node: string; jwk: string; ecdsa: typeof p256 }> = {
  'P-256': { node: 'prime256v1', jwk: 'P-256', ecdsa: p256 },
  'P-256K': { node: 'secp256k1', jwk: 'secp256k1', ecdsa: secp256k1 },
  'P-384': { node: 'secp384r1', jwk: 'P-384', ecdsa: p384 },
  'P-521': { node: 'secp521r1', jwk: 'P-521', ecdsa: p521 },
};

export const EC_SIGNATURE_ALGS: Record<string, { crv: CurveName; digestBytes: number }> = {
  ES256: { crv: 'P-256', digestBytes: 32 },
  ES256K: { crv: 'P-256K', digestBytes: 32 },
  ES384: { crv: 'P-384', digestBytes: 48 },
  ES512: { crv: 'P-521', digestBytes: 64 },
};

export const PSS_ALGS: Record<string, { hash: string; digestBytes: number }> = {
  PS256: { hash: 'sha256', digestBytes: 32 },
  PS384: { hash: 'sha384', digestBytes: 48 },
  PS512: { hash: 'sha512', digestBytes: 64 },
};

export function isCurveName(c: unknown): c is CurveName {
  return typeof c === 'string' && Object.hasOwn(CURVES, c);
}

/** The Key Vault curve name of a Node EC key, or null for a curve Key Vault does not offer. */
export function curveOf(key: crypto.KeyObject): CurveName | null {
  const named = key.asymmetricKeyDetails?.namedCurve;
  const hit = (Object.keys(CURVES) as CurveName[]).find((c) => CURVES[c].node === named);
  return hit ?? null;
}

function checkDigest(alg: string, want: number, digest: Buffer): void {
  if (digest.length !== want) throw new CryptoInputError(`${alg} needs a ${want}-byte digest; got ${digest.length} bytes.`);
}

function checkCurve(alg: string, crv: string): CurveName {
  const need = EC_SIGNATURE_ALGS[alg]!.crv;
  if (crv !== need) throw new CryptoInputError(`${alg} needs a key on curve ${need}; this key is on ${crv}.`);
  return need;
}

export function ecSignDigest(priv: crypto.KeyObject, crv: string, alg: string, digest: Buffer): Buffer {
  const c = CURVES[checkCurve(alg, crv)];
  checkDigest(alg, EC_SIGNATURE_ALGS[alg]!.digestBytes, digest);
  const d = Buffer.from(priv.export({ format: 'jwk' }).d!, 'base64url');
  try {
    return Buffer.from(c.ecdsa.sign(digest, d, { prehash: false }));
  } finally {
    d.fill(0);
  }
}

export function ecVerifyDigest(pub: crypto.KeyObject, crv: string, alg: string, digest: Buffer, signature: Buffer): boolean {
  const c = CURVES[checkCurve(alg, crv)];
  checkDigest(alg, EC_SIGNATURE_ALGS[alg]!.digestBytes, digest);
  const j = pub.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(j.x!, 'base64url'), Buffer.from(j.y!, 'base64url')]);
  try {
    // Other tools (OpenSSL among them) make high-S signatures; Key Vault accepts them.
    return c.ecdsa.verify(signature, digest, point, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0, have = 0; have < length; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    const block = crypto.createHash(hash).update(seed).update(c).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

function modulusBits(key: crypto.KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

/** RFC 8017 9.1.1 EMSA-PSS-ENCODE with sLen = hLen, then RSASP1 (raw RSA with the private key). */
export function pssSignDigest(priv: crypto.KeyObject, alg: string, digest: Buffer): Buffer {
  const a = PSS_ALGS[alg]!;
  checkDigest(alg, a.digestBytes, digest);
  const k = Math.ceil(modulusBits(priv) / 8);
  const emBits = modulusBits(priv) - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = a.digestBytes;
  const salt = crypto.randomBytes(hLen);
  const h = crypto.createHash(a.hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const mask = mgf1(a.hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([Buffer.alloc(k - emLen), db, h, Buffer.from([0xbc])]);
  return crypto.privateEncrypt({ key: priv, padding: crypto.constants.RSA_NO_PADDING }, em);
}

/** RSAVP1 then RFC 8017 9.1.2 EMSA-PSS-VERIFY with sLen = hLen. */
export function pssVerifyDigest(pub: crypto.KeyObject, alg: string, digest: Buffer, signature: Buffer): boolean {
  const a = PSS_ALGS[alg]!;
  checkDigest(alg, a.digestBytes, digest);
  const k = Math.ceil(modulusBits(pub) / 8);
  if (signature.length !== k) return false;
  let raw: Buffer;
  try {
    raw = crypto.publicDecrypt({ key: pub, padding: crypto.constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = modulusBits(pub) - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = a.digestBytes;
  if (raw.subarray(0, k - emLen).some((b) => b !== 0)) return false;
  const em = raw.subarray(k - emLen);
  if (emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0]! & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const mask = mgf1(a.hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const ps = db.subarray(0, emLen - 2 * hLen - 2);
  if (ps.some((b) => b !== 0) || db[emLen - 2 * hLen - 2] !== 1) return false;
  const salt = db.subarray(db.length - hLen);
  const h2 = crypto.createHash(a.hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  return crypto.timingSafeEqual(h, h2);
}

/**
 * True when the point (x, y) is the public key of the scalar d. Node builds a
 * private key from a JWK without checking that its x and y belong to d, so the
 * double derives the point itself.
 */
export function ecPointMatches(crv: CurveName, d: Buffer, x: Buffer, y: Buffer): boolean {
  try {
    const derived = Buffer.from(CURVES[crv].ecdsa.getPublicKey(d, false));
    return derived.equals(Buffer.concat([Buffer.from([4]), x, y]));
  } catch {
    return false;
  }
}
