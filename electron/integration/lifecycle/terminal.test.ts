/**
 * `keyholder store` with its DEFAULT session, as a holder runs it in a
 * terminal: the workstation's rehearsal cloud under the data folder (reached
 * where the "app" already runs it, or started for the command), a device-code
 * sign-in approved on "another device", tokens in memory only. The
 * workstation was set up by the app's own services (sealed secret box): an
 * escrow, a holder copy and a supervised import into holder 1's vault.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRehearsal, type EmbeddedRehearsal } from '../../composition/embedded-rehearsal';
import { createServices } from '../../services/index';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { PASS } from '../../services/escrow/testing/helpers';
import { agentFor } from '../../rehearsal/testing/sdk';
import { completeDeviceCode, fakeBox, importThroughActivation, scriptedBrowser } from '../import/harness';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/io';

let dir: string;
let emb: EmbeddedRehearsal | null = null;
let oid: string;
let keyVersionId: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-store-terminal-'));
  emb = await startEmbeddedRehearsal({ dataDir: dir, holder: 1 });
  const d = emb.cloud.descriptor;
  const tenant = d.tenants[0]!;
  oid = d.users.find((u) => u.tenantId === tenant.id)!.oid;
  // The app's side: its own services on the same data folder, with a working (sealed) secret box.
  const app = createServices({
    ...emb.deps,
    dataDir: dir,
    secretBox: fakeBox(),
    clock: systemClock,
    log: silentLogger,
    appVersion: 'test',
    emit: () => {},
    escrowKdf: TEST_KDF,
    openBrowser: scriptedBrowser(agentFor(emb.cloud), oid),
  });
  let st = await app.escrow.startCeremony({ modulusBits: 2048 });
  st = await app.escrow.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await app.escrow.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await app.escrow.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await app.escrow.writeFiles(st.sessionId);
  await app.escrow.testRestore(st.sessionId, 1, PASS[0]!);
  await app.escrow.testRestore(st.sessionId, 2, PASS[1]!);
  st = await app.escrow.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  app.escrow.closeCeremony(st.sessionId);
  await app.identity!.signIn({ tenantId: tenant.id, method: 'browser' });
  const vaultUrl = d.vaults.find((v) => v.tenantId === tenant.id)!.url;
  // Imported as the app imports: a supervised activation on the app's own desk, whose purpose is the vault import.
  await importThroughActivation({ desk: app.activationDesk, vault: app.vault }, { holder: 1, holderCopyPath: st.holderCopies[0]!.file, vaultUrl, keyName: 'contoso-cmek', protection: 'software', allowEncryptDecrypt: false }, PASS[2]!);
  keyVersionId = app.vault.record()!.outcome!.keyVersionId;
  // The app signed out: the terminal must not lean on anything the app left behind.
  await app.identity!.signOut();
}, 180_000);

afterAll(async () => {
  await emb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A terminal whose holder approves the printed device code on another device. */
