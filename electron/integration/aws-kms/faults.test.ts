/**
 * KMS fault injection (the rehearsal cloud's admin /faults, family "kms")
 * against the holder's AWS import: throttling, an internal error, an expired
 * import token and a key disabled mid-ceremony. Each either passes through
 * the SDK's retries and Key Holder's own refresh, or stops with a message a
 * holder can act on; the draft is kept, and running the import again resumes
 * with the keys already made (no second key, the same material proven).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { EnableKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { generateSymmetricKey, type SymmetricKey } from '../../services/keys/symmetric-key';
import { AwsKeyStoreService, createAwsKeyStoreService, type AwsImportDraft } from '../../services/vault/aws-kms/key-store-service';
import type { OpenedCopy } from '../../services/vault/vault-service';

let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;
const holder = () => {
  const p = principal('key holder 1');
  return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey };
};
const sdk = (region: string) => new KMSClient({ region, endpoint: cloud.descriptor.kms.endpoint, credentials: holder(), requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });

async function fault(body: Record<string, unknown>) {
  const r = await request(agent, `${cloud.descriptor.adminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ family: 'kms', ...body }) });
  expect(r.status).toBe(201);
}

function workstation(): AwsKeyStoreService {
  return createAwsKeyStoreService({ dataDir: fs.mkdtempSync(path.join(tmp, 'ws-')), clock: systemClock, log: silentLogger, aws: { endpoint: cloud.descriptor.kms.endpoint, agent, credentials: holder() } });
}

const copy = (k: SymmetricKey): OpenedCopy => ({ keyId: k.keyId, fingerprint: k.identity.fingerprint, withPrivateKey: async (use) => use(k.secretKey), dispose: () => {} });
const draft = (region: string): AwsImportDraft => ({ holder: 1, accountId: principal('key holder 1').accountId, region, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 5 });
const keys = async (region: string) => (await sdk(region).send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;

/** The import fails with `code`, says what to do, and keeps the draft with the error; nothing extra was created. */
async function failsWith(svc: AwsKeyStoreService, d: AwsImportDraft, k: SymmetricKey, code: string, says: RegExp) {
  const e = (await svc.importOpened(d, copy(k)).then(
    () => null,
    (x: unknown) => x,
  )) as { code: string; message: string } | null;
  expect(e, `expected ${code}`).not.toBeNull();
  expect(e!.code).toBe(code);
  expect(e!.message).toMatch(says);
  expect(e!.message).not.toMatch(/\$metadata|RequestId|Injected/);
  expect(svc.record()).toMatchObject({ state: 'failed', draft: d, error: { code } });
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-faults-'));
}, 30_000);
afterEach(async () => {
  await request(agent, `${cloud.descriptor.adminUrl}/faults`, { method: 'DELETE' });
});
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('KMS faults during the AWS import', () => {
  it('throttling: retried by the SDK while it lasts briefly; past the retries a holder is told to wait, and the retry resumes with the same key', async () => {
    const region = 'sa-east-1';
    const svc = workstation();
    await fault({ kind: 'kms-error', code: 'ThrottlingException', path: '^ImportKeyMaterial$', count: 2 });
    const k = generateSymmetricKey();
    expect(await svc.importOpened(draft(region), copy(k))).toMatchObject({ materialProof: 'imported', reused: false });
    expect(await keys(region)).toBe(2);

    const k2 = generateSymmetricKey();
    await fault({ kind: 'kms-error', code: 'ThrottlingException', path: '^ImportKeyMaterial$', count: 3 });
    await failsWith(svc, draft(region), k2, 'aws.throttled', /Wait a minute and retry/);
    expect(await keys(region)).toBe(3);
    const again = await svc.importOpened(draft(region), copy(k2));
    expect(again).toMatchObject({ reused: true, materialProof: 'imported' });
    expect(await keys(region)).toBe(4);
  });

  it('an internal error (5xx) in the self-test: the holder is told to retry later; the retry proves the same material again', async () => {
    const region = 'eu-north-1';
    const svc = workstation();
    const k = generateSymmetricKey();
    await fault({ kind: 'kms-error', code: 'KMSInternalException', path: '^GenerateMac$', count: 3 });
    await failsWith(svc, draft(region), k, 'aws.service_error', /internal error .* retry/);
    const out = await svc.importOpened(draft(region), copy(k));
    expect(out).toMatchObject({ reused: true, materialProof: 'reimport-accepted' });
    expect(await keys(region)).toBe(2);
    // A 503 through the generic status fault is the same for the holder.
    await fault({ kind: 'status', status: 503, path: '^DescribeKey$', count: 3 });
    await failsWith(svc, draft(region), k, 'aws.service_error', /retry/);
  });

  it('an expired import token: refreshed once by Key Holder; expired again, the holder is told to start the import again, which then completes', async () => {
    const region = 'eu-south-1';
    const svc = workstation();
    const k = generateSymmetricKey();
    await fault({ kind: 'kms-error', code: 'ExpiredImportTokenException', path: '^ImportKeyMaterial$', count: 1 });
    expect(await svc.importOpened(draft(region), copy(k))).toMatchObject({ parametersRefreshed: true, materialProof: 'imported' });

    const k2 = generateSymmetricKey();
    await fault({ kind: 'kms-error', code: 'ExpiredImportTokenException', path: '^ImportKeyMaterial$', count: 2 });
    await failsWith(svc, draft(region), k2, 'aws.parameters_expired', /24 hours .* Start the import again/);
    expect(await svc.importOpened(draft(region), copy(k2))).toMatchObject({ reused: true, materialProof: 'imported' });
    expect(await keys(region)).toBe(4);
  });

  it('the key disabled mid-ceremony: the self-test stops with "enable it"; once enabled, the retry completes on the same key', async () => {
    const region = 'me-south-1';
    const svc = workstation();
    const k = generateSymmetricKey();
    await fault({ kind: 'disable-key', path: '^Encrypt$', count: 1 });
    await failsWith(svc, draft(region), k, 'aws.key_disabled', /is disabled\. Enable it/);
    // Still disabled: retrying without enabling meets the same answer.
    await failsWith(svc, draft(region), k, 'aws.key_disabled', /Enable it/);
    const arn = (await sdk(region).send(new ListKeysCommand({}))).Keys!.map((x) => x.KeyArn!);
    for (const a of arn) await sdk(region).send(new EnableKeyCommand({ KeyId: a })).catch(() => undefined);
    const out = await svc.importOpened(draft(region), copy(k));
    expect(out).toMatchObject({ reused: true, materialProof: 'reimport-accepted' });
    expect(arn).toContain(out.keyArn);
    expect(await keys(region)).toBe(2);
  });

  it('bad fault rules are refused by the admin API', async () => {
    for (const body of [
      { kind: 'kms-error', code: 'NoSuchCode' },
      { kind: 'disable-key', family: 'keyvault' },
    ]) {
      const r = await request(agent, `${cloud.descriptor.adminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status).toBe(400);
    }
  });
});
