/**
 * The passphrase throttle against a scripted renderer: it picks the path, so
 * the count must follow the file's content, survive new sessions, and cover
 * every place a passphrase is tried (holder copy, activation desk sources,
 * participant keys). Reading a renderer-chosen path must not hang or exhaust
 * memory either.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { fixedClock } from '../platform/clock';
import { escrowQuorumSource, holderCopySource, custodianId } from '../activation/escrow-sources';
import { createParticipantsService } from '../participants/index';
import { testWorkstation } from '../activation/test-support';
import { readEscrowBytes } from './files';
import { sealKey } from './seal';
import { holderCopyFromBytes, openHolderCopyKey, readHolderCopy } from './holder-copy';
import { PassphraseThrottle } from './throttle';
import { PASS } from './testing/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-throttle-'));
  dirs.push(d);
  return d;
};
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const meta = () => ({ keyId: crypto.randomUUID(), purpose: 'throttle test', created: new Date('2026-11-27T10:00:00Z') });
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('passphrase throttle keyed by content, not path', () => {
  it('another name for the same holder copy (symlink, /./.., hard link) does not reset the count', async () => {
    const dir = tmp();
    const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
    const throttle = new PassphraseThrottle({ clock, baseDelayMs: 1000 });
    const copy = path.join(dir, 'holder.khescrow');
    fs.writeFileSync(copy, serializeEscrow(await sealKey(rsa, meta(), [{ name: 'Holder One', passphrase: PASS[0]! }], 1, TEST_KDF)));
    fs.symlinkSync(copy, path.join(dir, 'alias.khescrow'));
    fs.linkSync(copy, path.join(dir, 'hard.khescrow'));
    fs.mkdirSync(path.join(dir, 'sub'));
    const tryOpen = async (file: string, passphrase: string) => openHolderCopyKey(await readHolderCopy(file), passphrase, { throttle });
    await expect(tryOpen(copy, 'guess one')).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    for (const alias of [path.join(dir, 'alias.khescrow'), path.join(dir, 'hard.khescrow'), path.join(dir, 'sub', '..', '.', 'holder.khescrow'), `/proc/self/cwd/${path.relative(process.cwd(), copy)}`]) {
      await expect(tryOpen(alias, 'guess two')).rejects.toMatchObject({ code: 'escrow.throttled' });
    }
    clock.advance(1_000);
    const { pkcs8 } = await tryOpen(path.join(dir, 'alias.khescrow'), PASS[0]!);
    expect(pkcs8.equals(rsa.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
    pkcs8.fill(0);
  });

  it('activation desk sources share one count across sessions: after three free failures the next is paused', async () => {
    const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
    const throttle = new PassphraseThrottle({ clock, freeFailures: 3 });
    const file = parseEscrow(serializeEscrow(await sealKey(rsa, meta(), [{ name: 'Holder One', passphrase: PASS[0]! }], 1, TEST_KDF)));
    // Each new activation session builds a new source over the same file.
    for (let i = 0; i < 4; i++) {
      await expect(holderCopySource(holderCopyFromBytes(serializeEscrow(file), 'holder.khescrow'), throttle).open(utf8(`guess ${i}`))).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    }
    await expect(holderCopySource(holderCopyFromBytes(serializeEscrow(file), 'holder.khescrow'), throttle).open(utf8(PASS[0]!))).rejects.toMatchObject({ code: 'escrow.throttled' });
    clock.advance(1_000);
    const der = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), 'holder.khescrow'), throttle).open(utf8(PASS[0]!));
    expect(der.length).toBeGreaterThan(1000);

    const quorum = parseEscrow(serializeEscrow(await sealKey(rsa, meta(), ['A', 'B', 'C'].map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));
    for (let i = 0; i < 4; i++) {
      await expect(escrowQuorumSource(quorum, undefined, throttle).openShare(custodianId(2), utf8(`guess ${i}`))).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    }
    await expect(escrowQuorumSource(quorum, undefined, throttle).openShare(custodianId(2), utf8(PASS[1]!))).rejects.toMatchObject({ code: 'escrow.throttled' });
  });

  it('the desk sources are throttled by default (the process-wide counter), without any wiring', async () => {
    const file = parseEscrow(serializeEscrow(await sealKey(rsa, meta(), [{ name: 'Holder One', passphrase: PASS[0]! }], 1, TEST_KDF)));
    for (let i = 0; i < 4; i++) {
      await expect(holderCopySource(holderCopyFromBytes(serializeEscrow(file), 'holder.khescrow')).open(utf8(`guess ${i}`))).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    }
    await expect(holderCopySource(holderCopyFromBytes(serializeEscrow(file), 'holder.khescrow')).open(utf8(PASS[0]!))).rejects.toMatchObject({ code: 'escrow.throttled' });
  });

  it('participant keys: repeated wrong passphrases are paused', async () => {
    const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
    const ws = testWorkstation();
    const participants = createParticipantsService({ dataDir: tmp(), clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: () => ws, throttle: new PassphraseThrottle({ clock, freeFailures: 3 }) });
    const sam = await participants.enrol('Sam Supervisor', PASS[0]!, ['supervisor']);
    for (let i = 0; i < 4; i++) await expect(participants.unlock(sam.id, `guess ${i}`)).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(participants.unlock(sam.id, PASS[0]!)).rejects.toMatchObject({ code: 'escrow.throttled' });
    clock.advance(1_000);
    (await participants.unlock(sam.id, PASS[0]!)).dispose();
  });
});

describe('reading a path the page chose', () => {
  it('refuses devices, FIFOs, folders and oversized files without reading them', async () => {
    const dir = tmp();
    await expect(readEscrowBytes('/dev/zero')).rejects.toMatchObject({ code: 'escrow.not_a_file' });
    await expect(readEscrowBytes(dir)).rejects.toMatchObject({ code: 'escrow.not_a_file' });
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(readEscrowBytes(fifo)).rejects.toMatchObject({ code: 'escrow.not_a_file' });
    const big = path.join(dir, 'big.khescrow');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 64 * 1024 * 1024);
    await expect(readEscrowBytes(big)).rejects.toMatchObject({ code: 'escrow.damaged' });
    await expect(readEscrowBytes(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'escrow.file_unreadable' });
  });
});
