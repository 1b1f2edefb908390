/**
 * The app's control-plane client against the reference control plane over
 * HTTPS: fingerprint pinning, the enrolment token kept only through the
 * SecretBox, registration gating import, the masked preview, sealed
 * submission with receipts, status following revocation, credential update,
 * and the IPC handlers building the record from the worksheet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { ControlPlaneService } from '../../services/control-plane/service';
import { httpsTransport, type Transport } from '../../services/control-plane/http';
import { fixedClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../services/platform/secret-box';
import { ADMIN, manualScheduler, setupEnvironment, startHarness, type Harness, type HolderSetup } from '../../rehearsal/control-plane/testing/harness';
import { controlPlaneHandlers } from './control-plane';
import { createCeremonyOperations, type CeremonyOperationsDeps } from '../../services/ceremony/operations';
import type { Services } from '../../services/index';
import { isKeyholderError } from '../../../shared/errors/index';
import { memorySecretBox } from '../../services/platform/memory-secret-box';

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

/** Test SecretBox: real AES-256-GCM with a key per data folder held in memory (the OS keychain's role). */
const boxKeys = new Map<string, Buffer>();
function testBox(dataDir: string, available: boolean): SecretBox {
  const key = boxKeys.get(dataDir) ?? randomBytes(32);
  boxKeys.set(dataDir, key);
  return memorySecretBox({ key, available, reason: 'No secure storage on this test computer.' });
}

function service(o: { mode?: 'rehearsal' | 'live'; transport?: Transport; available?: boolean; dataDir?: string; changed?: string[] } = {}) {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cpc-'));
  const box = testBox(dataDir, o.available ?? true);
  const svc = new ControlPlaneService({
    dataDir,
    secretBox: box,
    clock: fixedClock(new Date('2026-11-27T10:00:00Z')),
    log: silentLogger,
    mode: o.mode ?? 'rehearsal',
    transport: o.transport ?? httpsTransport(agent),
    changed: (t) => o.changed?.push(t),
  });
  return { svc, dataDir };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isKeyholderError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a KeyholderError');
}

const values = (s: HolderSetup) => ({ ...s.record, secretExpiresOn: '2027-11-01' });

describe('connecting and pinning the sealing key', () => {
  it('pins the key only when it matches the fingerprint from the vendor’s message', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-pin');
    const { svc, dataDir } = service();
    const wrongFp = discovery.sealing.fingerprint.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect(await code(svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: wrongFp, enrolmentToken: holders[0].token }))).toBe('control_plane.fingerprint_mismatch');
    expect(svc.view().connected).toBe(false);
    // Pasted as the vendor prints it: upper case, grouped.
    const pasted = discovery.sealing.fingerprint.slice(7).toUpperCase().match(/.{4}/g)!.join(' ');
    const v = await svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: pasted, enrolmentToken: holders[0].token });
    expect(v).toMatchObject({ connected: true, holder: 1, environmentId: 'app-pin', fingerprint: discovery.sealing.fingerprint });
    // The token is at rest only in sealed form.
    const onDisk = fs.readdirSync(dataDir).map((f) => fs.readFileSync(path.join(dataDir, f), 'latin1')).join('\n');
    expect(onDisk).not.toContain(holders[0].token.split('.')[2]);
  });

  it('refuses a wrong enrolment token and a computer without secure storage', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-token');
    const { svc } = service();
    const bad = holders[0].token.slice(0, -3) + 'AAA';
    expect(await code(svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: bad }))).toBe('control_plane.enrolment_token_invalid');
    expect(await code(svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: 'hello' }))).toBe('control_plane.bad_token');
    const { svc: noBox } = service({ available: false });
    expect(await code(noBox.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[0].token }))).toBe('control_plane.secret_storage_unavailable');
    expect(await code(svc.connect({ baseUrl: h.cp.baseUrl.replace('https', 'http'), expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[0].token }))).toBe('control_plane.insecure_url');
  });

  it('refuses a changed sealing key with a clear warning, and sends nothing', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-changed');
    let swap = false;
    const sent: string[] = [];
    const base = httpsTransport(agent);
    const otherKey = Buffer.alloc(32, 7).toString('base64url');
    // A man in the middle that substitutes its own sealing key once the holder has pinned the real one.
    const mitm: Transport = async (method, url, o) => {
      sent.push(`${method} ${new URL(url).pathname}`);
      const a = await base(method, url, o);
      if (swap && url.endsWith('/.well-known/keyholder-control-plane')) {
        const d = JSON.parse(a.body.toString());
        d.sealing.publicKey = otherKey;
        return { status: a.status, body: Buffer.from(JSON.stringify(d)) };
      }
      return a;
    };
    const { svc } = service({ transport: mitm });
    await svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[0].token });
    swap = true;
    sent.length = 0;
    let err: unknown;
    try {
      await svc.submit(values(holders[0]));
    } catch (e) {
      err = e;
    }
    expect(isKeyholderError(err) && err.code).toBe('control_plane.sealing_key_changed');
    expect((err as Error).message).toMatch(/WARNING: the control plane’s sealing key has changed.*Nothing was sent/);
    expect(sent).toEqual(['GET /.well-known/keyholder-control-plane']);
    // Reconnecting with the attacker's fingerprint still needs an explicit forget first.
    const { createHash } = await import('node:crypto');
    const attackerFp = `sha256:${createHash('sha256').update(Buffer.from(otherKey, 'base64url')).digest('hex')}`;
    expect(await code(svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: attackerFp, enrolmentToken: holders[0].token }))).toBe('control_plane.sealing_key_changed');
  });
});

