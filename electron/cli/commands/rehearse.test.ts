/**
 * `keyholder rehearse` end to end (fast KDF, 2048-bit key): the whole
 * two-holder ceremony against its own rehearsal cloud, then `keyholder
 * transcript verify` on what it wrote; and the artifacts hold no secret.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';
import { parseEscrow } from '../../../shared/escrow/format';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-rehearse-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: {}, cwd: dir };
}

describe('keyholder rehearse', () => {
  it('runs the whole ceremony to Available, and its transcript verifies with the final hash it printed', async () => {
    const a = io();
    const code = await main(['rehearse', '--out', 'ceremony', '--json', '--fast-kdf', '--no-pdf', '--bits', '2048'], a);
    expect(a.errors).toEqual([]);
    expect(code).toBe(0);
    expect(a.lines).toHaveLength(1);
    const r = JSON.parse(a.lines[0]!);
    expect(r.primaryKey.status).toBe('Available');
    expect(r.kdf).toBe('test-insecure');
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r.keyVersionIds.holder1).toMatch(/^https:\/\/holder1-vault\.vault\.rehearsal\.localhost:\d+\/keys\/rehearsal-cmk\/[0-9a-f]{32}$/);
    expect(r.keyVersionIds.holder2).toMatch(/^https:\/\/holder2-vault\./);
    expect(r.timings.steps.map((s: { step: string }) => s.step)).toEqual([
      'ceremony plan',
      'worksheet',
      'key generation',
      'escrow',
      'escrow test-restore',
      'holder copies',
      'registration',
      'activation and import (holder 1)',
      'activation and import (holder 2)',
      'submissions',
      'status check',
      'ceremony record',
    ]);
    // The closed ceremony's final hash reached the control plane for both holders (truncation is detectable there too).
    expect(r.ceremonyRecords.map((c: { holder: number }) => c.holder).sort()).toEqual([1, 2]);
    for (const c of r.ceremonyRecords) expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.timings.passphraseMs).toBeGreaterThan(0);
    expect(r.timings.withoutPassphraseMs + r.timings.passphraseMs).toBe(r.timings.totalMs);

    const v = io();
    expect(await main(['transcript', 'verify', r.transcript, '--json', '--final-hash', r.finalHash], v)).toBe(0);
    const verified = JSON.parse(v.lines[0]!);
    expect(verified.ok).toBe(true);
    const kinds = fs.readFileSync(r.transcript, 'utf8').trim().split('\n').map((l) => JSON.parse(l).kind);
    expect(kinds.filter((k: string) => k === 'activation.attested')).toHaveLength(2);
    expect(kinds.filter((k: string) => k === 'vault.imported')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('ceremony.closed');
    // The ceremony plan comes first: all seven participants enrolled (strong passphrases, their roles) before the source key exists.
    expect(kinds.filter((k: string) => k === 'ceremony.plan')).toHaveLength(7);
    expect(kinds.lastIndexOf('ceremony.plan')).toBeLessThan(kinds.indexOf('key.generated'));

    // Every artifact a ceremony produces is there; none but the rehearsal inputs holds a passphrase or client secret.
    for (const f of [r.artifacts.escrowFile, ...r.artifacts.pemFiles, ...r.artifacts.holderCopies, ...r.artifacts.worksheet, r.artifacts.receipts, r.report.html]) expect(fs.existsSync(f)).toBe(true);
    const inputs = JSON.parse(fs.readFileSync(path.join(r.outDir, 'inputs', 'participants.json'), 'utf8'));
    const secrets: string[] = [inputs.supervisor.passphrase, inputs.holderCopyPassphrases.holder1.passphrase, ...inputs.custodians.map((c: { passphrase: string }) => c.passphrase)];
    const state = JSON.parse(fs.readFileSync(path.join(r.outDir, 'cloud', 'rehearsal-state.json'), 'utf8'));
    const clientSecrets: string[] = state.apps.map((x: { seedSecret?: { text: string } }) => x.seedSecret?.text).filter(Boolean);
    expect(clientSecrets).toHaveLength(2);
    for (const f of [r.transcript, r.report.html, r.artifacts.receipts, ...r.artifacts.worksheet]) {
      const text = fs.readFileSync(f, 'utf8');
      for (const s of [...secrets, ...clientSecrets]) expect(text, `${path.basename(f)} leaks a secret`).not.toContain(s);
    }
    const report = fs.readFileSync(r.report.html, 'utf8');
    expect(report).toContain(r.finalHash.slice(0, 4));
    expect(report).toContain('Sam Supervisor');
    expect(report).toContain('Noor Knower');

    // Issue 16: the vendor side keeps no client secret readable, the rehearsal vaults no private key, and every
    // escrow file the rehearsal made is marked as a rehearsal file in its authenticated header.
    const cpState = fs.readFileSync(path.join(r.outDir, 'cloud', 'control-plane', 'control-plane-state.json'), 'utf8');
    for (const s of clientSecrets) expect(cpState).not.toContain(s);
    expect(fs.readFileSync(path.join(r.outDir, 'cloud', 'rehearsal-state.json'), 'utf8')).not.toContain('PRIVATE KEY');
    for (const f of [r.artifacts.escrowFile, ...r.artifacts.holderCopies]) {
      expect(parseEscrow(new Uint8Array(fs.readFileSync(f))).header.keys.every((k) => k.environment === 'rehearsal'), path.basename(f)).toBe(true);
    }
  }, 240_000);

  it('refuses a folder that is not empty, and a missing --out', async () => {
    const a = io();
    expect(await main(['rehearse', '--out', 'ceremony', '--fast-kdf'], a)).toBe(1);
    expect(a.errors.join('\n')).toMatch(/not empty/);
    const b = io();
    expect(await main(['rehearse'], b)).toBe(2);
    expect(b.errors.join('\n')).toMatch(/--out DIR/);
  });
});
