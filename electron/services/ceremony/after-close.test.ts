/**
 * After a workstation's ceremony is closed, what the vendor reports later (a
 * key store's status, a registration re-checked by the poller) must not open
 * a new ceremony: the closed one stays the one shown, and the observation is
 * kept in the key's lifecycle transcript (wired as electron/services/index.ts
 * wires it). A deliberate step still opens a new ceremony.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { testSecretBox } from '../transcript/test-support';
import { createCeremonyTranscripts } from '../transcript/index';
import type { JsonObject } from '../../../shared/transcript/canonical';
import type { ControlPlaneService } from '../control-plane/service';
import { createCeremonyService } from './ceremony-service';
import { createCeremonyOperations, type CeremonyOperationsDeps } from './operations';

const VAULT = 'kv-holder1.vault.azure.net';

/** The vendor as the poller last saw it: the registration confirmed before closing, the key store's status now. */
function vendor(status: { value: string }) {
  return {
    registration: () => ({ holder: 1, registrationId: 'reg-1', vaultDnsName: VAULT, status: 'registered', decidedAt: '2026-12-06T09:05:00Z' }),
    refreshRegistration: async () => undefined,
    importGate: () => ({ allowed: true, via: 'registration' }),
    view: () => ({ holder: 1 }),
    lastStatus: () => ({ primaryKey: { status: status.value, primaryKeyId: 'pk-1', name: 'Primary key', checkedAt: '2026-12-06T10:00:00Z' } }),
  } as unknown as ControlPlaneService;
}

function holderWorkstation(opts: { lifecycleRecord: boolean }) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-after-close-'));
  const clock = fixedClock(new Date('2026-12-06T09:00:00Z'));
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
  let lifecycleId: string | null = null;
  // As the lifecycle service keeps its record: one transcript of its own, opened on first use.
  const afterClose = async (kind: string, data: JsonObject) => {
    lifecycleId ??= (await transcript.open({ purpose: 'key-store lifecycle' })).ceremony;
    await transcript.append(lifecycleId, kind, data);
    return lifecycleId;
  };
  const ceremony = createCeremonyService({ dataDir, clock, log: silentLogger, transcript, ...(opts.lifecycleRecord ? { afterClose } : {}) });
  const status = { value: 'Available' };
  const ops = createCeremonyOperations({ controlPlane: vendor(status), recorder: ceremony } as unknown as CeremonyOperationsDeps);
  const transcriptFiles = () => readdirSync(path.dirname(transcript.pathOf(ceremony.currentId()!))).sort();
  const lifecycleEntries = () =>
    lifecycleId
      ? readFileSync(transcript.pathOf(lifecycleId), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { kind: string; data: JsonObject })
      : [];
  return { ceremony, ops, status, clock, transcriptFiles, lifecycleEntries };
}

async function closedCeremony(w: ReturnType<typeof holderWorkstation>) {
  await w.ceremony.record('worksheet.saved', { holder: 1, vaultHost: VAULT });
  await w.ops.observeVendor(); // the registration confirmed and the key Available, inside the ceremony
  w.clock.advance(60_000);
  const closed = await w.ceremony.close('the other workstations hold the rest of the ceremony');
  return closed;
}

describe('after the ceremony is closed', () => {
  it('a status observed and a registration re-checked open no new ceremony; they go to the lifecycle transcript', async () => {
    const w = holderWorkstation({ lifecycleRecord: true });
    const closed = await closedCeremony(w);
    const filesAtClose = w.transcriptFiles();

    // Key Store 1 revoked after the lifecycle step: the poller sees it and re-checks the registration.
    w.status.value = 'Revoked';
    w.clock.advance(60_000);
    await w.ops.observeVendor();
    await w.ops.refreshRegistration();
    await w.ops.observeVendor(); // the same status again: not recorded twice

    expect(w.ceremony.currentId()).toBe(closed.ceremony);
    const v = w.ceremony.progress();
    expect(v.ceremony).toBe(closed.ceremony);
    expect(v.closed).toMatchObject({ finalHash: closed.finalHash, outcome: 'abandoned' });
    expect(v.entries.at(-1)!.kind).toBe('ceremony.closed');
    expect(v.problems).toEqual([]);
    // Recorded where the design says: the lifecycle transcript, shown beside the closed ceremony.
    const lifecycle = w.lifecycleEntries().filter((e) => e.kind === 'status.changed');
    expect(lifecycle.map((e) => e.data.status)).toEqual(['Revoked']);
    expect(v.afterClose!.entries.map((e) => [e.kind, e.details])).toEqual([['status.changed', 'Revoked']]);
    expect(v.afterClose!.entries[0]!.words).toMatch(/status/i);
    expect(v.afterClose!.recordedIn).toBeTruthy();
    expect(v.afterClose!.recordedIn).not.toBe(closed.ceremony);
    // The registration the closed ceremony already recorded is not recorded again anywhere.
    expect(w.lifecycleEntries().some((e) => e.kind === 'registration.done')).toBe(false);
    // Only the lifecycle transcript was added: no second ceremony.
    const added = w.transcriptFiles().filter((f) => !filesAtClose.includes(f));
    expect(added).toHaveLength(1);
  });

  it('without a lifecycle record the observation is not dropped silently: the Ceremony screen says so', async () => {
    const w = holderWorkstation({ lifecycleRecord: false });
    const closed = await closedCeremony(w);
    w.status.value = 'Revoked';
    await w.ops.observeVendor();
    const v = w.ceremony.progress();
    expect(v.ceremony).toBe(closed.ceremony);
    expect(v.problems.join(' ')).toMatch(/"status.changed" was observed after the ceremony was closed but could not be recorded/);
    expect(v.afterClose!.entries).toMatchObject([{ kind: 'status.changed', recordedIn: null }]);
  });

  it('a deliberate step after closing still opens a new ceremony', async () => {
    const w = holderWorkstation({ lifecycleRecord: true });
    const closed = await closedCeremony(w);
    const r = await w.ceremony.record('key.generated', { fingerprint: 'sha256:' + 'cd'.repeat(32) });
    expect(r.ceremony).not.toBe(closed.ceremony);
    expect(w.ceremony.progress().closed).toBeNull();
    expect(w.ceremony.progress().afterClose).toBeUndefined();
  });
});
