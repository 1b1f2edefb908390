/**
 * The rotation service's own behaviour without any cloud: the view the
 * renderer gets (steps from the durable state, masked secret, countdown),
 * refusals before anything touches Azure, and the once-only reminder when
 * the 24-hour overlap ends, across restarts. The Graph and control-plane
 * paths are proven in electron/integration/rotation against the rehearsal cloud.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEvent, startCredentialRotation, type CredentialRotationState } from '../../../shared/expiry/credential-rotation';
import { credentialRotationViewSchema } from '../../../shared/ipc/channels/credential-rotation';
import { isKeyholderError } from '../../../shared/errors/index';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import type { SecretBox } from '../platform/secret-box';
import { CredentialRotationService } from './credential-rotation-service';
import type { WorksheetService } from '../worksheet/service';
import type { ExpiryService } from '../expiry/expiry-service';
import type { ControlPlaneService } from '../control-plane/service';
import { memorySecretBox } from '../platform/memory-secret-box';

/** A test SecretBox: real AES-256-GCM with a key held in memory (the OS keychain's role). */
function fakeBox(): SecretBox {
  return memorySecretBox();
}

const T0 = new Date('2026-11-27T09:00:00Z');
const SECRET = 'Abc~thisIsTheNewSecretTextOf40Characters';

function holderView(o: Partial<Record<string, string>> = {}) {
  return { vaultHost: '', keyIdentifier: '', clientId: '11111111-2222-4333-8444-555555555555', tenantId: '99999999-2222-4333-8444-555555555555', keyName: 'contoso', secretCreatedOn: '', secretExpiresOn: '', secret: 'stored', ...o };
}

function service(o: { dataDir?: string; box?: SecretBox; clock?: ReturnType<typeof fixedClock> } = {}) {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kh-rot-svc-'));
  const clock = o.clock ?? fixedClock(T0);
  const worksheet = { get: async () => ({ holder1: holderView(), holder2: holderView({ clientId: '' }) }) } as unknown as WorksheetService;
  const svc = new CredentialRotationService({
    dataDir,
    secretBox: o.box ?? fakeBox(),
    clock,
    log: silentLogger,
    identity: null,
    controlPlane: {} as ControlPlaneService,
    worksheet,
    expiry: {} as ExpiryService,
  });
  return { svc, dataDir, clock };
}

/** A rotation as it stands after the control plane confirmed at `confirmedAt`. */
function inOverlap(confirmedAt: Date): CredentialRotationState {
  let s = startCredentialRotation({ rotationId: 'rot-000001', ceremony: 'contoso', holder: 'holder-1', appId: '11111111-2222-4333-8444-555555555555', oldKeyId: 'old', requestedEndDateTime: '2027-11-27T09:00:00Z', now: T0 });
  s = applyEvent(s, { type: 'signed-in', account: 'alice', at: T0.toISOString() });
  s = applyEvent(s, { type: 'password-added', keyId: 'new-key', displayName: 'keyholder-rotation-rot-000001-1', endDateTime: '2027-11-27T09:00:00Z', at: T0.toISOString() });
  s = applyEvent(s, { type: 'submitted', requestId: 'cred-1', at: T0.toISOString() });
  return applyEvent(s, { type: 'confirmed', at: confirmedAt.toISOString() });
}

describe('rotation service', () => {
  it('shows the durable state as steps, with the secret masked and a countdown from the confirmation', async () => {
    const { svc } = service();
    const state = inOverlap(T0);
    await svc.store.save(state);
    svc.keeper.keep(state.rotationId, 'new-key', SECRET);
    const v = credentialRotationViewSchema.parse(svc.get(state.rotationId));
    expect(v.step).toBe(5);
    expect(v.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'current', 'todo', 'todo']);
    expect(v.newSecret).toMatchObject({ keyId: 'new-key', kept: true, masked: `Abc${'•'.repeat(37)}` });
    expect(v.overlapRemainingMs).toBe(24 * 3_600_000);
    expect(JSON.stringify(v)).not.toContain(SECRET.slice(3, 12));
    // The kept file holds the text only sealed.
    const onDisk = fs.readFileSync(path.join(svc['deps'].dataDir, 'expiry', 'rotations', `${state.rotationId}.secret`), 'utf8');
    expect(onDisk).not.toContain(SECRET.slice(3));
    expect(svc.keeper.open(state.rotationId, 'new-key')).toBe(SECRET);
    expect(() => svc.keeper.open(state.rotationId, 'another-key')).toThrow(/no longer holds/);
  });

  it('refuses removal during the overlap without a reason, before anything reaches Azure', async () => {
    const { svc, clock } = service();
    await svc.store.save(inOverlap(T0));
    clock.advance(3_600_000);
    const err = await svc.removeOld('rot-000001').catch((e: unknown) => e);
    expect(isKeyholderError(err) && err.code).toBe('rotation.overlap_not_over');
    expect(svc.get('rot-000001').phase).toBe('overlap');
  });

  it('refuses to start without secure storage, with an end date in the past, or while another rotation is open', async () => {
    const unavailable: SecretBox = { isAvailable: () => false, unavailableReason: () => 'No keychain here.', encrypt: () => new Uint8Array(), decrypt: () => '' };
    const code = (p: Promise<unknown>) => p.then(() => 'none', (e: unknown) => (isKeyholderError(e) ? e.code : 'other'));
    expect(await code(service({ box: unavailable }).svc.start({ holder: 1, oldKeyId: 'old', endDateTime: '2027-06-01T00:00:00Z' }))).toBe('rotation.secret_storage_unavailable');
    const { svc } = service();
    expect(await code(svc.start({ holder: 1, oldKeyId: 'old', endDateTime: '2026-11-01T00:00:00Z' }))).toBe('expiry.lifetime_refused');
    expect(await code(svc.start({ holder: 2, oldKeyId: 'old', endDateTime: '2027-06-01T00:00:00Z' }))).toBe('rotation.no_application');
    const first = await svc.start({ holder: 1, oldKeyId: 'old', endDateTime: '2027-06-01T00:00:00Z' });
    expect(first).toMatchObject({ step: 1, phase: 'sign-in', ceremony: 'contoso' });
    expect(await code(svc.start({ holder: 1, oldKeyId: 'old', endDateTime: '2027-06-01T00:00:00Z' }))).toBe('rotation.already_running');
    // Steps 1-2 need Graph, which needs sign-in to be configured.
    expect(await code(svc.advance(first.rotationId))).toBe('identity.not_configured');
  });

  it('reminds once when the overlap ends, even across a restart', async () => {
    const { svc, dataDir, clock } = service();
    await svc.store.save(inOverlap(T0));
    expect(svc.dueOverlapEnds()).toEqual([]);
    clock.advance(24 * 3_600_000 - 1);
    expect(svc.dueOverlapEnds()).toEqual([]);
    clock.advance(1);
    expect(svc.dueOverlapEnds()).toEqual([{ rotationId: 'rot-000001', holder: 1, overlapEndsAt: '2026-11-28T09:00:00.000Z' }]);
    expect(svc.dueOverlapEnds()).toEqual([]);
    const restarted = service({ dataDir, clock }).svc;
    expect(restarted.dueOverlapEnds()).toEqual([]);
    // The rotation list still resumes it.
    expect(restarted.list().map((v) => v.step)).toEqual([5]);
  });
});
