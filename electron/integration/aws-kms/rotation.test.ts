/**
 * Proven key rotation on AWS KMS, both holders, through Available and the old
 * keys' retirement (seed 002: the vendor shows "success" even when nothing
 * changed, and previous keys are never deleted). After `keyholder rehearse
 * --provider aws-kms`, both holders' workstations are reopened on the app's
 * own services with one movable clock (the rehearsal cloud, its reference
 * control plane and the apps):
 *
 * - holder 1: the supervised re-seal adds a new AES key to the escrow and
 *   both key-holder copies; the supervised import puts it into a NEW KMS key
 *   and companion, self-tested and given the approved policy; submitted only
 *   while the previous key is enabled;
 * - holder 2: joins the same rotation from their copy (the re-seal ran on
 *   holder 1's workstation), imports the same new key into a new KMS key in
 *   their own account under their own supervised activation, submits;
 * - the vendor proves both new keys hold the same key (companion MACs) and
 *   reports the new primary key Available; a different key from holder 2 is
 *   refused, on the workstation and by the vendor;
 * - the previous KMS keys stay enabled until No longer in use + 90 days, are
 *   then disabled, and nothing is ever scheduled for deletion.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { randomBytes } from 'node:crypto';
import { DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor } from '../../rehearsal/testing/sdk';
import { runRehearsal, type RehearsalResult } from '../../ceremony-script/rehearsal-script';
import { createServices, type Services } from '../../services/index';
import { rehearsalServiceDeps, type RehearsalDeps } from '../../services/cloud/rehearsal-deps';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { silentLogger } from '../../services/log/logger';
import { holderCopySource } from '../../services/activation/escrow-sources';
import { holderCopyFromBytes } from '../../services/escrow/holder-copy';
import { openedAesCopy } from '../../services/vault/aws-kms/import-purpose';
import { AwsKmsProvider } from '../../services/vault/aws-kms/provider';
import { generateSymmetricKey } from '../../services/keys/symmetric-key';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import type { ActivationView } from '../../services/activation/desk';

const DAY = 86_400_000;
let offset = 0;
// One clock for the cloud (KMS, the vendor's control plane) and both workstations; SigV4 clients correct their skew from KMS's Date header.
const clock = { now: () => new Date(Date.now() + offset) };

let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
let result: RehearsalResult;
let inputs: {
  custodians: { name: string; passphrase: string }[];
  supervisor: { name: string };
  holderCopyPassphrases: Record<'holder1' | 'holder2', { knownBy: string; passphrase: string }>;
};
const deps: RehearsalDeps[] = [];
const ws = {} as Record<1 | 2, Services>;
const boxKey = randomBytes(32);
const copies = {} as Record<1 | 2, string>;
let escrowFile = '';
let env = '';
let libraryId = '';
const old = {} as Record<1 | 2, string>;
const fresh = {} as Record<1 | 2, string>;

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const principal = (label: string) => cloud.descriptor.kms.principals.find((x) => x.label === label)!;
function kms(n: 1 | 2): KMSClient {
  const p = principal(`key holder ${n}`);
  return new KMSClient({ region: cloud.descriptor.kms.defaultRegion, endpoint: cloud.descriptor.kms.endpoint, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }) });
}
const state = async (n: 1 | 2, arn: string) => (await kms(n).send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!.KeyState;
/** Every KMS key in a holder's account with its state: nothing Key Holder does may leave one pending deletion. */
async function accountKeys(n: 1 | 2): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of (await kms(n).send(new ListKeysCommand({ Limit: 1000 }))).Keys ?? []) out.set(k.KeyArn!, (await state(n, k.KeyArn!))!);
  return out;
}

type Role = 'operator' | 'supervisor' | 'keeper' | 'knower';
const PEOPLE = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knowers: { 1: 'Noor Knower', 2: 'Nina Knower' } as Record<1 | 2, string> };
const signing = (name: string) => `${name} signing passphrase`;

