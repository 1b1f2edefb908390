import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';
import { PASS } from '../../services/escrow/testing/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakeIo(cwd: string, prompts: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    promptHidden: async (q) => {
      asked.push(q);
      const p = prompts.shift();
      if (p === undefined) throw new Error('no more prompts');
      return p;
    },
    env: { KEYHOLDER_UNSAFE_TEST_KDF: '1' },
    cwd,
  };
  return { io, out, err, asked };
}

function workdir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-'));
  dirs.push(d);
  PASS.forEach((p, i) => fs.writeFileSync(path.join(d, `p${i + 1}.txt`), p + '\n'));
  fs.writeFileSync(path.join(d, 'wrong.txt'), 'not-the-passphrase-at-all\n');
  return d;
}

async function create(d: string, extra: string[] = []) {
  const f = fakeIo(d);
  const code = await main(['escrow', 'create', '--out', 'vault', '--bits', '2048', '--custodian', 'Alice', '--custodian', 'Bob', '--passphrase-file', 'p1.txt', '--passphrase-file', 'p2.txt', '--json', '--rehearsal', ...extra], f.io);
  expect(f.err.filter((l) => !l.includes('WARNING'))).toEqual([]);
  expect(code).toBe(0);
  return JSON.parse(f.out.join('\n'));
}

