/**
 * Passphrase to key-encryption key. Native scrypt, so the work runs on
 * libuv's thread pool and the main process stays responsive during the
 * second or so it takes. Passphrases are NFC-normalised UTF-8 so the same
 * words typed on two keyboards give the same key.
 */
import crypto from 'node:crypto';
import { KeyholderError } from '../../../shared/errors/index';
import { MAX_SCRYPT_MEMORY, scryptMemoryBytes, type ScryptCost } from '../../../shared/escrow/kdf-profiles';
import { MAX_ESCROW_WORK, scryptWork } from '../../../shared/escrow/mode-policy';

export function passphraseBytes(passphrase: string): Buffer {
  return Buffer.from(passphrase.normalize('NFC'), 'utf8');
}

export function checkScryptCost(c: ScryptCost): void {
  if (scryptMemoryBytes(c) > MAX_SCRYPT_MEMORY || c.r * c.p >= 2 ** 30) {
    throw new KeyholderError(
      'escrow.unsupported_parameters',
      `This file asks for more memory to unlock (${Math.round(scryptMemoryBytes(c) / 2 ** 20)} MiB) than this version of Key Holder allows. Open it with a newer Key Holder.`,
    );
  }
  // Memory alone does not bound the time: p multiplies it at constant memory (N=2^20, r=8, p=64 ran past 40 s).
  if (scryptWork(c) > MAX_ESCROW_WORK) {
    throw new KeyholderError(
      'escrow.unsupported_parameters',
      `This file asks for far more work to unlock (scrypt N=2^${c.log2N}, r=${c.r}, p=${c.p}) than any Key Holder writes, so it would hold this computer for minutes. Key Holder does not open it; check where the file came from.`,
    );
  }
}

export function scryptKey(passphrase: string, salt: Uint8Array, c: ScryptCost, length = 32): Promise<Buffer> {
  checkScryptCost(c);
  const pw = passphraseBytes(passphrase);
  return new Promise((resolve, reject) => {
    crypto.scrypt(pw, salt, length, { N: 2 ** c.log2N, r: c.r, p: c.p, maxmem: scryptMemoryBytes(c) * 2 + 1024 * 1024 }, (err, key) => {
      pw.fill(0);
      if (err) reject(err);
      else resolve(key);
    });
  });
}
