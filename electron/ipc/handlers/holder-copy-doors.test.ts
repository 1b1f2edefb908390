/**
 * The import doors ask the one holder-copy check (services/escrow/holder-copy.ts)
 * with the key their key store imports: an AES copy (AWS KMS) offered to the
 * Azure import, an RSA copy (Azure) offered to the AWS import, and the
 * custodians' escrow offered as a copy are refused before any activation
 * starts, with one code and message per fault; the file chooser of the Import
 * screen says it as soon as the file is picked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createServices, type ServiceDeps, type Services } from '../../services/index';
import type { KeyStoreKind } from '../../services/escrow/service';
import { PASS } from '../../services/escrow/testing/helpers';
import { vaultHandlers } from './vault';
import { awsHandlers } from './aws';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { emptyHolder } from '../../../shared/worksheet/model';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workstation(extra: Partial<ServiceDeps> = {}): Services {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-copy-doors-'));
  dirs.push(dataDir);
  return createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF, ...extra });
}

/** The custodians' escrow (1 of 2) and key holder 1's copy of a key for `keyStore`, written by this workstation's escrow service. */
async function escrowFiles(s: Services, keyStore: KeyStoreKind): Promise<{ escrow: string; copy: string }> {
  const e = s.escrow;
  let st = await e.startCeremony({ keyStore, modulusBits: 2048 });
  st = await e.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await e.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await e.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await e.writeFiles(st.sessionId);
  await e.testRestore(st.sessionId, 1, PASS[0]!);
  await e.testRestore(st.sessionId, 2, PASS[1]!);
  st = await e.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  e.closeCeremony(st.sessionId);
  return { escrow: st.written!.escrowFile, copy: st.holderCopies[0]!.file };
}

/** Counts the activations the desk starts on this workstation (none may start for a refused copy). */
function activationsStarted(s: Services): () => number {
  let n = 0;
  const start = s.activation.start.bind(s.activation);
  s.activation.start = (o) => {
    n++;
    return start(o);
  };
  return () => n;
}

describe('the Azure import door (vault:startImport)', () => {
  it('refuses an AES copy (made for AWS KMS) and the custodians’ escrow before the activation starts', async () => {
    const s = workstation();
    const aes = await escrowFiles(s, 'aws-kms');
    const rsa = await escrowFiles(s, 'azure-key-vault');
    await s.ceremonyOps.saveWorksheet({ holder1: { ...emptyHolder(), vaultHost: 'holder1-keys.vault.azure.net', clientId: crypto.randomUUID(), tenantId: crypto.randomUUID(), keyName: 'cmk', secret: { action: 'set', value: 'holder-one-secret~1' } }, holder2: { ...emptyHolder(), secret: { action: 'keep' } } });
    // The vendor registered holder 1's vault: the step table lets the import start, so the refusal below is the copy's.
    await s.ceremony.record('registration.done', { holder: 1, registrationId: 'r-1', vaultDnsName: 'holder1-keys.vault.azure.net', status: 'registered', decidedAt: '' });
    const draft = (holderCopyPath: string) => ({ holder: 1 as const, holderCopyPath, vaultUrl: 'https://holder1-keys.vault.azure.net', keyName: 'cmk', protection: 'software' as const, allowEncryptDecrypt: false });
    const h = vaultHandlers(s);
    const started = activationsStarted(s);
    const e = await h['vault:startImport'](draft(aes.copy)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'escrow.wrong_key_type', message: expect.stringContaining('Azure Key Vault imports the RSA source key') });
    await expect(h['vault:startImport'](draft(rsa.escrow))).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    expect(started()).toBe(0);
    // The refusal loses nothing the holder typed.
    expect(s.vault.record()?.draft).toMatchObject({ holderCopyPath: rsa.escrow, keyName: 'cmk' });
    // The right copy starts the supervised activation.
    const v = await h['vault:startImport'](draft(rsa.copy));
    expect(v).toMatchObject({ mode: 'split-knowledge', step: 'operator-request', purpose: { kind: 'vault-import' } });
    expect(started()).toBe(1);
  });

  it('the file chooser says at once which file is wrong: the custodians’ escrow, or the other cloud’s copy', async () => {
    let answer: string | null = null;
    const s = workstation({ chooseOpenPath: async () => answer });
    const aes = await escrowFiles(s, 'aws-kms');
    const rsa = await escrowFiles(s, 'azure-key-vault');
    const choose = vaultHandlers(s)['vault:chooseHolderCopy'];
    answer = aes.copy;
    await expect(choose({ keyStore: 'azure-key-vault' })).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
    expect(await choose({ keyStore: 'aws-kms' })).toEqual({ path: aes.copy });
    answer = rsa.copy;
    await expect(choose({ keyStore: 'aws-kms' })).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
    expect(await choose({ keyStore: 'azure-key-vault' })).toEqual({ path: rsa.copy });
    answer = rsa.escrow;
    await expect(choose({})).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
  });
});

describe('the AWS import door (aws:startImport)', () => {
  it('refuses an RSA copy (made for Azure Key Vault) and the custodians’ escrow before the activation starts', async () => {
    const s = workstation();
    const rsa = await escrowFiles(s, 'azure-key-vault');
    const aes = await escrowFiles(s, 'aws-kms');
    // Signed in to AWS with a profile in eu-west-2 (the sign-in itself is tested in integration/aws-kms); the holder's AWS worksheet line.
    Object.assign(s.aws, { signInStatus: () => ({ method: 'profile', region: 'eu-west-2', status: { state: 'signed-in', roles: [], role: null } }) });
    s.aws.saveWorksheet(1, { keyArn: '', vendorRoleArn: 'arn:aws:iam::999988887777:role/vendor-kms-access', cacheMinutes: 5, vendorRegion: 'eu-west-2' });
    const keyArn = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    // The vendor registered holder 1's key store: the step table lets the import start, so the refusal below is the copy's.
    await s.ceremony.record('registration.done', { holder: 1, registrationId: 'r-1', vaultDnsName: 'arn:aws:kms:eu-west-2:111122223333', status: 'registered', decidedAt: '' });
    const h = awsHandlers(s);
    const started = activationsStarted(s);
    const e = await h['aws:startImport']({ holder: 1, holderCopyPath: rsa.copy, keyArn, validTo: '' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'escrow.wrong_key_type', message: expect.stringContaining('AWS KMS imports the 256-bit AES key') });
    await expect(h['aws:startImport']({ holder: 1, holderCopyPath: aes.escrow, keyArn, validTo: '' })).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    expect(started()).toBe(0);
    const v = await h['aws:startImport']({ holder: 1, holderCopyPath: aes.copy, keyArn, validTo: '' });
    expect(v).toMatchObject({ mode: 'split-knowledge', step: 'operator-request', purpose: { kind: 'vault-import' } });
    expect(started()).toBe(1);
  });
});
