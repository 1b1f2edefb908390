/**
 * Replay (issue 16): while a pair waits, holder 1's earlier sealed submission
 * replayed after a corrected one must not undo the correction. Each envelope
 * carries a sequence bound into its AAD; the control plane refuses one that is
 * not above the last it accepted from that enrolment (409 envelope_replayed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, sealIndependently, setupEnvironment, startHarness, type Harness } from './testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('sealed envelopes are fresh', () => {
  it('a replay of holder 1’s earlier submission after a correction is refused and the correction stands', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'replay-a');
    const [one, two] = holders;
    const first = await sealIndependently(discovery, { ...address(discovery, 'replay-a', one), sequence: 1000 }, { ...one.record, tenantId: '00000000-0000-4000-8000-000000000001' });
    expect((await h.api('POST', '/v1/key-stores', first, one.token)).status).toBe(201);
    const corrected = await sealIndependently(discovery, { ...address(discovery, 'replay-a', one), sequence: 1001 }, one.record);
    expect((await h.api('POST', '/v1/key-stores', corrected, one.token)).status).toBe(201);
    const replay = await h.api('POST', '/v1/key-stores', first, one.token);
    expect(replay.status).toBe(409);
    expect(replay.json.error.code).toBe('envelope_replayed');
    expect(replay.json.error.message).toMatch(/not newer than the last one accepted from key holder 1/);
    // The same envelope twice is a replay too.
    expect((await h.api('POST', '/v1/key-stores', corrected, one.token)).status).toBe(409);
    // Holder 2 completes the pair: it validates, so the corrected record (not the replayed wrong tenant) is what waited.
    const r2 = await h.api('POST', '/v1/key-stores', await sealIndependently(discovery, address(discovery, 'replay-a', two), two.record), two.token);
    expect(r2.json.validation).toMatchObject({ state: 'validated' });
  });

  it('the sequence is authenticated: raising it in the clear header makes the envelope unreadable', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'replay-b');
    const [one] = holders;
    const old = await sealIndependently(discovery, { ...address(discovery, 'replay-b', one), sequence: 5 }, one.record);
    expect((await h.api('POST', '/v1/key-stores', await sealIndependently(discovery, { ...address(discovery, 'replay-b', one), sequence: 6 }, one.record), one.token)).status).toBe(201);
    const bumped = { ...old, sequence: 7 };
    const r = await h.api('POST', '/v1/key-stores', bumped, one.token);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('envelope_unreadable');
    // An envelope without a sequence is not one this API version accepts.
    const { sequence: _s, ...bare } = old;
    expect((await h.api('POST', '/v1/key-stores', bare, one.token)).json.error.code).toBe('envelope_malformed');
  });

  it('sequences are per holder, and a credential update cannot be replayed either', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'replay-c');
    const [one, two] = holders;
    expect((await h.api('POST', '/v1/key-stores', await sealIndependently(discovery, { ...address(discovery, 'replay-c', one), sequence: 50 }, one.record), one.token)).status).toBe(201);
    // Holder 2's counter is their own: a low number is fine for them.
    const r2 = await h.api('POST', '/v1/key-stores', await sealIndependently(discovery, { ...address(discovery, 'replay-c', two), sequence: 2 }, two.record), two.token);
    expect(r2.status).toBe(201);
    expect(r2.json.validation.state).toBe('validated');
    const upd = { holder: 1, clientSecret: one.record.clientSecret, secretExpiresOn: '2027-12-01T00:00:00Z' };
    const stale = await sealIndependently(discovery, { ...address(discovery, 'replay-c', one, 'credential-update'), sequence: 49 }, upd);
    const r = await h.api('POST', '/v1/key-stores/credentials', stale, one.token);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('envelope_replayed');
  });
});