function terminal(approve = true): CliIo & { outs: string[]; errs: string[]; approved: Promise<void>[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  const approved: Promise<void>[] = [];
  return {
    outs,
    errs,
    approved,
    out: (l) => void outs.push(l),
    err: (l) => {
      errs.push(l);
      const m = /open (\S+) and enter the code (\S+) \(valid until (\S+)\)/.exec(l);
      if (m && approve) {
        const ca = fs.readFileSync(path.join(dir, 'rehearsal-cloud', 'rehearsal-ca.pem'), 'utf8');
        approved.push(completeDeviceCode(agentFor({ caCertPem: ca } as never), { verificationUri: m[1]!, userCode: m[2]!, expiresAt: m[3]!, message: '' }, oid));
      }
    },
    promptHidden: () => Promise.reject(new Error('no tty')),
    env: {},
    cwd: process.cwd(),
  };
}

function identityFiles(): string[] {
  const d = path.join(dir, 'identity');
  return fs.existsSync(d) ? fs.readdirSync(d) : [];
}

describe('keyholder store with the default session', () => {
  it('status --json: device-code sign-in against the running rehearsal cloud, the key store Available, no sign-in written', async () => {
    const before = identityFiles();
    expect(before.some((f) => f.startsWith('msal-cache'))).toBe(false);
    const io = terminal();
    const code = await main(['store', 'status', '--json', '--data-dir', dir], io);
    await Promise.all(io.approved);
    expect(io.errs.filter((l) => !/enter the code/.test(l))).toEqual([]);
    expect(io.approved).toHaveLength(1);
    expect(code).toBe(0);
    const j = JSON.parse(io.outs.join('\n'));
    expect(j.keyStore).toMatchObject({ holder: 1, state: 'Available', keyName: 'contoso-cmek' });
    expect(keyVersionId).toContain(j.keyStore.version);
    expect(j.quorumThreshold).toBeGreaterThanOrEqual(2);
    // Tokens stayed in the process: no token cache and no account choice written by the terminal.
    expect(identityFiles()).toEqual(before);
    // It used the running cloud: a second one would have taken another port and recorded it as the last.
    expect((JSON.parse(fs.readFileSync(path.join(dir, 'rehearsal-cloud', 'rehearsal-state.json'), 'utf8')) as { lastPort: number }).lastPort).toBe(emb!.cloud.port);
  }, 60_000);

  it('the rehearsal cloud not running: the command starts it for itself and stops it afterwards', async () => {
    await emb!.stop();
    emb = null;
    const io = terminal();
    const code = await main(['store', 'status', '--json', '--data-dir', dir], io);
    await Promise.all(io.approved);
    expect(code).toBe(0);
    expect(JSON.parse(io.outs.join('\n')).keyStore.state).toBe('Available');
    // Stopped again: the port of its run no longer answers, so the "app" can start its own.
    const port = (JSON.parse(fs.readFileSync(path.join(dir, 'rehearsal-cloud', 'rehearsal-state.json'), 'utf8')) as { lastPort: number }).lastPort;
    const net = await import('node:net');
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    expect(free).toBe(true);
    emb = await startEmbeddedRehearsal({ dataDir: dir, holder: 1 });
  }, 60_000);

  it('revoke is refused before any sign-in or vault call: the signed transcript is out of a terminal’s reach', async () => {
    const io = terminal();
    const code = await main(['store', 'revoke', '--confirm', 'revoke key store 1, documents depend on key store 2 alone', '--data-dir', dir], io);
    expect(code).toBe(1);
    expect(io.errs).toHaveLength(1);
    expect(io.errs[0]).toMatch(/^keyholder store revoke: store\.transcript_unavailable: .*Nothing was changed/);
    // Issue 16: one readable sentence per fact, not "...whose key a terminal cannot reach the system keychain ... can open".
    expect(io.errs[0]).toMatch(/signed transcript, whose signing key is sealed in the system keychain; a terminal cannot reach that keychain\./);
    expect(io.errs[0]).not.toMatch(/can open/);
    const status = terminal();
    expect(await main(['store', 'status', '--json', '--data-dir', dir], status)).toBe(0);
    await Promise.all(status.approved);
    expect(JSON.parse(status.outs.join('\n')).keyStore.state).toBe('Available');
  }, 60_000);

  it('a data folder without a rehearsal cloud: exit 1 with what to do, no sign-in asked', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-store-empty-'));
    try {
      const io = terminal();
      const code = await main(['store', 'status', '--data-dir', empty], io);
      expect(code).toBe(1);
      expect(io.errs).toHaveLength(1);
      expect(io.errs[0]).toMatch(/store\.no_rehearsal_cloud: .*--cloud-descriptor/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('an unapproved device code is not a sign-in: the command waits, and nothing is reported', async () => {
    // Not run to its expiry (minutes); the identity tests cover code expiry. Here: no approval => no output yet.
    const io = terminal(false);
    const pending = main(['store', 'status', '--json', '--data-dir', dir], io);
    for (let i = 0; i < 100 && !io.errs.some((l) => /enter the code/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(io.errs.some((l) => /enter the code/.test(l))).toBe(true);
    expect(io.outs).toEqual([]);
    // Approve late: the same invocation then completes.
    const m = /open (\S+) and enter the code (\S+)/.exec(io.errs.find((l) => /enter the code/.test(l))!)!;
    await completeDeviceCode(agentFor(emb!.cloud), { verificationUri: m[1]!, userCode: m[2]!, expiresAt: '', message: '' }, oid);
    expect(await pending).toBe(0);
    expect(JSON.parse(io.outs.join('\n')).keyStore.state).toBe('Available');
  }, 60_000);
});
