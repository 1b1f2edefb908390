/**
 * The Import screen proposes the workstation's own holder: after a worksheet
 * where holder 2's line 1 copied holder 1's, holder 1's workstation must not
 * preselect key holder 2, and importing as the other holder needs an explicit
 * choice, refused without it and recorded with it. The import starts only when
 * the step table allows it (the vendor's registration first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createServices, type ServiceDeps, type Services } from '../../services/index';
import { PASS } from '../../services/escrow/testing/helpers';
import { vaultHandlers } from './vault';
import { awsHandlers } from './aws';
import { activationHandlers } from './activation';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { emptyHolder } from '../../../shared/worksheet/model';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workstation(extra: Partial<ServiceDeps> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-vault-h-'));
  dirs.push(dataDir);
  return createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {} , escrowKdf: TEST_KDF, ...extra });
}

const line = (host: string) => ({ ...emptyHolder(), vaultHost: host, clientId: crypto.randomUUID(), tenantId: crypto.randomUUID(), keyName: 'cmk' });

describe('vault:state', () => {
  it('preselects the holder whose client secret this workstation keeps, not the other column', async () => {
    const s = workstation();
    const mine = { ...line('holder1-keys.vault.azure.net'), keyIdentifier: `https://holder1-keys.vault.azure.net/keys/cmk/${'a'.repeat(32)}` };
    await s.worksheet.save({ holder1: { ...mine, secret: { action: 'set', value: 'holder-one-secret~1' } }, holder2: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } } });
    const st = await vaultHandlers(s)['vault:state']({});
    expect(st.suggested.holder).toBe(1);
    expect(st.suggested.vaultUrl).toBe('https://holder1-keys.vault.azure.net');
  });

  it('follows the control plane enrolment when connected', async () => {
    const s = workstation();
    await s.worksheet.save({ holder1: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } }, holder2: { ...line('holder2-keys.vault.azure.net'), secret: { action: 'keep' } } });
    Object.assign(s.controlPlane, { view: () => ({ connected: true, holder: 2 }) });
    expect((await vaultHandlers(s)['vault:state']({})).suggested).toMatchObject({ holder: 2, vaultUrl: 'https://holder2-keys.vault.azure.net' });
  });
});

const draft = (holder: 1 | 2, over: Record<string, unknown> = {}) => ({ holder, holderCopyPath: '/nowhere/holder-key-holder.khescrow', vaultUrl: 'https://holder1-keys.vault.azure.net', keyName: 'cmk', protection: 'software' as const, allowEncryptDecrypt: false, ...over });

describe('vault:state without an own holder', () => {
  it('guesses nothing from the worksheet: the holder chooses', async () => {
    const s = workstation();
    await s.worksheet.save({ holder1: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } }, holder2: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } } });
    const st = await vaultHandlers(s)['vault:state']({});
    expect(st.suggested.holder).toBeUndefined();
    expect(st.suggested.vaultUrl).toBe('');
  });
});

describe('vault:startImport', () => {
  it('is refused before the vendor registered the vault, saying what comes first, and keeps the draft', async () => {
    const s = workstation();
    const e = await vaultHandlers(s)['vault:startImport'](draft(1)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ceremony.step_out_of_order', message: expect.stringContaining('First: Vault registered with the vendor (holder 1)') });
    expect(s.vault.record()?.draft).toMatchObject({ holder: 1, keyName: 'cmk' });
  });

  it('holder 2’s line 1 copied holder 1’s: holder 1’s workstation refuses holder 2 unless chosen explicitly, and records the choice', async () => {
    const s = workstation();
    const copied = line('holder1-keys.vault.azure.net');
    await s.ceremonyOps.saveWorksheet({ holder1: { ...copied, secret: { action: 'set', value: 'holder-one-secret~1' } }, holder2: { ...line('holder1-keys.vault.azure.net'), secret: { action: 'keep' } } });
    expect((await vaultHandlers(s)['vault:state']({})).suggested.holder).toBe(1);
    await s.ceremony.record('registration.done', { holder: 2, registrationId: 'r-2', vaultDnsName: 'holder1-keys.vault.azure.net', status: 'registered', decidedAt: '' });

    await expect(vaultHandlers(s)['vault:startImport'](draft(2))).rejects.toMatchObject({ code: 'vault.other_holder', message: expect.stringContaining('belongs to key holder 1') });
    expect(s.ceremony.entries().map((x) => x.kind)).not.toContain('vault.other-holder-chosen');

    // With the explicit choice, the gate is passed and the choice is in the signed record before anything is opened
    // (the activation then refuses the missing file: nothing else is started).
    const e = await vaultHandlers(s)['vault:startImport']({ ...draft(2), otherHolderConfirmed: true }).catch((x: unknown) => x);
    expect(e).not.toMatchObject({ code: 'vault.other_holder' });
    expect(e).not.toMatchObject({ code: 'ceremony.step_out_of_order' });
    const chosen = s.ceremony.entries().find((x) => x.kind === 'vault.other-holder-chosen');
    expect(chosen?.data).toMatchObject({ workstationHolder: 1, holder: 2 });
  });

  it('the Activation screen’s door cannot start an import around the gate', async () => {
    const s = workstation();
    await expect(activationHandlers(s)['activation:start']({ mode: 'split-knowledge', escrowFile: '/nowhere', purpose: { kind: 'vault-import', target: 'Key holder 1: import cmk into x', holder: 1 } })).rejects.toMatchObject({ code: 'activation.import_from_import_screen' });
  });
});


/** A custodians' escrow and a key-holder copy, made by this workstation's escrow service. */
async function escrowFiles(s: Services, keyStore: 'azure-key-vault' | 'aws-kms' = 'azure-key-vault'): Promise<{ escrow: string; copy: string }> {
  const e = s.escrow;
  let st = await e.startCeremony(keyStore === 'aws-kms' ? { keyStore } : { modulusBits: 2048 });
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

describe('vault:chooseHolderCopy (the file chooser instead of a typed path)', () => {
  it('returns the file the holder picked, null when they cancel, and refuses a file that is not a key-holder copy', async () => {
    let answer: string | null = null;
    const asked: string[] = [];
    const s = workstation({
      chooseOpenPath: async (kind) => {
        asked.push(kind);
        return answer;
      },
    });
    const { escrow, copy } = await escrowFiles(s);
    const h = vaultHandlers(s);
    expect(await h['vault:chooseHolderCopy']({})).toEqual({ path: null });
    answer = copy;
    expect(await h['vault:chooseHolderCopy']({})).toEqual({ path: copy });
    answer = escrow;
    await expect(h['vault:chooseHolderCopy']({})).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    answer = path.join(path.dirname(copy), 'not-an-escrow.txt');
    fs.writeFileSync(answer, 'hello');
    await expect(h['vault:chooseHolderCopy']({})).rejects.toMatchObject({ code: expect.stringMatching(/^escrow\./) });
    expect(asked).toEqual(['holder-copy', 'holder-copy', 'holder-copy', 'holder-copy']);
  });

  it('refuses, when it is chosen, a copy of the other key store’s key: the RSA copy on the AWS screen, the AES copy on the Azure screen, saying which to choose', async () => {
    let answer: string | null = null;
    const s = workstation({ chooseOpenPath: async () => answer });
    const rsa = (await escrowFiles(s)).copy;
    const aes = (await escrowFiles(s, 'aws-kms')).copy;
    const h = vaultHandlers(s);
    answer = rsa;
    await expect(h['vault:chooseHolderCopy']({ keyStore: 'aws-kms' })).rejects.toMatchObject({
      code: 'escrow.wrong_key_type',
      message: expect.stringMatching(new RegExp(`${path.basename(rsa)} holds the RSA source key made for Azure Key Vault, but AWS KMS imports the 256-bit AES key made for it\\. Choose your key-holder copy of the AWS KMS key`)),
    });
    expect(await h['vault:chooseHolderCopy']({ keyStore: 'azure-key-vault' })).toEqual({ path: rsa });
    answer = aes;
    await expect(h['vault:chooseHolderCopy']({ keyStore: 'azure-key-vault' })).rejects.toMatchObject({
      code: 'escrow.wrong_key_type',
      message: expect.stringMatching(/holds the 256-bit AES key made for AWS KMS, but Azure Key Vault imports the RSA source key/),
    });
    expect(await h['vault:chooseHolderCopy']({ keyStore: 'aws-kms' })).toEqual({ path: aes });
    // A screen that does not say: the key store the settings choose (Azure Key Vault until they choose AWS KMS).
    await expect(h['vault:chooseHolderCopy']({})).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
    s.liveSettings.saveKeyStore({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'holder1' } } }, true);
    expect(await h['vault:chooseHolderCopy']({})).toEqual({ path: aes });
    answer = rsa;
    await expect(h['vault:chooseHolderCopy']({})).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
  });

  it('lists and proposes only the copies made here that hold the screen’s key: the RSA copy on the Azure import, the AES copy on the AWS import', async () => {
    const s = workstation();
    const rsa = (await escrowFiles(s)).copy;
    const aes = (await escrowFiles(s, 'aws-kms')).copy;
    expect((await vaultHandlers(s)['vault:state']({})).suggested.holderCopies).toEqual([rsa]);
    s.liveSettings.saveKeyStore({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'holder1' } } }, true);
    expect((await awsHandlers(s)['aws:state']({})).suggested.holderCopies).toEqual([aes]);
    // A copy whose header cannot be read stays listed: choosing it says why, it does not silently vanish.
    fs.writeFileSync(aes, 'damaged');
    expect((await awsHandlers(s)['aws:state']({})).suggested.holderCopies).toEqual([aes]);
  });

  it('without a file chooser (the CLI), says to pick a listed copy', async () => {
    await expect(vaultHandlers(workstation())['vault:chooseHolderCopy']({})).rejects.toMatchObject({ code: 'vault.no_file_chooser' });
  });
});
