/**
 * Reads every key store's application from Microsoft Graph in JSON batches
 * (20 requests per `$batch`, Graph's limit) and turns passwordCredentials and
 * keyCredentials into tracked items. The HTTP call itself is a port: the
 * signed-in Graph client (identity service) plugs in here.
 */
import type { TrackedItem } from '../../../shared/expiry/model';
import { lineFourSubject, type WorksheetExpiryEntry } from './tracked-items-source';

export const GRAPH_BATCH_LIMIT = 20;

export interface GraphBatchRequest {
  id: string;
  method: 'GET';
  url: string;
}
export interface GraphBatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface GraphBatchPort {
  /** POST /$batch with these requests (at most 20); resolves to Graph's `responses`. */
  batch(requests: GraphBatchRequest[]): Promise<GraphBatchResponse[]>;
}

interface GraphPasswordCredential {
  keyId: string;
  displayName?: string | null;
  hint?: string | null;
  endDateTime?: string | null;
}
interface GraphKeyCredential {
  keyId: string;
  displayName?: string | null;
  type?: string | null;
  endDateTime?: string | null;
}
interface GraphApplication {
  appId: string;
  displayName?: string | null;
  passwordCredentials?: GraphPasswordCredential[];
  keyCredentials?: GraphKeyCredential[];
}

export function applicationUrl(appId: string): string {
  // OData string literal: a quote is doubled. appIds are GUIDs, but a worksheet can hold anything.
  return `/applications(appId='${encodeURIComponent(appId.replace(/'/g, "''"))}')?$select=appId,displayName,passwordCredentials,keyCredentials`;
}

/** Which passwordCredential is the one on worksheet line 4: by keyId, else by a unique hint, else the only one. */
function matchLineFour(entry: WorksheetExpiryEntry, creds: readonly GraphPasswordCredential[]): GraphPasswordCredential | undefined {
  if (entry.clientSecretKeyId) return creds.find((c) => c.keyId === entry.clientSecretKeyId);
  if (entry.clientSecretHint) {
    const byHint = creds.filter((c) => c.hint === entry.clientSecretHint);
    return byHint.length === 1 ? byHint[0] : undefined;
  }
  return creds.length === 1 ? creds[0] : undefined;
}

function itemsFromApplication(entry: WorksheetExpiryEntry, app: GraphApplication): TrackedItem[] {
  const items: TrackedItem[] = [];
  const passwords = app.passwordCredentials ?? [];
  const lineFour = matchLineFour(entry, passwords);
  const base = { ceremony: entry.ceremony, holder: entry.holder, source: 'graph' as const };
  for (const p of passwords) {
    if (!p.endDateTime) continue;
    if (p === lineFour) {
      items.push({ ...base, kind: 'client-secret', subject: lineFourSubject(entry.appId), label: `Client secret on worksheet line 4 (“${p.displayName ?? p.hint ?? p.keyId}”)`, expiresAt: p.endDateTime });
    } else {
      items.push({ ...base, kind: 'app-credential', subject: `password:${p.keyId}`, label: `Other client secret of the application (“${p.displayName ?? p.hint ?? p.keyId}”)`, expiresAt: p.endDateTime });
    }
  }
  for (const k of app.keyCredentials ?? []) {
    if (!k.endDateTime) continue;
    items.push({ ...base, kind: 'certificate', subject: `cert:${k.keyId}`, label: `Certificate of the application (“${k.displayName ?? k.keyId}”)`, expiresAt: k.endDateTime });
  }
  return items;
}

export interface RefreshResult {
  items: TrackedItem[];
  /** HTTP requests sent to Graph (each $batch counts once). */
  httpRequests: number;
  /** Applications Graph did not return, with the status, so the worksheet date stays in use for them. */
  missing: Array<{ ceremony: string; holder: string; appId: string; status: number }>;
}

/**
 * One GET per distinct application, 20 to a batch; throttled (429) or
 * unavailable (503) sub-requests are retried in a later batch, up to
 * `maxRounds` times.
 */
export async function refreshFromGraph(entries: readonly WorksheetExpiryEntry[], port: GraphBatchPort, maxRounds = 3): Promise<RefreshResult> {
  const apps = [...new Set(entries.map((e) => e.appId))];
  const results = new Map<string, GraphBatchResponse>();
  let pending = apps.map((appId, i) => ({ id: String(i), method: 'GET' as const, url: applicationUrl(appId), appId }));
  let httpRequests = 0;
  for (let round = 0; round < maxRounds && pending.length > 0; round++) {
    const retry: typeof pending = [];
    for (let i = 0; i < pending.length; i += GRAPH_BATCH_LIMIT) {
      const chunk = pending.slice(i, i + GRAPH_BATCH_LIMIT);
      httpRequests++;
      const responses = await port.batch(chunk.map(({ id, method, url }) => ({ id, method, url })));
      for (const req of chunk) {
        const res = responses.find((r) => r.id === req.id);
        if (!res || res.status === 429 || res.status === 503) retry.push(req);
        else results.set(req.appId, res);
      }
    }
    pending = retry;
  }
  const items: TrackedItem[] = [];
  const missing: RefreshResult['missing'] = [];
  for (const entry of entries) {
    const res = results.get(entry.appId);
    if (res && res.status === 200 && res.body && typeof res.body === 'object') items.push(...itemsFromApplication(entry, res.body as GraphApplication));
    else missing.push({ ceremony: entry.ceremony, holder: entry.holder, appId: entry.appId, status: res?.status ?? 0 });
  }
  return { items, httpRequests, missing };
}
