/**
 * Test plumbing for driving the rehearsal cloud through the official SDKs.
 * It deliberately duplicates (rather than imports) electron/services/cloud:
 * the double's tests must not lean on the app's code.
 */
import dns from 'node:dns';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import * as msal from '@azure/msal-node';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { RehearsalCloud } from '../index';

const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) {
    process.nextTick(() => {
      if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    });
    return;
  }
  dns.lookup(hostname, options, callback);
};

export function agentFor(cloud: RehearsalCloud): https.Agent {
  return new https.Agent({ ca: cloud.caCertPem, keepAlive: true, lookup: loopbackLookup });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: () => unknown;
}

/** A raw HTTPS request through the rehearsal agent (for pages and bad-input tests the SDKs never send). */
export function request(agent: https.Agent, url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** MSAL's network module on the rehearsal agent (CA trusted per client, TLS checks on). */
function msalNetwork(agent: https.Agent): msal.INetworkModule {
  const send = async <T>(method: string, url: string, options?: msal.NetworkRequestOptions): Promise<msal.NetworkResponse<T>> => {
    const r = await request(agent, url, { method, headers: options?.headers, ...(options?.body !== undefined ? { body: options.body } : {}) });
    return { status: r.status, headers: r.headers, body: (r.text ? JSON.parse(r.text) : {}) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

export function msalConfig(cloud: RehearsalCloud, agent: https.Agent, tenantId: string, clientId: string, clientSecret?: string): msal.Configuration {
  return {
    auth: {
      clientId,
      authority: `${cloud.descriptor.entraUrl}/${tenantId}`,
      knownAuthorities: cloud.descriptor.knownAuthorities,
      ...(clientSecret ? { clientSecret } : {}),
    },
    system: { networkClient: msalNetwork(agent) },
  };
}

function toAccessToken(r: msal.AuthenticationResult | null): AccessToken {
  if (!r?.accessToken || !r.expiresOn) throw new Error('MSAL returned no access token');
  return { token: r.accessToken, expiresOnTimestamp: r.expiresOn.getTime(), tokenType: 'Bearer' };
}

/** A TokenCredential for KeyClient backed by MSAL client credentials. */
export function clientCredential(cca: msal.ConfidentialClientApplication): TokenCredential & { calls: number } {
  const cred = {
    calls: 0,
    async getToken(scopes: string | string[], _o?: GetTokenOptions): Promise<AccessToken> {
      cred.calls += 1;
      return toAccessToken(await cca.acquireTokenByClientCredential({ scopes: Array.isArray(scopes) ? scopes : [scopes] }));
    },
  };
  return cred;
}
