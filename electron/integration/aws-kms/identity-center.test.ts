/**
 * Key Holder's own IAM Identity Center sign-in (device authorisation, as `aws
 * sso login` does) against the rehearsal cloud's Identity Center double,
 * through the official @aws-sdk/client-sso-oidc and @aws-sdk/client-sso:
 * approved (then the chosen role's credentials work on KMS, and only as far
 * as that role allows), denied, expired, slow_down, the session renewed with
 * the refresh token, role credentials fetched again before they expire, and
 * sign-out ending the portal session. The person's approval goes through the
 * double's approval page, as in the browser.
 *
 * No test sleeps: waiting between polls moves the rehearsal cloud's clock.
 */
import type https from 'node:https';
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { ListAccountsCommand, SSOClient } from '@aws-sdk/client-sso';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AwsIdentityCenter } from '../../services/identity/aws-identity-center';
import { sealedAwsSignIn } from '../../services/identity/aws-sign-in-keeper';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import type { SecretBox } from '../../services/platform/secret-box';
import { silentLogger } from '../../services/log/logger';

let cloud: RehearsalCloud;
let agent: https.Agent;
/** The test's view of the cloud clock's offset (every advance goes through the admin API). */
let offsetMs = 0;

const clock = { now: () => new Date(Date.now() + offsetMs) };

async function advance(ms: number): Promise<void> {
  offsetMs += ms;
  await request(agent, `${cloud.descriptor.adminUrl}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
}

function signIn(o: { sleep?: (ms: number) => Promise<void>; startUrl?: string; kept?: { box: SecretBox; file: string } } = {}): AwsIdentityCenter {
  const ic = cloud.descriptor.kms.identityCenter;
  return new AwsIdentityCenter({
    config: { startUrl: o.startUrl ?? ic.startUrl, region: ic.region, oidcEndpoint: ic.oidcEndpoint, portalEndpoint: ic.portalEndpoint, agent },
    clock,
    log: silentLogger,
    sleep: o.sleep ?? ((ms) => advance(ms)),
    ...(o.kept ? { keeper: sealedAwsSignIn(o.kept.box, o.kept.file, silentLogger) } : {}),
  });
}

/** What the person does in the browser: open the page with the code, pick who they are, Allow or Deny. */
async function decide(userCode: string, decision: 'approve' | 'deny', user = 'alice'): Promise<number> {
  const page = await request(agent, `${cloud.descriptor.kms.identityCenter.oidcEndpoint}/device?user_code=${encodeURIComponent(userCode)}`);
  expect(page.text).toContain('Rehearsal cloud');
  expect(page.text).toContain(userCode);
  const r = await request(agent, `${cloud.descriptor.kms.identityCenter.oidcEndpoint}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: userCode, user, decision }).toString(),
  });
  return r.status;
}

function kms(s: AwsIdentityCenter, region = cloud.descriptor.kms.defaultRegion): KMSClient {
  return new KMSClient({ region, endpoint: cloud.descriptor.kms.endpoint, credentials: s.credentialProvider(), requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1, systemClockOffset: offsetMs });
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = (await p.then(
    () => null,
    (x: unknown) => x,
  )) as { code: string; message: string } | null;
  expect(e, 'expected a refusal').not.toBeNull();
  return e!;
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
}, 30_000);
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
});

