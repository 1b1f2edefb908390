/**
 * The AWS key store's record on disk: a damaged one is reported with a typed
 * error that names the file and what to do, never taken for "nothing
 * imported"; the app sets it aside under a dated name (as the damaged
 * settings file is) and keeps saying so until the holder imports again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock';
import { silentLogger } from '../../log/logger';
import { AwsKeyStoreService, awsKeyStoreDamage, readAwsKeyStoreRecord, type AwsImportDraft } from './key-store-service';

/** Where a data folder keeps its AWS key store's record (docs/aws-kms.md). */
const awsKeyStoreFile = (dir: string) => path.join(dir, 'aws-kms', 'key-store.json');

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-record-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const draft: AwsImportDraft = { holder: 1, accountId: '111122223333', region: 'eu-west-2', vendorRoleArn: 'arn:aws:iam::777788889999:role/vendor-kms-access', cacheMinutes: 5 };
const service = () =>
  new AwsKeyStoreService({
    dataDir,
    clock: fixedClock(new Date('2026-12-06T10:00:00Z')),
    log: silentLogger,
    provider: () => {
      throw new Error('no KMS in this test');
    },
  });

function writeRecord(text: string): string {
  const file = awsKeyStoreFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('the AWS key store record', () => {
  it('none yet: null, and no damage reported', () => {
    expect(readAwsKeyStoreRecord(dataDir)).toBeNull();
    expect(awsKeyStoreDamage(dataDir)).toBeNull();
    expect(service().damage()).toBeNull();
  });

  it.each([
    ['cut short', '{"draft":{"holder":1,"accountId":"1111'],
    ['not a record', '[1,2,3]'],
    ['a holder that does not exist', JSON.stringify({ state: 'done', updatedAt: 'x', draft: { ...draft, holder: 3 } })],
    ['an unknown state', JSON.stringify({ state: 'finished', updatedAt: 'x', draft })],
    ['an outcome without a key ARN', JSON.stringify({ state: 'done', updatedAt: 'x', draft, outcome: { companionArn: 'x' } })],
  ])('%s: reading it throws aws.key_store_damaged naming the file and what to do', (_what, text) => {
    const file = writeRecord(text);
    let caught: unknown;
    try {
      readAwsKeyStoreRecord(dataDir);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'aws.key_store_damaged', detail: { file } });
    const message = (caught as Error).message;
    expect(message).toContain(file);
    expect(message).toMatch(/cannot tell which KMS key you imported, nor when its key material expires/);
    expect(message).toMatch(/Run the import into AWS KMS again/);
  });

  it('the app sets a damaged record aside under a dated name, keeps reporting it until a new record is made, and never overwrites the copy', () => {
    const damaged = '{"state":"done","draft":';
    const file = writeRecord(damaged);
    const svc = service();
    expect(svc.record()).toBeNull();
    const kept = path.join(path.dirname(file), 'key-store.damaged-2026-12-06T10-00-00-000Z.json');
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(kept, 'utf8')).toBe(damaged);
    // After a restart too: the state stays unknown, said with where the copy is.
    const again = service().damage();
    expect(again).toMatchObject({ code: 'aws.key_store_damaged', detail: { file, keptAt: kept } });
    expect(again!.message).toContain(`It was kept as ${kept}`);
    expect(again!.message).toContain(`(${file}) was damaged (it is not valid JSON)`);

    // The holder enters their key store again: a new record, the damage no longer reported, the copy kept.
    svc.saveDraft(draft);
    expect(svc.record()).toMatchObject({ state: 'pending', draft });
    expect(svc.damage()).toBeNull();
    expect(fs.readFileSync(kept, 'utf8')).toBe(damaged);
  });

  it('a record that cannot even be set aside (a folder in its place) stays reported', () => {
    const file = awsKeyStoreFile(dataDir);
    fs.mkdirSync(path.join(file, 'inside'), { recursive: true });
    const svc = service();
    expect(svc.record()).toBeNull();
    expect(svc.damage()).toMatchObject({ code: 'aws.key_store_damaged' });
  });
});
