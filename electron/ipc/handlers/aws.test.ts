/**
 * The AWS import's door is the Azure import's (vault.test.ts): the step
 * table decides (no key material is opened for a key store the vendor has
 * not registered), and a holder other than the workstation's own is refused
 * without the warned choice, which is recorded when made. The AWS worksheet
 * line, once it says where the key store lives, is the ceremony's worksheet
 * step, so the registration that follows is in order. A damaged key-store
 * record is reported to the screen (set aside), never shown as "nothing
 * imported yet".
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, type Services } from '../../services/index';
import { awsHandlers } from './aws';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';

/** Where a data folder keeps its AWS key store's record (docs/aws-kms.md). */
const awsKeyStoreFile = (dataDir: string) => path.join(dataDir, 'aws-kms', 'key-store.json');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const VENDOR_ROLE = 'arn:aws:iam::777788889999:role/vendor-kms-access';
const LOCATION_1 = 'arn:aws:kms:eu-west-2:111122223333';

/** A workstation whose settings choose AWS KMS in eu-west-2 (a named profile: nothing to sign in to here). */
function awsWorkstation(): Services {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-h-'));
  dirs.push(dataDir);
  return awsWorkstationAt(dataDir);
}

function awsWorkstationAt(dataDir: string): Services {
  const s = createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
  s.liveSettings.saveKeyStore({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'holder1' } } }, true);
  return s;
}

