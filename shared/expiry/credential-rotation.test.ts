import { describe, expect, it } from 'vitest';
import { KeyholderError } from '../errors/index';
import { applyEvent, OVERLAP_MS, overlapRemainingMs, requestRemoval, credentialRotationStateSchema, startCredentialRotation, stepOf, type CredentialRotationState } from './credential-rotation';
import { runCredentialRotation, type PasswordCredentialInfo, type CredentialRotationPorts } from './credential-rotation-runner';

const HOUR = 3_600_000;

/** A small world for the ports: one application's passwords, the holder's kept secrets, the control plane. */
class World {
  now = new Date('2026-11-27T09:00:00Z').getTime();
  passwords: Array<PasswordCredentialInfo & { secret: string }> = [{ keyId: 'old-key', displayName: 'line 4', endDateTime: '2026-12-20T00:00:00Z', secret: 'old-text' }];
  kept = new Map<string, { keyId: string; secret: string }>();
  controlPlane = new Map<string, { requestId: string; keyId: string; secret: string; submittedAt: number }>();
  /** Secrets the vendor currently uses: must never lose a valid one. */
  vendorUses = 'old-key';
  rejectNext = false;
  worksheet = { keyId: 'old-key', expiresAt: '2026-12-20T00:00:00Z' };
  calls = 0;
  private seq = 0;

  ports(): CredentialRotationPorts {
    return {
      signIn: async () => 'holder1@contoso.example',
      listPasswords: async () => this.passwords.map(({ keyId, displayName, endDateTime }) => ({ keyId, displayName, endDateTime })),
      addPasswordAndKeep: async (_app, displayName, endDateTime, rotationId) => {
        const keyId = `new-key-${++this.seq}`;
        const secret = `text-${this.seq}`;
        this.passwords.push({ keyId, displayName, endDateTime, secret });
        this.kept.set(rotationId, { keyId, secret });
        return { keyId, displayName, endDateTime };
      },
      removePassword: async (_app, keyId) => {
        this.passwords = this.passwords.filter((p) => p.keyId !== keyId);
      },
      submitCredentials: async (rotationId, _app, newKeyId) => {
        if (this.rejectNext) throw new KeyholderError('control_plane.rejected', 'The vendor could not sign in with the new credentials.');
        const existing = this.controlPlane.get(rotationId);
        if (existing && existing.keyId === newKeyId) return { requestId: existing.requestId };
        const kept = this.kept.get(rotationId)!;
        this.controlPlane.set(rotationId, { requestId: `req-${rotationId}-${newKeyId}`, keyId: newKeyId, secret: kept.secret, submittedAt: this.now });
        return { requestId: `req-${rotationId}-${newKeyId}` };
      },
      confirmation: async (requestId) => {
        const entry = [...this.controlPlane.values()].find((e) => e.requestId === requestId);
        if (!entry) return { status: 'rejected', reason: 'unknown request' };
        if (this.now - entry.submittedAt < HOUR) return { status: 'pending' };
        this.vendorUses = entry.keyId;
        return { status: 'confirmed', at: new Date(entry.submittedAt + HOUR).toISOString() };
      },
      oldSecretFails: async (_app, keyId) => !this.passwords.some((p) => p.keyId === keyId),
      updateWorksheet: async (_app, keyId, expiresAt) => {
        this.worksheet = { keyId, expiresAt };
      },
    };
  }
}

class Crash extends Error {}

/** Ports that die right after the n-th effect completes, before the runner records it. */
function crashingAfter(ports: CredentialRotationPorts, world: World, n: number): CredentialRotationPorts {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(ports)) {
    wrapped[name] = async (...args: unknown[]) => {
      const out = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      if (++world.calls === n) throw new Crash(`crash after ${name}`);
      return out;
    };
  }
  return wrapped as unknown as CredentialRotationPorts;
}

function fresh(): CredentialRotationState {
  return startCredentialRotation({
    rotationId: 'rot-0001',
    ceremony: 'cer-1',
    holder: 'holder-1',
    appId: 'app-1',
    oldKeyId: 'old-key',
    requestedEndDateTime: '2027-11-27T09:00:00Z',
    now: new Date('2026-11-27T09:00:00Z'),
  });
}

