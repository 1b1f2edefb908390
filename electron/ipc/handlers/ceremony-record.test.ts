/**
 * Closing the ceremony sends its final hash to the connected control plane
 * and keeps the record receipt beside the submission receipts; when the
 * control plane cannot be reached the closure stands and the record waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import crypto from 'node:crypto';
import { createServices, type Services } from '../../services/index';
import { createHandlers } from './index';
import { dispatch } from '../dispatch';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { testSecretBox } from '../../services/transcript/test-support';
import { verifyTranscriptFile } from '../../services/transcript/index';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { emptyHolder } from '../../../shared/worksheet/model';
import { ADMIN, startHarness, type Harness } from '../../rehearsal/control-plane/testing/harness';
import type { RequestOf, ResponseOf, Channel } from '../../../shared/ipc/contract';

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

async function connectedWorkstation(environmentId: string, cp: Harness = h, cpAgent: https.Agent = agent): Promise<{ s: Services; call: <C extends Channel>(c: C, r: RequestOf<C>) => Promise<ResponseOf<C>>; token: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cerrec-'));
  const s = createServices({ dataDir, secretBox: testSecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF, controlPlaneAgent: cpAgent });
  const handlers = createHandlers(s);
  const call = async <C extends Channel>(c: C, r: RequestOf<C>): Promise<ResponseOf<C>> => {
    const out = await dispatch(handlers, c, r, silentLogger);
    if (!out.ok) throw Object.assign(new Error(out.error.message), { code: out.error.code });
    return out.value as ResponseOf<C>;
  };
  const token = (await cp.api('POST', '/admin/enrolments', { environmentId, holder: 1 }, ADMIN)).json.token as string;
  const fp = (await cp.api('GET', '/.well-known/keyholder-control-plane')).json.sealing.fingerprint as string;
  await call('control-plane:connect', { baseUrl: cp.cp.baseUrl, expectedFingerprint: fp, enrolmentToken: token });
  // One recorded step, so there is a ceremony to close.
  const line = { ...emptyHolder(), vaultHost: 'holder1-keys.vault.azure.net', clientId: crypto.randomUUID(), tenantId: crypto.randomUUID(), keyName: 'contoso-cmek', secret: { action: 'keep' as const } };
  await call('worksheet:save', { holder1: line, holder2: { ...emptyHolder(), secret: { action: 'keep' } } });
  return { s, call, token };
}

describe('ceremony:close with a connected control plane', () => {
  it('sends the final hash and keeps the record receipt in the control-plane view', async () => {
    const { s, call, token } = await connectedWorkstation('env-close-rec');
    const closed = await call('ceremony:close', { reason: 'handler test' });
    expect(closed.controlPlane.state).toBe('recorded');
    const server = (await h.api('GET', '/v1/ceremony-records', undefined, token)).json.records;
    expect(server).toHaveLength(1);
    const file = s.transcript.pathOf(closed.view.ceremony!);
    const verified = verifyTranscriptFile(file, { expectedFinalHash: closed.finalHash });
    expect(server[0]).toMatchObject({ ceremonyId: closed.view.ceremony, finalHash: closed.finalHash, holder: 1 });
    const view = await call('control-plane:view', {});
    expect(view.ceremonyRecords).toEqual([expect.objectContaining({ ceremonyId: closed.view.ceremony, finalHash: closed.finalHash, entries: verified.ok ? verified.entries : -1 })]);
    expect(view.pendingCeremonyRecords).toEqual([]);
    expect(await call('ceremony:send-record', {})).toEqual({ sent: 0, pending: 0, problem: null });
  });

  it('closes anyway when the control plane is unreachable, and keeps the record to send later', async () => {
    const down = await startHarness();
    const downAgent = new https.Agent({ ca: down.ca });
    try {
      const { s, call } = await connectedWorkstation('env-close-offline', down, downAgent);
      await down.close();
      const closed = await call('ceremony:close', { reason: 'control plane down' });
      expect(closed.view.closed?.finalHash).toBe(closed.finalHash);
      expect(closed.controlPlane).toMatchObject({ state: 'not_sent', code: 'control_plane.unreachable' });
      expect(closed.controlPlane.state === 'not_sent' && closed.controlPlane.message).toMatch(/stays closed/);
      expect(s.controlPlane.pendingCeremonyRecords()).toEqual([expect.objectContaining({ ceremonyId: closed.view.ceremony, finalHash: closed.finalHash })]);
      expect(await call('ceremony:send-record', {})).toMatchObject({ sent: 0, pending: 1, problem: { code: 'control_plane.unreachable' } });
      expect((await call('control-plane:view', {})).pendingCeremonyRecords).toEqual([closed.view.ceremony]);
    } finally {
      downAgent.destroy();
    }
  });
});
