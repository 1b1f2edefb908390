/**
 * Rehearsal plays the vendor: the app shows the vendor's values (address,
 * fingerprint, a working enrolment token, the rehearsal app's ID and secret)
 * and approves this holder's registration through the reference control
 * plane's admin API. A live workstation given the very same configuration
 * exposes none of it and refuses to approve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { createServices, type Environment } from '../../services/index';
import type { RehearsalVendorConfig } from '../../services/rehearsal-vendor/index';
import { createHandlers } from './index';
import { dispatch } from '../dispatch';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { testSecretBox } from '../../services/transcript/test-support';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { ADMIN, startHarness, type Harness } from '../../rehearsal/control-plane/testing/harness';
import type { Channel, RequestOf } from '../../../shared/ipc/contract';
import type { IpcResult } from '../../../shared/ipc/define';

let h: Harness;
let agent: https.Agent;
let fingerprint: string;
beforeAll(async () => {
  h = await startHarness();
  agent = new https.Agent({ ca: h.ca });
  fingerprint = (await h.api('GET', '/.well-known/keyholder-control-plane')).json.sealing.fingerprint as string;
});
afterAll(async () => {
  agent?.destroy();
  await h?.close();
});

const APP = { clientId: '0f3e1c52-6c1f-4f43-9d7e-3a1c2b4d5e6f', clientSecret: 'rehearsal~app.secret-value_0001' };

function workstation(environment: Environment) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-vendor-'));
  const rehearsalVendor: RehearsalVendorConfig = {
    controlPlaneUrl: h.cp.baseUrl,
    controlPlaneFingerprint: fingerprint,
    adminToken: ADMIN,
    holder: 1,
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    app: APP,
    vaultHost: 'holder1-vault.vault.rehearsal.localhost:8443',
    agent,
  };
  const s = createServices({ dataDir, secretBox: testSecretBox(), clock: systemClock, log: silentLogger, environment, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF, controlPlaneAgent: agent, rehearsalVendor });
  const handlers = createHandlers(s);
  const call = <C extends Channel>(c: C, r: RequestOf<C>) => dispatch(handlers, c, r, silentLogger) as Promise<IpcResult<unknown>>;
  return { s, call };
}

describe('rehearsal: the app plays the vendor', () => {
  it('shows the vendor’s values, which connect; approves this holder’s registration, which opens the import gate', async () => {
    const { s, call } = workstation({ mode: 'rehearsal', description: 'test' });
    const before = await call('rehearsal-vendor:approve-registration', {});
    expect(before.ok || before.error.code).toBe('rehearsal.no_registration');

    const values = await call('rehearsal-vendor:values', {});
    if (!values.ok) throw new Error(values.error.message);
    const v = values.value as { available: true; controlPlane: { baseUrl: string; fingerprint: string; enrolmentToken: string }; worksheet: { clientId: string; clientSecret: string } };
    expect(v.available).toBe(true);
    expect(v.controlPlane).toMatchObject({ baseUrl: h.cp.baseUrl, fingerprint });
    expect(v.controlPlane.enrolmentToken).toMatch(/^khe1\./);
    expect(v.worksheet).toMatchObject(APP);
    // Asking again gives the same enrolment, not a new one each time the screen opens.
    const again = await call('rehearsal-vendor:values', {});
    expect(again.ok && (again.value as typeof v).controlPlane.enrolmentToken).toBe(v.controlPlane.enrolmentToken);

    const connected = await call('control-plane:connect', { baseUrl: v.controlPlane.baseUrl, expectedFingerprint: v.controlPlane.fingerprint, enrolmentToken: v.controlPlane.enrolmentToken });
    expect(connected.ok).toBe(true);
    await call('control-plane:register', { vaultDnsName: 'holder1-vendor.vault.azure.net' });
    expect(s.controlPlane.registration()?.status).toBe('pending');

    const approved = await call('rehearsal-vendor:approve-registration', {});
    if (!approved.ok) throw new Error(approved.error.message);
    const view = approved.value as { registration: { status: string }; importGate: { allowed: boolean } };
    expect(view.registration.status).toBe('registered');
    expect(view.importGate.allowed).toBe(true);
    // The vendor's own record agrees: approved at the control plane, not only on this workstation.
    const all = (await h.api('GET', '/admin/registrations', undefined, ADMIN)).json.registrations as { vaultDnsName: string; status: string }[];
    expect(all.find((r) => r.vaultDnsName === 'holder1-vendor.vault.azure.net')?.status).toBe('registered');
  });

  it('live mode exposes nothing of the vendor and refuses to approve, even when handed the rehearsal configuration', async () => {
    const { s, call } = workstation({ mode: 'live', description: 'Azure (test)' });
    expect(s.rehearsalVendor).toBeNull();
    const values = await call('rehearsal-vendor:values', {});
    expect(values).toEqual({ ok: true, value: { available: false } });
    const approve = await call('rehearsal-vendor:approve-registration', {});
    expect(approve.ok).toBe(false);
    expect(!approve.ok && approve.error.code).toBe('rehearsal.live_mode');
    const said = JSON.stringify([values, approve]);
    for (const secret of [ADMIN, APP.clientSecret, APP.clientId, fingerprint, h.cp.baseUrl]) expect(said).not.toContain(secret);
  });
});
