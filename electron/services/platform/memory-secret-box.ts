/**
 * A SecretBox whose key lives only in this process's memory: real
 * AES-256-GCM, so "the secret is not in the file" means something, but
 * nothing sealed outlives the process. For tests and the headless rehearsal
 * (`keyholder rehearse`); the app itself uses Electron's safeStorage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from './secret-box';

export interface MemorySecretBoxOptions {
  /** Reuse a key so several boxes (e.g. before and after a simulated restart) open each other's secrets. */
  key?: Uint8Array;
  /** false (or a function answering false) plays a computer without a keychain: sealing is refused. */
  available?: boolean | (() => boolean);
  reason?: string;
}

export function memorySecretBox(opts: MemorySecretBoxOptions = {}): SecretBox {
  const key = Buffer.from(opts.key ?? randomBytes(32));
  const setting = opts.available ?? true;
  const available = typeof setting === 'function' ? setting : () => setting;
  const refuseUnlessAvailable = () => {
    if (!available()) throw new Error('secure storage unavailable');
  };
  return {
    isAvailable: available,
    unavailableReason: () => opts.reason ?? 'No OS keychain on this computer.',
    encrypt(plain) {
      refuseUnlessAvailable();
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return new Uint8Array(Buffer.concat([iv, c.getAuthTag(), body]));
    },
    decrypt(sealed) {
      refuseUnlessAvailable();
      const b = Buffer.from(sealed);
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}
