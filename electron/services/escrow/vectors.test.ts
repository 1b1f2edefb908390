/**
 * Known-answer vectors committed under docs/formats/vectors/fixtures/: the
 * app opens them, serializes them back byte for byte, and an independent
 * reader written only from docs/formats/escrow-v1.md (node crypto and
 * Shamir's combine; none of the app's format or seal code) opens them too.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { combine } from 'shamir-secret-sharing';
import { describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { symmetricFingerprint } from '../keys/symmetric-key';
import { escrowRefusal } from '../../../shared/escrow/mode-policy';
import { openKey } from './seal';

const DIR = path.resolve(__dirname, '../../../docs/formats/vectors/fixtures');
const V = JSON.parse(fs.readFileSync(path.join(DIR, 'vectors.json'), 'utf8')) as {
  fingerprint: string;
  pkcs8Sha256: string;
  escrow: { file: string; keyId: string; threshold: number; environment?: 'rehearsal'; custodians: { name: string; passphrase: string }[] }[];
  pem: { file: string; passphrase: string };
};
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** The spec, section by section, in as few lines as possible. */
function independentOpen(bytes: Buffer, passphrases: { index: number; passphrase: string }[]): Promise<Buffer> | Buffer {
  if (bytes.subarray(0, 8).toString('latin1') !== 'KHESCROW' || bytes.readUInt16BE(8) !== 1) throw new Error('not v1');
  const hLen = bytes.readUInt32BE(10);
  const bLen = bytes.readUInt32BE(14 + hLen);
  const end = 18 + hLen + bLen;
  if (!crypto.createHash('sha256').update(bytes.subarray(0, end)).digest().equals(bytes.subarray(end))) throw new Error('checksum');
  const headerJson = bytes.subarray(14, 14 + hLen).toString('utf8');
  const header = JSON.parse(headerJson);
  const body = JSON.parse(bytes.subarray(18 + hLen, end).toString('utf8'));
  const k = header.keys.length - 1;
  const entry = header.keys[k];
  const wraps: string[] = body.keys[k].wraps;
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const gcm = (key: Buffer, nonce: string, sealed: Buffer, aad: string) => {
    const d = crypto.createDecipheriv('aes-256-gcm', key, b64(nonce));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  };
  const pieces = passphrases.map(({ index, passphrase }) => {
    const c = entry.custodians[index - 1];
    const kek = crypto.scryptSync(Buffer.from(passphrase.normalize('NFC'), 'utf8'), b64(c.kdf.salt), 32, { N: 2 ** c.kdf.log2N, r: c.kdf.r, p: c.kdf.p, maxmem: 2 ** 30 });
    const aad = 'keyholder-escrow/v1/wrap\n' + JSON.stringify([entry.keyId, c.index, c.name, { name: c.kdf.name, log2N: c.kdf.log2N, r: c.kdf.r, p: c.kdf.p, salt: c.kdf.salt }, c.wrapNonce]);
    return gcm(kek, c.wrapNonce, b64(wraps[index - 1]!), aad);
  });
  // The header as it appears in the file is canonical, so its key entry re-stringifies to the authenticated bytes.
  const finish = (ck: Buffer) => gcm(ck, entry.content.nonce, b64(body.keys[k].privateKey), 'keyholder-escrow/v1/content\n' + JSON.stringify(entry) + '\n' + JSON.stringify(wraps));
  if (entry.policy.threshold === 1) return finish(pieces[0]!);
  return combine(pieces.map((p) => new Uint8Array(p))).then((ck) => finish(Buffer.from(ck)));
}

