/**
 * A key rotation on AWS months after the first import: the new key's
 * material gets the expiry the holder chooses for it, never the previous
 * import's ValidTo (which may have passed: KMS refuses it). Refused before
 * anything starts when missing, in the past or over 365 days ahead; material
 * that does not expire stays so unless the holder says otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSecretKey, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock';
import { silentLogger } from '../../log/logger';
import type { OpenedCopy } from '../vault-service';
import { AwsKeyStoreService, type AwsImportDraft } from './key-store-service';
import type { AwsImportOutcome, AwsImportSpec, AwsKmsProvider } from './provider';

const NOW = new Date('2027-06-01T10:00:00Z');
const DAY = 86_400_000;
const OLD_KEY = 'arn:aws:kms:eu-west-2:111122223333:key/00000000-0000-4000-8000-000000000001';
const NEW_KEY = 'arn:aws:kms:eu-west-2:111122223333:key/00000000-0000-4000-8000-000000000002';
const draft: AwsImportDraft = { holder: 1, accountId: '111122223333', region: 'eu-west-2', vendorRoleArn: 'arn:aws:iam::777788889999:role/vendor-kms-access', cacheMinutes: 5 };

let dataDir: string;
let imports: AwsImportSpec['expiration'][];
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-rotation-expiry-'));
  imports = [];
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** KMS as far as importRotation uses it: it records the expiration it was asked for and answers with a new key. */
const kms = {
  importKey: (spec: AwsImportSpec): Promise<AwsImportOutcome> => {
    imports.push(spec.expiration);
    const validTo = spec.expiration.model === 'KEY_MATERIAL_EXPIRES' ? spec.expiration.validTo.toISOString() : null;
    return Promise.resolve({ keyArn: NEW_KEY, companionArn: `${NEW_KEY}-mac`, region: 'eu-west-2', accountId: '111122223333', reused: false, materialProof: 'imported', parametersRefreshed: false, validTo, selfTest: { encryptDecrypt: true, dataKey: true, macMatchesLocal: true } } as AwsImportOutcome);
  },
  proposePolicy: (keyArn: string) => Promise.resolve({ keyArn, currentPolicy: '{}', currentSha256: '0'.repeat(64), proposedPolicy: '{}', plan: {}, lines: [`policy of ${keyArn}`] }),
  applyPolicy: () => Promise.resolve(),
} as unknown as AwsKmsProvider;

/** A key store imported long ago, its material expiring on `validTo` (or never). */
function keyStore(validTo?: string): AwsKeyStoreService {
  const file = path.join(dataDir, 'aws-kms', 'key-store.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const outcome = { keyArn: OLD_KEY, companionArn: `${OLD_KEY}-mac`, region: 'eu-west-2', accountId: '111122223333', validTo: validTo ?? null, keyId: 'old-key', fingerprint: 'old-fp' };
  fs.writeFileSync(file, JSON.stringify({ draft: { ...draft, ...(validTo ? { validTo } : {}) }, state: 'done', updatedAt: '2026-12-01T10:00:00.000Z', outcome, policy: { appliedAt: '2026-12-01T10:00:00.000Z', lines: [] } }));
  return new AwsKeyStoreService({ dataDir, clock: fixedClock(NOW), log: silentLogger, provider: () => kms });
}

const newKey: OpenedCopy = { keyId: 'new-key', fingerprint: 'new-fp', withPrivateKey: (use) => Promise.resolve(use(createSecretKey(randomBytes(32)))), dispose: () => undefined };

describe('AWS key rotation: the new key material’s own expiry', () => {
  const passed = '2027-03-01T23:59:59.000Z'; // the first import's ValidTo, passed by the time of the rotation

  it('imports with the date the holder chose, not the previous import’s (passed) ValidTo, and keeps it as the key store’s expiry', async () => {
    const svc = keyStore(passed);
    const chosen = new Date(NOW.getTime() + 200 * DAY).toISOString();
    const out = await svc.importRotation(newKey, chosen);
    expect(imports).toEqual([{ model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(chosen) }]);
    expect(out.outcome.validTo).toBe(chosen);
    expect(svc.record()?.draft.validTo).toBe(chosen);
  });

  it('expiring material: no date, a date in the past or over 365 days ahead is refused before KMS is asked', async () => {
    const svc = keyStore(passed);
    expect(() => svc.rotationExpiry(undefined)).toThrow(expect.objectContaining({ code: 'aws.valid_to_needed', message: expect.stringContaining('Choose the date the new key’s material expires') }));
    expect(() => svc.rotationExpiry(passed)).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to', message: expect.stringContaining('in the past') }));
    expect(() => svc.rotationExpiry(new Date(NOW.getTime() + 366 * DAY).toISOString())).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to', message: expect.stringContaining('at most 365 days') }));
    expect(() => svc.rotationExpiry('next spring')).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to' }));
    await expect(svc.importRotation(newKey, passed)).rejects.toMatchObject({ code: 'aws.bad_valid_to' });
    await expect(svc.importRotation(newKey, undefined)).rejects.toMatchObject({ code: 'aws.valid_to_needed' });
    expect(imports).toEqual([]);
    expect(svc.record()?.outcome?.keyArn).toBe(OLD_KEY);
  });

  it('expiring material may be made not to expire, when the holder says so', async () => {
    const svc = keyStore(passed);
    expect(svc.rotationExpiry(null)).toBeNull();
    await svc.importRotation(newKey, null);
    expect(imports).toEqual([{ model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }]);
    expect(svc.record()?.draft.validTo).toBeUndefined();
  });

  it('material that does not expire stays so; a date for it is refused', async () => {
    const svc = keyStore();
    expect(svc.rotationExpiry(undefined)).toBeNull();
    expect(() => svc.rotationExpiry(new Date(NOW.getTime() + 30 * DAY).toISOString())).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to', message: expect.stringContaining('does not expire') }));
    await svc.importRotation(newKey, undefined);
    expect(imports).toEqual([{ model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }]);
  });
});
