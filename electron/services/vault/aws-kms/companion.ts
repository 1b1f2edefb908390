/**
 * The companion HMAC key's material: derived from the escrowed 256-bit key
 * with HKDF-SHA-256 under a fixed label, so two holders who imported the same
 * escrowed key hold companion keys whose GenerateMac answers agree, while the
 * companion never reveals the key itself (HKDF is one-way) and is never the
 * material of the encryption key (a different label would be needed to collide).
 */
import crypto from 'node:crypto';

const COMPANION_INFO = 'keyholder/aws-kms/companion-hmac/v1';

export function companionMaterial(raw: Uint8Array): Buffer {
  if (raw.length !== 32) throw new Error('the escrowed key must be 32 bytes');
  return Buffer.from(crypto.hkdfSync('sha256', raw, Buffer.alloc(0), COMPANION_INFO, 32));
}