describe('keyholder escrow (CLI)', () => {
  it('create writes escrow, PEMs, sheet and receipt, and prints the fingerprint', async () => {
    const d = workdir();
    const r = await create(d);
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    for (const f of [r.escrowFile, ...r.pemFiles, r.sheetFile, r.receiptFile]) expect(fs.existsSync(f)).toBe(true);
    expect(r.pemFiles).toHaveLength(2);
    expect(r.weakest.kind).toBeDefined();
    // Human output too.
    const f = fakeIo(d);
    expect(await main(['escrow', 'inspect', r.escrowFile], f.io)).toBe(0);
    expect(f.out.join('\n')).toContain(r.keyId);
    expect(f.out.join('\n')).toContain('1. Alice');
  });

  it('inspect needs no passphrase; verify passes with the right one and fails with a one-line reason', async () => {
    const d = workdir();
    const r = await create(d);
    const ins = fakeIo(d);
    expect(await main(['escrow', 'inspect', r.escrowFile, '--json'], ins.io)).toBe(0);
    expect(JSON.parse(ins.out.join('\n')).header.keys[0].fingerprint).toBe(r.fingerprint);
    expect(ins.asked).toEqual([]);

    const ok = fakeIo(d);
    expect(await main(['escrow', 'verify', r.escrowFile, '--custodian', 'Bob', '--passphrase-file', 'p2.txt'], ok.io)).toBe(0);
    expect(ok.out[0]).toMatch(/^OK: key .* matches fingerprint/);

    const bad = fakeIo(d);
    expect(await main(['escrow', 'verify', r.escrowFile, '--custodian', 'Bob', '--passphrase-file', 'wrong.txt'], bad.io)).toBe(1);
    expect(bad.err.filter((l) => !l.includes('WARNING'))).toHaveLength(1);
    expect(bad.err.at(-1)).toContain("[escrow.wrong_passphrase] This passphrase does not open custodian Bob's share");

    const damaged = path.join(d, 'damaged.khescrow');
    const bytes = fs.readFileSync(r.escrowFile);
    bytes[300]! ^= 4;
    fs.writeFileSync(damaged, bytes);
    const dj = fakeIo(d);
    expect(await main(['escrow', 'verify', damaged, '--passphrase-file', 'p1.txt', '--json'], dj.io)).toBe(1);
    expect(JSON.parse(dj.out.join(''))).toMatchObject({ ok: false, code: 'escrow.damaged' });
  });

  it('prompts without echo when no file is given, and never takes a passphrase as an argument', async () => {
    const d = workdir();
    const r = await create(d);
    const p = fakeIo(d, [PASS[0]!]);
    expect(await main(['escrow', 'verify', r.escrowFile], p.io)).toBe(0);
    expect(p.asked).toEqual(['Passphrase for custodian 1 (Alice): ']);
    const argv = fakeIo(d);
    expect(await main(['escrow', 'verify', r.escrowFile, `--passphrase=${PASS[0]}`], argv.io)).toBe(2);
    expect(argv.err.join('\n')).toContain('never accepted on the command line');
    expect(argv.err.join('\n')).not.toContain(PASS[0]!);
  });

  it('create refuses mismatched prompted passphrases and weak ones, writing nothing', async () => {
    const d = workdir();
    const mism = fakeIo(d, [PASS[0]!, PASS[1]!]);
    expect(await main(['escrow', 'create', '--out', 'x', '--bits', '2048', '--custodian', 'Solo', '--rehearsal'], mism.io)).toBe(1);
    expect(mism.err.join('\n')).toContain('cli.passphrase_mismatch');
    const weak = fakeIo(d, ['password1234', 'password1234']);
    expect(await main(['escrow', 'create', '--out', 'x', '--bits', '2048', '--custodian', 'Solo', '--rehearsal'], weak.io)).toBe(1);
    expect(weak.err.join('\n')).toContain('escrow.weak_passphrase');
    expect(fs.existsSync(path.join(d, 'x')) && fs.readdirSync(path.join(d, 'x')).length).toBeFalsy();
  });

  it('passphrase files: regular files only, first line only, length-capped (/dev/zero, a FIFO, a folder, a huge line)', async () => {
    const d = workdir();
    fs.writeFileSync(path.join(d, 'huge.txt'), Buffer.alloc(4 * 2 ** 20, 0x61));
    const fifo = path.join(d, 'fifo');
    if (process.platform !== 'win32') execFileSync('mkfifo', [fifo]);
    const cases: [string, RegExp][] = [
      ['/dev/zero', /not a regular file/],
      [d, /not a regular file/],
      ['huge.txt', /longer than 1024 bytes/],
      ...(process.platform !== 'win32' ? ([['fifo', /not a regular file/]] as [string, RegExp][]) : []),
    ];
    for (const [file, words] of cases) {
      const f = fakeIo(d);
      expect(await main(['escrow', 'create', '--out', 'x', '--bits', '2048', '--custodian', 'Solo', '--passphrase-file', file, '--rehearsal'], f.io), file).toBe(1);
      expect(f.err.join('\n')).toMatch(/cli\.passphrase_file/);
      expect(f.err.join('\n')).toMatch(words);
    }
    expect(fs.existsSync(path.join(d, 'x'))).toBe(false);
    // Only the first line is the passphrase, whatever follows it.
    fs.writeFileSync(path.join(d, 'first.txt'), `${PASS[0]}\r\n${'z'.repeat(3 * 2 ** 20)}`);
    const ok = fakeIo(d);
    expect(await main(['escrow', 'create', '--out', 'y', '--bits', '2048', '--custodian', 'Solo', '--passphrase-file', 'first.txt', '--rehearsal', '--json'], ok.io)).toBe(0);
    const r = JSON.parse(ok.out.join('\n'));
    expect(await main(['escrow', 'verify', r.escrowFile, '--passphrase-file', 'p1.txt'], fakeIo(d).io)).toBe(0);
  });

  it('2-of-3: verify needs two passphrases; restore writes an OpenSSL PEM under a new passphrase', async () => {
    const d = workdir();
    const f = fakeIo(d);
    const code = await main(
      ['escrow', 'create', '--out', 'q', '--bits', '2048', '--threshold', '2', '--custodian', 'A', '--custodian', 'B', '--custodian', 'C', '--passphrase-file', 'p1.txt', '--passphrase-file', 'p2.txt', '--passphrase-file', 'p3.txt', '--json', '--rehearsal'],
      f.io,
    );
    expect(code).toBe(0);
    const r = JSON.parse(f.out.join('\n'));
    expect(r.pemFiles).toEqual([]);
    const one = fakeIo(d);
    expect(await main(['escrow', 'verify', r.escrowFile, '--custodian', 'A', '--passphrase-file', 'p1.txt'], one.io)).toBe(1);
    expect(one.err.at(-1)).toContain('escrow.too_few_shares');
    const out = fakeIo(d);
    expect(await main(['escrow', 'restore', r.escrowFile, '--custodian', 'C', '--custodian', 'A', '--passphrase-file', 'p3.txt', '--passphrase-file', 'p1.txt', '--new-passphrase-file', 'p4.txt', '--out', 'restored.pem', '--json'], out.io)).toBe(0);
    const pem = fs.readFileSync(path.join(d, 'restored.pem'), 'utf8');
    expect(pem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    const k = crypto.createPrivateKey({ key: pem, passphrase: PASS[3]! });
    expect(crypto.createHash('sha256').update(crypto.createPublicKey(k).export({ type: 'spki', format: 'der' })).digest('hex')).toBe(r.fingerprint);
    // A restored key is a real key: its PEM gets the production scrypt (N=2^14, r=8, p=32) even with the test variable set.
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    expect(der.includes(Buffer.from([0x02, 0x02, 0x40, 0x00, 0x02, 0x01, 0x08, 0x02, 0x01, 0x20]))).toBe(true);
  });

  it('the test-only KDF variable never weakens a real escrow: refused without --rehearsal, and a rehearsal file says so in its authenticated header', async () => {
    const d = workdir();
    const real = fakeIo(d);
    expect(await main(['escrow', 'create', '--out', 'real', '--bits', '2048', '--custodian', 'Alice', '--passphrase-file', 'p1.txt', '--json'], real.io)).toBe(1);
    expect(JSON.parse(real.out.join('\n'))).toMatchObject({ ok: false, code: 'cli.unsafe_kdf_refused' });
    expect(fs.existsSync(path.join(d, 'real'))).toBe(false);

    const r = await create(d);
    const ins = fakeIo(d);
    expect(await main(['escrow', 'inspect', r.escrowFile, '--json'], ins.io)).toBe(0);
    const header = JSON.parse(ins.out.join('\n')).header;
    expect(header.keys[0].purpose).toMatch(/^REHEARSAL ONLY, never a real key: /);
    expect(header.keys[0].custodians[0].kdf.log2N).toBe(10);
  });
});

describe('keyholder key fingerprint (CLI)', () => {
  it('gives the same fingerprint from a PEM and a Key Vault JWK, and fails cleanly on junk', async () => {
    const d = workdir();
    const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(d, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(d, 'key.json'), JSON.stringify({ key: { kty: 'RSA', ...publicKey.export({ format: 'jwk' }) } }));
    fs.writeFileSync(path.join(d, 'junk.txt'), 'hello');
    const a = fakeIo(d);
    const b = fakeIo(d);
    expect(await main(['key', 'fingerprint', 'pub.pem', '--json'], a.io)).toBe(0);
    expect(await main(['key', 'fingerprint', 'key.json', '--json'], b.io)).toBe(0);
    const fa = JSON.parse(a.out[0]!);
    expect(fa.fingerprint).toBe(crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex'));
    expect(JSON.parse(b.out[0]!).fingerprint).toBe(fa.fingerprint);
    const c = fakeIo(d);
    expect(await main(['key', 'fingerprint', 'junk.txt'], c.io)).toBe(1);
    expect(c.err[0]).toContain('keys.unreadable');
    const z = fakeIo(d);
    expect(await main(['key', 'fingerprint', '/dev/zero'], z.io)).toBe(1);
    expect(z.err[0]).toMatch(/keys\.file_unreadable.*not a regular file/);
  });
});
