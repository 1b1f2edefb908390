/**
 * The AWS side of a workstation (what the AWS screens call) against the
 * rehearsal cloud: signed in through Identity Center, the worksheet's AWS
 * lines checked with the shared rules (China refused, two holders in one
 * account refused, one vendor role, cache time bounds, Region advice), and
 * the key store importing with the signed-in role's temporary credentials.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { generateSymmetricKey } from '../../services/keys/symmetric-key';
import { silentLogger } from '../../services/log/logger';
import { AwsWorkstation } from '../../services/vault/aws-kms/workstation';
import { createAwsKeyStoreService } from '../../services/vault/aws-kms/key-store-service';
import { openedAesCopy } from '../../services/vault/aws-kms/import-purpose';

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

describe('the key store signs in as the holder did here', () => {
  it('imports through the key store with the Identity Center role’s credentials (the key lands in that role’s account)', async () => {
    const store = createAwsKeyStoreService({ dataDir: dir, clock: { now: () => new Date() }, log: silentLogger, aws: () => ws.access() });
    const key = generateSymmetricKey();
    const draft = { holder: 1 as const, accountId: '111122223333', region: 'eu-west-2', vendorRoleArn: VENDOR_ROLE, cacheMinutes: 5 };
    store.saveDraft(draft);
    const out = await store.importOpened(draft, openedAesCopy(key.secretKey.export(), { keyType: 'AES', keyId: key.keyId, fingerprint: key.identity.fingerprint }));
    expect(out.keyArn).toMatch(/^arn:aws:kms:eu-west-2:111122223333:key\//);
    expect(out.selfTest).toEqual({ encryptDecrypt: true, dataKey: true, macMatchesLocal: true, localMacVerified: true });
    // The credentials are the role's temporary ones, not a long-term key of the descriptor's.
    const access = ws.access()!;
    const creds = await (access.credentials as () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>)();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(creds.sessionToken).toBeTruthy();
    expect(cloud.descriptor.kms.principals.map((p) => p.accessKeyId)).not.toContain(creds.accessKeyId);
    // Kept in memory only: nothing the workstation wrote (worksheet lines, the key store's record) holds the role's secret or session token.
    const written = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
    expect(written.length).toBeGreaterThan(0);
    for (const f of written) {
      const text = fs.readFileSync(path.join(dir, f), 'latin1');
      expect(text, f).not.toContain(creds.secretAccessKey);
      expect(text, f).not.toContain(creds.sessionToken!);
    }
  });

  it('gives no access while AWS is not set up on the workstation', () => {
    const none = new AwsWorkstation({ dataDir: dir, clock: { now: () => new Date() }, log: silentLogger, connection: () => null });
    expect(none.access()).toBeUndefined();
    expect(none.signInStatus()).toMatchObject({ method: null, problem: expect.stringMatching(/choose AWS KMS in Settings/) as string });
  });
});
