import { describe, expect, it } from 'vitest';
import { applicationUrl, GRAPH_BATCH_LIMIT, refreshFromGraph, type GraphBatchRequest } from './graph-refresh';
import { lineFourSubject, type WorksheetExpiryEntry } from './tracked-items-source';

function entries(n: number): WorksheetExpiryEntry[] {
  return Array.from({ length: n }, (_, i) => ({ ceremony: `c${Math.floor(i / 2)}`, holder: `holder-${(i % 2) + 1}`, appId: `app-${i}`, clientSecretExpiresAt: '2027-01-01T00:00:00Z' }));
}

function app(appId: string) {
  return {
    appId,
    passwordCredentials: [
      { keyId: `${appId}-p1`, hint: 'abc', displayName: 'line 4', endDateTime: '2027-02-01T00:00:00Z' },
      { keyId: `${appId}-p2`, hint: 'xyz', displayName: 'spare', endDateTime: '2027-03-01T00:00:00Z' },
    ],
    keyCredentials: [{ keyId: `${appId}-c1`, displayName: 'CN=kh', endDateTime: '2028-01-01T00:00:00Z' }],
  };
}

describe('Graph refresh', () => {
  it('reads 1,000 key stores in 50 batched requests, each at most 20 sub-requests', async () => {
    const sizes: number[] = [];
    const r = await refreshFromGraph(entries(1000), {
      batch: async (reqs: GraphBatchRequest[]) => {
        sizes.push(reqs.length);
        return reqs.map((q) => ({ id: q.id, status: 200, body: app(/appId='([^']+)'/.exec(decodeURIComponent(q.url))![1]!) }));
      },
    });
    expect(r.httpRequests).toBe(50);
    expect(Math.max(...sizes)).toBe(GRAPH_BATCH_LIMIT);
    expect(r.missing).toEqual([]);
    expect(r.items).toHaveLength(1000 * 3);
  });

  it('retries throttled sub-requests in a later batch and reports what never came back', async () => {
    let round = 0;
    const r = await refreshFromGraph(entries(3).map((e) => ({ ...e, clientSecretHint: 'abc' })), {
      batch: async (reqs) => {
        round++;
        return reqs.map((q) =>
          q.id === '1' && round === 1 ? { id: q.id, status: 429 } : q.id === '2' ? { id: q.id, status: 403, body: { error: { code: 'Authorization_RequestDenied' } } } : { id: q.id, status: 200, body: app(`app-${q.id}`) },
        );
      },
    });
    expect(r.httpRequests).toBe(2);
    expect(r.missing).toEqual([{ ceremony: 'c1', holder: 'holder-1', appId: 'app-2', status: 403 }]);
    expect(r.items.filter((i) => i.kind === 'client-secret').map((i) => i.subject)).toEqual([lineFourSubject('app-0'), lineFourSubject('app-1')]);
  });

  it('matches line 4 by keyId, else a unique hint; others become app credentials and certificates', async () => {
    const [e] = entries(1);
    const run = async (entry: WorksheetExpiryEntry) => (await refreshFromGraph([entry], { batch: async (q) => [{ id: q[0]!.id, status: 200, body: app('app-0') }] })).items;
    const byKey = await run({ ...e!, clientSecretKeyId: 'app-0-p2' });
    expect(byKey.find((i) => i.kind === 'client-secret')).toMatchObject({ subject: lineFourSubject('app-0'), expiresAt: '2027-03-01T00:00:00Z', source: 'graph' });
    const byHint = await run({ ...e!, clientSecretHint: 'abc' });
    expect(byHint.find((i) => i.kind === 'client-secret')?.expiresAt).toBe('2027-02-01T00:00:00Z');
    expect(byHint.map((i) => i.kind).sort()).toEqual(['app-credential', 'certificate', 'client-secret']);
    // Two secrets and nothing to tell them apart: no guess.
    expect((await run(e!)).some((i) => i.kind === 'client-secret')).toBe(false);
  });

  it('quotes the appId as an OData literal', () => {
    expect(decodeURIComponent(applicationUrl("a'b"))).toContain("appId='a''b'");
  });
});
