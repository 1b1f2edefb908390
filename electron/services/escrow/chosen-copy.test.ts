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
import { parseEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { createEscrowService } from './service';
import { PassphraseThrottle } from './throttle';
import { PASS } from './testing/helpers';
import { checkChosenHolderCopy } from './chosen-copy';

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
  const header = (f: string) => parseEscrow(new Uint8Array(fs.readFileSync(f))).header;
  return { escrow: st.written!.escrowFile, copy: st.holderCopies[0]!.file, header };
}

describe('checkChosenHolderCopy', () => {
  it('takes the AES copy for AWS KMS, refuses it for Azure Key Vault and refuses the custodians’ escrow, naming the file', async () => {
    const { escrow, copy, header } = await awsFiles();
    expect(() => checkChosenHolderCopy(copy, header(copy), { keyStore: 'aws-kms', mode: 'rehearsal' })).not.toThrow();
    expect(() => checkChosenHolderCopy(copy, header(copy), { keyStore: 'azure-key-vault', mode: 'rehearsal' })).toThrow(
      expect.objectContaining({ code: 'vault.wrong_key_type', message: expect.stringContaining(path.basename(copy)) }),
    );
    expect(() => checkChosenHolderCopy(escrow, header(escrow), { keyStore: 'aws-kms', mode: 'rehearsal' })).toThrow(
      expect.objectContaining({ code: 'vault.not_holder_copy', message: expect.stringContaining(path.basename(escrow)) }),
    );
  });

  it('in live mode refuses a copy sealed at the test cost, before anyone types a passphrase', async () => {
    const { copy, header } = await awsFiles();
    expect(() => checkChosenHolderCopy(copy, header(copy), { keyStore: 'aws-kms', mode: 'live' })).toThrow(expect.objectContaining({ code: 'escrow.kdf_below_production' }));
  });

  it('checks the newest key of a copy (the one the activation opens)', async () => {
    const { copy, header } = await awsFiles();
    const h = header(copy);
    const rsaFirst = { keys: [{ ...h.keys[0]!, keyType: 'RSA' as const, modulusBits: 4096 as const, publicKeySpki: '' }, h.keys[0]!] };
    expect(() => checkChosenHolderCopy(copy, rsaFirst, { keyStore: 'aws-kms', mode: 'rehearsal' })).not.toThrow();
    expect(() => checkChosenHolderCopy(copy, { keys: [...rsaFirst.keys].reverse() }, { keyStore: 'aws-kms', mode: 'rehearsal' })).toThrow(expect.objectContaining({ code: 'aws.wrong_key_type' }));
  });
});
