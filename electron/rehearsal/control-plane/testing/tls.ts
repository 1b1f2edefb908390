/**
 * Test-only TLS material for the standalone control plane: a self-signed
 * certificate for localhost made with the openssl CLI (installed on CI), which
 * clients trust as their CA. Inside the rehearsal cloud the cloud's own CA is
 * used instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function selfSignedLocalhost(dir: string): { cert: string; key: string; ca: string } {
  fs.mkdirSync(dir, { recursive: true });
  const keyPath = path.join(dir, 'cp-key.pem');
  const certPath = path.join(dir, 'cp-cert.pem');
  if (!fs.existsSync(certPath)) {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,DNS:*.rehearsal.localhost'],
      { stdio: 'ignore' },
    );
  }
  const cert = fs.readFileSync(certPath, 'utf8');
  return { cert, key: fs.readFileSync(keyPath, 'utf8'), ca: cert };
}
