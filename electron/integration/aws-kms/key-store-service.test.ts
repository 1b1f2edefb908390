/**
 * The holder's AWS KMS key store on a workstation, against the KMS double:
 * the escrow service's AES key, its holder copy opened as a supervised
 * activation opens it, the import purpose (material from the activation only),
 * the key policy shown then applied, and the values the control plane gets.
 * Bad input at each step is refused with a message a holder can act on, and
 * the draft survives every failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor } from '../../rehearsal/testing/sdk';
import { parseEscrow, serializeEscrow, type EscrowFile } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { createEscrowService } from '../../services/escrow/service';
import { PassphraseThrottle } from '../../services/escrow/throttle';
import { PASS } from '../../services/escrow/testing/helpers';
import { holderCopySource } from '../../services/activation/escrow-sources';
import { holderCopyFromBytes } from '../../services/escrow/holder-copy';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { AwsKmsProvider } from '../../services/vault/aws-kms/provider';
import { AwsKeyStoreService, type AwsImportDraft } from '../../services/vault/aws-kms/key-store-service';
import { awsImportPurpose, awsImportTarget } from '../../services/vault/aws-kms/import-purpose';
import { createCeremonyOperations, type CeremonyRecorder } from '../../services/ceremony/operations';
import { KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { JsonObject } from '../../../shared/transcript/canonical';
import { assertNoSecretFields } from '../../../shared/transcript/entry';

let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
const REGION = 'eu-west-2';
type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;

function keyStore(dir: string, label = 'key holder 1'): AwsKeyStoreService {
  const p = principal(label);
  return new AwsKeyStoreService({
    dataDir: dir,
    clock: systemClock,
    log: silentLogger,
    provider: (region) =>
      new AwsKmsProvider({ region, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey }, maxAttempts: 1 }),
  });
}

/** An escrow ceremony of the given key store's type, with one holder copy; returns the copy parsed. */
async function holderCopy(keyStoreKind: 'aws-kms' | 'azure-key-vault'): Promise<{ file: EscrowFile; fingerprint: string }> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'escrow-'));
  const escrow = createEscrowService({ dataDir, clock: systemClock, log: silentLogger, kdf: TEST_KDF, throttle: new PassphraseThrottle({ clock: systemClock, baseDelayMs: 0 }) });
  let st = await escrow.startCeremony({ keyStore: keyStoreKind, modulusBits: 2048 });
  st = await escrow.setCustodians(st.sessionId, ['Carol Custodian'], 1);
  await escrow.enterPassphrase(st.sessionId, 1, PASS[0]!);
  st = await escrow.writeFiles(st.sessionId);
  st = await escrow.testRestore(st.sessionId, 1, PASS[0]!);
  st = await escrow.createHolderCopy(st.sessionId, 'Key holder 1', PASS[1]!);
  return { file: parseEscrow(new Uint8Array(fs.readFileSync(st.holderCopies[0]!.file))), fingerprint: st.key.fingerprint };
}

/** The ceremony's operations over this key store only, recording into a list (what the transcript would get). */
function operations(svc: AwsKeyStoreService) {
  const entries: { kind: string; data: JsonObject }[] = [];
  const recorder: CeremonyRecorder = {
    // As the signed transcript does: a field that looks like secret material is refused.
    note: async (kind, data) => {
      assertNoSecretFields(data);
      entries.push({ kind, data });
    },
    recorded: (kind) => entries.filter((e) => e.kind === kind).map((e) => e.data),
  };
  // Only the AWS key store is used by this operation; the other services are not reached.
  const ops = createCeremonyOperations({ worksheet: {} as never, escrow: {} as never, controlPlane: {} as never, vault: {} as never, awsKeyStore: svc, recorder });
  return { ops, entries };
}

const open = (file: EscrowFile) => holderCopySource(holderCopyFromBytes(serializeEscrow(file), 'holder-key-holder-1.khescrow'), new PassphraseThrottle({ clock: systemClock, baseDelayMs: 0 })).open(new Uint8Array(Buffer.from(PASS[1]!, 'utf8')));

