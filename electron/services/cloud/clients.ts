/**
 * Client options for one environment: what KeyClient / CryptographyClient
 * and MSAL need to talk to Azure or to the rehearsal cloud, and nothing
 * else. Live: defaults (system trust, MSAL's own network). Rehearsal: the
 * rehearsal agent, knownAuthorities so MSAL never calls Microsoft.
 */
import https from 'node:https';
import type { Configuration, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { KeyClientOptions } from '@azure/keyvault-keys';
import { authorityFor, type CloudEnvironment } from './environment';
import { rehearsalAgent } from './agent';

export interface EnvironmentClients {
  env: CloudEnvironment;
  /** The agent for every rehearsal HTTPS client; undefined in live mode. */
  agent?: https.Agent;
  keyClientOptions(extra?: Partial<KeyClientOptions>): KeyClientOptions;
  msalConfig(o: { tenantId: string; clientId: string; clientSecret?: string }): Configuration;
  destroy(): void;
}

const TIMEOUT_MS = 30_000;

/** MSAL's network module over an https.Agent (the rehearsal CA and lookup). */
function agentNetworkModule(agent: https.Agent): INetworkModule {
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = https.request(url, { method, agent, headers: options?.headers ?? {}, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          let body: unknown = {};
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            body = { error: 'invalid_response', error_description: 'The identity service answered with something that is not JSON.' };
          }
          resolve({ status: res.statusCode ?? 0, headers, body: body as T });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('The identity service did not answer in time.')));
      req.on('error', reject);
      if (options?.body !== undefined) req.write(options.body);
      req.end();
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

export function clientsFor(env: CloudEnvironment): EnvironmentClients {
  const agent = env.caCertPem ? rehearsalAgent(env.caCertPem) : undefined;
  return {
    env,
    ...(agent ? { agent } : {}),
    keyClientOptions: (extra = {}) => ({ ...(agent ? { agent } : {}), ...extra }) as KeyClientOptions,
    msalConfig: ({ tenantId, clientId, clientSecret }) => ({
      auth: {
        clientId,
        authority: authorityFor(env, tenantId),
        ...(env.knownAuthorities.length ? { knownAuthorities: env.knownAuthorities } : {}),
        ...(clientSecret ? { clientSecret } : {}),
      },
      ...(agent ? { system: { networkClient: agentNetworkModule(agent) } } : {}),
    }),
    destroy: () => agent?.destroy(),
  };
}
