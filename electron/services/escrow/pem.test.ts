/** The custodian PEM opens in the real `openssl` binary, at production parameters, and nowhere with a wrong passphrase. */
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRODUCTION_KDF } from '../../../shared/escrow/kdf-profiles';
import { identityOf } from '../keys/source-key';
import { encryptedPkcs8Pem, openEncryptedPem, opensslAccepts } from './pem';
import { int, oid } from './der';
import { PASS } from './testing/helpers';

describe('OpenSSL-readable custodian PEM', () => {
  it('stock openssl pkey opens it with the passphrase file and yields the same public key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-pem-'));
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pemFile = path.join(dir, 'custodian.pem');
    fs.writeFileSync(pemFile, await encryptedPkcs8Pem(privateKey, PASS[0]!, PRODUCTION_KDF.pem));
    fs.writeFileSync(path.join(dir, 'pass.txt'), PASS[0]! + '\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'wrong.txt'), PASS[1]! + '\n', { mode: 0o600 });

    const der = execFileSync('openssl', ['pkey', '-in', pemFile, '-passin', `file:${path.join(dir, 'pass.txt')}`, '-pubout', '-outform', 'DER']);
    expect(crypto.createHash('sha256').update(der).digest('hex')).toBe(identityOf(privateKey).fingerprint);

    const wrong = spawnSync('openssl', ['pkey', '-in', pemFile, '-passin', `file:${path.join(dir, 'wrong.txt')}`, '-noout']);
    expect(wrong.status).not.toBe(0);

    // The parameters are the ones we claim: PBES2, scrypt N=16384 r=8 p=32, AES-256-CBC.
    const asn = execFileSync('openssl', ['asn1parse', '-in', pemFile]).toString();
    expect(asn).toMatch(/OBJECT\s+:PBES2/);
    expect(asn).toMatch(/OBJECT\s+:scrypt/);
    expect(asn).toMatch(/INTEGER\s+:4000\b/);
    expect(asn).toMatch(/INTEGER\s+:08\b/);
    expect(asn).toMatch(/INTEGER\s+:20\b/);
    expect(asn).toMatch(/OBJECT\s+:aes-256-cbc/);
    expect(asn).not.toMatch(/PBKDF2/);

    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Node (the test-restore path) opens it too, and refuses a wrong passphrase', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const text = await encryptedPkcs8Pem(privateKey, PASS[0]!, { log2N: 10, r: 8, p: 1 });
    expect(identityOf(openEncryptedPem(text, PASS[0]!)).fingerprint).toBe(identityOf(privateKey).fingerprint);
    expect(() => openEncryptedPem(text, PASS[1]!)).toThrow(expect.objectContaining({ code: 'escrow.pem_wrong_passphrase' }));
  });

  it('refuses costs stock OpenSSL would not open, and knows the boundary', async () => {
    expect(opensslAccepts({ log2N: 14, r: 8, p: 32 })).toBe(true);
    expect(opensslAccepts({ log2N: 15, r: 8, p: 1 })).toBe(false);
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(encryptedPkcs8Pem(privateKey, PASS[0]!, { log2N: 15, r: 8, p: 1 })).rejects.toMatchObject({ code: 'escrow.bad_pem_cost' });
  });

  it('DER integers and OIDs encode as X.690 says', () => {
    expect(int(0).toString('hex')).toBe('020100');
    expect(int(128).toString('hex')).toBe('02020080');
    expect(int(16384).toString('hex')).toBe('02024000');
    expect(oid('1.3.6.1.4.1.11591.4.11').toString('hex')).toBe('06092b06010401da47040b');
    expect(oid('1.2.840.113549.1.5.13').toString('hex')).toBe('06092a864886f70d01050d');
  });
});
