/**
 * Libraries, applying keys, rotation progress by the clock, per-library
 * statuses and the data-key cache delay of the reference control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentStatusSchema } from '../../../shared/control-plane/api';
import { ADMIN, setupEnvironment, startHarness, submit, type Harness } from './testing/harness';
import { FakeKeyStores } from './testing/fake-key-stores';
import { libraryKeyStatus } from './libraries';

const DAY = 86_400_000;
let h: Harness;
let nowMs = Date.parse('2026-11-27T10:00:00Z');
const advance = (ms: number) => (nowMs += ms);

beforeAll(async () => {
  h = await startHarness({ now: () => new Date(nowMs) });
});
afterAll(async () => {
  await h?.close();
});

async function primaryKey(env: string, key?: ReturnType<typeof FakeKeyStores.rsaKey>) {
  const { holders, discovery } = await setupEnvironment(h, env, key ? { key } : {});
  for (const s of holders) expect((await submit(h, discovery, env, s)).status).toBe(201);
  const st = environmentStatusSchema.parse((await h.api('GET', `/admin/environments/${env}`, undefined, ADMIN)).json);
  return { holders, pk: st.primaryKey! };
}

describe('libraries and key rotation', () => {
  it('rotates at the configured rate by the clock, then reports the old key No longer in use', async () => {
    const env = 'env-rot';
    const first = await primaryKey(env);
    expect((await h.api('POST', '/admin/settings', { rotationRatePerDay: 1_000_000 }, ADMIN)).json.rotationRatePerDay).toBe(1_000_000);
    const lib = (await h.api('POST', `/admin/environments/${env}/libraries`, { name: 'Contracts', documentVersions: 4_000_000 }, ADMIN)).json;
    expect((await h.api('POST', `/admin/environments/${env}/libraries`, { name: 'contracts', documentVersions: 1 }, ADMIN)).status).toBe(409);
    expect((await h.api('POST', `/admin/environments/${env}/libraries/${lib.libraryId}/apply`, { primaryKeyId: first.pk.primaryKeyId }, 'wrong')).status).toBe(401);

    let st = environmentStatusSchema.parse((await h.api('POST', `/admin/environments/${env}/libraries/${lib.libraryId}/apply`, { primaryKeyId: first.pk.primaryKeyId }, ADMIN)).json);
    expect(st.primaryKey!.libraries).toEqual([expect.objectContaining({ status: 'Active: Rotating to', label: 'Active: Rotating to (0.00%)', percent: 0 })]);
    advance(1 * DAY);
    st = environmentStatusSchema.parse((await h.api('GET', '/v1/status', undefined, first.holders[0].token)).json);
    expect(st.primaryKey!.libraries![0]!.label).toBe('Active: Rotating to (25.00%)');
    advance(3 * DAY);
    st = environmentStatusSchema.parse((await h.api('GET', '/v1/status', undefined, first.holders[0].token)).json);
    expect(st.primaryKey!.libraries![0]).toMatchObject({ status: 'Active', label: 'Active' });
    expect(st.libraries).toEqual([expect.objectContaining({ name: 'Contracts', activeKey: first.pk.primaryKeyId })]);
    expect(st.primaryKey!.noLongerInUseSince).toBeNull();

    // A new primary key from a new key (rotation): the old one keeps decrypting until the re-keying is done.
    const second = await primaryKey(env, FakeKeyStores.rsaKey());
    expect(second.pk.primaryKeyId).not.toBe(first.pk.primaryKeyId);
    const applyAt = nowMs;
    await h.api('POST', `/admin/environments/${env}/libraries/${lib.libraryId}/apply`, { primaryKeyId: second.pk.primaryKeyId }, ADMIN);
    advance(2 * DAY);
    st = environmentStatusSchema.parse((await h.api('GET', '/v1/status', undefined, first.holders[0].token)).json);
    const old = st.primaryKeys!.find((k) => k.primaryKeyId === first.pk.primaryKeyId)!;
    expect(old.libraries![0]).toMatchObject({ status: 'Inactive: Rotating from', label: 'Inactive: Rotating from' });
    expect(old.noLongerInUseSince).toBeNull();
    expect(st.primaryKey!.libraries![0]!.label).toBe('Active: Rotating to (50.00%)');
    advance(2 * DAY + 1);
    st = environmentStatusSchema.parse((await h.api('GET', '/v1/status', undefined, first.holders[0].token)).json);
    const done = st.primaryKeys!.find((k) => k.primaryKeyId === first.pk.primaryKeyId)!;
    expect(done.libraries![0]).toMatchObject({ status: 'No longer in use', noLongerInUseSince: new Date(applyAt + 4 * DAY).toISOString() });
    expect(done.noLongerInUseSince).toBe(new Date(applyAt + 4 * DAY).toISOString());
    expect(st.primaryKey!.libraries![0]!.status).toBe('Active');
    await h.api('POST', '/admin/settings', { rotationRatePerDay: 7_000_000 }, ADMIN);
  });

  it('refuses to apply a key that is not Available, or one already applied', async () => {
    const env = 'env-refuse';
    const { pk } = await primaryKey(env);
    const lib = (await h.api('POST', `/admin/environments/${env}/libraries`, { name: 'HR', documentVersions: 10 }, ADMIN)).json;
    h.stores.setEnabled(pk.keyStores[0]!.keyIdentifier, false);
    h.stores.setEnabled(pk.keyStores[1]!.keyIdentifier, false);
    await h.api('POST', `/admin/environments/${env}/status-check`, undefined, ADMIN);
    const refused = await h.api('POST', `/admin/environments/${env}/libraries/${lib.libraryId}/apply`, { primaryKeyId: pk.primaryKeyId }, ADMIN);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('primary_key_not_available');
    h.stores.setEnabled(pk.keyStores[0]!.keyIdentifier, true);
    h.stores.setEnabled(pk.keyStores[1]!.keyIdentifier, true);
    await h.api('POST', `/admin/environments/${env}/status-check`, undefined, ADMIN);
    expect((await h.api('POST', `/admin/environments/${env}/libraries/${lib.libraryId}/apply`, { primaryKeyId: pk.primaryKeyId }, ADMIN)).status).toBe(200);
    expect((await h.api('POST', `/admin/environments/${env}/libraries/${lib.libraryId}/apply`, { primaryKeyId: pk.primaryKeyId }, ADMIN)).json.error.code).toBe('already_applied');
    expect((await h.api('POST', `/admin/environments/${env}/libraries/nope/apply`, { primaryKeyId: 'system' }, ADMIN)).status).toBe(404);
  });

  it('reports a revocation only after the data-key cache delay, and a recovery at once', async () => {
    const env = 'env-cache';
    const { pk, holders } = await primaryKey(env);
    await h.api('POST', '/admin/settings', { dataKeyCacheSeconds: 3600 }, ADMIN);
    try {
      h.stores.setEnabled(pk.keyStores[0]!.keyIdentifier, false);
      let st = (await h.api('POST', '/v1/status/refresh', undefined, holders[0].token)).json;
      expect(st.primaryKey.status).toBe('Available');
      expect(st.primaryKey.keyStores[0].reason).toMatch(/cached data key/);
      expect(st.dataKeyCacheSeconds).toBe(3600);
      advance(59 * 60_000);
      st = (await h.api('POST', '/v1/status/refresh', undefined, holders[0].token)).json;
      expect(st.primaryKey.status).toBe('Available');
      advance(60_000);
      st = (await h.api('POST', '/v1/status/refresh', undefined, holders[0].token)).json;
      expect(st.primaryKey.status).toBe('Key Store 1 Revoked');
      h.stores.setEnabled(pk.keyStores[0]!.keyIdentifier, true);
      st = (await h.api('POST', '/v1/status/refresh', undefined, holders[0].token)).json;
      expect(st.primaryKey.status).toBe('Available');
    } finally {
      await h.api('POST', '/admin/settings', { dataKeyCacheSeconds: 0 }, ADMIN);
    }
  });
});

describe('libraryKeyStatus', () => {
  it('restarts progress when a third key replaces a running rotation', () => {
    const lib = { libraryId: 'lib-1', name: 'L', documentVersions: 100, applications: [{ primaryKeyId: 'a', appliedAt: '2026-01-01T00:00:00Z' }, { primaryKeyId: 'b', appliedAt: '2026-01-02T00:00:00Z' }, { primaryKeyId: 'c', appliedAt: '2026-01-02T12:00:00Z' }] };
    const at = new Date('2026-01-02T18:00:00Z');
    expect(libraryKeyStatus(lib, 'a', at, 100)!.status).toBe('Inactive: Rotating from');
    expect(libraryKeyStatus(lib, 'b', at, 100)!.status).toBe('Inactive: Rotating from');
    expect(libraryKeyStatus(lib, 'c', at, 100)!.label).toBe('Active: Rotating to (25.00%)');
    expect(libraryKeyStatus(lib, 'z', at, 100)).toBeNull();
  });
});
