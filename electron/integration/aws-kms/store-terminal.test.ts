/**
 * `keyholder store status` from a terminal on a workstation whose key store
 * is AWS KMS: after `keyholder rehearse --provider aws-kms`, holder 1's data
 * folder is opened with the rehearsal cloud's descriptor; the terminal reaches
 * the key with the holder's AWS credentials (no Azure sign-in), reports it
 * Available with the vendor's last status (dated: the enrolment token is
 * sealed by a keychain a terminal cannot reach), and refuses a revoke before
 * anything reaches AWS, as it does for Azure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { runRehearsal, type RehearsalResult } from '../../ceremony-script/rehearsal-script';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/io';

let cloud: RehearsalCloud;
let tmp: string;
let result: RehearsalResult;
let descriptor: string;

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: {}, cwd: tmp };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-store-'));
  cloud = await startRehearsalCloud({ dataDir: path.join(tmp, 'cloud'), port: 0, adminEnabled: true });
  result = await runRehearsal({ outDir: path.join(tmp, 'out'), fastKdf: true, provider: 'aws-kms', cloud, pdf: null });
  descriptor = path.join(tmp, 'descriptor.json');
  fs.writeFileSync(descriptor, JSON.stringify(cloud.describe()) + '\n');
}, 180_000);
afterAll(async () => {
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('keyholder store on an AWS KMS workstation (terminal)', () => {
  it('status reaches the key with the AWS credentials, without an Azure sign-in; revoke is refused before AWS is touched', async () => {
    const ws = path.join(result.outDir, 'workstations', 'holder1');
    const a = io();
    expect(await main(['store', 'status', '--json', '--data-dir', ws, '--cloud-descriptor', descriptor], a)).toBe(0);
    expect(a.errors.join('\n')).not.toMatch(/sign in|device/i);
    const s = JSON.parse(a.lines.join('\n'));
    expect(s.keyStore).toMatchObject({ holder: 1, state: 'Available', keyVersionId: result.aws!.keyArns.holder1 });
    expect(s.vendor).toMatchObject({ status: 'Available', receivedAt: expect.any(String) });

    const b = io();
    expect(await main(['store', 'revoke', '--confirm', 'revoke key store 1, documents depend on key store 2 alone', '--data-dir', ws, '--cloud-descriptor', descriptor], b)).toBe(1);
    expect(b.errors.join('\n')).toMatch(/store\.transcript_unavailable/);
    const c = io();
    expect(await main(['store', 'status', '--json', '--data-dir', ws, '--cloud-descriptor', descriptor], c)).toBe(0);
    expect(JSON.parse(c.lines.join('\n')).keyStore.state).toBe('Available');
  });

  it('outside rehearsal the terminal needs KEYHOLDER_AWS_PROFILE for an AWS key store, and refuses an endpoint override that is not plain https', async () => {
    const ws = path.join(result.outDir, 'workstations', 'holder1');
    const live = { KEYHOLDER_LIVE_CLIENT_ID: '00000000-0000-4000-8000-000000000001', KEYHOLDER_LIVE_TENANT_ID: '00000000-0000-4000-8000-000000000002' };
    const a = { ...io(), env: live };
    expect(await main(['store', 'status', '--data-dir', ws], a)).not.toBe(0);
    expect(a.errors.join('\n')).toMatch(/store\.no_aws_profile.*Set KEYHOLDER_AWS_PROFILE to your named profile/);
    expect(a.errors.join('\n')).not.toMatch(/device|sign in at/i);
    const b = { ...io(), env: { KEYHOLDER_AWS_PROFILE: 'holder1', AWS_ENDPOINT_URL_KMS: 'http://kms.example' } };
    expect(await main(['store', 'status', '--data-dir', ws], b)).not.toBe(0);
    expect(b.errors.join('\n')).toMatch(/aws\.bad_endpoint/);
  });
});
