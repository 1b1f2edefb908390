/** Test doubles shared by the Node-side tests of transcripts, participants and activation. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../platform/secret-box';

/** A SecretBox that really encrypts (AES-256-GCM under a per-instance key), like the OS keychain would. */
export function testSecretBox(available = true): SecretBox {
  const key = randomBytes(32);
  return {
    isAvailable: () => available,
    unavailableReason: () => 'no keychain in this test',
    encrypt(plain) {
      if (!available) throw new Error('unavailable');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return new Uint8Array(Buffer.concat([iv, c.getAuthTag(), ct]));
    },
    decrypt(sealed) {
      const b = Buffer.from(sealed);
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}
