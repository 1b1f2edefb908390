/**
 * A chosen key-holder copy is checked from its header alone when it is
 * chosen (no passphrase), so a wrong file is refused before the supervised
 * activation gathers its people: the custodians' escrow is not a holder copy,
 * a test-cost copy is refused in live mode, and each key store takes only its
 * own key type.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { createEscrowService } from './service';
import { PassphraseThrottle } from './throttle';
import { PASS } from './testing/helpers';
import { copiesForKeyStore, readHolderCopy } from './holder-copy';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The custodians' escrow and a key-holder copy of an AES (AWS KMS) key, sealed at the test cost. */
async function awsFiles() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-chosen-copy-'));
  dirs.push(dataDir);
  const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));
  const svc = createEscrowService({ dataDir, clock, log: silentLogger, kdf: TEST_KDF, throttle: new PassphraseThrottle({ clock, baseDelayMs: 0 }) });
  let st = await svc.startCeremony({ keyStore: 'aws-kms' });
  st = await svc.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await svc.writeFiles(st.sessionId);
  for (const i of [1, 2]) st = await svc.testRestore(st.sessionId, i, PASS[i - 1]!);
  st = await svc.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  return { escrow: st.written!.escrowFile, copy: st.holderCopies[0]!.file };
}

describe('a chosen key-holder copy (readHolderCopy, as vault:chooseHolderCopy asks it)', () => {
  it('takes the AES copy for AWS KMS, refuses it for Azure Key Vault and refuses the custodians’ escrow, naming the file', async () => {
    const { escrow, copy } = await awsFiles();
    await expect(readHolderCopy(copy, { keyType: 'AES', mode: 'rehearsal' })).resolves.toMatchObject({ holder: 'Key holder 1' });
    await expect(readHolderCopy(copy, { keyType: 'RSA', mode: 'rehearsal' })).rejects.toMatchObject({ code: 'escrow.wrong_key_type', message: expect.stringContaining(path.basename(copy)) });
    await expect(readHolderCopy(escrow, { keyType: 'AES', mode: 'rehearsal' })).rejects.toMatchObject({ code: 'escrow.not_holder_copy', message: expect.stringContaining(path.basename(escrow)) });
  });

  it('in live mode refuses a copy sealed at the test cost, before anyone types a passphrase', async () => {
    const { copy } = await awsFiles();
    await expect(readHolderCopy(copy, { keyType: 'AES', mode: 'live' })).rejects.toMatchObject({ code: 'escrow.kdf_below_production' });
  });

  it('lists only the copies of the key store’s key; an unreadable file stays listed so choosing it says why', async () => {
    const { escrow, copy } = await awsFiles();
    const junk = path.join(path.dirname(copy), 'holder-damaged.khescrow');
    fs.writeFileSync(junk, 'not an escrow file');
    expect(copiesForKeyStore([copy, junk], 'aws-kms')).toEqual([copy, junk]);
    expect(copiesForKeyStore([copy, junk], 'azure-key-vault')).toEqual([junk]);
    expect(copiesForKeyStore([escrow], 'azure-key-vault')).toEqual([]);
  });
});