/** Runs to completion, moving the world's clock when the rotation waits, restarting from disk after any crash. */
async function driveToEnd(world: World, ports: () => CredentialRotationPorts, start: CredentialRotationState) {
  let disk = JSON.stringify(start);
  const persist = async (s: CredentialRotationState) => {
    disk = JSON.stringify(s);
  };
  for (let round = 0; round < 50; round++) {
    const state = credentialRotationStateSchema.parse(JSON.parse(disk));
    try {
      const r = await runCredentialRotation(state, ports(), { now: () => new Date(world.now), persist });
      if (r.outcome === 'done' || r.outcome === 'rolled-back') return r;
      if (r.outcome === 'waiting-confirmation') world.now += HOUR;
      else if (r.outcome === 'waiting-overlap') {
        world.now = new Date(r.state.overlapEndsAt!).getTime();
        disk = JSON.stringify(requestRemoval(r.state, new Date(world.now)));
      } else throw new Error(`unexpected outcome ${r.outcome}: ${r.state.lastError?.message}`);
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
    }
  }
  throw new Error('rotation did not finish');
}

function expectCleanRotation(world: World, state: CredentialRotationState) {
  const ours = world.passwords.filter((p) => p.displayName?.startsWith('keyholder-rotation-rot-0001'));
  expect(ours).toHaveLength(1); // exactly one new secret, no orphan
  expect(world.passwords).toHaveLength(1); // and the old one is gone
  const only = ours[0]!;
  expect(world.kept.get('rot-0001')).toEqual({ keyId: only.keyId, secret: only.secret }); // the holder has its text
  expect(world.controlPlane.get('rot-0001')?.keyId).toBe(only.keyId); // the vendor has it
  expect(world.vendorUses).toBe(only.keyId);
  expect(world.worksheet).toEqual({ keyId: only.keyId, expiresAt: '2027-11-27T09:00:00Z' });
  expect(state.phase).toBe('done');
}

describe('rotation', () => {
  it('runs all seven steps, waiting for confirmation and the 24-hour overlap', async () => {
    const world = new World();
    const r = await driveToEnd(world, () => world.ports(), fresh());
    expectCleanRotation(world, r.state);
    const confirmed = new Date(r.state.confirmedAt!).getTime();
    expect(new Date(r.state.removalRequestedAt!).getTime() - confirmed).toBeGreaterThanOrEqual(OVERLAP_MS);
    expect(r.state.history.map((h) => h.event)).toEqual([
      'started',
      'signed-in',
      'password-added',
      'submitted',
      'confirmed',
      'removal-requested',
      'old-removed',
      'old-proven-failing',
      'worksheet-updated',
    ]);
  });

  // There are 9 effects in a full run (sign-in, list, add, submit, confirm x2, remove, prove, worksheet).
  for (let n = 1; n <= 9; n++) {
    it(`resumes cleanly after a crash following effect ${n}, with no orphaned secret`, async () => {
      const world = new World();
      // Ports that crash at the n-th effect, until that crash has happened; then a clean restart.
      const r = await driveToEnd(world, () => (world.calls < n ? crashingAfter(world.ports(), world, n) : world.ports()), fresh());
      expect(world.calls).toBe(n); // the crash really happened
      expectCleanRotation(world, r.state);
    });
  }

  it('a crash after addPassword but before keeping the text removes that orphan and adds a fresh secret', async () => {
    const world = new World();
    const ports = world.ports();
    // The secret was added in Graph, but the app died before it kept the text.
    world.passwords.push({ keyId: 'lost-key', displayName: 'keyholder-rotation-rot-0001-1', endDateTime: '2027-11-27T09:00:00Z', secret: 'lost' });
    const r = await driveToEnd(world, () => ports, fresh());
    expectCleanRotation(world, r.state);
    expect(r.state.orphansRemoved).toEqual(['lost-key']);
    expect(world.passwords.some((p) => p.keyId === 'lost-key')).toBe(false);
  });

  it('rolls back when the control plane rejects the new credentials: old stays, new removed', async () => {
    const world = new World();
    world.rejectNext = true;
    const r = await driveToEnd(world, () => world.ports(), fresh());
    expect(r.outcome).toBe('rolled-back');
    expect(world.passwords.map((p) => p.keyId)).toEqual(['old-key']);
    expect(world.vendorUses).toBe('old-key');
    expect(r.state.rejection?.reason).toMatch(/could not sign in/);
  });

  it('keeps the step and records the error when the control plane is unreachable', async () => {
    const world = new World();
    const ports = world.ports();
    ports.submitCredentials = async () => {
      throw new KeyholderError('control_plane.unreachable', 'The vendor’s control plane did not answer. Try again later; nothing is lost.');
    };
    const r = await runCredentialRotation(fresh(), ports, { now: () => new Date(world.now), persist: async () => {} });
    expect(r.outcome).toBe('failed');
    expect(r.state.phase).toBe('submit');
    expect(r.state.lastError?.code).toBe('control_plane.unreachable');
    expect(stepOf(r.state.phase)).toBe(3);
  });
});

