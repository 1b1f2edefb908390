/**
 * Extending the imported key material's expiry (seed 002: material imported
 * with ExpirationModel KEY_MATERIAL_EXPIRES is deleted by KMS at ValidTo), as
 * the Key store lifecycle screen runs it (lifecycle:key-material-extend): the
 * same escrowed key, opened only by a supervised activation on the
 * workstation's desk, imported again into the same KMS key and its companion
 * with the new ValidTo, which KMS then reports (DescribeKey) and the expiry
 * dashboard follows. Bad input and another key are refused with nothing
 * changed in KMS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor } from '../../rehearsal/testing/sdk';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { createEscrowService } from '../../services/escrow/service';
import { PassphraseThrottle } from '../../services/escrow/throttle';
import { PASS } from '../../services/escrow/testing/helpers';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { createCeremonyTranscripts } from '../../services/transcript/index';
import { createParticipantsService } from '../../services/participants/index';
import { createActivationService } from '../../services/activation/index';
import { createActivationDesk, type ActivationView } from '../../services/activation/desk';
import { holderCopySource } from '../../services/activation/escrow-sources';
import { holderCopyFromBytes } from '../../services/escrow/holder-copy';
import { AwsKmsProvider } from '../../services/vault/aws-kms/provider';
import { AwsKeyStoreService, type AwsImportDraft } from '../../services/vault/aws-kms/key-store-service';
import { awsImportPurpose, awsImportTarget } from '../../services/vault/aws-kms/import-purpose';
import { awsExtendPurpose } from '../../services/vault/aws-kms/extend-purpose';
import { itemsFromAwsKeyMaterial } from '../../services/expiry/tracked-items-source';

const DAY = 86_400_000;
const REGION = 'eu-west-2';
let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
let svc: AwsKeyStoreService;
let desk: ReturnType<typeof createActivationDesk>;
const copies: Record<'ours' | 'other', string> = { ours: '', other: '' };
const principal = (label: string) => cloud.descriptor.kms.principals.find((p) => p.label === label)!;
const creds = () => ({ accessKeyId: principal('key holder 1').accessKeyId, secretAccessKey: principal('key holder 1').secretAccessKey });
const describeKey = async (arn: string) =>
  (await new KMSClient({ region: REGION, endpoint: cloud.descriptor.kms.endpoint, credentials: creds(), requestHandler: new NodeHttpHandler({ httpsAgent: agent }) }).send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!;

/** An AES escrow with one key-holder copy (passphrase PASS[1]); returns the copy's path. */
async function aesCopy(name: string): Promise<string> {
  const escrow = createEscrowService({ dataDir: fs.mkdtempSync(path.join(tmp, 'escrow-')), clock: systemClock, log: silentLogger, kdf: TEST_KDF, throttle: new PassphraseThrottle({ clock: systemClock, baseDelayMs: 0 }) });
  let st = await escrow.startCeremony({ keyStore: 'aws-kms', modulusBits: 2048 });
  st = await escrow.setCustodians(st.sessionId, ['Carol Custodian'], 1);
  await escrow.enterPassphrase(st.sessionId, 1, PASS[0]!);
  st = await escrow.writeFiles(st.sessionId);
  st = await escrow.testRestore(st.sessionId, 1, PASS[0]!);
  st = await escrow.createHolderCopy(st.sessionId, name, PASS[1]!);
  return st.holderCopies[0]!.file;
}

