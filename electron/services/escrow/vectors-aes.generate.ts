/**
 * Writes the committed known-answer vectors for the AES-256 key type
 * (docs/formats/vectors/fixtures/aes-256/). Run by hand only when that part of
 * the format changes (the RSA vectors beside it are never rewritten):
 *   npx tsx electron/services/escrow/vectors-aes.generate.ts
 * The key and passphrases are test fixtures, published on purpose.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { sealKey } from './seal';
import { symmetricFingerprint } from '../keys/symmetric-key';

const dir = path.resolve('docs/formats/vectors/fixtures/aes-256');
fs.mkdirSync(dir, { recursive: true });
const raw = crypto.randomBytes(32);
const key = crypto.createSecretKey(raw);
const pass = ['fixture-one-violet-anchor-tundra', 'fixture-two-copper-whisper-glacier', 'fixture-three-saffron-quiver-basalt'];
const created = new Date('2026-12-06T12:00:00.000Z');
const vectors = [];
for (const [name, threshold, n] of [['escrow-aes-1of2', 1, 2], ['escrow-aes-2of3', 2, 3]] as const) {
  const keyId = crypto.randomUUID();
  const custodians = pass.slice(0, n).map((p, i) => ({ name: `Custodian ${i + 1}`, passphrase: p }));
  const file = await sealKey(key, { keyId, purpose: `Known-answer vector ${name} (TEST KEY, public)`, created }, custodians, threshold, TEST_KDF);
  fs.writeFileSync(path.join(dir, `${name}.khescrow`), serializeEscrow(file));
  vectors.push({ file: `${name}.khescrow`, keyId, threshold, custodians });
}
fs.writeFileSync(
  path.join(dir, 'vectors.json'),
  JSON.stringify(
    {
      note: 'TEST KEY AND PASSPHRASES, published on purpose; test KDF cost (scrypt N=2^10), never a production setting.',
      keyHex: raw.toString('hex'),
      fingerprint: symmetricFingerprint(raw),
      escrow: vectors,
    },
    null,
    2,
  ) + '\n',
);
console.log('AES-256 vectors written to', dir);