const line = (over: Record<string, unknown> = {}) => ({ keyArn: '', accountId: '111122223333', vendorRoleArn: VENDOR_ROLE, cacheMinutes: 5, vendorRegion: '', ...over });
const draft = (holder: 1 | 2, over: Record<string, unknown> = {}) => ({ holder, holderCopyPath: '/nowhere/holder-key-holder-1.khescrow', keyArn: `${LOCATION_1}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, validTo: '', ...over });
const kinds = (s: Services) => s.ceremony.entries().map((e) => e.kind);
const enrolledAs = (s: Services, holder: 1 | 2) => Object.assign(s.controlPlane, { view: () => ({ connected: true, holder, secretStorage: { available: true } }) });

describe('aws:saveWorksheet (the ceremony’s worksheet step for AWS)', () => {
  it('records the line once it says where the key store lives, with the fields keyholder rehearse writes, and not again unchanged', async () => {
    const s = awsWorkstation();
    const h = awsHandlers(s);
    // Not yet complete: no account and no key ARN, or a wrong account: nothing is recorded, what was typed is kept.
    let v = await h['aws:saveWorksheet']({ holder: 1, line: line({ accountId: '' }) });
    expect(v.locations['1']).toBeNull();
    v = await h['aws:saveWorksheet']({ holder: 1, line: line({ accountId: '1111' }) });
    expect(v.checks['1'].problems.accountId).toMatch(/12 digits/);
    expect(v.lines['1']?.accountId).toBe('1111');
    expect(s.ceremony.currentId()).toBeNull();

    v = await h['aws:saveWorksheet']({ holder: 1, line: line() });
    expect(v.locations['1']).toBe(LOCATION_1);
    await h['aws:saveWorksheet']({ holder: 1, line: line() });
    const saved = s.ceremony.entries().filter((e) => e.kind === 'worksheet.saved');
    expect(saved.map((e) => e.data)).toEqual([{ holder: 1, provider: 'aws-kms', keyLocation: LOCATION_1, vendorRoleArn: VENDOR_ROLE, cacheMinutes: 5 }]);
  });

  it('a named key ARN in another account than the one typed is a problem to correct, not recorded', async () => {
    const s = awsWorkstation();
    const v = await awsHandlers(s)['aws:saveWorksheet']({ holder: 1, line: line({ keyArn: 'arn:aws:kms:eu-west-2:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab' }) });
    expect(v.checks['1'].problems.accountId).toMatch(/key ARN is in account 444455556666/);
    expect(v.locations['1']).toBeNull();
    expect(s.ceremony.currentId()).toBeNull();
  });
});

describe('aws:startImport (guarded like vault:startImport)', () => {
  it('is refused before the vendor registered the key store, saying what comes first in AWS words, and keeps the draft', async () => {
    const s = awsWorkstation();
    await awsHandlers(s)['aws:saveWorksheet']({ holder: 1, line: line() });
    const e = await awsHandlers(s)['aws:startImport'](draft(1)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ceremony.step_out_of_order', message: expect.stringContaining('First: Key store registered with the vendor (holder 1)') });
    expect(s.awsKeyStore.record()?.draft).toMatchObject({ holder: 1, accountId: '111122223333', vendorRoleArn: VENDOR_ROLE });
    expect(kinds(s)).not.toContain('activation.requested');
  });

  it('refuses the other holder than the workstation’s own unless chosen explicitly, and records the choice in the same words as Azure', async () => {
    const s = awsWorkstation();
    const h = awsHandlers(s);
    await h['aws:saveWorksheet']({ holder: 2, line: line() });
    enrolledAs(s, 1);
    await s.ceremony.record('registration.done', { holder: 2, registrationId: 'r-2', vaultDnsName: LOCATION_1, status: 'registered', decidedAt: '' });

    await expect(h['aws:startImport'](draft(2))).rejects.toMatchObject({ code: 'vault.other_holder', message: expect.stringMatching(/belongs to key holder 1, but the import is for key holder 2.*importing into your own AWS account/) });
    expect(kinds(s)).not.toContain('vault.other-holder-chosen');

    // With the choice, the gate is passed and the choice is in the signed record before anything is opened
    // (the activation then refuses the missing file: nothing else is started).
    const e = await h['aws:startImport']({ ...draft(2), otherHolderConfirmed: true }).catch((x: unknown) => x);
    expect(e).not.toMatchObject({ code: 'vault.other_holder' });
    expect(e).not.toMatchObject({ code: 'ceremony.step_out_of_order' });
    const chosen = s.ceremony.entries().find((x) => x.kind === 'vault.other-holder-chosen');
    expect(chosen?.data).toMatchObject({ workstationHolder: 1, holder: 2, target: expect.stringContaining('Key holder 2: import into AWS KMS') });
  });

  it('in the natural order (worksheet, registration) the door opens and nothing is recorded out of order', async () => {
    const s = awsWorkstation();
    const h = awsHandlers(s);
    await h['aws:saveWorksheet']({ holder: 1, line: line() });
    await s.ceremony.record('registration.done', { holder: 1, registrationId: 'r-1', vaultDnsName: LOCATION_1, status: 'registered', decidedAt: '' });
    const e = await h['aws:startImport'](draft(1)).catch((x: unknown) => x);
    // Past the door: the activation itself refuses the missing copy.
    expect(e).not.toMatchObject({ code: expect.stringMatching(/^ceremony\.|^vault\.other_holder$/) });
    expect(kinds(s).filter((k) => k.startsWith('ceremony.step-'))).toEqual([]);
    // The worksheet step is not recorded again by the import: the line and the draft name the same place.
    expect(kinds(s).filter((k) => k === 'worksheet.saved')).toHaveLength(1);
  });
});

describe('aws:state', () => {
  it('reports a damaged key-store record to the screen (kept aside), not as "nothing imported yet"; a new draft clears it', async () => {
    const s = awsWorkstation();
    const h = awsHandlers(s);
    await h['aws:saveWorksheet']({ holder: 1, line: line() });
    const file = awsKeyStoreFile(s.deps.dataDir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"state":"done","draft":{"holder":1');
    const st = await h['aws:state']({});
    expect(st.record).toBeNull();
    expect(st.damaged).toMatchObject({ code: 'aws.key_store_damaged', message: expect.stringContaining(file) });
    expect(st.damaged!.message).toMatch(/It was kept as .*key-store\.damaged-.*\.json/);
    expect(fs.existsSync(file)).toBe(false);
    // Still said when the screen is opened again.
    expect((await h['aws:state']({})).damaged?.code).toBe('aws.key_store_damaged');

    await h['aws:saveDraft'](draft(1));
    const after = await h['aws:state']({});
    expect(after.damaged).toBeUndefined();
    expect(after.record?.state).toBe('pending');
  });
});

describe('aws:saveDraft and aws:state: the chosen holder copy', () => {
  it('keeps the path of the copy picked in the file chooser in the key store’s draft and proposes it on return, not the first copy made here', async () => {
    const s = awsWorkstation();
    const h = awsHandlers(s);
    await h['aws:saveWorksheet']({ holder: 1, line: line() });
    const picked = '/media/usb/holder-key-holder-1.khescrow';
    await h['aws:saveDraft'](draft(1, { holderCopyPath: picked }));
    expect((await h['aws:state']({})).record?.draft.holderCopyPath).toBe(picked);
    // Kept on disk (a path, never key material): a restarted app proposes it too.
    const kept = JSON.parse(fs.readFileSync(awsKeyStoreFile(s.deps.dataDir), 'utf8')) as { draft: Record<string, unknown> };
    expect(kept.draft.holderCopyPath).toBe(picked);
    expect((await awsHandlers(awsWorkstationAt(s.deps.dataDir))['aws:state']({})).record?.draft.holderCopyPath).toBe(picked);
    // Starting the import keeps it as well, even when the door refuses (the vendor has not registered yet).
    const other = '/media/usb/holder-key-holder-1 (2).khescrow';
    await expect(h['aws:startImport'](draft(1, { holderCopyPath: other }))).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    expect((await h['aws:state']({})).record?.draft.holderCopyPath).toBe(other);
  });
});

describe('aws:startImport: the expiry date of the key material', () => {
  it('refuses a date in the past, more than 365 days ahead or unreadable, saying what AWS allows, before the door or an activation', async () => {
    const s = awsWorkstation();
    const h = awsHandlers(s);
    await h['aws:saveWorksheet']({ holder: 1, line: line() });
    const day = 86_400_000;
    for (const [validTo, says] of [
      [new Date(Date.now() - day).toISOString(), /must be in the future/],
      [new Date(Date.now() + 400 * day).toISOString(), /at most 365 days ahead/],
      ['next spring', /must be in the future/],
    ] as const) {
      await expect(h['aws:startImport'](draft(1, { validTo }))).rejects.toMatchObject({ code: 'aws.bad_valid_to', message: expect.stringMatching(says) });
    }
    expect(kinds(s)).not.toContain('activation.requested');
    // A date within the year passes this check (the step table then decides: nothing is registered here).
    await expect(h['aws:startImport'](draft(1, { validTo: new Date(Date.now() + 30 * day).toISOString() }))).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
  });
});
