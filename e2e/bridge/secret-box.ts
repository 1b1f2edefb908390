/**
 * The bridge's stand-in for Electron safeStorage: real AES-256-GCM with a
 * random key kept in the test's data folder, so a bridge restart on the same
 * folder can still open what the previous run sealed (as the OS keychain
 * would), and a copied settings file alone reveals nothing. Test-only: the key
 * sits next to the data, which is exactly what production must never do.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../../electron/services/platform/secret-box';

const MAGIC = Buffer.from('KHB1');
const BRIDGE_KEY_FILE = '.bridge-secret-box.key';

export function fileKeySecretBox(dataDir: string, opts: { available?: boolean } = {}): SecretBox {
  const keyPath = path.join(dataDir, BRIDGE_KEY_FILE);
  let key: Buffer | null = null;
  const loadKey = (): Buffer => {
    if (key) return key;
    if (existsSync(keyPath)) {
      key = readFileSync(keyPath);
      if (key.length !== 32) throw new Error(`bridge secret-box key at ${keyPath} is damaged`);
    } else {
      mkdirSync(dataDir, { recursive: true });
      key = randomBytes(32);
      writeFileSync(keyPath, key, { mode: 0o600 });
    }
    return key;
  };
  const available = opts.available ?? true;
  return {
    isAvailable: () => available,
    unavailableReason: () =>
      'This computer offers no secure secret storage (OS keychain) to Key Holder, so it will not keep client secrets. (Test bridge: secret box switched off.)',
    encrypt(plain) {
      if (!available) throw new Error('secure storage unavailable');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', loadKey(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return new Uint8Array(Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]));
    },
    decrypt(sealed) {
      if (!available) throw new Error('secure storage unavailable');
      const buf = Buffer.from(sealed);
      if (buf.length < MAGIC.length + 12 + 16 || !buf.subarray(0, 4).equals(MAGIC)) throw new Error('not a sealed secret');
      const iv = buf.subarray(4, 16);
      const tag = buf.subarray(16, 32);
      const decipher = createDecipheriv('aes-256-gcm', loadKey(), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(buf.subarray(32)), decipher.final()]).toString('utf8');
    },
  };
}
