/**
 * Rehearsal never leaks into live (issue 16): a rehearsal workstation marks
 * every key it seals in the authenticated header, and a live workstation
 * refuses marked files, files with the CLI's REHEARSAL ONLY purpose, and
 * test-KDF files, before any passphrase is tried.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { PRODUCTION_KDF, TEST_KDF, type KdfProfile } from '../../../shared/escrow/kdf-profiles';
import { REHEARSAL_PURPOSE_PREFIX, type WorkstationMode } from '../../../shared/escrow/mode-policy';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { checkScryptCost } from './kdf';
import { openKey, sealKey } from './seal';
import { createEscrowService } from './service';
import { openHolderCopyKey, readHolderCopy } from './holder-copy';
import { attemptKey, PassphraseThrottle } from './throttle';
import { editHeader, PASS } from './testing/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function service(mode?: WorkstationMode, kdf: KdfProfile = TEST_KDF) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-escrow-mode-'));
  dirs.push(dataDir);
  const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));
  const throttle = new PassphraseThrottle({ clock, baseDelayMs: 1000 });
  return { dataDir, throttle, svc: createEscrowService({ dataDir, clock, log: silentLogger, kdf, throttle, ...(mode ? { mode } : {}) }) };
}

/** A whole escrow ceremony on one workstation, through to a key-holder copy. */
async function ceremony(mode: WorkstationMode) {
  const { svc, throttle } = service(mode);
  let st = await svc.startCeremony({ modulusBits: 2048 });
  st = await svc.setCustodians(st.sessionId, ['Ann'], 1);
  await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
  st = await svc.writeFiles(st.sessionId);
  await svc.testRestore(st.sessionId, 1, PASS[0]!);
  st = await svc.createHolderCopy(st.sessionId, 'Key holder 1', PASS[1]!);
  return { svc, throttle, st, escrowFile: st.written!.escrowFile, copy: st.holderCopies[0]!.file };
}

async function writeCopy(purpose: string, environment?: 'rehearsal'): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-escrow-copy-'));
  dirs.push(dir);
  const file = await sealKey(rsa, { keyId: crypto.randomUUID(), purpose, created: new Date('2026-12-01T00:00:00Z'), ...(environment ? { environment } : {}) }, [{ name: 'Holder', passphrase: PASS[0]! }], 1, TEST_KDF);
  const target = path.join(dir, 'holder.khescrow');
  fs.writeFileSync(target, serializeEscrow(file));
  return target;
}

