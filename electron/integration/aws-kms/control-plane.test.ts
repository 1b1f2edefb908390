/**
 * The reference control plane accepts AWS KMS key stores (seed 002): the
 * app's control-plane client registers each holder's account and Region,
 * seals and submits the key ARN, companion key ARN, vendor role and cache
 * time; the pair is validated (distinct accounts, the vendor's own role,
 * equal companion MACs through the vendor role's credentials) and becomes a
 * primary key whose status follows the keys' state, reported only once the
 * holders' cache time has passed. A pair of different keys, the wrong role,
 * one account twice and a key the vendor may not use are each refused with
 * the field to fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { ControlPlaneService, type AwsKeyStoreValues } from '../../services/control-plane/service';
import { httpsTransport } from '../../services/control-plane/http';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { generateSymmetricKey, type SymmetricKey } from '../../services/keys/symmetric-key';
import { AwsKmsProvider, type AwsImportOutcome } from '../../services/vault/aws-kms/provider';
import { awsKeyLocation } from '../../../shared/worksheet/aws';

let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
// Each environment needs its own key-store locations (as its own vaults on Azure): one Region per environment here.
const REGION = 'eu-west-2';
type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;
const holderProvider = (n: 1 | 2, region = REGION) => {
  const p = principal(`key holder ${n}`);
  return new AwsKmsProvider({ region, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey }, maxAttempts: 1 });
};

async function importFor(n: 1 | 2, key: SymmetricKey, region = REGION, grant = true): Promise<AwsImportOutcome> {
  const p = holderProvider(n, region);
  const out = await p.importKey({ secretKey: key.secretKey, keyId: key.keyId, fingerprint: key.identity.fingerprint, expiration: { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } });
  if (grant) {
    await p.applyPolicy(await p.proposePolicy(out.keyArn, principal('vendor role').arn));
    await p.applyPolicy(await p.proposePolicy(out.companionArn, principal('vendor role').arn, 'companion-hmac'));
  }
  return out;
}

const values = (o: AwsImportOutcome, extra: Partial<AwsKeyStoreValues> = {}): AwsKeyStoreValues => ({ provider: 'aws-kms', keyArn: o.keyArn, companionKeyArn: o.companionArn, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 5, ...extra });

/** A holder's app connected to the rehearsal control plane under a fresh enrolment, its AWS location registered and approved. */
async function holderApp(env: string, n: 1 | 2, region = REGION, approve = true): Promise<ControlPlaneService> {
  const { token } = await cloud.controlPlane.createEnrolment({ environmentId: env, holder: n, primaryKeyName: `${env} key` });
  const svc = new ControlPlaneService({ dataDir: fs.mkdtempSync(path.join(tmp, 'cp-')), secretBox: memorySecretBox({ key: randomBytes(32) }), clock: systemClock, log: silentLogger, mode: 'rehearsal', transport: httpsTransport(agent) });
  await svc.connect({ baseUrl: cloud.descriptor.controlPlaneUrl, expectedFingerprint: cloud.descriptor.controlPlaneFingerprint, enrolmentToken: token });
  const reg = await svc.requestRegistration(awsKeyLocation({ region, accountId: principal(`key holder ${n}`).accountId }));
  expect(reg).toMatchObject({ provider: 'aws-kms', status: 'pending', vaultDnsName: `arn:aws:kms:${region}:${principal(`key holder ${n}`).accountId}` });
  if (approve) await cloud.controlPlane.decideRegistration(reg.registrationId, 'registered');
  return svc;
}

