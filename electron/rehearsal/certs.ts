/**
 * The rehearsal cloud's own certificate authority and server certificate.
 * MSAL and the Azure SDK refuse plain HTTP, so the double serves HTTPS with a
 * CA that clients trust explicitly (per-client agent or NODE_EXTRA_CA_CERTS);
 * TLS verification is never switched off. Pure JavaScript (WebCrypto) so it
 * works on workstations without an openssl binary.
 */
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const SERVER_NAMES = ['localhost', '*.vault.rehearsal.localhost', '*.rehearsal.localhost'];

export interface CertificateFiles {
  caCertPath: string;
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

async function generate(): Promise<Omit<CertificateFiles, 'caCertPath'> & { caKeyPem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const subtle = webcrypto.subtle;
  const notBefore = new Date(Date.now() - 24 * 3600_000);
  const notAfter = new Date(Date.now() + 2 * 365 * 24 * 3600_000);
  const caKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + (b & 0x7f).toString(16).padStart(2, '0'), ''),
    name: 'CN=Key Holder Rehearsal Cloud CA (local only), O=Key Holder rehearsal',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + (b & 0x7f).toString(16).padStart(2, '0'), ''),
    subject: 'CN=localhost, O=Key Holder rehearsal',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        ...SERVER_NAMES.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip' as const, value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    caCertPem: ca.toString('pem') + '\n',
    caKeyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', caKeys.privateKey)),
    serverCertPem: server.toString('pem') + '\n',
    serverKeyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', serverKeys.privateKey)),
  };
}

function stillGood(certPem: string): boolean {
  try {
    const c = new NodeX509(certPem);
    const names = c.subjectAltName ?? '';
    return new Date(c.validTo).getTime() > Date.now() + 7 * 24 * 3600_000 && SERVER_NAMES.every((n) => names.includes(`DNS:${n}`));
  } catch {
    return false;
  }
}

/** Loads the CA and server certificate from dataDir, creating them on first start (or when near expiry). */
export async function ensureCertificates(dataDir: string): Promise<CertificateFiles> {
  const caCertPath = path.join(dataDir, 'rehearsal-ca.pem');
  const certPath = path.join(dataDir, 'rehearsal-server.pem');
  const keyPath = path.join(dataDir, 'rehearsal-server-key.pem');
  if ([caCertPath, certPath, keyPath].every((p) => fs.existsSync(p))) {
    const files = {
      caCertPath,
      caCertPem: fs.readFileSync(caCertPath, 'utf8'),
      serverCertPem: fs.readFileSync(certPath, 'utf8'),
      serverKeyPem: fs.readFileSync(keyPath, 'utf8'),
    };
    if (stillGood(files.serverCertPem) && stillGood(files.serverCertPem)) return files;
  }
  const g = await generate();
  fs.mkdirSync(dataDir, { recursive: true });
  const write = (p: string, text: string, mode: number) => {
    const tmp = `${p}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode });
    fs.renameSync(tmp, p);
  };
  write(path.join(dataDir, 'rehearsal-ca-key.pem'), g.caKeyPem, 0o600);
  write(keyPath, g.serverKeyPem, 0o600);
  write(certPath, g.serverCertPem, 0o644);
  write(caCertPath, g.caCertPem, 0o644);
  return { caCertPath, caCertPem: g.caCertPem, serverCertPem: g.serverCertPem, serverKeyPem: g.serverKeyPem };
}