const signing = (name: string) => `${name} signing passphrase`;
/** A supervised split-knowledge activation on the desk (as lifecycle:key-material-extend starts it), attested unless told otherwise. */
async function supervised(copy: string, target: string, o: { attest?: boolean } = {}): Promise<ActivationView> {
  const v = await desk.start({ mode: 'split-knowledge', escrowFile: copy, purpose: { kind: 'key-material-extend', target, holder: 1 } });
  const join = (role: 'operator' | 'supervisor' | 'keeper' | 'knower', name: string) => desk.join({ session: v.session, role, name, participantPassphrase: signing(name) });
  await join('operator', 'Olive Operator');
  await join('supervisor', 'Sam Supervisor');
  await join('keeper', 'Kim Keeper');
  desk.presentCopy({ session: v.session });
  await join('knower', 'Noor Knower');
  await desk.enterPassphrase({ session: v.session, passphrase: PASS[1]! });
  if (o.attest !== false) await desk.attest({ session: v.session, participantPassphrase: signing('Sam Supervisor') });
  return desk.carryOut({ session: v.session });
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ port: 0 });
  agent = agentFor(cloud);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-extend-'));
  const dataDir = path.join(tmp, 'ws');
  svc = new AwsKeyStoreService({
    dataDir,
    clock: systemClock,
    log: silentLogger,
    provider: (region) => new AwsKmsProvider({ region, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: creds(), maxAttempts: 1 }),
  });
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: memorySecretBox(), clock: systemClock });
  const workstation = () => ({ label: 'holder 1', publicKey: transcript.ceremonyKey().publicKey, sign: transcript.ceremonyKey().sign });
  const participants = createParticipantsService({ dataDir, clock: systemClock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation });
  for (const [name, role] of [['Olive Operator', 'operator'], ['Sam Supervisor', 'supervisor'], ['Kim Keeper', 'keeper'], ['Noor Knower', 'knower']] as const) await participants.enrol(name, signing(name), [role]);
  // The desk's purpose as the app wires it (services/index.ts).
  desk = createActivationDesk({ activation: createActivationService({ transcript, clock: systemClock, workstation }), participants, transcript, purposes: { 'key-material-extend': awsExtendPurpose(svc) } });
  copies.ours = await aesCopy('Key holder 1');
  copies.other = await aesCopy('Key holder 1');
  // The first import, with material expiring in 30 days, then its policy: a finished key store.
  const draft: AwsImportDraft = { holder: 1, accountId: principal('key holder 1').accountId, region: REGION, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 5, validTo: new Date(Date.now() + 30 * DAY).toISOString() };
  svc.saveDraft(draft);
  // (Setup: the first import's supervised path is proven in key-store-service.test.ts and the ceremony; here the copy is opened directly.)
  const file = parseEscrow(new Uint8Array(fs.readFileSync(copies.ours)));
  const material = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), copies.ours), new PassphraseThrottle({ clock: systemClock, baseDelayMs: 0 })).open(new Uint8Array(Buffer.from(PASS[1]!, 'utf8')));
  await awsImportPurpose(svc)(material, { kind: 'vault-import', target: awsImportTarget(draft), holder: 1 }, file);
  await svc.applyPolicies(await svc.proposePolicies());
}, 60_000);
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('extending the AWS key material’s expiry', () => {
  it('re-imports the same material under a supervised activation; KMS then reports the new ValidTo for the key and its companion', async () => {
    const before = svc.record()!;
    const { keyArn, companionArn } = before.outcome!;
    const oldValidTo = before.draft.validTo!;
    expect((await describeKey(keyArn)).ValidTo!.toISOString()).toBe(oldValidTo);
    expect(itemsFromAwsKeyMaterial(before)[0]!.expiresAt).toBe(oldValidTo);

    const wanted = new Date(Date.now() + 200 * DAY);
    wanted.setUTCMilliseconds(0);
    const { target, holder } = svc.prepareExtension({ validTo: wanted.toISOString() });
    expect(holder).toBe(1);
    expect(target).toBe(`Key holder 1: re-import the key material of ${keyArn} in AWS KMS, valid to ${wanted.toISOString()}`);
    // Without the supervisor's attestation nothing is opened for the purpose, and KMS keeps the old date.
    await expect(supervised(copies.ours, target, { attest: false })).rejects.toMatchObject({ code: expect.stringMatching(/^(ceremony|activation)\./) });
    expect((await describeKey(keyArn)).ValidTo!.toISOString()).toBe(oldValidTo);

    const done = await supervised(copies.ours, target);
    expect(done).toMatchObject({ step: 'done', result: { keyVersionId: keyArn, validTo: wanted.toISOString(), previousValidTo: oldValidTo, selfTest: true } });
    const [key, companion] = [await describeKey(keyArn), await describeKey(companionArn)];
    expect(key).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
    expect(key.ValidTo!.toISOString()).toBe(wanted.toISOString());
    expect(companion.ValidTo!.toISOString()).toBe(wanted.toISOString());
    const after = svc.record()!;
    expect(after).toMatchObject({ state: 'done', draft: { validTo: wanted.toISOString() }, outcome: { keyArn, validTo: wanted.toISOString() }, extended: { validTo: wanted.toISOString(), previousValidTo: oldValidTo } });
    expect(after.extension).toBeUndefined();
    // The expiry dashboard and keyholder expiry read the record: the reminder moves to the new date.
    expect(itemsFromAwsKeyMaterial(after)[0]!.expiresAt).toBe(wanted.toISOString());
    expect((await svc.lifecycleFacts())!.validTo).toBe(wanted.toISOString());
  });

  it('refuses bad dates, another key and a changed date, with nothing changed in KMS', async () => {
    const r = svc.record()!;
    const { keyArn } = r.outcome!;
    const current = r.draft.validTo!;
    for (const [validTo, why] of [
      ['not a date', /Give the new date/],
      [new Date(Date.now() - DAY).toISOString(), /in the past/],
      [new Date(Date.parse(current) - DAY).toISOString(), /not later than the current one/],
      [new Date(Date.now() + 400 * DAY).toISOString(), /at most 365 days ahead/],
    ] as const) {
      expect(() => svc.prepareExtension({ validTo })).toThrow(expect.objectContaining({ code: 'aws.bad_valid_to', message: expect.stringMatching(why) }));
    }
    // Another escrow's key (its copy's passphrase is right, its key is not the one in this KMS key): refused before KMS.
    const later = new Date(Date.parse(current) + 10 * DAY).toISOString();
    const { target } = svc.prepareExtension({ validTo: later });
    await expect(supervised(copies.other, target)).rejects.toMatchObject({ code: 'aws.wrong_key', message: expect.stringMatching(/Nothing was imported/) });
    expect(svc.record()!.draft.validTo).toBe(current);
    expect((await describeKey(keyArn)).ValidTo!.toISOString()).toBe(current);
    await expect(awsExtendPurpose(svc)(new Uint8Array(32), { kind: 'key-material-extend', target, holder: 1 }, parseEscrow(new Uint8Array(fs.readFileSync(copies.other))))).rejects.toMatchObject({ code: 'activation.wrong_key' });
    // The date changed after the activation started: the supervisor attested to another one.
    svc.prepareExtension({ validTo: new Date(Date.parse(current) + 20 * DAY).toISOString() });
    await expect(svc.extendOpened({ keyId: r.outcome!.keyId, fingerprint: r.outcome!.fingerprint, withPrivateKey: async () => Promise.reject(new Error('never opened')), dispose: () => {} }, target)).rejects.toMatchObject({ code: 'aws.extension_changed' });
    expect((await describeKey(keyArn)).ValidTo!.toISOString()).toBe(current);
  });

  it('can make the material not expire: ValidTo gone in KMS, nothing left on the expiry dashboard', async () => {
    const { keyArn, companionArn } = svc.record()!.outcome!;
    const { target } = svc.prepareExtension({ validTo: null });
    expect(target).toMatch(/, not expiring$/);
    await supervised(copies.ours, target);
    for (const arn of [keyArn, companionArn]) {
      const m = await describeKey(arn);
      expect(m).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      expect(m.ValidTo).toBeUndefined();
    }
    expect(itemsFromAwsKeyMaterial(svc.record())).toEqual([]);
    expect(() => svc.prepareExtension({ validTo: new Date(Date.now() + 10 * DAY).toISOString() })).toThrow(expect.objectContaining({ code: 'aws.material_does_not_expire' }));
  });
});