async function advance(ms: number) {
  await request(agent, `${cloud.descriptor.adminUrl}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-cp-'));
}, 30_000);
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('control plane with AWS KMS key stores', () => {
  it('validates a pair holding the same escrowed key into a primary key whose status follows the keys after the cache time', async () => {
    const key = generateSymmetricKey();
    const [a, b] = [await importFor(1, key), await importFor(2, key)];
    const one = await holderApp('aws-pair', 1);
    const two = await holderApp('aws-pair', 2);
    // The shortest cache time (1 minute) keeps the rehearsal clock's jump inside SigV4's 5-minute skew.
    const preview = one.preview(values(a, { cacheMinutes: 1 }));
    expect(preview.rows.map((r) => r.field)).toEqual(['holder', 'keyArn', 'companionKeyArn', 'vendorRoleArn', 'cacheMinutes']);
    expect((await one.submit(values(a, { cacheMinutes: 1 }))).answer.validation.state).toBe('waiting_for_other_holder');
    const { answer } = await two.submit(values(b, { cacheMinutes: 1 }));
    expect(answer.validation).toMatchObject({ state: 'validated', failures: [] });
    let st = await one.status({ refresh: true });
    expect(st.primaryKey).toMatchObject({ status: 'Available', keyStores: [{ provider: 'aws-kms', keyIdentifier: a.keyArn, health: 'healthy' }, { provider: 'aws-kms', keyIdentifier: b.keyArn, health: 'healthy' }] });
    expect(st.dataKeyCacheSeconds).toBe(60);

    // Holder 1 disables the key: the vendor's cached data key works for the cache time, then the key store shows revoked.
    await holderProvider(1).setEnabled(a.keyArn, false);
    st = await one.status({ refresh: true });
    expect(st.primaryKey).toMatchObject({ status: 'Available', keyStores: [{ health: 'healthy', reason: expect.stringMatching(/cached data key/) }, { health: 'healthy' }] });
    await advance(2 * 60_000);
    st = await one.status({ refresh: true });
    expect(st.primaryKey).toMatchObject({ status: 'Key Store 1 Revoked', keyStores: [{ health: 'revoked', reason: 'key disabled' }, { health: 'healthy' }] });
    await holderProvider(1).setEnabled(a.keyArn, true);
    expect((await one.status({ refresh: true })).primaryKey?.status).toBe('Available');
    await advance(-2 * 60_000);
    // No client secret to rotate on an AWS key store.
    await expect(one.updateCredentials({ clientSecret: 'x'.repeat(40), secretExpiresOn: '2030-01-01' })).rejects.toMatchObject({ message: expect.stringMatching(/no client secret/) });
  });

  it('refuses a pair of different keys, the wrong role, one account twice, a key the vendor may not use, and an unregistered account', async () => {
    // Different escrowed keys: the companion MACs differ, reported on both holders.
    const [a, c] = [await importFor(1, generateSymmetricKey(), 'eu-west-1'), await importFor(2, generateSymmetricKey(), 'eu-west-1')];
    await (await holderApp('aws-differ', 1, 'eu-west-1')).submit(values(a));
    let answer = (await (await holderApp('aws-differ', 2, 'eu-west-1')).submit(values(c))).answer;
    expect(answer.validation.failures.map((f) => [f.code, f.holder, f.field])).toEqual([
      ['companion_macs_differ', 1, 'companionKeyArn'],
      ['companion_macs_differ', 2, 'companionKeyArn'],
    ]);

    // A role that is not the vendor's: refused at once, nothing stored.
    const key = generateSymmetricKey();
    const [x, y] = [await importFor(1, key, 'eu-west-3'), await importFor(2, key, 'eu-west-3', false)];
    const wrongRole = await holderApp('aws-role', 1, 'eu-central-1');
    await expect(wrongRole.submit(values(x, { vendorRoleArn: 'arn:aws:iam::777788889999:role/someone-else' }))).rejects.toMatchObject({ message: expect.stringMatching(/not the vendor's role/) });

    // Holder 2 never applied the policy: the vendor's role may not use the key.
    await (await holderApp('aws-denied', 1, 'eu-west-3')).submit(values(x));
    answer = (await (await holderApp('aws-denied', 2, 'eu-west-3')).submit(values(y))).answer;
    expect(answer.validation.failures).toEqual([expect.objectContaining({ code: 'key_access_denied', holder: 2, field: 'keyArn', message: expect.stringMatching(/Apply the key policy/) })]);

    // Both key stores in holder 1's account (another key of the same account), and different cache times.
    const [s1, s2] = [await importFor(1, generateSymmetricKey(), 'us-east-1'), await importFor(1, generateSymmetricKey(), 'us-east-1')];
    await (await holderApp('aws-same', 1, 'us-east-1')).submit(values(s1, { cacheMinutes: 5 }));
    const same = await holderApp('aws-same', 2, 'us-east-1', false);
    // Holder 2 registered their own account, but submits keys in holder 1's: the location is not registered for them.
    answer = (await same.submit(values(s2, { cacheMinutes: 10 }))).answer;
    expect(answer.validation.failures.map((f) => f.code).sort()).toEqual(['accounts_same', 'cache_times_differ', 'vault_not_registered']);
    expect(answer.validation.state).toBe('failed');
  });
});
