/** Key rotation in live mode refuses rehearsal escrow files and holder copies before any passphrase (issue 16). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { sealKey } from '../escrow/seal';
import { PASS } from '../escrow/testing/helpers';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { KeyRotationService } from './key-rotation';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function started(mode: 'live' | 'rehearsal') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-keyrot-mode-'));
  dirs.push(dataDir);
  const unused = () => {
    throw new Error('not reached');
  };
  const svc = new KeyRotationService({
    dataDir,
    clock: fixedClock(new Date('2026-12-06T10:00:00Z')),
    log: silentLogger,
    kdf: TEST_KDF,
    mode,
    provider: unused,
    held: () => ({ holder: 1, keyVersionId: 'https://holder1.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef' }),
    vendorStatus: async () => null,
    importNewKey: unused,
    submitKeyStore: unused,
    record: async () => {},
  });
  await svc.start();
  const escrowFile = path.join(dataDir, 'escrow.khescrow');
  const meta = { keyId: crypto.randomUUID(), purpose: 'Customer-managed source key', created: new Date('2026-12-01T00:00:00Z'), environment: 'rehearsal' as const };
  fs.writeFileSync(escrowFile, serializeEscrow(await sealKey(rsa, meta, [{ name: 'Ann', passphrase: PASS[0]! }], 1, TEST_KDF)));
  return { svc, escrowFile };
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
/** What the supervised re-seal activation hands the purpose: the proven passphrases by slot. */
const proven = (pass: string) => new Map([['custodian-1', new Uint8Array(Buffer.from(pass))]]);

describe('key rotation by workstation mode', () => {
  it('live mode refuses a rehearsal escrow before the activation starts, and writes nothing', async () => {
    const { svc, escrowFile } = await started('live');
    const before = fs.readFileSync(escrowFile);
    await expect(svc.prepareAddKey({ escrowFile, holderCopies: [] })).rejects.toMatchObject({ code: 'escrow.rehearsal_file' });
    expect(fs.readFileSync(escrowFile).equals(before)).toBe(true);
  });

  it('rehearsal mode adds the new key, marked as a rehearsal key', async () => {
    const { svc, escrowFile } = await started('rehearsal');
    const { target } = await svc.prepareAddKey({ escrowFile, holderCopies: [] });
    await svc.addKeyAttested({ passphrases: proven(PASS[0]!), escrowSha256: sha256(fs.readFileSync(escrowFile)) }, target);
    const keys = parseEscrow(new Uint8Array(fs.readFileSync(escrowFile))).header.keys;
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => k.environment)).toEqual(['rehearsal', 'rehearsal']);
  });
});

describe('the re-seal writes only what the supervisor attested to', () => {
  it('refuses another target, an escrow changed since the start, or another escrow than the activation checked, and writes nothing', async () => {
    const { svc, escrowFile } = await started('rehearsal');
    const { target } = await svc.prepareAddKey({ escrowFile, holderCopies: [] });
    const before = fs.readFileSync(escrowFile);
    const sha = sha256(before);
    await expect(svc.addKeyAttested({ passphrases: proven(PASS[0]!), escrowSha256: sha }, `${target} and more`)).rejects.toMatchObject({ code: 'lifecycle.rewrap_changed' });
    await expect(svc.addKeyAttested({ passphrases: proven(PASS[0]!), escrowSha256: 'ab'.repeat(32) }, target)).rejects.toMatchObject({ code: 'lifecycle.rewrap_changed' });
    await expect(svc.addKeyAttested({ passphrases: new Map(), escrowSha256: sha }, target)).rejects.toMatchObject({ code: 'lifecycle.custodians_missing' });
    // The file swapped on disk for another escrow of the same key after the start.
    const other = await sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 'Customer-managed source key', created: new Date('2026-12-01T00:00:00Z'), environment: 'rehearsal' }, [{ name: 'Ann', passphrase: PASS[0]! }], 1, TEST_KDF);
    fs.writeFileSync(escrowFile, serializeEscrow(other));
    await expect(svc.addKeyAttested({ passphrases: proven(PASS[0]!), escrowSha256: sha }, target)).rejects.toMatchObject({ code: 'lifecycle.rewrap_changed' });
    expect(parseEscrow(new Uint8Array(fs.readFileSync(escrowFile))).header.keys).toHaveLength(1);
    expect((await svc.view()).step).toBe('add-key');
  });
});