describe('registration, preview, submission and status', () => {
  it('runs the holder’s whole path and follows revocation', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-flow', { register: false });
    const changed: string[] = [];
    const one = service({ changed });
    const two = service();
    for (const [s, hs] of [
      [one.svc, holders[0]],
      [two.svc, holders[1]],
    ] as const) {
      await s.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: hs.token });
      expect(s.importGate().allowed).toBe(false);
      const reg = await s.requestRegistration(hs.record.vaultDnsName);
      expect(reg.status).toBe('pending');
      expect(s.importGate()).toMatchObject({ allowed: false, reason: expect.stringContaining('Waiting') });
      expect(await code(Promise.resolve().then(() => s.recordOutOfBandConfirmation({ vaultDnsName: hs.record.vaultDnsName, reference: 'T-1', confirmedBy: 'x' })))).toBe('control_plane.out_of_band_live_only');
      await h.api('POST', `/admin/registrations/${reg.registrationId}/approve`, {}, ADMIN);
      expect((await s.refreshRegistration())?.status).toBe('registered');
      expect(s.importGate()).toMatchObject({ allowed: true, via: 'registered' });
    }
    expect(changed).toContain('registration');

    const preview = one.svc.preview(values(holders[0]));
    const text = JSON.stringify(preview);
    expect(text).not.toContain(holders[0].record.clientSecret);
    expect(preview.rows.find((r) => r.field === 'clientSecret')).toMatchObject({ worksheetLine: 4, masked: true, value: expect.stringMatching(/^Sec•+ \(\d+ characters\)$/) });
    expect(preview.rows.find((r) => r.field === 'keyIdentifier')?.value).toBe(holders[0].record.keyIdentifier);
    expect(preview.destination.fingerprint).toBe(discovery.sealing.fingerprint);
    expect(preview.envelopeHeader).toMatchObject({ holder: 1, environmentId: 'app-flow', purpose: 'key-store-submission' });

    const first = await one.svc.submit(values(holders[0]));
    expect(first.answer.validation.state).toBe('waiting_for_other_holder');
    expect(first.receipt.envelopeSha256).toMatch(/^[0-9a-f]{64}$/);
    const second = await two.svc.submit(values(holders[1]));
    expect(second.answer.validation.state).toBe('validated');
    // Receipts survive a restart of the app.
    const reopened = service({ dataDir: one.dataDir }).svc;
    expect(reopened.receipts()).toEqual([first.receipt]);

    expect((await one.svc.status()).primaryKey?.status).toBe('Available');
    // Polling on an injected timer picks up holder 1 disabling their key.
    h.stores.setEnabled(holders[0].record.keyIdentifier, false);
    await h.api('POST', '/admin/environments/app-flow/status-check', undefined, ADMIN);
    const sched = manualScheduler();
    one.svc.startPolling((ms, fn) => sched.every(ms, fn), 1000);
    sched.tick();
    await expect.poll(() => one.svc.lastStatus()?.primaryKey?.status).toBe('Key Store 1 Revoked');
    expect(changed).toContain('status');
    one.svc.stop();
    h.stores.setEnabled(holders[0].record.keyIdentifier, true);
    expect((await one.svc.status({ refresh: true })).primaryKey?.status).toBe('Available');

    // Secret rotation through the sealed credential update.
    h.stores.apps.get(holders[0].record.applicationId)!.secret = 'Rotated~secret-000000000001';
    const rec = await one.svc.updateCredentials({ clientSecret: 'Rotated~secret-000000000001', secretExpiresOn: '2028-11-01' });
    expect(rec.kind).toBe('credential-update');
    expect(await code(one.svc.updateCredentials({ clientSecret: 'Not~the-secret-in-entra-000', secretExpiresOn: '2028-11-01' }))).toBe('control_plane.credentials_rejected');
  });

  it('names the worksheet line when the record is invalid or validation fails', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-fail', { sameKey: false });
    const { svc } = service();
    await svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[0].token });
    let err: unknown;
    try {
      svc.preview({ ...values(holders[0]), applicationId: 'nope' });
    } catch (e) {
      err = e;
    }
    expect(isKeyholderError(err) && err.message).toMatch(/line 3/);
    const { svc: svc2 } = service();
    await svc2.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[1].token });
    await svc.submit(values(holders[0]));
    const r = await svc2.submit(values(holders[1]));
    expect(r.answer.validation.failures.map((f) => `${f.code}@${f.holder}:${f.worksheetLine}`)).toEqual(['public_keys_differ@1:2', 'public_keys_differ@2:2']);
  });

  it('live mode lets the holder record an out-of-band confirmation that opens the import gate', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-live', { register: false });
    const { svc } = service({ mode: 'live' });
    await svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[0].token });
    expect(svc.importGate().allowed).toBe(false);
    expect(await code(Promise.resolve().then(() => svc.recordOutOfBandConfirmation({ vaultDnsName: holders[0].record.vaultDnsName, reference: ' ', confirmedBy: 'A. Vendor' })))).toBe('control_plane.out_of_band_incomplete');
    const gate = svc.recordOutOfBandConfirmation({ vaultDnsName: holders[0].record.vaultDnsName, reference: 'Support ticket 4711', confirmedBy: 'A. Vendor' });
    expect(gate).toMatchObject({ allowed: true, via: 'out_of_band' });
  });
});

