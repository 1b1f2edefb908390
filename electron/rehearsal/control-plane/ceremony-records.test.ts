/**
 * POST /v1/ceremony-records: a closed ceremony's final hash, kept per holder
 * and environment, so a transcript cut short later no longer ends in the
 * hash the vendor holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ceremonyRecordReceiptSchema } from '../../../shared/control-plane/api';
import { ADMIN, startHarness, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({});
});
afterAll(async () => {
  await h?.close();
});

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const body = (over: Record<string, unknown> = {}) => ({ ceremonyId: 'cer-2026-11-27-a', finalHash: hash('closing entry'), entries: 17, closedAt: '2026-11-27T10:00:00.000Z', ...over });
const enrol = async (environmentId: string, holder: 1 | 2) => (await h.api('POST', '/admin/enrolments', { environmentId, holder }, ADMIN)).json.token as string;

describe('POST /v1/ceremony-records', () => {
  it('refuses a missing, wrong or admin token and stores nothing', async () => {
    const token = await enrol('env-rec-auth', 1);
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [null, altered, ADMIN]) {
      const r = await h.api('POST', '/v1/ceremony-records', body(), bad);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('enrolment_token_invalid');
    }
    expect((await h.api('GET', '/v1/ceremony-records', undefined, token)).json.records).toEqual([]);
  });

  it('refuses a malformed hash, count, time, ceremony ID or an extra field', async () => {
    const token = await enrol('env-rec-bad', 1);
    for (const over of [
      { finalHash: 'abc' },
      { finalHash: hash('x').toUpperCase() },
      { finalHash: `${hash('x').slice(0, 63)}g` },
      { entries: 0 },
      { entries: 1.5 },
      { closedAt: 'yesterday' },
      { ceremonyId: '../etc' },
      { secret: 'no' },
    ]) {
      const r = await h.api('POST', '/v1/ceremony-records', body(over), token);
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
    expect((await h.api('GET', '/v1/ceremony-records', undefined, token)).json.records).toEqual([]);
  });

  it('answers a repeat with the first receipt and refuses a different final hash with 409', async () => {
    const token = await enrol('env-rec', 1);
    const first = await h.api('POST', '/v1/ceremony-records', body(), token);
    expect(first.status).toBe(200);
    const receipt = ceremonyRecordReceiptSchema.parse(first.json);
    expect(receipt).toMatchObject({ environmentId: 'env-rec', holder: 1, ceremonyId: 'cer-2026-11-27-a', finalHash: hash('closing entry') });
    // The receipt's hash is over the canonical body, whatever order the client wrote the keys in.
    const b = body();
    expect(receipt.sha256).toBe(hash(JSON.stringify({ ceremonyId: b.ceremonyId, closedAt: b.closedAt, entries: b.entries, finalHash: b.finalHash })));
    const again = await h.api('POST', '/v1/ceremony-records', { closedAt: b.closedAt, entries: b.entries, finalHash: b.finalHash, ceremonyId: b.ceremonyId }, token);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);

    const conflict = await h.api('POST', '/v1/ceremony-records', body({ finalHash: hash('a shorter transcript') }), token);
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe('ceremony_record_conflict');
    expect((await h.api('POST', '/v1/ceremony-records', body({ entries: 16 }), token)).status).toBe(409);
    // The first record stands.
    expect((await h.api('GET', '/v1/ceremony-records', undefined, token)).json.records).toEqual([first.json]);
  });

  it('binds records to the enrolment: the other holder and other environments keep their own', async () => {
    const t1 = await enrol('env-rec-bind', 1);
    const t2 = await enrol('env-rec-bind', 2);
    const other = await enrol('env-rec-other', 1);
    const r1 = await h.api('POST', '/v1/ceremony-records', body(), t1);
    // Each holder's app reports its own workstation's transcript, so holder 2 may record another hash for the same ID.
    const r2 = await h.api('POST', '/v1/ceremony-records', body({ finalHash: hash('holder 2 workstation') }), t2);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r2.json.holder).toBe(2);
    expect((await h.api('GET', '/v1/ceremony-records', undefined, t1)).json.records.map((r: { holder: number }) => r.holder)).toEqual([1]);
    expect((await h.api('GET', '/v1/ceremony-records', undefined, other)).json.records).toEqual([]);
  });
});
