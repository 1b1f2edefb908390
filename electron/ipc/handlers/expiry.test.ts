/**
 * The expiry dashboard says when the AWS key store's record was damaged: its
 * key material's expiry cannot be listed, and that must not pass for
 * "nothing tracked" (as `keyholder expiry list` and the import screen say).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../services/index';
import { expiryHandlers } from './expiry';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workstation() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-expiry-h-'));
  dirs.push(dataDir);
  return createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
}

describe('expiry:dashboard and a damaged AWS key-store record', () => {
  it('says nothing without a record, then names the damaged file, where it was kept and what to do, on every reload', async () => {
    const s = workstation();
    const h = expiryHandlers(s);
    expect((await h['expiry:dashboard']({})).awsKeyStoreDamaged).toBeUndefined();

    const file = path.join(s.deps.dataDir, 'aws-kms', 'key-store.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"state":"done","draft":{"holder":1');
    const board = await h['expiry:dashboard']({});
    expect(board.awsKeyStoreDamaged).toMatchObject({ code: 'aws.key_store_damaged', message: expect.stringContaining(file) });
    expect(board.awsKeyStoreDamaged!.message).toMatch(/It was kept as .*key-store\.damaged-.*\.json/);
    expect(board.awsKeyStoreDamaged!.message).toMatch(/Run the import into AWS KMS again/);
    // Set aside by the first read; still said when the screen reloads.
    expect(fs.existsSync(file)).toBe(false);
    expect((await h['expiry:dashboard']({})).awsKeyStoreDamaged?.code).toBe('aws.key_store_damaged');
  });
});