beforeAll(async () => {
  cloud = await startRehearsalCloud({ port: 0 });
  agent = agentFor(cloud);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-ks-'));
}, 30_000);
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('AWS key store service', () => {
  it('imports the escrowed AES key opened by an activation, shows then applies the policy, and yields the values the vendor receives', async () => {
    const { file, fingerprint } = await holderCopy('aws-kms');
    const svc = keyStore(fs.mkdtempSync(path.join(tmp, 'ws-')));
    const draft: AwsImportDraft = { holder: 1, accountId: principal('key holder 1').accountId, region: REGION, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 5 };
    svc.saveDraft(draft);
    expect(svc.location()).toBe(`arn:aws:kms:${REGION}:${draft.accountId}`);
    const result = await awsImportPurpose(svc)(await open(file), { kind: 'vault-import', target: awsImportTarget(draft), holder: 1 }, file);
    expect(result).toMatchObject({ holder: 1, fingerprint, materialProof: 'imported', vault: svc.location() });
    expect(String(result.keyVersionId)).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${draft.accountId}:key/`));

    // The control plane gets nothing until the policy was shown and applied.
    expect(() => svc.keyStoreValues()).toThrow(expect.objectContaining({ code: 'aws.policy_not_applied' }));
    const proposals = await svc.proposePolicies();
    expect(proposals.primary.lines.join('\n')).toMatch(/kms:GenerateDataKey/);
    expect(proposals.companion.plan.added[0]?.actions).toEqual(['kms:DescribeKey', 'kms:GenerateMac']);
    await svc.applyPolicies(proposals);
    expect(svc.keyStoreValues()).toEqual({ provider: 'aws-kms', keyArn: result.keyVersionId, companionKeyArn: result.companionKeyArn, vendorRoleArn: draft.vendorRoleArn, cacheMinutes: 5 });
  });

  it('refuses an RSA holder copy, a changed draft and the wrong account, keeping the draft each time', async () => {
    const svc = keyStore(fs.mkdtempSync(path.join(tmp, 'ws-')));
    const draft: AwsImportDraft = { holder: 1, accountId: principal('key holder 1').accountId, region: REGION, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 5 };
    svc.saveDraft(draft);
    const rsa = await holderCopy('azure-key-vault');
    await expect(awsImportPurpose(svc)(await open(rsa.file), { kind: 'vault-import', target: awsImportTarget(draft), holder: 1 }, rsa.file)).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });

    const aes = await holderCopy('aws-kms');
    // The supervisor attested to another target than the draft now names.
    await expect(awsImportPurpose(svc)(await open(aes.file), { kind: 'vault-import', target: awsImportTarget({ ...draft, region: 'eu-west-1' }), holder: 1 }, aes.file)).rejects.toMatchObject({ code: 'vault.draft_changed' });
    // Signed in as holder 1 while the worksheet names holder 2's account.
    const other = { ...draft, accountId: principal('key holder 2').accountId };
    svc.saveDraft(other);
    await expect(awsImportPurpose(svc)(await open(aes.file), { kind: 'vault-import', target: awsImportTarget(other), holder: 1 }, aes.file)).rejects.toMatchObject({ code: 'aws.wrong_account' });
    expect(svc.record()).toMatchObject({ state: 'failed', draft: other, error: { code: 'aws.wrong_account' } });
    // Worksheet rules: China Regions, a bad role, a cache time out of range.
    expect(() => svc.saveDraft({ ...draft, region: 'cn-north-1' })).toThrow(expect.objectContaining({ code: 'aws.china_region' }));
    expect(() => svc.saveDraft({ ...draft, vendorRoleArn: 'arn:aws:iam::777788889999:user/x' })).toThrow(expect.objectContaining({ code: 'aws.bad_role_arn' }));
    expect(() => svc.saveDraft({ ...draft, cacheMinutes: 0 })).toThrow(expect.objectContaining({ code: 'aws.bad_cache_time' }));
    expect(svc.record()?.draft).toEqual(other);
  });

  it('records the key policy plan in the transcript when it is applied (what the vendor role gets, the diff, a widening confirmed), through the ceremony operation', async () => {
    const { file } = await holderCopy('aws-kms');
    const svc = keyStore(fs.mkdtempSync(path.join(tmp, 'ws-')));
    const vendorRole = principal('vendor role').arn;
    const draft: AwsImportDraft = { holder: 1, accountId: principal('key holder 1').accountId, region: REGION, vendorRoleArn: vendorRole, cacheMinutes: 5 };
    svc.saveDraft(draft);
    const imported = await awsImportPurpose(svc)(await open(file), { kind: 'vault-import', target: awsImportTarget(draft), holder: 1 }, file);
    const { ops, entries } = operations(svc);

    // The vendor role already may Decrypt the key: the plan widens its grant, refused until the holder confirms it.
    const h1 = principal('key holder 1');
    const kms = new KMSClient({ region: REGION, endpoint: cloud.descriptor.kms.endpoint, credentials: { accessKeyId: h1.accessKeyId, secretAccessKey: h1.secretAccessKey }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
    const narrow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${h1.accountId}:root` }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: vendorRole }, Action: 'kms:Decrypt', Resource: '*' }] };
    await kms.send(new PutKeyPolicyCommand({ KeyId: String(imported.keyVersionId), PolicyName: 'default', Policy: JSON.stringify(narrow) }));
    kms.destroy();
    const shown = await svc.proposePolicies();
    await expect(ops.applyAwsPolicies(shown)).rejects.toMatchObject({ code: 'aws.policy_widens' });
    expect(entries, 'nothing is recorded for a policy that was not applied').toEqual([]);

    await ops.applyAwsPolicies(shown, { widening: true });
    expect(entries.map((e) => e.kind)).toEqual(['aws.key-policy-applied']);
    const e = entries[0]!.data;
    expect(e).toMatchObject({ holder: 1, vendorRoleArn: vendorRole, wideningConfirmed: true });
    const [key, companion] = e.keys as JsonObject[];
    expect(key).toMatchObject({ keyRole: 'encryption', keyArn: imported.keyVersionId, vendorActions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'], widened: [vendorRole], unchanged: false, replacedPolicySha256: shown.primary.currentSha256 });
    expect(key!.changes).toEqual(shown.primary.lines);
    expect((key!.changes as string[])[0]).toMatch(/^WIDENS arn:aws:iam::\d{12}:role\/.+: kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey$/);
    expect(key!.appliedPolicySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(key!.appliedPolicySha256).not.toBe(key!.replacedPolicySha256);
    expect(companion).toMatchObject({ keyRole: 'companion-hmac', keyArn: imported.companionKeyArn, vendorActions: ['kms:DescribeKey', 'kms:GenerateMac'], widened: [], unchanged: false });

    // Applying again changes nothing in AWS and adds nothing to the record.
    await ops.applyAwsPolicies(await svc.proposePolicies());
    expect(entries).toHaveLength(1);
    expect(svc.keyStoreValues()).toMatchObject({ keyArn: imported.keyVersionId });
  });
});
