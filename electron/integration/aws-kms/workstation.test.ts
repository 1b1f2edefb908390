/**
 * The AWS side of a workstation (what the AWS screens call) against the
 * rehearsal cloud: signed in through Identity Center, the worksheet's AWS
 * lines checked with the shared rules (China refused, two holders in one
 * account refused, one vendor role, cache time bounds, Region advice), the
 * import of an opened 256-bit key (a wrong key refused and the draft kept),
 * both key policies shown, applied and then unchanged (the vendor's role can
 * MAC on the companion only afterwards), and the lifecycle adapter's
 * revoke/unrevoke on the KMS key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { generateSymmetricKey } from '../../services/keys/symmetric-key';
import { silentLogger } from '../../services/log/logger';
import { AwsWorkstation, type AwsImportDraft } from '../../services/vault/aws-kms/workstation';
import { awsLifecycleProvider } from '../../services/vault/aws-kms/lifecycle-adapter';

let cloud: RehearsalCloud;
let agent: https.Agent;
let dir: string;
let ws: AwsWorkstation;
const VENDOR_ROLE = 'arn:aws:iam::777788889999:role/vendor-kms-access';

async function signIn(w: AwsWorkstation): Promise<void> {
  const prompt = await w.startSignIn();
  await request(agent, `${cloud.descriptor.kms.identityCenter.oidcEndpoint}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: prompt.userCode, user: 'alice', decision: 'approve' }).toString(),
  });
  await w.waitSignIn(prompt.flowId);
  w.useRole('111122223333', 'KeyHolderKmsAdmin');
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ port: 0 });
  agent = agentFor(cloud);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-ws-'));
  const ic = cloud.descriptor.kms.identityCenter;
  ws = new AwsWorkstation({
    dataDir: dir,
    clock: { now: () => new Date() },
    log: silentLogger,
    connection: () => ({ settings: { region: 'eu-west-2', signIn: { method: 'identity-center', startUrl: ic.startUrl, ssoRegion: ic.region }, kmsEndpoint: cloud.descriptor.kms.endpoint }, oidcEndpoint: ic.oidcEndpoint, portalEndpoint: ic.portalEndpoint, agent }),
    // Approved before the first poll: no waiting needed.
    sleep: async () => {},
  });
  await signIn(ws);
}, 30_000);
afterAll(async () => {
  ws?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
  agent?.destroy();
  await cloud?.stop();
});

const line = (keyArn: string, extra: Partial<{ vendorRoleArn: string; cacheMinutes: number; vendorRegion: string }> = {}) => ({ keyArn, vendorRoleArn: VENDOR_ROLE, cacheMinutes: 5, vendorRegion: 'eu-west-2', ...extra });

describe('the AWS worksheet lines', () => {
  it('refuses China Regions, one account for both holders, two vendor roles and cache times out of bounds; advises on the Region', () => {
    const china = ws.saveWorksheet(1, line('arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
    expect(china.check.problems.keyArn).toMatch(/China/);
    ws.saveWorksheet(1, line('arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', { vendorRegion: 'eu-west-1' }));
    expect(ws.checkWorksheet(1).advice).toMatch(/recommends the same Region/);
    const same = ws.saveWorksheet(2, line('arn:aws:kms:eu-west-2:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab'));
    expect(same.check.problems.pair).toMatch(/same AWS account/);
    const twin = ws.saveWorksheet(2, line('arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
    expect(twin.check.problems.pair).toMatch(/same as the other holder/);
    const roles = ws.saveWorksheet(2, line('arn:aws:kms:eu-west-2:444455556666:key/0000abcd-12ab-34cd-56ef-1234567890ab', { vendorRoleArn: 'arn:aws:iam::777788889999:role/other' }));
    expect(roles.check.problems.vendorRoleArn).toMatch(/differs between the two holders/);
    for (const bad of [0, 1441, 2.5]) expect(ws.saveWorksheet(2, line('arn:aws:kms:eu-west-2:444455556666:key/0000abcd-12ab-34cd-56ef-1234567890ab', { cacheMinutes: bad })).check.problems.cacheMinutes).toMatch(/1 to 1440/);
    const fine = ws.saveWorksheet(2, line('arn:aws:kms:eu-west-2:444455556666:key/0000abcd-12ab-34cd-56ef-1234567890ab', { cacheMinutes: 30 }));
    expect(fine.check.problems).toEqual({});
    expect(ws.cacheSeconds(2)).toBe(1800);
    // What was typed is kept, wrong or not.
    expect(ws.worksheet()['2']?.cacheMinutes).toBe(30);
  });
});

describe('the import, the key policies and the lifecycle adapter', () => {
  const draft: AwsImportDraft = { holder: 1, holderCopyPath: '/media/usb/holder-1.khescrow', keyArn: '', validTo: '', wrappingAlgorithm: 'RSAES_OAEP_SHA_256' };

  it('checks the draft: a key in another Region, material expiring in the past or beyond 365 days', () => {
    expect(() => ws.checkDraft({ ...draft, keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' })).toThrow(expect.objectContaining({ code: 'aws.wrong_region' }) as Error);
    expect(() => ws.checkDraft({ ...draft, validTo: '2000-01-01T00:00:00Z' })).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to' }) as Error);
    expect(() => ws.checkDraft({ ...draft, validTo: new Date(Date.now() + 400 * 86400_000).toISOString() })).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to' }) as Error);
    expect(() => ws.checkDraft({ ...draft, holderCopyPath: ' ' })).toThrow(expect.objectContaining({ code: 'vault.copy_missing' }) as Error);
  });

  it('refuses material that is not the key the copy names, keeping the draft; imports the right one; applies both policies once shown', async () => {
    const key = generateSymmetricKey();
    const raw = key.secretKey.export();
    await expect(ws.importOpened(draft, crypto.randomBytes(32), { keyId: key.keyId, fingerprint: key.identity.fingerprint })).rejects.toMatchObject({ code: 'activation.wrong_key' });
    expect(ws.record()).toMatchObject({ state: 'failed', draft });

    const out = await ws.importOpened(draft, raw, { keyId: key.keyId, fingerprint: key.identity.fingerprint });
    expect(out.keyArn).toMatch(/^arn:aws:kms:eu-west-2:111122223333:key\//);
    expect(ws.held()).toEqual({ holder: 1, keyArn: out.keyArn });

    ws.saveWorksheet(1, line(out.keyArn));
    const vendor = cloud.descriptor.kms.principals.find((p) => p.label === 'vendor role')!;
    const vendorKms = new KMSClient({ region: 'eu-west-2', endpoint: cloud.descriptor.kms.endpoint, credentials: { accessKeyId: vendor.accessKeyId, secretAccessKey: vendor.secretAccessKey, sessionToken: vendor.sessionToken! }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
    const mac = () => vendorKms.send(new GenerateMacCommand({ KeyId: out.companionArn, Message: Buffer.from('pair proof'), MacAlgorithm: 'HMAC_SHA_256' })).then(() => 'allowed', (e: { name: string }) => e.name);
    expect(await mac()).toBe('AccessDeniedException');

    const shown = await ws.proposePolicies();
    expect(shown.primary.lines).toEqual([`grants ${VENDOR_ROLE}: kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey`]);
    expect(shown.companion.lines).toEqual([`grants ${VENDOR_ROLE}: kms:DescribeKey, kms:GenerateMac`]);
    // A stale view is refused: the holder must see what is applied.
    await expect(ws.applyPolicies({ primarySha256: '0'.repeat(64), companionSha256: shown.companion.currentSha256, confirmWidening: false })).rejects.toMatchObject({ code: 'aws.policy_changed' });
    const after = await ws.applyPolicies({ primarySha256: shown.primary.currentSha256, companionSha256: shown.companion.currentSha256, confirmWidening: false });
    expect(after.primary.plan.unchanged && after.companion.plan.unchanged).toBe(true);
    expect(await mac()).toBe('allowed');
    vendorKms.destroy();

    const lifecycle = awsLifecycleProvider(() => ws.provider());
    expect((await lifecycle.keyVersionHealth(out.keyArn)).state).toBe('available');
    expect((await lifecycle.setVersionEnabled(out.keyArn, false)).enabled).toBe(false);
    expect(await lifecycle.keyVersionHealth(out.keyArn)).toMatchObject({ state: 'revoked', reason: 'disabled' });
    expect((await lifecycle.setVersionEnabled(out.keyArn, true)).enabled).toBe(true);
    expect((await ws.health()).state).toBe('available');
  });
});
