/**
 * The custodian's OpenSSL-readable copy: PKCS#8 EncryptedPrivateKeyInfo with
 * PBES2 (RFC 8018), scrypt (RFC 7914) and AES-256-CBC. Node's own
 * `KeyObject.export({ cipher, passphrase })` would choose PBKDF2 at 2,048
 * iterations, thirty times weaker than Caché's key files; this file is only
 * as strong as its KDF, and the weakest file beside the escrow sets the
 * escrow's strength. Stock `openssl pkey` refuses scrypt above N=2^14 at
 * r=8, so p carries the cost (PRODUCTION_KDF.pem).
 */
import crypto, { type KeyObject } from 'node:crypto';
import { KeyholderError } from '../../../shared/errors/index';
import { PRODUCTION_KDF, type ScryptCost } from '../../../shared/escrow/kdf-profiles';
import { int, octets, oid, pem, seq } from './der';
import { passphraseBytes, scryptKey } from './kdf';

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_SCRYPT = '1.3.6.1.4.1.11591.4.11';
const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42';

/** Stock OpenSSL 3's default scrypt cap: 128·r·(N+2) + 128·r·p bytes at most 32 MiB. */
export function opensslAccepts(c: ScryptCost): boolean {
  return 128 * c.r * (2 ** c.log2N + 2) + 128 * c.r * c.p <= 32 * 1024 * 1024;
}

export async function encryptedPkcs8Pem(privateKey: KeyObject | Buffer, passphrase: string, cost: ScryptCost = PRODUCTION_KDF.pem): Promise<string> {
  if (!opensslAccepts(cost)) throw new KeyholderError('escrow.bad_pem_cost', `scrypt N=2^${cost.log2N}, r=${cost.r} exceeds what stock OpenSSL will open; raise p instead.`);
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(16);
  const der = Buffer.isBuffer(privateKey) ? Buffer.from(privateKey) : privateKey.export({ type: 'pkcs8', format: 'der' });
  const key = await scryptKey(passphrase, salt, cost, 32);
  try {
    const c = crypto.createCipheriv('aes-256-cbc', key, iv);
    const encrypted = Buffer.concat([c.update(der), c.final()]);
    const algorithm = seq(
      oid(OID_PBES2),
      seq(seq(oid(OID_SCRYPT), seq(octets(salt), int(2 ** cost.log2N), int(cost.r), int(cost.p))), seq(oid(OID_AES256_CBC), octets(iv))),
    );
    return pem('ENCRYPTED PRIVATE KEY', seq(algorithm, octets(encrypted)));
  } finally {
    key.fill(0);
    der.fill(0);
  }
}

/** Opens such a PEM the way OpenSSL does (Node's crypto is OpenSSL); used by the test-restore from disk. */
export function openEncryptedPem(pemText: string, passphrase: string): KeyObject {
  const pw = passphraseBytes(passphrase);
  try {
    return crypto.createPrivateKey({ key: pemText, format: 'pem', passphrase: pw });
  } catch {
    throw new KeyholderError('escrow.pem_wrong_passphrase', 'This passphrase does not open the PEM file (or the PEM file is damaged). Check the passphrase, or use another copy.');
  } finally {
    pw.fill(0);
  }
}
