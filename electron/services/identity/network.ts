/**
 * MSAL's HTTP calls through a given https.Agent, so rehearsal sign-in trusts
 * the rehearsal CA and resolves *.localhost without touching process-wide TLS
 * or DNS settings. Live mode leaves MSAL's own client in place.
 */
import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

function send<T>(agent: https.Agent, method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeoutMs = 30_000): Promise<NetworkResponse<T>> {
  return new Promise((resolve, reject) => {
    const body = options?.body;
    const headers: Record<string, string | number> = { ...(options?.headers ?? {}) };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = https.request(url, { method, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = {};
        try {
          parsed = text ? JSON.parse(text) : {};
        } catch {
          parsed = { error: 'invalid_response', error_description: `HTTP ${res.statusCode ?? 0}` };
        }
        const outHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) outHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ headers: outHeaders, body: parsed as T, status: res.statusCode ?? 0 });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('sign-in request timed out')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function agentNetworkClient(agent: https.Agent): INetworkModule {
  return {
    sendGetRequestAsync: (url, options, timeout) => send(agent, 'GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send(agent, 'POST', url, options),
  };
}
