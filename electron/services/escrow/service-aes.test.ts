/**
 * The escrow ceremony for an AWS KMS key store: the service generates a
 * 256-bit AES key (not RSA), escrows it, test-restores it from disk and
 * writes holder copies exactly as for the RSA source key; the holder copy
 * opens (as a supervised activation opens it) to the 32 key bytes named by
 * the fingerprint, and a wrong passphrase or an altered copy opens nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { symmetricFingerprint } from '../keys/symmetric-key';
import { holderCopySource } from '../activation/escrow-sources';
import { holderCopyFromBytes } from './holder-copy';
import { createEscrowService } from './service';
import { PassphraseThrottle } from './throttle';
import { PASS } from './testing/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-escrow-aes-'));
  dirs.push(dataDir);
  const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));
  const throttle = new PassphraseThrottle({ clock, baseDelayMs: 0 });
  return { dataDir, svc: createEscrowService({ dataDir, clock, log: silentLogger, kdf: TEST_KDF, throttle }), throttle };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('escrow ceremony for AWS KMS (AES-256 key)', () => {
  it('1-of-2: generates a 256-bit key, writes no PEM, and the receipt needs every custodian to reopen the escrow from disk', async () => {
    const { svc } = setup();
    let st = await svc.startCeremony({ keyStore: 'aws-kms', purpose: 'Legatics BYOK 2026' });
    expect(st.keyType).toBe('AES');
    expect(st.key.modulusBits).toBe(256);
    st = await svc.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
    st = await svc.writeFiles(st.sessionId);
    const w = st.written!;
    expect(w.pemFiles).toEqual([]);
    expect(w.artifacts.map((a) => a.kind)).toEqual(['escrow']);
    const entry = parseEscrow(new Uint8Array(fs.readFileSync(w.escrowFile))).header.keys[0]!;
    expect(entry).toMatchObject({ keyType: 'AES', keyBits: 256, fingerprint: st.key.fingerprint });
    const sheet = await svc.restoreSheet(st.sessionId);
    expect(sheet).toContain('AWS KMS');
    expect(sheet).not.toContain('openssl pkey');

    await expect(svc.testRestore(st.sessionId, 2, PASS[0]!)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    st = await svc.testRestore(st.sessionId, 1, PASS[0]!);
    expect(st.restoreDone).toBe(false);
    await expect(svc.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!)).rejects.toMatchObject({ code: 'escrow.not_verified' });
    st = await svc.testRestore(st.sessionId, 2, PASS[1]!);
    expect(st.restoreDone).toBe(true);
    const receipt = (await svc.receipt(w.folder))!;
    expect(receipt.verified.map((v) => [v.name, v.pem])).toEqual([
      ['Alice Archer', false],
      ['Bob Baker', false],
    ]);
  });

  it('holder copies open, as an activation opens them, to the escrowed 32 bytes; a wrong passphrase or an altered copy opens nothing', async () => {
    const { svc, throttle } = setup();
    let st = await svc.startCeremony({ keyStore: 'aws-kms' });
    st = await svc.setCustodians(st.sessionId, ['Carol', 'Dan', 'Erin'], 2);
    for (const i of [1, 2, 3]) await svc.enterPassphrase(st.sessionId, i, PASS[i - 1]!);
    st = await svc.writeFiles(st.sessionId);
    for (const i of [1, 3]) st = await svc.testRestore(st.sessionId, i, PASS[i - 1]!);
    expect(st.restoreDone).toBe(true);
    st = await svc.createHolderCopy(st.sessionId, 'Key holder 1', PASS[3]!);
    const copy = st.holderCopies[0]!.file;
    const file = parseEscrow(new Uint8Array(fs.readFileSync(copy)));
    expect(file.header.keys[0]).toMatchObject({ keyType: 'AES', policy: { threshold: 1, total: 1 } });

    const material = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), copy), throttle).open(bytes(PASS[3]!));
    expect(material).toHaveLength(32);
    expect(symmetricFingerprint(material)).toBe(st.key.fingerprint);
    await expect(holderCopySource(holderCopyFromBytes(serializeEscrow(file), copy), throttle).open(bytes(PASS[0]!))).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });

    // One bit of the sealed key flipped (checksum recomputed by parse/serialize): the content no longer authenticates.
    const sealed = Buffer.from(file.body.keys[0]!.privateKey, 'base64');
    sealed[3]! ^= 1;
    const altered = { header: file.header, body: { keys: [{ ...file.body.keys[0]!, privateKey: sealed.toString('base64') }] } };
    await expect(holderCopySource(holderCopyFromBytes(serializeEscrow(altered), copy), throttle).open(bytes(PASS[3]!))).rejects.toMatchObject({ code: 'escrow.altered' });
  });

  it('the Azure path is unchanged: without a key store the key is RSA and PEMs are written', async () => {
    const { svc } = setup();
    let st = await svc.startCeremony({ modulusBits: 2048 });
    expect(st.keyType).toBe('RSA');
    st = await svc.setCustodians(st.sessionId, ['Alice Archer'], 1);
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    st = await svc.writeFiles(st.sessionId);
    expect(st.written!.pemFiles).toHaveLength(1);
  });
});
