/**
 * The HTTPS agent for rehearsal clients: trusts the rehearsal CA (for these
 * clients only; TLS checks stay on) and resolves `localhost` and
 * `*.localhost` to 127.0.0.1, which Node does not do by itself on every
 * machine. Never installed globally.
 */
import dns from 'node:dns';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

type AllCallback = (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void;

export const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) {
    process.nextTick(() => {
      // Node's connect asks for every address (options.all) on some paths; answering a single one there fails with ERR_INVALID_IP_ADDRESS.
      if (options.all) (callback as unknown as AllCallback)(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    });
    return;
  }
  dns.lookup(hostname, options, callback);
};

export function rehearsalAgent(caCertPem: string): https.Agent {
  return new https.Agent({ ca: caCertPem, keepAlive: true, lookup: loopbackLookup });
}
