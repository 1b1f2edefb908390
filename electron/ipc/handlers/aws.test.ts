/**
 * The AWS import's doors as the screen uses them: importing as the other
 * holder than this workstation's own is refused unless confirmed, and the
 * confirmed choice is recorded before anything is opened (as on Azure); a
 * damaged key-store record is reported to the screen (set aside), never
 * shown as "nothing imported yet".
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
import { awsKeyStoreFile } from '../../services/vault/aws-kms/key-store-service';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const VENDOR_ROLE = 'arn:aws:iam::777788889999:role/vendor-kms-access';

/** Holder 1's workstation (enrolled as holder 1), signed in to AWS with a named profile in eu-west-2. */
function workstation(): Services {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-h-'));
  dirs.push(dataDir);
  const s = createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
  Object.assign(s.controlPlane, { view: () => ({ connected: true, holder: 1 }) });
  Object.assign(s.aws, { signInStatus: () => ({ method: 'profile', region: 'eu-west-2', status: { state: 'signed-in', roles: [], role: null } }) });
  for (const h of [1, 2] as const) s.aws.saveWorksheet(h, { keyArn: '', vendorRoleArn: VENDOR_ROLE, cacheMinutes: 5, vendorRegion: '' });
  return s;
}

const draft = (holder: 1 | 2) => ({ holder, holderCopyPath: '/nowhere/holder-key-holder.khescrow', keyArn: `arn:aws:kms:eu-west-2:${holder === 1 ? '111122223333' : '444455556666'}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, validTo: '' });

describe('aws:startImport', () => {
  it('refuses the other holder unless chosen explicitly, and records the choice before anything is opened', async () => {
    const s = workstation();
    const h = awsHandlers(s);
    expect((await h['aws:state']({})).suggested.holder).toBe(1);
    // Whatever the step table asks first for holder 2 is already recorded: only the holder choice is under test.
    await s.ceremony.record('registration.done', { holder: 2, registrationId: 'r-2', vaultDnsName: 'arn:aws:kms:eu-west-2:444455556666', status: 'registered', decidedAt: '' });

    await expect(h['aws:startImport'](draft(2))).rejects.toMatchObject({ code: 'vault.other_holder', message: expect.stringContaining('belongs to key holder 1') });
    expect(s.ceremony.entries().map((x) => x.kind)).not.toContain('vault.other-holder-chosen');

    // Confirmed: recorded (the activation then refuses the missing file; nothing else starts).
    const e = await h['aws:startImport']({ ...draft(2), otherHolderConfirmed: true }).catch((x: unknown) => x);
    expect(e).not.toMatchObject({ code: 'vault.other_holder' });
    const chosen = s.ceremony.entries().find((x) => x.kind === 'vault.other-holder-chosen');
    expect(chosen?.data).toMatchObject({ workstationHolder: 1, holder: 2, target: expect.stringContaining('Key holder 2: import into AWS KMS arn:aws:kms:eu-west-2:444455556666') });
  });

  it('the own holder needs no confirmation and records no choice', async () => {
    const s = workstation();
    await s.ceremony.record('registration.done', { holder: 1, registrationId: 'r-1', vaultDnsName: 'arn:aws:kms:eu-west-2:111122223333', status: 'registered', decidedAt: '' });
    const e = await awsHandlers(s)['aws:startImport'](draft(1)).catch((x: unknown) => x);
    expect(e).not.toMatchObject({ code: 'vault.other_holder' });
    expect(s.ceremony.entries().map((x) => x.kind)).not.toContain('vault.other-holder-chosen');
  });
});

describe('aws:state', () => {
  it('reports a damaged key-store record to the screen (kept aside), not as "nothing imported yet"; a new draft clears it', async () => {
    const s = workstation();
    const file = awsKeyStoreFile(s.deps.dataDir);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"state":"done","draft":{"holder":1');
    const h = awsHandlers(s);
    const st = await h['aws:state']({});
    expect(st.record).toBeNull();
    expect(st.damaged).toMatchObject({ code: 'aws.key_store_damaged', message: expect.stringContaining(file) });
    expect(st.damaged!.message).toMatch(/It was kept as .*key-store\.damaged-.*\.json/);
    expect(fs.existsSync(file)).toBe(false);
    // Still said after the screen is opened again.
    expect((await h['aws:state']({})).damaged?.code).toBe('aws.key_store_damaged');

    await h['aws:saveDraft'](draft(1));
    const after = await h['aws:state']({});
    expect(after.damaged).toBeUndefined();
    expect(after.record?.state).toBe('pending');
  });
});
