/**
 * What the rehearsal cloud needs to host the reference control plane: an
 * HTTPS agent for the probe (the cloud's own CA, and `*.localhost` resolved
 * to loopback, which Node does not do by itself) and the vendor's admin
 * token, kept across restarts in a 0600 file so a rehearsal can be resumed.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LookupFunction } from 'node:net';

const lookup: LookupFunction = (hostname, options, callback) => {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) {
    process.nextTick(() => {
      // Node asks for every address (options.all) on some connect paths; a single answer there is refused.
      if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    });
    return;
  }
  dns.lookup(hostname, options, callback);
};

export function loopbackAgent(caCertPem: string): https.Agent {
  return new https.Agent({ ca: caCertPem, keepAlive: true, lookup });
}

export function loadOrCreateAdminToken(dir: string): string {
  const file = path.join(dir, 'admin-token');
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(t)) return t;
  } catch {
    // First start.
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = `rehearsal-admin-${randomBytes(24).toString('base64url')}`;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, token, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return token;
}
