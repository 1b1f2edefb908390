/**
 * `keyholder rehearse` and the app record the ceremony through the same
 * operations, so the entries they write for the same step carry the same
 * fields. The rehearsal, done in the seed's and the screens' order, records no
 * deviation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { runRehearsal } from './rehearsal-script';
import { createServices } from '../services/index';
import { createHandlers } from '../ipc/handlers/index';
import { dispatch } from '../ipc/dispatch';
import { silentLogger } from '../services/log/logger';
import { systemClock } from '../services/platform/clock';
import { memorySecretBox } from '../services/platform/memory-secret-box';
import { deviationKinds, fieldsByKind, readEntries } from './testing/entry-fields';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { emptyHolder } from '../../shared/worksheet/model';
import { PASS } from '../services/escrow/testing/helpers';
import type { TranscriptEntry } from '../../shared/transcript/entry';
import type { Channel, RequestOf, ResponseOf } from '../../shared/ipc/contract';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-same-fields-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function appEntries(): Promise<TranscriptEntry[]> {
  const s = createServices({ dataDir: path.join(dir, 'app'), secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
  const h = createHandlers(s);
  const call = async <C extends Channel>(c: C, r: RequestOf<C>): Promise<ResponseOf<C>> => {
    const out = await dispatch(h, c, r, silentLogger);
    if (!out.ok) throw Object.assign(new Error(out.error.message), { code: out.error.code });
    return out.value as ResponseOf<C>;
  };
  const line = { ...emptyHolder(), vaultHost: 'holder1-keys.vault.azure.net', clientId: crypto.randomUUID(), tenantId: crypto.randomUUID(), keyName: 'cmk', secret: { action: 'keep' as const } };
  await call('worksheet:save', { holder1: line, holder2: { ...emptyHolder(), secret: { action: 'keep' } } });
  let st = await call('escrow:start', { modulusBits: 2048 });
  st = await call('escrow:setCustodians', { sessionId: st.sessionId, names: ['Alice Archer'], threshold: 1 });
  await call('escrow:enterPassphrase', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! });
  await call('escrow:write', { sessionId: st.sessionId });
  await call('escrow:testRestore', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! });
  await call('escrow:holderCopy', { sessionId: st.sessionId, label: 'Key holder 1', passphrase: PASS[2]! });
  // The vendor's answers as the control-plane service would hold them (its own tests cover the wire).
  const reg = { registrationId: 'reg-1', environmentId: 'env-1', holder: 1 as const, vaultDnsName: line.vaultHost, status: 'registered' as const, requestedAt: '2026-12-06T10:00:00Z', decidedAt: '2026-12-06T10:05:00Z' };
  const status = { primaryKey: { primaryKeyId: 'pk-1', name: 'Primary', status: 'Available', checkedAt: '2026-12-06T11:00:00Z' } };
  Object.assign(s.controlPlane, {
    view: () => ({ connected: true, holder: 1, secretStorage: { available: true } }),
    registration: () => reg,
    importGate: () => ({ allowed: true, via: 'registered', reason: '' }),
    requestRegistration: async () => reg,
    lastStatus: () => status,
    submit: async () => ({ receipt: { holder: 1, submissionId: 'sub-1', envelopeSha256: 'ab'.repeat(32) }, answer: { validation: { state: 'passed' } } }),
  });
  Object.assign(s.worksheet, { keyStoreValues: async () => ({}) });
  await s.ceremonyOps.requestRegistration(line.vaultHost);
  // What the supervised import's purpose hands back to the app after the activation (services/vault/import-purpose.ts).
  await s.ceremonyOps.vaultImported({ holder: 1, fingerprint: st.key.fingerprint, keyVersionId: `https://${line.vaultHost}/keys/cmk/${'0'.repeat(32)}`, vault: line.vaultHost });
  await s.ceremonyOps.submit();
  return readEntries(s.transcript.pathOf(s.ceremony.currentId()!));
}

/**
 * Holder 1's AWS steps as the app records them, through its IPC handlers and
 * ceremony operations: the AWS worksheet line (the account, for a key Key
 * Holder creates), the escrow's AES key (the settings choose AWS KMS), the
 * registration of the location, the import's result, the submission.
 */