describe('rehearsal escrow files are marked, live mode refuses them', () => {
  it('a rehearsal workstation marks the escrow file and every key-holder copy in the authenticated header', async () => {
    const { escrowFile, copy } = await ceremony('rehearsal');
    for (const f of [escrowFile, copy]) {
      for (const k of parseEscrow(new Uint8Array(fs.readFileSync(f))).header.keys) expect(k.environment).toBe('rehearsal');
    }
    // And a live workstation marks nothing (its files stay byte-compatible with every v1 reader). Production escrow
    // cost (about a second): a live workstation seals nothing cheaper.
    const live = service('live', { ...TEST_KDF, escrow: PRODUCTION_KDF.escrow });
    let st = await live.svc.startCeremony({ modulusBits: 2048 });
    st = await live.svc.setCustodians(st.sessionId, ['Ann'], 1);
    await live.svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    st = await live.svc.writeFiles(st.sessionId);
    expect(parseEscrow(new Uint8Array(fs.readFileSync(st.written!.escrowFile))).header.keys[0]!.environment).toBeUndefined();
  });

  it('removing or adding the mark fails authentication (the file is reported altered, never opened)', async () => {
    const marked = await writeCopy('Key-holder copy', 'rehearsal');
    const stripped = editHeader(new Uint8Array(fs.readFileSync(marked)), (h) => {
      delete (h.keys as Record<string, unknown>[])[0]!.environment;
    });
    await expect(openKey(parseEscrow(stripped), undefined, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.altered' });
    const plain = await writeCopy('Key-holder copy');
    const added = editHeader(new Uint8Array(fs.readFileSync(plain)), (h) => {
      (h.keys as Record<string, unknown>[])[0]!.environment = 'rehearsal';
    });
    await expect(openKey(parseEscrow(added), undefined, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.altered' });
    // The marked file itself opens (in rehearsal, or with no mode: the CLI's file commands).
    const { pkcs8 } = await openKey(parseEscrow(new Uint8Array(fs.readFileSync(marked))), undefined, [{ custodian: 1, passphrase: PASS[0]! }]);
    expect(pkcs8.length).toBeGreaterThan(1000);
  });

  it('live mode refuses a rehearsal holder copy for import, before any passphrase is tried', async () => {
    const { copy } = await ceremony('rehearsal');
    const { throttle } = service('live');
    // Refused at reading: nothing is returned that a passphrase could be tried on, so the count stays at zero.
    await expect(readHolderCopy(copy, { mode: 'live' })).rejects.toMatchObject({ code: 'escrow.rehearsal_file' });
    expect(throttle.failures(attemptKey(new Uint8Array(fs.readFileSync(copy)), 'custodian-1'))).toBe(0);
    // The same copy still opens on a rehearsal workstation.
    const { pkcs8 } = await openHolderCopyKey(await readHolderCopy(copy, { mode: 'rehearsal' }), PASS[1]!, { throttle });
    expect(pkcs8.length).toBeGreaterThan(1000);
    pkcs8.fill(0);
  });

  it('live mode refuses an unmarked file with the CLI REHEARSAL ONLY purpose, and any test-KDF file', async () => {
    const oldCli = await writeCopy(`${REHEARSAL_PURPOSE_PREFIX}rehearsal source key`);
    await expect(readHolderCopy(oldCli, { mode: 'live' })).rejects.toMatchObject({ code: 'escrow.rehearsal_file' });
    const weak = await writeCopy('Key-holder copy for Jane');
    const err = await readHolderCopy(weak, { mode: 'live' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'escrow.kdf_below_production' });
    expect((err as Error).message).toContain('scrypt N=2^10');
  });

  it('a live workstation set up with the test KDF seals nothing (before any passphrase)', async () => {
    const live = service('live');
    const st = await live.svc.startCeremony({ modulusBits: 2048 });
    await expect(live.svc.setCustodians(st.sessionId, ['Ann'], 1)).rejects.toMatchObject({ code: 'escrow.kdf_below_production' });
  });
});

describe('test-restore throttle (review #11)', () => {
  it('counts wrong passphrases against the file content and slot, the key every other path uses', async () => {
    const { svc, throttle } = service('rehearsal');
    let st = await svc.startCeremony({ modulusBits: 2048 });
    st = await svc.setCustodians(st.sessionId, ['Ann', 'Ben'], 1);
    await svc.enterPassphrase(st.sessionId, 1, PASS[0]!);
    await svc.enterPassphrase(st.sessionId, 2, PASS[1]!);
    st = await svc.writeFiles(st.sessionId);
    await expect(svc.testRestore(st.sessionId, 2, PASS[0]!)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    const bytes = new Uint8Array(fs.readFileSync(st.written!.escrowFile));
    expect(throttle.failures(attemptKey(bytes, 'custodian-2'))).toBe(1);
    // So the activation desk, opening the same file under another name, is paused too.
    await expect(throttle.run(attemptKey(bytes, 'custodian-2'), async () => 1)).rejects.toMatchObject({ code: 'escrow.throttled' });
  });
});

describe('scrypt cost cap when opening', () => {
  it('refuses N*r*p above 8x the production cost, whatever the memory', () => {
    expect(() => checkScryptCost({ log2N: 20, r: 8, p: 64 })).toThrow(expect.objectContaining({ code: 'escrow.unsupported_parameters' }));
    expect(() => checkScryptCost({ log2N: 14, r: 8, p: 64 * 16 })).toThrow(expect.objectContaining({ code: 'escrow.unsupported_parameters' }));
    // What Key Holder writes stays openable: production escrow, production PEM, and 8x production exactly.
    expect(() => checkScryptCost({ log2N: 18, r: 8, p: 1 })).not.toThrow();
    expect(() => checkScryptCost({ log2N: 14, r: 8, p: 32 })).not.toThrow();
    expect(() => checkScryptCost({ log2N: 18, r: 8, p: 8 })).not.toThrow();
  });

  it('an escrow slot asking for p=64 at N=2^17 is refused before any scrypt runs', async () => {
    const plain = await writeCopy('Key-holder copy');
    const heavy = editHeader(new Uint8Array(fs.readFileSync(plain)), (h) => {
      const kdf = ((h.keys as Record<string, unknown>[])[0]!.custodians as { kdf: Record<string, unknown> }[])[0]!.kdf;
      kdf.log2N = 17;
      kdf.p = 64;
    });
    await expect(openKey(parseEscrow(heavy), undefined, [{ custodian: 1, passphrase: PASS[0]! }])).rejects.toMatchObject({ code: 'escrow.unsupported_parameters' });
  });
});
