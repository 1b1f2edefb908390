/**
 * The key's life on AWS KMS through the lifecycle service (the same guard
 * rails as Azure), against the KMS double and the reference control plane:
 * revoke = DisableKey and unrevoke = EnableKey behind typed confirmations,
 * the lag before the vendor sees it is the holders' cache time, revoking the
 * last unrevoked key store needs a quorum (never both revoked by accident),
 * pull = ScheduleKeyDeletion with 30 days and restore = CancelKeyDeletion
 * (the key comes back disabled, so unrevoking stays its own step).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { randomBytes } from 'node:crypto';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { ControlPlaneService } from '../../services/control-plane/service';
import { httpsTransport } from '../../services/control-plane/http';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { createCeremonyTranscripts } from '../../services/transcript/index';
import { generateSymmetricKey } from '../../services/keys/symmetric-key';
import { AwsKmsProvider, type AwsImportOutcome } from '../../services/vault/aws-kms/provider';
import { AwsKmsLifecycle } from '../../services/vault/aws-kms/lifecycle';
import { LifecycleService } from '../../services/lifecycle/service';
import { awsKeyLocation } from '../../../shared/worksheet/aws';
import { storeCommands, EXIT_OK, EXIT_REFUSED } from '../../cli/commands/store';
import type { CliIo } from '../../cli/io';

let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
const REGION = 'ap-southeast-2';
type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;
const creds = (n: 1 | 2) => {
  const p = principal(`key holder ${n}`);
  return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
};
const kms = (n: 1 | 2, region = REGION) => new AwsKmsProvider({ region, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: creds(n), maxAttempts: 1 });
const keyState = async (n: 1 | 2, arn: string) =>
  (await new KMSClient({ region: REGION, endpoint: cloud.descriptor.kms.endpoint, credentials: creds(n), requestHandler: new NodeHttpHandler({ httpsAgent: agent }) }).send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!;

async function advance(ms: number) {
  await request(agent, `${cloud.descriptor.adminUrl}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
}

/** Both holders' AWS key stores validated into a primary key (cache time 1 minute), and each holder's lifecycle service. */
async function pair(env = 'aws-life', region = REGION): Promise<{ keys: Record<1 | 2, AwsImportOutcome>; lifecycle: Record<1 | 2, LifecycleService> }> {
  const key = generateSymmetricKey();
  const keys = {} as Record<1 | 2, AwsImportOutcome>;
  const lifecycle = {} as Record<1 | 2, LifecycleService>;
  for (const n of [1, 2] as const) {
    const p = kms(n, region);
    keys[n] = await p.importKey({ secretKey: key.secretKey, keyId: key.keyId, fingerprint: key.identity.fingerprint, expiration: { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } });
    await p.applyPolicy(await p.proposePolicy(keys[n].keyArn, principal('vendor role').arn));
    await p.applyPolicy(await p.proposePolicy(keys[n].companionArn, principal('vendor role').arn, 'companion-hmac'));
  }
  for (const n of [1, 2] as const) {
    const dataDir = fs.mkdtempSync(path.join(tmp, `holder${n}-`));
    const box = memorySecretBox({ key: randomBytes(32) });
    const { token } = await cloud.controlPlane.createEnrolment({ environmentId: env, holder: n });
    const cp = new ControlPlaneService({ dataDir, secretBox: box, clock: systemClock, log: silentLogger, mode: 'rehearsal', transport: httpsTransport(agent) });
    await cp.connect({ baseUrl: cloud.descriptor.controlPlaneUrl, expectedFingerprint: cloud.descriptor.controlPlaneFingerprint, enrolmentToken: token });
    const reg = await cp.requestRegistration(awsKeyLocation({ region, accountId: principal(`key holder ${n}`).accountId }));
    await cloud.controlPlane.decideRegistration(reg.registrationId, 'registered');
    await cp.submit({ provider: 'aws-kms', keyArn: keys[n].keyArn, companionKeyArn: keys[n].companionArn, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 1 });
    lifecycle[n] = new LifecycleService({
      dataDir,
      clock: systemClock,
      log: silentLogger,
      provider: () => new AwsKmsLifecycle(() => kms(n, region)),
      heldKeyStore: () => ({ holder: n, keyVersionId: keys[n].keyArn }),
      vendorStatus: (refresh) => cp.status({ refresh }),
      participants: { list: () => [], unlock: () => Promise.reject(new Error('no participants here')) },
      transcript: createCeremonyTranscripts({ dataDir, secretBox: box, clock: systemClock }),
    });
  }
  return { keys, lifecycle };
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-life-'));
}, 30_000);
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('AWS KMS key store lifecycle', () => {
  it('revoke and unrevoke with the cache time as the lag; the last key store needs a quorum; pull schedules 30 days and restore cancels it', async () => {
    const { keys, lifecycle } = await pair();
    const one = lifecycle[1];
    let st = await one.status();
    expect(st.keyStore).toMatchObject({ state: 'Available', vaultHost: `arn:aws:kms:${REGION}:${principal('key holder 1').accountId}` });
    expect(st.vendor?.status).toBe('Available');

    const revokeText = (await one.confirmationFor('revoke')).text;
    expect(revokeText).toBe('revoke key store 1, documents depend on key store 2 alone');
    await expect(one.revoke({ confirmation: 'revoke it' })).rejects.toMatchObject({ code: 'lifecycle.confirmation_mismatch' });
    expect((await keyState(1, keys[1].keyArn)).KeyState).toBe('Enabled');
    const revoked = await one.revoke({ confirmation: revokeText });
    expect(revoked.keyStore).toMatchObject({ state: 'Revoked', detail: 'The KMS key is disabled.' });
    expect((await keyState(1, keys[1].keyArn)).KeyState).toBe('Disabled');
    // The vendor caches data keys for the holders' cache time (1 minute): that is the lag announced.
    expect(revoked.lag).toMatchObject({ cacheSeconds: 60, expected: 'revoked', text: expect.stringMatching(/up to 1 minutes/) });
    expect((await one.status()).vendor?.status).toBe('Available');
    await advance(2 * 60_000);
    st = await one.status();
    expect(st.vendor?.status).toBe('Key Store 1 Revoked');
    expect(st.lag?.caughtUpAt).toBeTruthy();

    // Holder 2 revoking now would revoke both: refused without a quorum, nothing changed at AWS.
    const two = lifecycle[2];
    const both = await two.confirmationFor('revoke');
    expect(both).toMatchObject({ needsQuorum: true, text: 'revoke key store 2, stop all encryption and decryption' });
    await expect(two.revoke({ confirmation: both.text })).rejects.toMatchObject({ code: 'lifecycle.quorum_required' });
    expect((await keyState(2, keys[2].keyArn)).KeyState).toBe('Enabled');
    await advance(-2 * 60_000);

    expect((await one.unrevoke({ confirmation: 'unrevoke key store 1' })).keyStore.state).toBe('Available');
    expect((await keyState(1, keys[1].keyArn)).KeyState).toBe('Enabled');

    // Pull: the longest window; the material is not deleted. Restore: the key returns disabled.
    const pullText = (await one.confirmationFor('pull')).text;
    expect(pullText).toBe('pull key store 1, restorable for 30 days');
    const pulled = await one.pull({ confirmation: pullText });
    expect(pulled.protection).toMatchObject({ softDelete: true, purgeProtection: true, retentionDays: 30 });
    const days = (Date.parse(pulled.deleted.scheduledPurgeDate!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    const meta = await keyState(1, keys[1].keyArn);
    expect(meta).toMatchObject({ KeyState: 'PendingDeletion', PendingDeletionWindowInDays: 30 });
    expect((await one.status()).keyStore).toMatchObject({ state: 'Revoked', detail: expect.stringMatching(/deletion is scheduled .* can be cancelled/) });
    const restored = await one.restore({ confirmation: 'restore key store 1' });
    expect(restored).toMatchObject({ allVersionsBack: true, lag: { expected: 'revoked' } });
    expect((await keyState(1, keys[1].keyArn)).KeyState).toBe('Disabled');
    await expect(one.restore({ confirmation: 'restore key store 1' })).rejects.toMatchObject({ code: 'lifecycle.nothing_to_restore' });
    expect((await one.unrevoke({ confirmation: 'unrevoke key store 1' })).keyStore.state).toBe('Available');
  });

  it('keyholder store status|revoke|unrevoke|pull|restore work on the AWS key store', async () => {
    const region = 'ca-central-1';
    const { keys, lifecycle } = await pair('aws-life-cli', region);
    const run = async (verb: string, args: string[]) => {
      const outs: string[] = [];
      const errs: string[] = [];
      const io: CliIo = { out: (l) => void outs.push(l), err: (l) => void errs.push(l), promptHidden: () => Promise.reject(new Error('no tty')), env: {}, cwd: tmp };
      const code = await storeCommands(async () => lifecycle[1]).find((c) => c.name === `store ${verb}`)!.run(args, io);
      return { code, outs, errs };
    };
    const status = await run('status', []);
    expect(status.code).toBe(EXIT_OK);
    expect(status.outs.join('\n')).toContain(`Key store 1: Available (${keys[1].keyArn.split('/')[1]} ${keys[1].keyArn.split('/')[1]} in arn:aws:kms:${region}:`);
    expect(status.outs.join('\n')).toContain('--confirm "revoke key store 1, documents depend on key store 2 alone"');
    expect((await run('revoke', ['--confirm', 'yes'])).code).toBe(EXIT_REFUSED);
    const revoked = await run('revoke', ['--confirm', 'revoke key store 1, documents depend on key store 2 alone', '--json']);
    expect(JSON.parse(revoked.outs.join('\n'))).toMatchObject({ keyStore: { state: 'Revoked' }, lag: { cacheSeconds: 60 } });
    expect((await run('unrevoke', ['--confirm', 'unrevoke key store 1'])).code).toBe(EXIT_OK);
    const pulled = await run('pull', ['--confirm', 'pull key store 1, restorable for 30 days']);
    expect(pulled.outs[0]).toMatch(/^Pulled [0-9a-f-]{36}: restorable for 30 days, scheduled purge \d{4}-/);
    const restored = await run('restore', ['--confirm', 'restore key store 1']);
    expect(restored.outs[0]).toBe('Restored 1 version(s), every version back.');
    expect((await keyState(1, keys[1].keyArn)).KeyState).toBe('Disabled');
  });
});
