/**
 * Writes the committed known-answer vectors (docs/formats/vectors/fixtures/).
 * Run by hand only when the format version changes:
 *   npx tsx electron/services/escrow/vectors.generate.ts
 * The keys and passphrases are test fixtures, published on purpose.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { sealKey } from './seal';
import { encryptedPkcs8Pem } from './pem';
import { identityOf } from '../keys/source-key';

const dir = path.resolve('docs/formats/vectors/fixtures');
fs.mkdirSync(dir, { recursive: true });
const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const der = key.export({ type: 'pkcs8', format: 'der' });
const pass = ['fixture-one-violet-anchor-tundra', 'fixture-two-copper-whisper-glacier', 'fixture-three-saffron-quiver-basalt'];
const created = new Date('2026-11-27T12:00:00.000Z');
const vectors = [];
// The third is the rehearsal-marked form ("environment":"rehearsal" in the authenticated key entry).
for (const [name, threshold, n, environment] of [['escrow-1of2', 1, 2, undefined], ['escrow-2of3', 2, 3, undefined], ['escrow-1of2-rehearsal', 1, 2, 'rehearsal']] as const) {
  const keyId = crypto.randomUUID();
  const file = await sealKey(key, { keyId, purpose: `Known-answer vector ${name} (TEST KEY, public)`, created, ...(environment ? { environment } : {}) }, pass.slice(0, n).map((p, i) => ({ name: `Custodian ${i + 1}`, passphrase: p })), threshold, TEST_KDF);
  fs.writeFileSync(path.join(dir, `${name}.khescrow`), serializeEscrow(file));
  vectors.push({ file: `${name}.khescrow`, keyId, threshold, ...(environment ? { environment } : {}), custodians: pass.slice(0, n).map((p, i) => ({ name: `Custodian ${i + 1}`, passphrase: p })) });
}
fs.writeFileSync(path.join(dir, 'custodian-1.pem'), await encryptedPkcs8Pem(key, pass[0]!, TEST_KDF.pem));
fs.writeFileSync(
  path.join(dir, 'vectors.json'),
  JSON.stringify(
    {
      note: 'TEST KEY AND PASSPHRASES, published on purpose; test KDF cost (scrypt N=2^10), never a production setting.',
      fingerprint: identityOf(key).fingerprint,
      pkcs8Sha256: crypto.createHash('sha256').update(der).digest('hex'),
      escrow: vectors,
      pem: { file: 'custodian-1.pem', passphrase: pass[0], scrypt: TEST_KDF.pem },
    },
    null,
    2,
  ) + '\n',
);
console.log('vectors written to', dir);
