/**
 * The app's client for POST /v1/ceremony-records against the reference
 * control plane over HTTPS: the receipt is checked and kept beside the
 * submission receipts; an unreachable control plane loses nothing (the
 * record waits and is sent on retry); a different final hash is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { ControlPlaneService } from '../../services/control-plane/service';
import { httpsTransport, type Transport } from '../../services/control-plane/http';
import { fixedClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { testSecretBox } from '../../services/transcript/test-support';
import { ADMIN, startHarness, type Harness } from '../../rehearsal/control-plane/testing/harness';
import { isKeyholderError } from '../../../shared/errors/index';

let h: Harness;
let agent: https.Agent;
beforeAll(async () => {
  h = await startHarness();
  agent = new https.Agent({ ca: h.ca });
});
afterAll(async () => {
  agent?.destroy();
  await h?.close();
});

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const record = (over: Record<string, unknown> = {}) => ({ ceremonyId: 'ceremony-app-client', finalHash: hash('closed'), entries: 12, closedAt: '2026-11-27T10:00:00.000Z', ...over });

async function connected(environmentId: string, transport?: Transport) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cprec-'));
  const secretBox = testSecretBox();
  const deps = { dataDir, secretBox, clock: fixedClock(new Date('2026-11-27T10:05:00Z')), log: silentLogger, mode: 'rehearsal' as const };
  let offline = false;
  const real = transport ?? httpsTransport(agent);
  const switchable: Transport = (m, u, o) => (offline ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : real(m, u, o));
  const svc = new ControlPlaneService({ ...deps, transport: switchable });
  const token = (await h.api('POST', '/admin/enrolments', { environmentId, holder: 1 }, ADMIN)).json.token as string;
  const fp = (await h.api('GET', '/.well-known/keyholder-control-plane')).json.sealing.fingerprint as string;
  await svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: fp, enrolmentToken: token });
  return { svc, token, reopen: () => new ControlPlaneService({ ...deps, transport: switchable }), setOffline: (v: boolean) => (offline = v) };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isKeyholderError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('ControlPlaneService.recordCeremony', () => {
  it('sends the final hash, checks the receipt and keeps it (also after a restart)', async () => {
    const { svc, token, reopen } = await connected('env-app-rec');
    const kept = await svc.recordCeremony(record());
    expect(kept).toMatchObject({ ceremonyId: 'ceremony-app-client', finalHash: hash('closed'), entries: 12, holder: 1, sentAt: '2026-11-27T10:05:00.000Z' });
    expect(kept.sha256).toMatch(/^[0-9a-f]{64}$/);
    const server = (await h.api('GET', '/v1/ceremony-records', undefined, token)).json.records;
    expect(server).toHaveLength(1);
    expect(server[0].recordId).toBe(kept.recordId);
    // Sending again neither duplicates the local receipt nor the server's record.
    expect(await svc.recordCeremony(record())).toEqual(kept);
    expect(reopen().ceremonyRecords()).toEqual([kept]);
    expect(reopen().pendingCeremonyRecords()).toEqual([]);
  });

  it('keeps the record queued while the control plane is unreachable and sends it on retry', async () => {
    const { svc, reopen, setOffline } = await connected('env-app-offline');
    setOffline(true);
    expect(await code(svc.recordCeremony(record({ ceremonyId: 'ceremony-offline' })))).toBe('control_plane.unreachable');
    expect(svc.ceremonyRecords()).toEqual([]);
    // The queue survives a restart of the app.
    const later = reopen();
    expect(later.pendingCeremonyRecords().map((p) => p.ceremonyId)).toEqual(['ceremony-offline']);
    setOffline(false);
    const sent = await later.sendPendingCeremonyRecords();
    expect(sent.map((r) => r.ceremonyId)).toEqual(['ceremony-offline']);
    expect(later.pendingCeremonyRecords()).toEqual([]);
    expect(later.ceremonyRecords().map((r) => r.ceremonyId)).toEqual(['ceremony-offline']);
  });

  it('reports a conflicting final hash for the same ceremony and keeps it queued', async () => {
    const { svc } = await connected('env-app-conflict');
    await svc.recordCeremony(record({ ceremonyId: 'ceremony-conflict' }));
    expect(await code(svc.recordCeremony(record({ ceremonyId: 'ceremony-conflict', finalHash: hash('cut short') })))).toBe('control_plane.ceremony_record_conflict');
    expect(svc.ceremonyRecords()).toHaveLength(1);
    expect(svc.pendingCeremonyRecords().map((p) => p.finalHash)).toEqual([hash('cut short')]);
  });

  it('refuses a receipt for a different body, and a malformed record before sending', async () => {
    const real = httpsTransport(agent);
    // A control plane (or something in between) that acknowledges another hash.
    const lying: Transport = async (m, u, o) => {
      const a = await real(m, u, o);
      if (!u.endsWith('/v1/ceremony-records') || m !== 'POST' || a.status !== 200) return a;
      const j = JSON.parse(a.body.toString('utf8'));
      return { status: 200, body: Buffer.from(JSON.stringify({ ...j, sha256: hash('something else') })) };
    };
    const { svc } = await connected('env-app-lying', lying);
    expect(await code(svc.recordCeremony(record({ ceremonyId: 'ceremony-lying' })))).toBe('control_plane.receipt_mismatch');
    expect(svc.ceremonyRecords()).toEqual([]);
    expect(svc.pendingCeremonyRecords()).toHaveLength(1);
    expect(await code(svc.recordCeremony(record({ finalHash: 'not-a-hash' })))).toBe('control_plane.ceremony_record_invalid');
  });

  it('says so when no control plane is connected, keeping the record for later', async () => {
    const svc = new ControlPlaneService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cprec-')), secretBox: testSecretBox(), clock: fixedClock(new Date()), log: silentLogger, mode: 'rehearsal', transport: httpsTransport(agent) });
    expect(await code(svc.recordCeremony(record()))).toBe('control_plane.not_connected');
    expect(svc.pendingCeremonyRecords()).toHaveLength(1);
  });
});
