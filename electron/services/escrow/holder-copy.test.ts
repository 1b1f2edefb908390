/**
 * The one check of a key-holder copy (holder-copy.ts), on files the escrow
 * service really writes: what is a copy and what is not, the key type the key
 * store imports, the re-seal's current key, the passphrase counted by content,
 * and the activation desk asking it before anyone joins. The workstation
 * mode's refusals are in mode.test.ts, another name for the same file in
 * throttle.test.ts, the import doors in ipc/handlers/holder-copy-doors.test.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { createCeremonyTranscripts } from '../transcript/index';
import { testSecretBox } from '../transcript/test-support';
import { createParticipantsService } from '../participants/index';
import { createActivationService } from '../activation/index';
import { createActivationDesk } from '../activation/desk';
import { enrolCast, testWorkstation, walkSplitKnowledge } from '../activation/test-support';
import { identityOf } from '../keys/source-key';
import { createEscrowService, type KeyStoreKind } from './service';
import { holderCopyFromBytes, openHolderCopyKey, readHolderCopy } from './holder-copy';
import { PassphraseThrottle } from './throttle';
import { PASS } from './testing/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-holder-copy-'));
  dirs.push(d);
  return d;
};
const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));

/** A custodians' escrow (1 of 2) and the key-holder copy made from it, for one key store. */
async function files(keyStore: KeyStoreKind = 'azure-key-vault') {
  const svc = createEscrowService({ dataDir: tmp(), clock, log: silentLogger, kdf: TEST_KDF });
  let st = await svc.startCeremony({ keyStore, modulusBits: 2048 });
  st = await svc.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await svc.writeFiles(st.sessionId);
  await svc.testRestore(st.sessionId, 1, PASS[0]!);
  st = await svc.testRestore(st.sessionId, 2, PASS[1]!);
  st = await svc.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  svc.closeCeremony(st.sessionId);
  return { escrow: st.written!.escrowFile, copy: st.holderCopies[0]!.file, key: st.key };
}

describe('readHolderCopy: is this a key-holder copy', () => {
  it('takes the copy made for the holder and refuses the custodians’ escrow, saying which file to choose', async () => {
    const f = await files();
    const copy = await readHolderCopy(f.copy);
    const bytes = new Uint8Array(fs.readFileSync(f.copy));
    expect(copy).toMatchObject({ file: f.copy, holder: 'Key holder 1', entry: { keyId: f.key.keyId, fingerprint: f.key.fingerprint, keyType: 'RSA' } });
    expect(copy.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(copy.copyFingerprint).toBe(copy.sha256.slice(0, 16).match(/.{4}/g)!.join('-'));

    const e = await readHolderCopy(f.escrow).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'escrow.not_holder_copy' });
    expect((e as Error).message).toContain(`${path.basename(f.escrow)} is not a key-holder copy: it is sealed to 2 custodians`);
    expect((e as Error).message).toContain('holder-');
  });

  it('takes the key type as a parameter: an AES copy is refused for Azure Key Vault, an RSA copy for AWS KMS', async () => {
    const rsa = await files('azure-key-vault');
    const aes = await files('aws-kms');
    expect((await readHolderCopy(rsa.copy, { keyType: 'RSA' })).entry.keyType).toBe('RSA');
    expect((await readHolderCopy(aes.copy, { keyType: 'AES' })).entry.keyType).toBe('AES');
    const toAzure = await readHolderCopy(aes.copy, { keyType: 'RSA' }).catch((x: unknown) => x);
    expect(toAzure).toMatchObject({ code: 'escrow.wrong_key_type', detail: { found: 'AES', wanted: 'RSA' } });
    expect((toAzure as Error).message).toMatch(/made for AWS KMS, but Azure Key Vault imports the RSA source key .* Choose your key-holder copy of the Azure Key Vault key\.$/);
    const toAws = await readHolderCopy(rsa.copy, { keyType: 'AES' }).catch((x: unknown) => x);
    expect(toAws).toMatchObject({ code: 'escrow.wrong_key_type', detail: { found: 'RSA', wanted: 'AES' } });
    expect((toAws as Error).message).toContain('but AWS KMS imports the 256-bit AES key');
  });

  it('for a re-seal, refuses a copy that does not hold the escrow’s current key', async () => {
    const a = await files();
    const b = await files();
    await expect(readHolderCopy(a.copy, { currentKey: { keyId: b.key.keyId, fingerprint: b.key.fingerprint } })).rejects.toMatchObject({ code: 'escrow.copy_not_current', message: expect.stringContaining(b.key.keyId) });
    expect((await readHolderCopy(a.copy, { currentKey: { keyId: a.key.keyId, fingerprint: a.key.fingerprint } })).holder).toBe('Key holder 1');
  });

  it('a path that cannot be read says what to do; a device is never read', async () => {
    const missing = path.join(tmp(), 'holder-key-holder-1.khescrow');
    await expect(readHolderCopy(missing)).rejects.toMatchObject({ code: 'escrow.file_unreadable', message: expect.stringContaining('Check that the drive holding it is connected') });
    await expect(readHolderCopy('/dev/zero')).rejects.toMatchObject({ code: 'escrow.not_a_file' });
    const text = path.join(tmp(), 'notes.txt');
    fs.writeFileSync(text, 'not an escrow file');
    await expect(readHolderCopy(text)).rejects.toMatchObject({ code: expect.stringMatching(/^escrow\./) });
  });
});

