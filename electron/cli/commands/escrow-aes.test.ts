/**
 * `keyholder escrow create --key-store aws-kms`: the AES-256 key for an AWS
 * KMS key store, escrowed and test-restored from disk, with no PEM; `verify`
 * opens it with a custodian's passphrase, `restore` (an OpenSSL PEM) refuses it
 * with a reason, and --bits with aws-kms is a usage error.
 */
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

function fakeIo(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), promptHidden: () => Promise.reject(new Error('no prompts')), env: { KEYHOLDER_UNSAFE_TEST_KDF: '1' }, cwd };
  return { io, out, err };
}

describe('keyholder escrow create --key-store aws-kms', () => {
  it('escrows a 256-bit key without PEMs; verify opens it; restore to PEM and --bits are refused', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-aes-'));
    dirs.push(d);
    PASS.forEach((p, i) => fs.writeFileSync(path.join(d, `p${i + 1}.txt`), p + '\n'));
    const f = fakeIo(d);
    const args = ['escrow', 'create', '--out', 'vault', '--key-store', 'aws-kms', '--custodian', 'Alice', '--custodian', 'Bob', '--passphrase-file', 'p1.txt', '--passphrase-file', 'p2.txt', '--json', '--rehearsal'];
    expect(await main(args, f.io)).toBe(0);
    const r = JSON.parse(f.out.join('\n'));
    expect(r).toMatchObject({ ok: true, keyType: 'AES', modulusBits: 256, pemFiles: [] });
    expect(fs.readFileSync(r.sheetFile, 'utf8')).toContain('AWS KMS');

    const ok = fakeIo(d);
    expect(await main(['escrow', 'verify', r.escrowFile, '--custodian', 'Bob', '--passphrase-file', 'p2.txt'], ok.io)).toBe(0);
    expect(ok.out[0]).toContain(r.keyId);
    const pem = fakeIo(d);
    expect(await main(['escrow', 'restore', r.escrowFile, '--custodian', 'Alice', '--passphrase-file', 'p1.txt', '--new-passphrase-file', 'p3.txt', '--out', 'k.pem'], pem.io)).toBe(1);
    expect(pem.err.join('\n')).toMatch(/escrow\.wrong_key_type|AWS KMS/);
    const bits = fakeIo(d);
    expect(await main(['escrow', 'create', '--out', 'v2', '--key-store', 'aws-kms', '--bits', '2048', '--custodian', 'Alice', '--passphrase-file', 'p1.txt', '--rehearsal'], bits.io)).not.toBe(0);
    expect(bits.err.join('\n')).toMatch(/256-bit/);
  });
});