describe('IAM Identity Center device authorisation', () => {
  it('approved: lists the holder’s accounts and roles, and the chosen role’s credentials work on KMS as far as the role allows', async () => {
    const s = signIn();
    const prompt = await s.start();
    expect(prompt.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(prompt.verificationUriComplete).toContain(encodeURIComponent(prompt.userCode));
    expect(s.status().state).toBe('waiting');
    expect(await decide(prompt.userCode, 'approve', 'alice')).toBe(200);
    const roles = await s.wait(prompt.flowId);
    expect(roles.map((r) => `${r.accountId}/${r.roleName}`).sort()).toEqual(['111122223333/KeyHolderKmsAdmin', '111122223333/KmsReadOnly']);
    expect(s.status()).toMatchObject({ state: 'signed-in', role: null });

    await expect(s.roleCredentials()).rejects.toMatchObject({ code: 'aws.role_not_chosen' });
    s.useRole('111122223333', 'KeyHolderKmsAdmin');
    const admin = kms(s);
    const created = await admin.send(new CreateKeyCommand({ Origin: 'EXTERNAL', Description: 'identity center test' }));
    expect(created.KeyMetadata!.Arn).toMatch(/^arn:aws:kms:eu-west-2:111122223333:key\//);

    // The read-only permission set may list, not create: the credentials carry the role, not the person.
    s.useRole('111122223333', 'KmsReadOnly');
    const reader = kms(s);
    expect((await reader.send(new ListKeysCommand({}))).Keys!.length).toBeGreaterThan(0);
    const denied = await refusal(reader.send(new CreateKeyCommand({ Origin: 'EXTERNAL' })));
    expect((denied as unknown as { name: string }).name).toBe('AccessDeniedException');
    expect(() => s.useRole('444455556666', 'KeyHolderKmsAdmin')).toThrow(expect.objectContaining({ code: 'aws.role_unknown' }) as Error);
    admin.destroy();
    reader.destroy();
    s.destroy();
  });

  it('denied in the browser: the sign-in ends with a message saying so, and nothing is held', async () => {
    const s = signIn();
    const prompt = await s.start();
    expect(await decide(prompt.userCode, 'deny')).toBe(200);
    const e = await refusal(s.wait(prompt.flowId));
    expect(e.code).toBe('aws.sign_in_denied');
    expect(e.message).toMatch(/denied in the browser/);
    expect(s.status().state).toBe('signed-out');
    await expect(s.roleCredentials()).rejects.toMatchObject({ code: 'aws.not_signed_in' });
    s.destroy();
  });

  it('expired: a code nobody approves within its 10 minutes ends the attempt, and the page refuses it afterwards', async () => {
    const s = signIn({ sleep: (ms) => advance(Math.max(ms, 61_000)) });
    const prompt = await s.start();
    const e = await refusal(s.wait(prompt.flowId));
    expect(e.code).toBe('aws.sign_in_expired');
    expect(e.message).toMatch(/expired before it was approved/);
    expect(await decide(prompt.userCode, 'approve')).toBe(400);
    s.destroy();
  });

  it('slow_down: polling faster than the interval is told to slow down, and the next polls wait 5 seconds longer', async () => {
    const waits: number[] = [];
    let approved = false;
    let userCode = '';
    const s = signIn({
      sleep: async (ms) => {
        waits.push(ms);
        // The second poll comes at once (no time passes): the double answers slow_down.
        if (waits.length !== 2) await advance(ms);
        if (waits.length === 3 && !approved) {
          approved = true;
          expect(await decide(userCode, 'approve', 'bob')).toBe(200);
        }
      },
    });
    const prompt = await s.start();
    userCode = prompt.userCode;
    const roles = await s.wait(prompt.flowId);
    const interval = waits[0]!;
    expect(waits.slice(0, 3)).toEqual([interval, interval, interval + 5000]);
    expect(roles).toEqual([{ accountId: '444455556666', accountName: 'Key holder 2 rehearsal account', roleName: 'KeyHolderKmsAdmin' }]);
    // One role only: it is chosen without asking.
    expect(s.status().role).toMatchObject({ roleName: 'KeyHolderKmsAdmin' });
    s.destroy();
  });

  it('a start URL that is not the organisation’s portal is refused with what to check', async () => {
    const s = signIn({ startUrl: 'https://d-0000000000.awsapps.com/start' });
    const e = await refusal(s.start());
    expect(e.code).toBe('aws.bad_start_url');
    expect(e.message).toMatch(/start URL .* Settings/);
    s.destroy();
  });

  it('role credentials are fetched again before they expire; the session is renewed with the refresh token; sign-out ends it at the portal', async () => {
    const s = signIn();
    const prompt = await s.start();
    await decide(prompt.userCode, 'approve', 'bob');
    await s.wait(prompt.flowId);
    const first = await s.roleCredentials();
    expect(await s.roleCredentials()).toBe(first);
    const before = s.status().sessionExpiresAt!;

    // Past the access token's and the role credentials' hour: both are renewed without asking the holder.
    await advance(3601_000);
    const second = await s.roleCredentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(Date.parse(s.status().sessionExpiresAt!)).toBeGreaterThan(Date.parse(before));
    const client = kms(s);
    expect((await client.send(new ListKeysCommand({}))).Keys).toBeDefined();

    // The old role credentials expired with their hour at the KMS double too.
    const stale = new KMSClient({ region: 'eu-west-2', endpoint: cloud.descriptor.kms.endpoint, credentials: first, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1, systemClockOffset: offsetMs });
    expect(((await refusal(stale.send(new ListKeysCommand({})))) as unknown as { name: string }).name).toBe('ExpiredTokenException');

    // Sign-out: the portal forgets the token, and nothing is left here.
    const token = (s as unknown as { tokens: { accessToken: string } }).tokens.accessToken;
    await s.signOut();
    expect(s.status().state).toBe('signed-out');
    const portal = new SSOClient({ region: 'eu-west-2', endpoint: cloud.descriptor.kms.identityCenter.portalEndpoint, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
    expect(((await refusal(portal.send(new ListAccountsCommand({ accessToken: token })))) as unknown as { name: string }).name).toBe('UnauthorizedException');
    await expect(s.roleCredentials()).rejects.toMatchObject({ code: 'aws.not_signed_in' });
    client.destroy();
    stale.destroy();
    portal.destroy();
    s.destroy();
  });

  it('a refresh token the portal no longer honours asks the holder to sign in again', async () => {
    const s = signIn();
    const prompt = await s.start();
    await decide(prompt.userCode, 'approve', 'bob');
    await s.wait(prompt.flowId);
    await s.roleCredentials();
    // Another sign-out of the same session at the portal (e.g. by the administrator) revokes the refresh token too.
    const token = (s as unknown as { tokens: { accessToken: string } }).tokens.accessToken;
    const portal = new SSOClient({ region: 'eu-west-2', endpoint: cloud.descriptor.kms.identityCenter.portalEndpoint, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
    const { LogoutCommand } = await import('@aws-sdk/client-sso');
    await portal.send(new LogoutCommand({ accessToken: token }));
    await advance(3601_000);
    const e = await refusal(s.roleCredentials());
    expect(e.code).toBe('aws.sign_in_expired');
    expect(e.message).toMatch(/Sign in again/);
    expect(s.status().state).toBe('signed-out');
    portal.destroy();
    s.destroy();
  });
});

describe('the sign-in kept across restarts, sealed with the SecretBox', () => {
  const key = new Uint8Array(32).fill(7);
  let dir: string;
  /** The same keychain before and after a restart (same key), and where the sealed sign-in lives. */
  const kept = (box: SecretBox = memorySecretBox({ key })) => ({ box, file: path.join(dir, 'aws-kms', 'identity-center-sign-in.sealed') });
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-kept-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function signedIn(user = 'alice'): Promise<AwsIdentityCenter> {
    const s = signIn({ kept: kept() });
    const prompt = await s.start();
    await decide(prompt.userCode, 'approve', user);
    await s.wait(prompt.flowId);
    return s;
  }

  it('a restart keeps the sign-in and the chosen role (no plain token in the file); sign-out drops it', async () => {
    const first = await signedIn('alice');
    first.useRole('111122223333', 'KeyHolderKmsAdmin');
    const token = (first as unknown as { tokens: { accessToken: string; refreshToken: string } }).tokens;
    first.destroy();
    const raw = fs.readFileSync(kept().file);
    for (const secret of [token.accessToken, token.refreshToken, 'KeyHolderKmsAdmin']) expect(raw.includes(Buffer.from(secret)), 'sealed, not plain').toBe(false);

    const again = signIn({ kept: kept() });
    expect(again.status()).toMatchObject({ state: 'signed-in', role: { accountId: '111122223333', roleName: 'KeyHolderKmsAdmin' } });
    const client = kms(again);
    expect((await client.send(new ListKeysCommand({}))).Keys).toBeDefined();
    client.destroy();

    await again.signOut();
    expect(fs.existsSync(kept().file)).toBe(false);
    again.destroy();
    expect(signIn({ kept: kept() }).status()).toEqual({ state: 'signed-out' });
  });

  it('past the access token’s hour the kept refresh token renews the session after a restart; once the portal refuses it, the kept sign-in is dropped', async () => {
    const first = await signedIn('bob');
    first.destroy();
    const copy = fs.readFileSync(kept().file);
    await advance(3601_000);
    const renewed = signIn({ kept: kept() });
    expect(renewed.status().state).toBe('signed-in');
    expect(renewed.status().sessionExpiresAt, 'no past time shown as the end').toBeUndefined();
    expect((await renewed.roleCredentials()).accessKeyId).toBeTruthy();
    expect(Date.parse(renewed.status().sessionExpiresAt!)).toBeGreaterThan(clock.now().getTime());
    renewed.destroy();

    // The copy from before holds a refresh token the portal has since used up (they rotate): refused, dropped, said.
    fs.writeFileSync(kept().file, copy);
    await advance(3601_000);
    const stale = signIn({ kept: kept() });
    const e = await refusal(stale.roleCredentials());
    expect(e.code).toBe('aws.sign_in_expired');
    expect(fs.existsSync(kept().file)).toBe(false);
    expect(stale.status().state).toBe('signed-out');
    stale.destroy();
  });

  it('an expired sign-in is dropped at start (its client registration lapsed: nothing can renew it), with a notice', async () => {
    const first = await signedIn('bob');
    first.destroy();
    expect(fs.existsSync(kept().file)).toBe(true);
    await advance(91 * 24 * 3600_000);
    const after = signIn({ kept: kept() });
    expect(after.status()).toMatchObject({ state: 'signed-out', notice: expect.stringMatching(/expired while Key Holder was closed/) });
    expect(fs.existsSync(kept().file)).toBe(false);
    after.destroy();
  });

  it('a tampered sealed file is refused (set aside, signed out, said why); a sign-in for other settings is not used', async () => {
    const first = await signedIn('bob');
    first.destroy();
    const file = kept().file;
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    const after = signIn({ kept: kept() });
    expect(after.status()).toMatchObject({ state: 'signed-out', notice: expect.stringMatching(/could not be opened .* set aside/) });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(path.dirname(file)).some((n) => n.startsWith('identity-center-sign-in.sealed.unreadable-'))).toBe(true);
    await expect(after.roleCredentials()).rejects.toMatchObject({ code: 'aws.not_signed_in' });
    after.destroy();

    // Sealed by another keychain (another computer or user): the same.
    const other = await signedIn('bob');
    other.destroy();
    const foreign = signIn({ kept: kept(memorySecretBox()) });
    expect(foreign.status()).toMatchObject({ state: 'signed-out', notice: expect.stringMatching(/could not be opened/) });
    foreign.destroy();

    // Kept for another access portal: not used, and dropped.
    const mine = await signedIn('bob');
    mine.destroy();
    const elsewhere = signIn({ kept: kept(), startUrl: 'https://d-0000000000.awsapps.com/start' });
    expect(elsewhere.status()).toEqual({ state: 'signed-out' });
    expect(fs.existsSync(kept().file)).toBe(false);
    elsewhere.destroy();
  });

  it('without a SecretBox: signing in is refused before anything starts (fail closed), and a kept sign-in stays unopened with the reason', async () => {
    const none = memorySecretBox({ key, available: false, reason: 'The system keychain is locked.' });
    const s = signIn({ kept: kept(none) });
    const e = await refusal(s.start());
    expect(e.code).toBe('aws.secret_store_unavailable');
    expect(e.message).toMatch(/cannot keep your AWS sign-in safely: The system keychain is locked\. Nothing was saved and you stay signed out/);
    expect(s.status()).toEqual({ state: 'signed-out' });
    expect(fs.existsSync(kept().file)).toBe(false);
    s.destroy();

    const first = await signedIn('bob');
    first.destroy();
    const locked = signIn({ kept: kept(none) });
    expect(locked.status()).toMatchObject({ state: 'signed-out', notice: expect.stringMatching(/cannot open it: The system keychain is locked/) });
    await expect(locked.roleCredentials()).rejects.toMatchObject({ code: 'aws.not_signed_in' });
    // Left sealed for when the keychain is available again.
    expect(fs.existsSync(kept().file)).toBe(true);
    locked.destroy();
    expect(signIn({ kept: kept() }).status().state).toBe('signed-in');
  });
});