describe('openHolderCopyKey: the holder’s passphrase, counted by content', () => {
  it('a wrong passphrase opens nothing and pauses the next try on the same content; the right one gives the copy’s key', async () => {
    const f = await files();
    const c = fixedClock(new Date('2026-12-06T10:00:00Z'));
    const throttle = new PassphraseThrottle({ clock: c, baseDelayMs: 1000 });
    const copy = await readHolderCopy(f.copy);
    await expect(openHolderCopyKey(copy, PASS[0]!, { throttle })).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    // The same bytes checked again (another read, another name) share the count.
    const again = holderCopyFromBytes(new Uint8Array(fs.readFileSync(f.copy)), 'renamed.khescrow');
    await expect(openHolderCopyKey(again, PASS[2]!, { throttle })).rejects.toMatchObject({ code: 'escrow.throttled' });
    c.advance(1_000);
    const { entry, pkcs8 } = await openHolderCopyKey(again, PASS[2]!, { throttle });
    expect(identityOf(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).fingerprint).toBe(f.key.fingerprint);
    expect(entry.fingerprint).toBe(f.key.fingerprint);
    pkcs8.fill(0);
  });
});

describe('the activation desk asks readHolderCopy before anyone joins', () => {
  async function desk() {
    const dataDir = tmp();
    const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
    const ws = testWorkstation();
    const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: () => ws });
    const imported: string[] = [];
    const d = createActivationDesk({
      activation: createActivationService({ transcript, clock }),
      participants,
      transcript,
      clock,
      throttle: new PassphraseThrottle({ clock, baseDelayMs: 0 }),
      // Any purpose will do: the door is the desk's start (the vault import's gate is the IPC handler's, tested there).
      purposes: {
        'escrow-restore': async (material, _purpose, escrow) => {
          imported.push(escrow.header.keys.at(-1)!.fingerprint);
          return { bytes: material.length };
        },
      },
    });
    return { desk: d, imported };
  }
  const purpose = { kind: 'escrow-restore' as const, target: 'check the key-holder copy of key holder 1' };

  it('refuses the custodians’ escrow and the other cloud’s copy at the start; the right copy opens for the purpose after the walk', async () => {
    const rsa = await files('azure-key-vault');
    const aes = await files('aws-kms');
    const { desk: d, imported } = await desk();
    await expect(d.start({ mode: 'split-knowledge', escrowFile: rsa.escrow, keyType: 'RSA', purpose })).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    await expect(d.start({ mode: 'split-knowledge', escrowFile: aes.copy, keyType: 'RSA', purpose })).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
    await expect(d.start({ mode: 'split-knowledge', escrowFile: rsa.copy, keyType: 'AES', purpose })).rejects.toMatchObject({ code: 'escrow.wrong_key_type' });
    expect(imported).toEqual([]);

    const cast = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };
    const signing = (name: string) => `${name} signing passphrase`;
    await enrolCast(d, cast, signing);
    const v = await d.start({ mode: 'split-knowledge', escrowFile: rsa.copy, keyType: 'RSA', purpose });
    expect(v.copyFingerprint).toBe((await readHolderCopy(rsa.copy)).copyFingerprint);
    await expect(walkSplitKnowledge(d, v, { cast, signing, passphrase: PASS[0]! })).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    const done = await walkSplitKnowledge(d, await d.start({ mode: 'split-knowledge', escrowFile: rsa.copy, keyType: 'RSA', purpose }), { cast, signing, passphrase: PASS[2]! });
    expect(done.result).toMatchObject({ bytes: expect.any(Number) });
    expect(imported).toEqual([rsa.key.fingerprint]);
  });
});