describe('IPC handlers', () => {
  it('build the record from the worksheet (secret from the SecretBox) and never return the secret', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-ipc');
    const { svc } = service();
    const r = holders[0].record;
    let revealed = 0;
    const worksheet = {
      get: async () => ({
        holder1: { vaultHost: r.vaultDnsName, keyIdentifier: r.keyIdentifier, clientId: r.applicationId, tenantId: r.tenantId, keyName: 'primary', secretCreatedOn: '', secretExpiresOn: '2027-11-01', secret: 'stored' },
        holder2: { vaultHost: '', keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '', secret: 'none' },
      }),
      revealSecret: async () => {
        revealed++;
        return r.clientSecret;
      },
      keyStoreValues: async (_holder: 1 | 2, typed?: string) => {
        if (!typed) revealed++;
        return { vaultDnsName: r.vaultDnsName, keyIdentifier: r.keyIdentifier, applicationId: r.applicationId, clientSecret: typed ?? r.clientSecret, tenantId: r.tenantId, secretExpiresOn: '2027-11-01' };
      },
    };
    // The ceremony record the handlers append to (the transcript itself is tested in ceremony.test.ts).
    const noted: { kind: string; data: unknown }[] = [];
    // The step table's gate is tested in ceremony.test.ts; here the submission may start.
    const ceremony = { note: async (kind: string, data: unknown) => (noted.push({ kind, data }), null), recorded: () => [], assertMayStart: () => 'submitted:1' };
    const ceremonyOps = createCeremonyOperations({ worksheet, controlPlane: svc, recorder: ceremony } as unknown as CeremonyOperationsDeps);
    const s = { deps: { environment: { mode: 'rehearsal', description: 'test' } }, controlPlane: svc, worksheet, ceremony, ceremonyOps } as unknown as Services;
    const handlers = controlPlaneHandlers(s);
    expect(await code(handlers['control-plane:preview']({}))).toBe('control_plane.not_connected');
    const v = await handlers['control-plane:connect']({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: holders[0].token });
    expect(JSON.stringify(v)).not.toContain(holders[0].token);
    const p = await handlers['control-plane:preview']({});
    expect(JSON.stringify(p)).not.toContain(r.clientSecret);
    const sub = await handlers['control-plane:submit']({});
    expect(JSON.stringify(sub)).not.toContain(r.clientSecret);
    expect(sub.view.receipts).toHaveLength(1);
    expect(revealed).toBe(2);
    expect(noted.map((n) => n.kind)).toContain('submission.receipt');
    expect(JSON.stringify(noted)).not.toContain(r.clientSecret);
  });
});