describe('the 24-hour overlap', () => {
  function atOverlap(): CredentialRotationState {
    let s = fresh();
    const t = (h: number) => new Date(new Date('2026-11-27T09:00:00Z').getTime() + h * HOUR).toISOString();
    s = applyEvent(s, { type: 'signed-in', account: 'h', at: t(0) });
    s = applyEvent(s, { type: 'password-added', keyId: 'k', displayName: 'keyholder-rotation-rot-0001-1', endDateTime: t(8760), at: t(0) });
    s = applyEvent(s, { type: 'submitted', requestId: 'r', at: t(0) });
    return applyEvent(s, { type: 'confirmed', at: t(2) });
  }

  it('counts from the control plane’s confirmation, not from the submission', () => {
    const s = atOverlap();
    expect(s.overlapEndsAt).toBe('2026-11-28T11:00:00.000Z');
    expect(overlapRemainingMs(s, new Date('2026-11-28T10:00:00Z'))).toBe(HOUR);
  });

  it('refuses removal a second before it ends', () => {
    const s = atOverlap();
    expect(() => requestRemoval(s, new Date('2026-11-28T10:59:59Z'))).toThrowError(expect.objectContaining({ code: 'rotation.overlap_not_over' }));
    expect(() => requestRemoval(s, new Date('2026-11-28T10:59:59Z'), '   too short ')).toThrowError(expect.objectContaining({ code: 'rotation.overlap_not_over' }));
    expect(requestRemoval(s, new Date('2026-11-28T11:00:00Z')).phase).toBe('remove-old');
  });

  it('allows removal inside the overlap only with a typed reason, and records it', () => {
    const s = requestRemoval(atOverlap(), new Date('2026-11-27T15:00:00Z'), 'Old secret leaked in a screenshot; vendor agreed by phone');
    expect(s.phase).toBe('remove-old');
    expect(s.override).toEqual({ reason: 'Old secret leaked in a screenshot; vendor agreed by phone', at: '2026-11-27T15:00:00.000Z' });
    expect(s.history.at(-1)).toMatchObject({ event: 'overlap-overridden', note: 'Old secret leaked in a screenshot; vendor agreed by phone' });
  });

  it('refuses removal before the control plane confirmed', () => {
    const s = applyEvent(fresh(), { type: 'signed-in', account: 'h', at: '2026-11-27T09:00:00Z' });
    expect(() => requestRemoval(s, new Date('2030-01-01T00:00:00Z'), 'I am very sure about this')).toThrowError(expect.objectContaining({ code: 'rotation.out_of_order' }));
  });

  it('treats a replayed earlier event as a no-op and refuses one from the future', () => {
    const s = atOverlap();
    expect(applyEvent(s, { type: 'submitted', requestId: 'other', at: '2026-11-27T09:00:00Z' })).toBe(s);
    expect(() => applyEvent(s, { type: 'worksheet-updated', at: '2026-11-27T09:00:00Z' })).toThrowError(expect.objectContaining({ code: 'rotation.out_of_order' }));
  });
});