/** The re-seal on holder 1's desk: operator, supervisor, each custodian (keeper) with their escrow passphrase, each copy's knower, attestation. */
async function reseal(target: string): Promise<ActivationView> {
  const desk = ws[1].activationDesk;
  let v = await desk.startRewrap({ escrowFile, holderCopies: [copies[1], copies[2]], purpose: { target } });
  const join = (role: 'operator' | 'supervisor' | 'keeper' | 'knower', name: string, custodian?: string) => desk.join({ session: v.session, role, name, participantPassphrase: signing(name), ...(custodian ? { custodian } : {}) });
  await join('operator', PEOPLE.operator);
  await join('supervisor', PEOPLE.supervisor);
  for (const [i, c] of inputs.custodians.entries()) {
    await join('keeper', c.name, `custodian-${i + 1}`);
    v = await desk.enterComponent({ session: v.session, passphrase: c.passphrase });
  }
  for (const n of [1, 2] as const) {
    await join('knower', PEOPLE.knowers[n], `copy-${n}`);
    v = await desk.enterPassphrase({ session: v.session, passphrase: inputs.holderCopyPassphrases[`holder${n}`].passphrase });
  }
  await desk.attest({ session: v.session, participantPassphrase: signing(PEOPLE.supervisor) });
  return desk.carryOut({ session: v.session });
}

