/** Ed25519 through node:crypto, with keys exchanged as raw 32-byte base64url (as the formats store them). */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { VerifyFn } from '../../../shared/transcript/entry';

function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

export function rawPublicKey(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (!x) throw new Error('not an Ed25519 key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

export function ed25519Sign(privateKey: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKey));
}

// Importing a key from JWK costs more than the verification itself; a
// transcript uses one or two keys for hundreds of entries.
const keyCache = new Map<string, KeyObject>();
function cachedPublicKey(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('base64url');
  let key = keyCache.get(id);
  if (!key) {
    key = publicKeyFromRaw(raw);
    if (keyCache.size > 256) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

export const ed25519Verify: VerifyFn = (publicKey, message, signature) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, cachedPublicKey(publicKey), signature);
  } catch {
    return false;
  }
};
