/**
 * Imported AWS KMS key material with a `ValidTo` is tracked like a client
 * secret (issue 17): KMS deletes the material at that instant and the vendor
 * loses the key. Only a finished import counts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thresholds } from '../../../shared/expiry/reminders';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { createExpiryServiceInDataDir } from './expiry-service';
import { itemsFromAwsKeyMaterial, type AwsKeyMaterialLike } from './tracked-items-source';

const ARN = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const done = (validTo?: string): AwsKeyMaterialLike => ({ state: 'done', draft: { holder: 2, ...(validTo ? { validTo } : {}) }, outcome: { keyArn: ARN } });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-expiry-aws-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('AWS KMS key material on the expiry dashboard', () => {
  it('a finished import with ValidTo is one item, named by the key ARN, for the holder who imported it', () => {
    expect(itemsFromAwsKeyMaterial(done('2027-06-01T00:00:00Z'))).toEqual([
      { kind: 'kms-key-material', ceremony: 'this workstation', holder: 'holder-2', subject: ARN, label: `Imported key material in AWS KMS (${ARN})`, source: 'kms', expiresAt: '2027-06-01T00:00:00.000Z' },
    ]);
  });

  it('tracks nothing for material that does not expire, a draft not yet imported, a failed import or an unreadable date', () => {
    expect(itemsFromAwsKeyMaterial(null)).toEqual([]);
    expect(itemsFromAwsKeyMaterial(done())).toEqual([]);
    expect(itemsFromAwsKeyMaterial({ ...done('2027-06-01T00:00:00Z'), state: 'pending' })).toEqual([]);
    expect(itemsFromAwsKeyMaterial({ ...done('2027-06-01T00:00:00Z'), state: 'failed' })).toEqual([]);
    expect(itemsFromAwsKeyMaterial({ state: 'done', draft: { holder: 1, validTo: '2027-06-01T00:00:00Z' } })).toEqual([]);
    expect(itemsFromAwsKeyMaterial(done('next spring'))).toEqual([]);
  });

  it('the dashboard lists it with what breaks and what to do, and its reminders fire once per threshold', async () => {
    let record: AwsKeyMaterialLike | null = null;
    const clock = fixedClock(new Date('2027-01-01T09:00:00Z'));
    const boot = () => createExpiryServiceInDataDir({ dataDir: dir, clock, log: silentLogger, timeZone: () => 'Europe/London', awsKeyMaterial: () => record });
    expect((await boot().dashboard()).rows).toEqual([]);
    record = done('2027-03-01T12:00:00Z');
    const [row] = (await boot().dashboard()).rows;
    expect(row!.item.kind).toBe('kms-key-material');
    expect(row!.daysLeft).toBe(59);
    expect(row!.breaks).toMatch(/refuses every use of the key/);
    expect(row!.action).toMatch(/same key material .* again/);
    // It names where the action is: the Key store lifecycle screen's extension (lifecycle:key-material-extend).
    expect(row!.action).toMatch(/Key store lifecycle screen choose “Extend the expiry”/);
    const fired: Array<number | string> = [];
    while (clock.now() < new Date('2027-03-03T00:00:00Z')) {
      fired.push(...(await boot().evaluate('start')).map((d) => d.threshold));
      clock.advance(6 * 3_600_000);
    }
    // 59 days left at the first start: the 60-day reminder is due at once, the 90-day one had passed before the import.
    expect(fired).toEqual([...thresholds.filter((t) => t <= 60), 'expired']);
  });
});