async function appAwsEntries(): Promise<TranscriptEntry[]> {
  const s = createServices({ dataDir: path.join(dir, 'app-aws'), secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
  s.liveSettings.saveKeyStore({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'holder1' } } }, true);
  const h = createHandlers(s);
  const call = async <C extends Channel>(c: C, r: RequestOf<C>): Promise<ResponseOf<C>> => {
    const out = await dispatch(h, c, r, silentLogger);
    if (!out.ok) throw Object.assign(new Error(out.error.message), { code: out.error.code });
    return out.value as ResponseOf<C>;
  };
  const location = 'arn:aws:kms:eu-west-2:111122223333';
  await call('aws:saveWorksheet', { holder: 1, line: { keyArn: '', accountId: '111122223333', vendorRoleArn: 'arn:aws:iam::777788889999:role/vendor-kms-access', cacheMinutes: 5, vendorRegion: '' } });
  let st = await call('escrow:start', { modulusBits: 2048 });
  expect(st.keyType).toBe('AES');
  st = await call('escrow:setCustodians', { sessionId: st.sessionId, names: ['Alice Archer'], threshold: 1 });
  await call('escrow:enterPassphrase', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! });
  await call('escrow:write', { sessionId: st.sessionId });
  await call('escrow:testRestore', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! });
  await call('escrow:holderCopy', { sessionId: st.sessionId, label: 'Key holder 1', passphrase: PASS[2]! });
  const reg = { registrationId: 'reg-1', environmentId: 'env-1', holder: 1 as const, vaultDnsName: location, status: 'registered' as const, requestedAt: '2026-12-06T10:00:00Z', decidedAt: '2026-12-06T10:05:00Z' };
  const status = { primaryKey: { primaryKeyId: 'pk-1', name: 'Primary', status: 'Available', checkedAt: '2026-12-06T11:00:00Z' } };
  Object.assign(s.controlPlane, {
    view: () => ({ connected: true, holder: 1, secretStorage: { available: true } }),
    registration: () => reg,
    importGate: () => ({ allowed: true, via: 'registered', reason: '' }),
    requestRegistration: async () => reg,
    lastStatus: () => status,
    submit: async () => ({ receipt: { holder: 1, submissionId: 'sub-1', envelopeSha256: 'ab'.repeat(32) }, answer: { validation: { state: 'passed' } } }),
  });
  Object.assign(s.worksheet, { keyStoreValues: async () => ({}) });
  await s.ceremonyOps.requestRegistration(location);
  // What the AWS import's purpose hands back to the app after the activation (services/vault/aws-kms/import-purpose.ts).
  await s.ceremonyOps.vaultImported({ holder: 1, fingerprint: st.key.fingerprint, keyVersionId: `${location}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, vault: location });
  await s.ceremonyOps.submit();
  return readEntries(s.transcript.pathOf(s.ceremony.currentId()!));
}

const STEP_KINDS = ['worksheet.saved', 'key.generated', 'escrow.written', 'escrow.test-restored', 'holder-copy.written', 'registration.requested', 'registration.done', 'vault.imported', 'submission.receipt', 'status.changed'];

describe('one set of fields per step', () => {
  it('the app and keyholder rehearse write the same fields for the same step, and the rehearsal records no deviation', async () => {
    const r = await runRehearsal({ outDir: path.join(dir, 'rehearse'), fastKdf: true, modulusBits: 2048, pdf: null });
    const rehearsed = readEntries(r.transcript);
    expect(rehearsed.filter((e) => deviationKinds.has(e.kind)).map((e) => [e.kind, e.data.step, e.data.reason])).toEqual([]);
    const app = fieldsByKind(await appEntries());
    const script = fieldsByKind(rehearsed);
    for (const kind of STEP_KINDS) {
      expect({ kind, fields: app.get(kind) }).toEqual({ kind, fields: script.get(kind) });
      expect(app.get(kind)?.length).toBeGreaterThan(0);
    }
  }, 300_000);

  it('on AWS KMS too: the app and keyholder rehearse --provider aws-kms write the same fields for the same step, and the rehearsal records no deviation', async () => {
    const r = await runRehearsal({ outDir: path.join(dir, 'rehearse-aws'), fastKdf: true, provider: 'aws-kms', pdf: null });
    const rehearsed = readEntries(r.transcript);
    expect(rehearsed.filter((e) => deviationKinds.has(e.kind)).map((e) => [e.kind, e.data.step, e.data.reason])).toEqual([]);
    const app = fieldsByKind(await appAwsEntries());
    const script = fieldsByKind(rehearsed);
    for (const kind of STEP_KINDS) {
      expect({ kind, fields: app.get(kind) }).toEqual({ kind, fields: script.get(kind) });
      expect(app.get(kind)?.length).toBeGreaterThan(0);
    }
    // The AWS worksheet line, not Azure's lines, and the AES key.
    expect(app.get('worksheet.saved')).toEqual(['cacheMinutes', 'holder', 'keyLocation', 'provider', 'vendorRoleArn']);
    expect(app.get('key.generated')).toContain('keyType');
  }, 300_000);
});
