/**
 * The key rotation's re-seal chooses its files (no typed paths): the
 * custodians' escrow and each key-holder copy, checked from the header as
 * soon as the file is picked. A key-holder copy offered as the escrow, the
 * escrow offered as a copy, and the other key store's files are refused with
 * one code each before anyone gathers; the files made on this workstation are
 * proposed, only those of the rotation's key type.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, type ServiceDeps, type Services } from '../../services/index';
import type { KeyStoreKind } from '../../services/escrow/service';
import { PASS } from '../../services/escrow/testing/helpers';
import { lifecycleHandlers } from './lifecycle';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A workstation whose rotation (stubbed: only its key store matters here) rotates a key of `rotating`. */
function workstation(rotating: KeyStoreKind, extra: Partial<ServiceDeps> = {}): Services {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-reseal-files-'));
  dirs.push(dataDir);
  const s = createServices({ dataDir, secretBox: memorySecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF, ...extra });
  Object.assign(s.lifecycle.keyRotation, { view: async () => ({ keyStoreKind: rotating, step: 'add-key' }) });
  return s;
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

describe('lifecycle:key-rotation-choose-file (the re-seal’s file chooser)', () => {
  it('returns the escrow and the copy picked for their own field, null when cancelled, and asks the dialog for the right kind', async () => {
    let answer: string | null = null;
    const asked: string[] = [];
    const s = workstation('azure-key-vault', {
      chooseOpenPath: async (kind) => {
        asked.push(kind);
        return answer;
      },
    });
    const { escrow, copy } = await escrowFiles(s, 'azure-key-vault');
    const choose = lifecycleHandlers(s)['lifecycle:key-rotation-choose-file'];
    expect(await choose({ file: 'escrow' })).toEqual({ path: null });
    answer = escrow;
    expect(await choose({ file: 'escrow' })).toEqual({ path: escrow });
    answer = copy;
    expect(await choose({ file: 'holder-copy' })).toEqual({ path: copy });
    expect(asked).toEqual(['escrow', 'escrow', 'holder-copy']);
  });

  it('refuses a key-holder copy offered as the escrow, and the escrow offered as a copy, saying which file to choose', async () => {
    let answer: string | null = null;
    const s = workstation('azure-key-vault', { chooseOpenPath: async () => answer });
    const { escrow, copy } = await escrowFiles(s, 'azure-key-vault');
    const choose = lifecycleHandlers(s)['lifecycle:key-rotation-choose-file'];
    answer = copy;
    await expect(choose({ file: 'escrow' })).rejects.toMatchObject({
      code: 'escrow.holder_copy_not_escrow',
      message: expect.stringContaining(`${path.basename(copy)} is the key-holder copy made for Key holder 1, not the custodians’ escrow`),
    });
    answer = escrow;
    await expect(choose({ file: 'holder-copy' })).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    answer = path.join(path.dirname(copy), 'not-an-escrow.khescrow');
    fs.writeFileSync(answer, 'hello');
    await expect(choose({ file: 'escrow' })).rejects.toMatchObject({ code: 'escrow.not_escrow' });
  });

  it('refuses the other key store’s escrow and copy: AWS KMS files in an Azure rotation, Azure files in an AWS rotation', async () => {
    let answer: string | null = null;
    const azure = workstation('azure-key-vault', { chooseOpenPath: async () => answer });
    const aws = workstation('aws-kms', { chooseOpenPath: async () => answer });
    const rsa = await escrowFiles(azure, 'azure-key-vault');
    const aes = await escrowFiles(aws, 'aws-kms');
    for (const [s, wrong, right] of [
      [azure, aes, rsa],
      [aws, rsa, aes],
    ] as const) {
      const choose = lifecycleHandlers(s)['lifecycle:key-rotation-choose-file'];
      answer = wrong.escrow;
      await expect(choose({ file: 'escrow' })).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
      answer = wrong.copy;
      await expect(choose({ file: 'holder-copy' })).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
      answer = right.escrow;
      expect(await choose({ file: 'escrow' })).toEqual({ path: right.escrow });
      answer = right.copy;
      expect(await choose({ file: 'holder-copy' })).toEqual({ path: right.copy });
    }
  });

  it('without a file chooser (the CLI), says to pick a listed file', async () => {
    await expect(lifecycleHandlers(workstation('azure-key-vault'))['lifecycle:key-rotation-choose-file']({ file: 'escrow' })).rejects.toMatchObject({ code: 'vault.no_file_chooser' });
  });
});

describe('lifecycle:key-rotation-reseal-files (what the re-seal form proposes)', () => {
  it('lists the escrow files and key-holder copies made here that hold the rotation’s key, each in its own list', async () => {
    const s = workstation('aws-kms');
    await escrowFiles(s, 'azure-key-vault');
    const aes = await escrowFiles(s, 'aws-kms');
    expect(await lifecycleHandlers(s)['lifecycle:key-rotation-reseal-files']({})).toEqual({ escrowFiles: [aes.escrow], holderCopies: [aes.copy] });
  });
});
