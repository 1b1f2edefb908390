/**
 * The import purpose reads the draft's holder copy bounded and non-blocking,
 * and only if it is byte for byte the file presented at the activation's
 * start (issue 16: a FIFO froze the event loop, /dev/zero would exhaust
 * memory, and the page could swap the file after starting the import).
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { sealKey } from '../escrow/seal';
import { PASS } from '../escrow/testing/helpers';
import type { ImportDraft, ImportRecord, OpenedCopy } from './vault-service';
import { importTarget, vaultImportPurpose } from './import-purpose';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const der = new Uint8Array(rsa.export({ type: 'pkcs8', format: 'der' }));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-import-purpose-'));
  dirs.push(dir);
  const copy = path.join(dir, 'holder.khescrow');
  const seal = () => sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 'Key-holder copy for Jane', created: new Date('2026-12-01T00:00:00Z') }, [{ name: 'Jane', passphrase: PASS[0]! }], 1, TEST_KDF);
  const bytes = serializeEscrow(await seal());
  fs.writeFileSync(copy, bytes);
  const draft: ImportDraft = { holder: 1, holderCopyPath: copy, vaultUrl: 'https://holder1.vault.azure.net', keyName: 'cmk', protection: 'hsm', allowEncryptDecrypt: false };
  const imported: OpenedCopy[] = [];
  const vault = {
    record: (): ImportRecord => ({ draft, state: 'pending' }) as ImportRecord,
    importOpened: async (_d: ImportDraft, opened: OpenedCopy) => {
      imported.push(opened);
      return { keyVersionId: 'https://holder1.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef', fingerprint: opened.fingerprint, fingerprintMatches: true, reused: false } as NonNullable<ImportRecord['outcome']>;
    },
  };
  const handler = vaultImportPurpose(vault);
  const run = () => handler(der, { kind: 'vault-import', target: importTarget(draft), holder: 1 }, parseEscrow(bytes));
  return { dir, copy, draft, run, imported, seal };
}

describe('vault import purpose', () => {
  it('imports when the draft still names the file presented at the start', async () => {
    const { run, imported } = await setup();
    await expect(run()).resolves.toMatchObject({ holder: 1, fingerprintMatches: true });
    expect(imported).toHaveLength(1);
  });

  it('refuses a file swapped after the start, even one holding the same key under the same ID', async () => {
    const { copy, run, imported, seal } = await setup();
    const original = parseEscrow(new Uint8Array(fs.readFileSync(copy)));
    const other = await seal();
    // Same key ID, same key, different wraps: a different file (e.g. under another passphrase).
    other.header.keys[0]!.keyId = original.header.keys[0]!.keyId;
    fs.writeFileSync(copy, serializeEscrow(other));
    await expect(run()).rejects.toMatchObject({ code: 'vault.draft_changed' });
    expect(imported).toHaveLength(0);
  });

  it('a FIFO in the draft is refused at once, never blocking the process', async () => {
    const { dir, draft, run, imported } = await setup();
    const fifo = path.join(dir, 'fifo.khescrow');
    execFileSync('mkfifo', [fifo]);
    draft.holderCopyPath = fifo;
    await expect(run()).rejects.toMatchObject({ code: 'vault.draft_changed' });
    expect(imported).toHaveLength(0);
  });

  it('an oversized file is refused (a guard: readEscrowBytes checks the size before reading)', async () => {
    const { dir, draft, run } = await setup();
    const big = path.join(dir, 'big.khescrow');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 3 * 2 ** 30);
    fs.closeSync(fd);
    draft.holderCopyPath = big;
    await expect(run()).rejects.toMatchObject({ code: 'vault.draft_changed' });
  });
});