/** The rotation's import on holder N's own desk, as lifecycle:key-rotation-import starts it: keeper presents the copy, knower types, supervisor attests. */
async function supervisedImport(n: 1 | 2): Promise<ActivationView> {
  const desk = ws[n].activationDesk;
  const { target, holder } = ws[n].lifecycle.keyRotation.prepareImport({ holderCopyPath: copies[n] });
  const v = await desk.start({ mode: 'split-knowledge', escrowFile: copies[n], purpose: { kind: 'key-rotation', target, holder } });
  const join = (role: 'operator' | 'supervisor' | 'keeper' | 'knower', name: string) => desk.join({ session: v.session, role, name, participantPassphrase: signing(name) });
  await join('operator', PEOPLE.operator);
  await join('supervisor', PEOPLE.supervisor);
  await join('keeper', PEOPLE.keeper);
  desk.presentCopy({ session: v.session });
  await join('knower', PEOPLE.knowers[n]);
  await desk.enterPassphrase({ session: v.session, passphrase: inputs.holderCopyPassphrases[`holder${n}`].passphrase });
  await desk.attest({ session: v.session, participantPassphrase: signing(PEOPLE.supervisor) });
  return desk.carryOut({ session: v.session });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-rotation-'));
  cloud = await startRehearsalCloud({ dataDir: path.join(tmp, 'cloud'), port: 0, clock });
  agent = agentFor(cloud);
  result = await runRehearsal({ outDir: path.join(tmp, 'out'), fastKdf: true, provider: 'aws-kms', cloud, pdf: null, secretBox: () => memorySecretBox({ key: boxKey }) });
  inputs = JSON.parse(fs.readFileSync(path.join(result.outDir, 'inputs', 'participants.json'), 'utf8'));
  escrowFile = result.artifacts.escrowFile as string;
  const [c1, c2] = result.artifacts.holderCopies as string[];
  copies[1] = c1!;
  copies[2] = c2!;
  old[1] = result.aws!.keyArns.holder1;
  old[2] = result.aws!.keyArns.holder2;
  for (const n of [1, 2] as const) {
    const d = rehearsalServiceDeps(cloud.describe(), cloud.caCertPem, { holder: n });
    deps.push(d);
    ws[n] = createServices({
      dataDir: path.join(result.outDir, 'workstations', `holder${n}`),
      secretBox: memorySecretBox({ key: boxKey }),
      clock,
      log: silentLogger,
      environment: d.environment,
      appVersion: 'test',
      emit: () => {},
      escrowKdf: TEST_KDF,
      azure: d.azure,
      ...(d.aws ? { aws: d.aws } : {}),
      controlPlaneAgent: d.controlPlaneAgent,
    });
    // Each holder's workstation runs its own supervised activations: the people who take part are in its plan.
    const people: [string, Role][] = [
      [PEOPLE.operator, 'operator'],
      [PEOPLE.supervisor, 'supervisor'],
      [PEOPLE.keeper, 'keeper'],
      [PEOPLE.knowers[n], 'knower'],
      // Holder 1's desk runs the re-seal too: every custodian (as keeper) and the other copy's knower.
      ...(n === 1 ? ([[PEOPLE.knowers[2], 'knower'], ...inputs.custodians.map((c) => [c.name, 'keeper'] as [string, Role])] as [string, Role][]) : []),
    ];
    for (const [name, role] of people) await ws[n].participants.enrol(name, signing(name), [role]);
  }
  // The primary key protects a library (one day of re-keying at the guide's rate) before the rotation.
  env = ws[1].controlPlane.view().environmentId!;
  const lib = await cloud.controlPlane.createLibrary(env, { name: 'Matters', documentVersions: 7_000_000 });
  libraryId = lib.libraryId;
  await cloud.controlPlane.applyKey(env, libraryId, cloud.controlPlane.environmentStatus(env).primaryKey!.primaryKeyId);
}, 240_000);
afterAll(async () => {
  for (const n of [1, 2] as const) ws[n]?.controlPlane.stop();
  for (const d of deps) d.close();
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('key rotation on AWS KMS, both holders', () => {
  it('holder 1: re-seal, then the new key into a new KMS key, proven live before the vendor is told', async () => {
    const kr = ws[1].lifecycle.keyRotation;
    expect(ws[1].lifecycle.keyStore.held()).toEqual({ holder: 1, keyVersionId: old[1] });
    // Holder 2's copy as it was before the re-seal: it holds no new key (used below).
    fs.copyFileSync(copies[2], path.join(tmp, 'copy2-before-reseal.kh'));

    let v = await kr.start();
    expect(v).toMatchObject({ keyStoreKind: 'aws-kms', step: 'add-key' });
    const { target } = await kr.prepareAddKey({ escrowFile, holderCopies: [copies[1], copies[2]] });
    const sealed = await reseal(target);
    expect(sealed).toMatchObject({ step: 'done', purpose: { kind: 'escrow-rewrap' } });
    v = await kr.view();
    expect(v.step).toBe('import');
    const newest = (f: string) => parseEscrow(new Uint8Array(fs.readFileSync(f))).header.keys.at(-1)!;
    for (const f of [escrowFile, copies[1], copies[2]]) expect(newest(f)).toMatchObject({ keyType: 'AES', keyId: v.newKey!.keyId, fingerprint: v.newKey!.fingerprint });
    expect(v.next).toMatch(/new KMS key in your account/);

    // The old key opened from the same copy is not the rotation's new key: refused before AWS is touched.
    const file = parseEscrow(new Uint8Array(fs.readFileSync(copies[1])));
    const oldEntry = file.header.keys[0]!;
    const oldMaterial = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), copies[1]), undefined, oldEntry.keyId).open(bytes(inputs.holderCopyPassphrases.holder1.passphrase));
    const { target: importTarget } = kr.prepareImport({ holderCopyPath: copies[1] });
    expect(importTarget).toMatch(/import new key .* into a new KMS key in arn:aws:kms:/);
    await expect(kr.importOpened(openedAesCopy(oldMaterial, oldEntry), importTarget)).rejects.toMatchObject({ code: 'lifecycle.wrong_key_imported' });

    // The import as the app runs it: a supervised activation on holder 1's desk, its key-rotation purpose opening the AES key.
    const done = await supervisedImport(1);
    expect(done).toMatchObject({ step: 'done', purpose: { kind: 'key-rotation' }, result: { holder: 1, fingerprint: v.newKey!.fingerprint } });
    v = await kr.view();
    fresh[1] = v.importedKeyVersionId!;
    expect(done.result!.keyVersionId).toBe(fresh[1]);
    expect(fresh[1]).toMatch(/^arn:aws:kms:/);
    expect(fresh[1]).not.toBe(old[1]);
    const record = ws[1].awsKeyStore.record()!;
    expect(record.outcome).toMatchObject({ keyArn: fresh[1], materialProof: 'imported', selfTest: { encryptDecrypt: true, dataKey: true, macMatchesLocal: true, localMacVerified: true } });
    expect(record.previousKeyArns).toEqual([old[1]]);
    expect(record.policy!.lines.join('\n')).toMatch(/kms:GenerateDataKey/);
    expect(await state(1, fresh[1])).toBe('Enabled');
    expect(await state(1, old[1])).toBe('Enabled');
    expect(ws[1].lifecycle.keyStore.held().keyVersionId).toBe(fresh[1]);

    // The vendor is told only while the previous key is enabled (it re-encrypts its data key with it).
    await kms(1).send(new DisableKeyCommand({ KeyId: old[1] }));
    await expect(kr.submit()).rejects.toMatchObject({ code: 'lifecycle.previous_key_unavailable', message: expect.stringMatching(/enable it before telling the vendor/) });
    expect((await kr.view()).step).toBe('submit');
    await kms(1).send(new EnableKeyCommand({ KeyId: old[1] }));
    v = await kr.submit();
    expect(v.step).toBe('wait-available');
    expect(ws[1].controlPlane.receipts().at(-1)).toMatchObject({ kind: 'key-store-submission', holder: 1 });
    // One new key alone is not a primary key.
    expect(v.newPrimaryKey).toBeNull();
  }, 120_000);

  it('holder 2: joins from their copy, refuses another key, imports the same key into a new KMS key in their own account', async () => {
    const kr = ws[2].lifecycle.keyRotation;
    let v = await kr.start();
    expect(v.step).toBe('add-key');
    // A copy the re-seal never saw holds no new key; holder 1's key rotation record is not on this workstation.
    await expect(kr.joinWithHolderCopy({ holderCopyPath: path.join(tmp, 'copy2-before-reseal.kh') })).rejects.toMatchObject({ code: 'lifecycle.no_new_key' });
    expect((await kr.view()).step).toBe('add-key');
    v = await kr.joinWithHolderCopy({ holderCopyPath: copies[2] });
    expect(v).toMatchObject({ step: 'import', newKey: { keyId: (await ws[1].lifecycle.keyRotation.view()).newKey!.keyId, joined: true } });

    // Another key opened from holder 2's copy (the previous one) is refused before anything reaches KMS.
    const before = await accountKeys(2);
    const file = parseEscrow(new Uint8Array(fs.readFileSync(copies[2])));
    const prevEntry = file.header.keys[0]!;
    const prev = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), copies[2]), undefined, prevEntry.keyId).open(bytes(inputs.holderCopyPassphrases.holder2.passphrase));
    const { target } = kr.prepareImport({ holderCopyPath: copies[2] });
    await expect(kr.importOpened(openedAesCopy(prev, prevEntry), target)).rejects.toMatchObject({ code: 'lifecycle.wrong_key_imported' });
    expect(await accountKeys(2)).toEqual(before);

    // A different key that did reach holder 2's account (say, from a copy another re-seal wrote) is refused by the vendor:
    // the companion keys' MACs differ, so no primary key is made and holder 1's rotation keeps waiting.
    const stranger = generateSymmetricKey();
    const p = new AwsKmsProvider({ region: cloud.descriptor.kms.defaultRegion, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: { accessKeyId: principal('key holder 2').accessKeyId, secretAccessKey: principal('key holder 2').secretAccessKey } });
    const rogue = await p.importKey({ secretKey: stranger.secretKey, keyId: stranger.keyId, fingerprint: stranger.identity.fingerprint, expiration: { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } });
    await p.applyPolicy(await p.proposePolicy(rogue.keyArn, principal('vendor role').arn));
    await p.applyPolicy(await p.proposePolicy(rogue.companionArn, principal('vendor role').arn, 'companion-hmac'));
    p.destroy();
    const refused = await ws[2].controlPlane.submit({ provider: 'aws-kms', keyArn: rogue.keyArn, companionKeyArn: rogue.companionArn, vendorRoleArn: principal('vendor role').arn, cacheMinutes: 5 });
    expect(refused.answer.validation.state).toBe('failed');
    expect(refused.answer.validation.failures.map((f) => f.message).join(' ')).toMatch(/MAC|same key/i);
    expect((await ws[1].lifecycle.keyRotation.view()).newPrimaryKey).toBeNull();
    expect(cloud.controlPlane.environmentStatus(env).primaryKeys!.map((k) => k.keyStores.map((s) => s.keyIdentifier))).toEqual([[old[1], old[2]]]);

    // The same new key, under holder 2's own supervised activation, into a new KMS key in holder 2's account.
    const done = await supervisedImport(2);
    expect(done).toMatchObject({ step: 'done', result: { holder: 2, fingerprint: v.newKey!.fingerprint } });
    v = await kr.view();
    fresh[2] = v.importedKeyVersionId!;
    expect(fresh[2]).not.toBe(old[2]);
    expect(fresh[2].split(':')[4]).toBe(old[2].split(':')[4]);
    expect(fresh[2].split(':')[4]).not.toBe(fresh[1].split(':')[4]);
    const record = ws[2].awsKeyStore.record()!;
    expect(record.outcome).toMatchObject({ keyArn: fresh[2], keyId: v.newKey!.keyId, selfTest: { encryptDecrypt: true, dataKey: true, macMatchesLocal: true, localMacVerified: true } });
    expect(record.previousKeyArns).toEqual([old[2]]);
    expect(await state(2, old[2])).toBe('Enabled');

    // Submitted: the vendor proves the pair (companion MACs) and makes the new primary key, Available on both workstations.
    v = await kr.submit();
    expect(v.newPrimaryKey).toMatchObject({ status: 'Available' });
    expect(v.step).toBe('wait-no-longer-in-use');
    const v1 = await ws[1].lifecycle.keyRotation.view();
    expect(v1.newPrimaryKey).toMatchObject({ status: 'Available', primaryKeyId: v.newPrimaryKey!.primaryKeyId });
    const pk = cloud.controlPlane.environmentStatus(env).primaryKeys!.find((k) => k.primaryKeyId === v.newPrimaryKey!.primaryKeyId)!;
    expect(pk.keyStores.map((s) => s.keyIdentifier).sort()).toEqual([fresh[1], fresh[2]].sort());
  }, 120_000);

  it('keeps the previous KMS keys enabled until No longer in use + 90 days, then disables them, never deleting anything', async () => {
    const kr1 = ws[1].lifecycle.keyRotation;
    const kr2 = ws[2].lifecycle.keyRotation;
    await expect(kr1.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.old_key_in_use' });
    await cloud.controlPlane.applyKey(env, libraryId, (await kr1.view()).newPrimaryKey!.primaryKeyId);
    offset += DAY / 2;
    let v = await kr1.view();
    expect(v.oldKey.libraries).toEqual([expect.objectContaining({ libraryName: 'Matters', status: 'Inactive: Rotating from' })]);
    await expect(kr1.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.old_key_in_use' });

    offset += DAY / 2 + 60_000;
    v = await kr1.view();
    expect(v.step).toBe('wait-90-days');
    expect(v.countdown).toMatchObject({ daysLeft: 90 });
    offset += 89 * DAY;
    for (const kr of [kr1, kr2]) {
      v = await kr.view();
      expect(v.step).toBe('wait-90-days');
      await expect(kr.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.retirement_wait' });
    }
    expect(await state(1, old[1])).toBe('Enabled');
    expect(await state(2, old[2])).toBe('Enabled');
    // What the Key store lifecycle screen lists: the previous KMS key kept, as KMS reports it now.
    expect(await ws[1].awsKeyStore.lifecycleFacts()).toMatchObject({ keyArn: fresh[1], cacheMinutes: 5, previousKeys: [{ keyArn: old[1], state: 'Enabled' }] });

    offset += DAY;
    v = await kr1.view();
    expect(v.step).toBe('disable-offered');
    expect(v.disableConfirmation).toBe(`disable old KMS key ${old[1].split('/')[1]} in key store 1`);
    await expect(kr1.disableOldKey({ confirmation: 'disable old key' })).rejects.toMatchObject({ code: 'lifecycle.confirmation_mismatch' });
    v = await kr1.disableOldKey({ confirmation: v.disableConfirmation! });
    expect(v.step).toBe('done');
    expect(await state(1, old[1])).toBe('Disabled');
    expect((await ws[1].awsKeyStore.lifecycleFacts())!.previousKeys).toEqual([{ keyArn: old[1], state: 'Disabled' }]);
    // Holder 2 decides on their own workstation; until then their previous key stays enabled.
    expect(await state(2, old[2])).toBe('Enabled');
    const v2 = await kr2.view();
    await kr2.disableOldKey({ confirmation: v2.disableConfirmation! });
    expect(await state(2, old[2])).toBe('Disabled');

    // Disabled, never deleted; the new keys untouched; the new primary key Available.
    for (const n of [1, 2] as const) {
      const keys = await accountKeys(n);
      expect([...keys.values()]).not.toContain('PendingDeletion');
      expect(keys.get(fresh[n])).toBe('Enabled');
    }
    expect((await cloud.controlPlane.checkStatus(env)).primaryKey).toMatchObject({ status: 'Available' });
    const kinds = (n: 1 | 2) =>
      fs
        .readFileSync(ws[n].transcript.pathOf(ws[n].lifecycle.keyStore.transcriptId()!), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).kind as string);
    expect(kinds(1)).toEqual(expect.arrayContaining(['rotation.started', 'rotation.key-added', 'rotation.imported', 'rotation.submitted', 'rotation.available', 'rotation.old-key-no-longer-in-use', 'rotation.old-key-disabled']));
    expect(kinds(2)).toEqual(expect.arrayContaining(['rotation.started', 'rotation.key-joined', 'rotation.imported', 'rotation.submitted', 'rotation.available', 'rotation.old-key-disabled']));
  }, 120_000);
});
