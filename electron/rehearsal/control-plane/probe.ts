/**
 * How the control plane reaches a key store: the `KeyStoreProbe` interface
 * (fetch the public key, wrap and unwrap with the vault's private key) and its
 * real implementation over the official SDKs: MSAL client credentials for the
 * holder's application, @azure/keyvault-keys for the vault. Every SDK failure
 * becomes a `ProbeError` whose `kind` says which worksheet entry is at fault.
 */
import https from 'node:https';
import http from 'node:http';
import { createHash } from 'node:crypto';
import * as msal from '@azure/msal-node';
import { CryptographyClient, KeyClient, parseKeyVaultKeyIdentifier, type KeyClientOptions } from '@azure/keyvault-keys';
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export interface KeyStoreAccess {
  vaultDnsName: string;
  keyIdentifier: string;
  applicationId: string;
  clientSecret: string;
  tenantId: string;
}

export interface RsaPublicKey {
  kty: string;
  n: Uint8Array;
  e: Uint8Array;
}

export type ProbeFailureKind =
  | 'tenant_not_found'
  | 'application_not_found'
  | 'client_secret_rejected'
  | 'secret_expired'
  | 'unreachable'
  | 'key_not_found'
  | 'forbidden'
  | 'unexpected';

export class ProbeError extends Error {
  constructor(
    readonly kind: ProbeFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** RSA-OAEP-256 throughout: it is the one wrap algorithm the SDK always sends to the vault instead of doing locally. */
const WRAP_ALGORITHM = 'RSA-OAEP-256' as const;

export interface KeyStoreProbe {
  getPublicKey(ks: KeyStoreAccess): Promise<RsaPublicKey>;
  /** Wrapped by the vault service (RSA-OAEP-256). */
  wrapKey(ks: KeyStoreAccess, value: Uint8Array): Promise<Uint8Array>;
  /** Unwrapped by the vault service with its private key (RSA-OAEP-256). */
  unwrapKey(ks: KeyStoreAccess, wrapped: Uint8Array): Promise<Uint8Array>;
}

export interface AzureProbeOptions {
  /** Entra ID authority host, e.g. https://login.microsoftonline.com (or the rehearsal cloud's). */
  authorityHost: string;
  /** Agent carrying extra CA trust and, in rehearsal only, a *.localhost lookup. */
  agent?: https.Agent;
  /** Only for the rehearsal cloud, whose vault challenge names its own resource. */
  disableChallengeResourceVerification?: boolean;
  /** Network timeout per request (ms). */
  timeoutMs?: number;
}

/** MSAL's network module over node:https, so the same agent (CA, lookup) serves token requests. */
function msalNetworkClient(agent: https.Agent | undefined, timeoutMs: number): msal.INetworkModule {
  const send = <T>(method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }) =>
    new Promise<{ headers: Record<string, string>; body: T; status: number }>((resolve, reject) => {
      const u = new URL(url);
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(u, { method, headers: options?.headers ?? {}, agent: u.protocol === 'https:' ? agent : undefined, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* MSAL inspects non-JSON bodies itself */
          }
          resolve({ headers, body: body as T, status: res.statusCode ?? 0 });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      if (options?.body) req.write(options.body);
      req.end();
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'REQUEST_SEND_ERROR']);

/** Walks an error and its causes looking for what failed, without ever copying SDK text (it may carry URLs with tokens). */
function classifyAzureError(e: unknown): ProbeError {
  for (let cur: unknown = e, depth = 0; cur && depth < 6; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof ProbeError) return cur;
    const o = cur as { statusCode?: number; code?: string; errorCode?: string; errorMessage?: string; message?: string; subError?: string };
    const text = `${o.errorMessage ?? ''} ${o.message ?? ''}`;
    if (/AADSTS90002|AADSTS900023/.test(text)) return new ProbeError('tenant_not_found', 'Entra ID does not know this tenant.');
    if (/AADSTS700016/.test(text)) return new ProbeError('application_not_found', 'Entra ID has no application with this ID in the tenant.');
    if (/AADSTS7000222/.test(text)) return new ProbeError('secret_expired', 'The client secret has expired.');
    if (/AADSTS7000215/.test(text) || o.errorCode === 'invalid_client') return new ProbeError('client_secret_rejected', 'Entra ID refused the client secret.');
    if (o.errorCode === 'unauthorized_client') return new ProbeError('application_not_found', 'Entra ID has no usable application with this ID.');
    if (o.statusCode === 403) return new ProbeError('forbidden', 'Key Vault refused the operation (403 Forbidden): the key is disabled or the application lacks permission.');
    if (o.statusCode === 404) return new ProbeError('key_not_found', 'Key Vault has no such key version (404).');
    if (o.statusCode === 401) return new ProbeError('client_secret_rejected', 'Key Vault did not accept the application’s token (401).');
    if ((o.code && NETWORK_CODES.has(o.code)) || o.errorCode === 'endpoints_resolution_error' || /timed out/.test(text)) {
      return new ProbeError('unreachable', 'The vault or Entra ID could not be reached.');
    }
  }
  return new ProbeError('unexpected', 'The key store answered in a way the control plane did not expect.');
}

export class AzureKeyStoreProbe implements KeyStoreProbe {
  private readonly apps = new Map<string, msal.ConfidentialClientApplication>();
  constructor(private readonly opts: AzureProbeOptions) {}

  private credential(ks: KeyStoreAccess): TokenCredential {
    const cacheKey = createHash('sha256').update(`${ks.tenantId}\n${ks.applicationId}\n${ks.clientSecret}`).digest('hex');
    let app = this.apps.get(cacheKey);
    if (!app) {
      const host = new URL(this.opts.authorityHost);
      app = new msal.ConfidentialClientApplication({
        auth: {
          clientId: ks.applicationId,
          clientSecret: ks.clientSecret,
          authority: `${host.origin}/${ks.tenantId}`,
          knownAuthorities: [host.host],
        },
        system: { networkClient: msalNetworkClient(this.opts.agent, this.opts.timeoutMs ?? 15_000) },
      });
      this.apps.set(cacheKey, app);
    }
    const cca = app;
    return {
      async getToken(scopes: string | string[]): Promise<AccessToken | null> {
        try {
          const r = await cca.acquireTokenByClientCredential({ scopes: Array.isArray(scopes) ? scopes : [scopes] });
          if (!r) throw new ProbeError('unexpected', 'Entra ID returned no token.');
          return { token: r.accessToken, expiresOnTimestamp: r.expiresOn?.getTime() ?? Date.now() + 300_000, tokenType: 'Bearer' };
        } catch (e) {
          throw classifyAzureError(e);
        }
      },
    };
  }

  private clientOptions(): KeyClientOptions {
    return {
      ...(this.opts.agent ? { agent: this.opts.agent } : {}),
      ...(this.opts.disableChallengeResourceVerification ? { disableChallengeResourceVerification: true } : {}),
      retryOptions: { maxRetries: 0 },
    } as KeyClientOptions;
  }

  async getPublicKey(ks: KeyStoreAccess): Promise<RsaPublicKey> {
    const id = parseKeyVaultKeyIdentifier(ks.keyIdentifier);
    const client = new KeyClient(id.vaultUrl, this.credential(ks), this.clientOptions());
    try {
      const key = await client.getKey(id.name, { version: id.version ?? '' });
      if (!key.key?.kty || !key.key.n || !key.key.e) return { kty: key.key?.kty ?? 'unknown', n: new Uint8Array(), e: new Uint8Array() };
      return { kty: key.key.kty, n: new Uint8Array(key.key.n), e: new Uint8Array(key.key.e) };
    } catch (e) {
      throw classifyAzureError(e);
    }
  }

  private crypto(ks: KeyStoreAccess): CryptographyClient {
    return new CryptographyClient(ks.keyIdentifier, this.credential(ks), this.clientOptions());
  }

  async wrapKey(ks: KeyStoreAccess, value: Uint8Array): Promise<Uint8Array> {
    try {
      return new Uint8Array((await this.crypto(ks).wrapKey(WRAP_ALGORITHM, value)).result);
    } catch (e) {
      throw classifyAzureError(e);
    }
  }

  async unwrapKey(ks: KeyStoreAccess, wrapped: Uint8Array): Promise<Uint8Array> {
    try {
      return new Uint8Array((await this.crypto(ks).unwrapKey(WRAP_ALGORITHM, wrapped)).result);
    } catch (e) {
      throw classifyAzureError(e);
    }
  }
}
