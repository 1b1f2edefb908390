/**
 * The few Microsoft Graph calls secret expiry and rotation make, on the
 * signed-in holder's delegated token: read an application (passwords and
 * certificates), addPassword, removePassword, the tenant's default and the
 * app's own app-management policies, and JSON `$batch` (the expiry refresh).
 * Graph's answers become KeyholderErrors a holder can act on; raw Graph text
 * never reaches the renderer or the log.
 */
import https from 'node:https';
import { KeyholderError } from '../../../shared/errors/index';
import type { AppManagementPolicy, TenantAppManagementPolicy } from '../../../shared/expiry/policy';
import type { GraphBatchPort, GraphBatchRequest, GraphBatchResponse } from '../expiry/graph-refresh';

export interface GraphPassword {
  keyId: string;
  displayName?: string | null;
  hint?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}
export interface GraphApplicationInfo {
  id: string;
  appId: string;
  displayName?: string | null;
  createdDateTime?: string | null;
  passwordCredentials: GraphPassword[];
  keyCredentials: { keyId: string; displayName?: string | null; endDateTime?: string | null }[];
}

export interface GraphClientOptions {
  /** https://graph.microsoft.com/v1.0, or the rehearsal cloud's /v1.0. */
  baseUrl: string;
  /** The holder's delegated Graph token; `forceRefresh` after Graph refused one MSAL still thought valid. */
  token(o: { forceRefresh: boolean }): Promise<string>;
  /** Rehearsal: the agent trusting its CA. */
  agent?: https.Agent;
  timeoutMs?: number;
}

interface Answer {
  status: number;
  body: unknown;
}

class GraphRequestError extends KeyholderError {}

function appRef(appId: string): string {
  return `/applications(appId='${encodeURIComponent(appId.replace(/'/g, "''"))}')`;
}

/** What went wrong, in the holder's words, for an operation on an application. */
function graphError(status: number, body: unknown, what: string, appId?: string): KeyholderError {
  const code = (body as { error?: { code?: string } } | undefined)?.error?.code ?? '';
  const app = appId ? `application ${appId}` : 'the application';
  if (status === 401) {
    return new KeyholderError('identity.sign_in_required', 'Microsoft Graph no longer accepts your sign-in. Sign in again and continue; nothing was changed.');
  }
  if (status === 403) {
    return new GraphRequestError(
      'rotation.graph_forbidden',
      `Microsoft Graph refused to ${what} ${app} (403 ${code || 'Forbidden'}). Your account must be an owner of this app registration (Entra admin center > App registrations > the app > Owners), and Key Holder needs the delegated permission Application.ReadWrite.All with consent (an unattended identity needs Application.ReadWrite.OwnedBy and ownership). Ask your Entra administrator, then try again; nothing was changed.`,
      { status, permission: 'Application.ReadWrite.All', ...(appId ? { appId } : {}) },
    );
  }
  if (code === 'CredentialInvalidLifetimeAsPerAppPolicy') {
    return new KeyholderError('expiry.lifetime_refused', `Your tenant’s app-management policy refuses a secret that lives this long on ${app}. Pick a shorter lifetime; nothing was added.`, { status });
  }
  if (status === 404) {
    return new KeyholderError('rotation.app_not_found', `Microsoft Graph has no ${app} in the tenant you are signed in to. Check worksheet line 3 and that you signed in to the right tenant.`, { status });
  }
  if (status === 429 || status === 503 || status === 502 || status === 504) {
    return new KeyholderError('rotation.graph_busy', `Microsoft Graph is busy (HTTP ${status}). Try again in a few minutes; nothing is lost.`, { status });
  }
  return new KeyholderError('rotation.graph_failed', `Microsoft Graph could not ${what} ${app} (HTTP ${status}${code ? `, ${code}` : ''}). Try again; if it keeps failing, check the app registration in the Entra admin center.`, { status });
}

export class GraphClient implements GraphBatchPort {
  /** HTTP requests sent (for the benchmark and tests). */
  requests = 0;
  constructor(private readonly o: GraphClientOptions) {}

  private send(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<Answer> {
    const url = new URL(this.o.baseUrl.replace(/\/$/, '') + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    this.requests++;
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.o.agent,
          timeout: this.o.timeoutMs ?? 30_000,
          headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** One call; a 401 is retried once with a freshly acquired token. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
    for (const forceRefresh of [false, true]) {
      const token = await this.o.token({ forceRefresh });
      let a: Answer;
      try {
        a = await this.send(method, path, token, body);
      } catch {
        throw new KeyholderError('rotation.graph_unreachable', 'Microsoft Graph could not be reached. Check the network connection (and proxy) and try again; nothing is lost.');
      }
      if (a.status !== 401 || forceRefresh) return a;
    }
    throw new Error('unreachable');
  }

  async getApplication(appId: string): Promise<GraphApplicationInfo> {
    const a = await this.call('GET', `${appRef(appId)}?$select=id,appId,displayName,createdDateTime,passwordCredentials,keyCredentials`);
    if (a.status !== 200) throw graphError(a.status, a.body, 'read', appId);
    const b = a.body as GraphApplicationInfo;
    return { ...b, passwordCredentials: b.passwordCredentials ?? [], keyCredentials: b.keyCredentials ?? [] };
  }

  /** The secret's text is in the answer once; the caller must keep it at once. */
  async addPassword(objectId: string, appId: string, displayName: string, endDateTime: string): Promise<GraphPassword & { secretText: string; endDateTime: string }> {
    const a = await this.call('POST', `/applications/${encodeURIComponent(objectId)}/addPassword`, { passwordCredential: { displayName, endDateTime } });
    if (a.status !== 200) throw graphError(a.status, a.body, 'add a client secret to', appId);
    const b = a.body as GraphPassword & { secretText?: string };
    if (!b.secretText || !b.keyId || !b.endDateTime) throw new KeyholderError('rotation.graph_failed', 'Microsoft Graph added a secret but did not return it. Key Holder will find and remove it on the next attempt.');
    return b as GraphPassword & { secretText: string; endDateTime: string };
  }

  /** Removes a password; one already gone counts as removed. */
  async removePassword(objectId: string, appId: string, keyId: string): Promise<void> {
    const a = await this.call('POST', `/applications/${encodeURIComponent(objectId)}/removePassword`, { keyId });
    if (a.status === 204 || a.status === 200) return;
    if (a.status === 400 || a.status === 404) {
      const still = (await this.getApplication(appId)).passwordCredentials.some((p) => p.keyId === keyId);
      if (!still) return;
    }
    throw graphError(a.status, a.body, 'remove a client secret from', appId);
  }

  /** Null when this holder may not read it (Policy.Read.All is often not granted): the caller falls back to Azure's 2 years. */
  async tenantPolicy(): Promise<TenantAppManagementPolicy | null> {
    const a = await this.call('GET', '/policies/defaultAppManagementPolicy');
    return a.status === 200 ? (a.body as TenantAppManagementPolicy) : null;
  }

  async appPolicies(objectId: string): Promise<AppManagementPolicy[] | null> {
    const a = await this.call('GET', `/applications/${encodeURIComponent(objectId)}/appManagementPolicies`);
    return a.status === 200 ? ((a.body as { value?: AppManagementPolicy[] }).value ?? []) : null;
  }

  async batch(requests: GraphBatchRequest[]): Promise<GraphBatchResponse[]> {
    const a = await this.call('POST', '/$batch', { requests });
    if (a.status !== 200) throw graphError(a.status, a.body, 'read');
    return (a.body as { responses: GraphBatchResponse[] }).responses;
  }
}