describe('known-answer vectors (docs/formats/vectors/fixtures)', () => {
  for (const v of V.escrow) {
    it(`${v.file}: the app opens it to the published key and re-serializes it byte for byte`, async () => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(DIR, v.file)));
      const file = parseEscrow(bytes);
      expect(Buffer.from(serializeEscrow(file)).equals(Buffer.from(bytes))).toBe(true);
      expect(file.header.keys[0]!.keyId).toBe(v.keyId);
      expect(file.header.keys[0]!.fingerprint).toBe(V.fingerprint);
      // The rehearsal mark (or its absence) is read back as published, and live mode refuses the marked vector.
      expect(file.header.keys[0]!.environment).toBe(v.environment);
      expect(escrowRefusal(file.header, 'live')?.code).toBe(v.environment ? 'escrow.rehearsal_file' : 'escrow.kdf_below_production');
      const unlocks = v.custodians.slice(-v.threshold).map((c) => ({ custodian: c.name, passphrase: c.passphrase }));
      const { pkcs8 } = await openKey(file, v.keyId, unlocks);
      expect(sha(pkcs8)).toBe(V.pkcs8Sha256);
      await expect(openKey(file, v.keyId, [{ custodian: v.custodians[0]!.name, passphrase: v.custodians[1]!.passphrase }])).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    });

    it(`${v.file}: an independent reader written from the spec opens it`, async () => {
      const bytes = fs.readFileSync(path.join(DIR, v.file));
      const picks = v.custodians.map((c, i) => ({ index: i + 1, passphrase: c.passphrase })).slice(0, v.threshold);
      const pkcs8 = await independentOpen(bytes, picks);
      expect(sha(pkcs8)).toBe(V.pkcs8Sha256);
    });
  }

  it('the fixture PEM opens in stock openssl to the published fingerprint', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-kat-'));
    fs.writeFileSync(path.join(tmp, 'pass'), V.pem.passphrase + '\n');
    const der = execFileSync('openssl', ['pkey', '-in', path.join(DIR, V.pem.file), '-passin', `file:${path.join(tmp, 'pass')}`, '-pubout', '-outform', 'DER']);
    expect(sha(der)).toBe(V.fingerprint);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

const AES_DIR = path.join(DIR, 'aes-256');
const A = JSON.parse(fs.readFileSync(path.join(AES_DIR, 'vectors.json'), 'utf8')) as {
  keyHex: string;
  fingerprint: string;
  escrow: { file: string; keyId: string; threshold: number; custodians: { name: string; passphrase: string }[] }[];
};

describe('known-answer vectors for the AES-256 key type (docs/formats/vectors/fixtures/aes-256)', () => {
  it('publishes a fingerprint that is HMAC-SHA-256(key, "keyholder/aes-256/fingerprint/v1"), computed here without the app', () => {
    const raw = Buffer.from(A.keyHex, 'hex');
    expect(crypto.createHmac('sha256', raw).update('keyholder/aes-256/fingerprint/v1').digest('hex')).toBe(A.fingerprint);
    expect(symmetricFingerprint(raw)).toBe(A.fingerprint);
  });

  for (const v of A.escrow) {
    it(`${v.file}: the app opens it to the published key and re-serializes it byte for byte`, async () => {
      const bytes = new Uint8Array(fs.readFileSync(path.join(AES_DIR, v.file)));
      const file = parseEscrow(bytes);
      expect(Buffer.from(serializeEscrow(file)).equals(Buffer.from(bytes))).toBe(true);
      const entry = file.header.keys[0]!;
      expect(entry).toMatchObject({ keyId: v.keyId, keyType: 'AES', keyBits: 256, fingerprint: A.fingerprint });
      const unlocks = v.custodians.slice(-v.threshold).map((c) => ({ custodian: c.name, passphrase: c.passphrase }));
      const { pkcs8: raw } = await openKey(file, v.keyId, unlocks);
      expect(raw.toString('hex')).toBe(A.keyHex);
      await expect(openKey(file, v.keyId, [{ custodian: v.custodians[0]!.name, passphrase: v.custodians[1]!.passphrase }])).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    });

    it(`${v.file}: the independent reader written from the spec opens it (the same container and AADs as RSA)`, async () => {
      const bytes = fs.readFileSync(path.join(AES_DIR, v.file));
      const picks = v.custodians.map((c, i) => ({ index: i + 1, passphrase: c.passphrase })).slice(0, v.threshold);
      expect((await independentOpen(bytes, picks)).toString('hex')).toBe(A.keyHex);
    });
  }
});
