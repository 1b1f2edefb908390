/**
 * What the Lifecycle screen's "What the vendor reports" card is told: a
 * vendor that answered without a primary key yet (the other key holder has
 * not submitted) is connected, not "not connected".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnvironmentStatus } from '../../../shared/control-plane/api';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import type { KeyStoreLifecycleProvider } from '../vault/provider';
import { LifecycleService } from './service';

const KEY = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const unused = () => Promise.reject(new Error('not used by status()'));
const provider: KeyStoreLifecycleProvider = {
  // The key store's own health is not what these tests are about.
  keyVersionHealth: () => Promise.resolve({ state: 'unavailable', code: 'aws.unreachable', message: 'not asked in this test' }),
  listVersions: unused,
  setVersionEnabled: unused,
  deleteKey: unused,
  getDeletedKey: unused,
  recoverDeletedKey: unused,
  vaultProtection: unused,
};

function service(o: { vendorStatus(): Promise<EnvironmentStatus | null>; last?: { status: EnvironmentStatus; receivedAt: string }; health?: KeyStoreLifecycleProvider['keyVersionHealth'] }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-lc-status-'));
  dirs.push(dataDir);
  return new LifecycleService({
    dataDir,
    clock: fixedClock(new Date('2026-12-06T10:00:00Z')),
    log: silentLogger,
    provider: () => (o.health ? { ...provider, keyVersionHealth: o.health } : provider),
    heldKeyStore: () => ({ holder: 1, keyVersionId: KEY }),
    vendorStatus: () => o.vendorStatus(),
    lastVendorStatus: () => o.last ?? null,
    participants: { list: () => [], unlock: () => Promise.reject(new Error('no participants here')) },
    transcript: { open: unused, append: unused },
  });
}

/** Holder 1 submitted and the vendor waits for holder 2: no primary key yet. */
const waiting: EnvironmentStatus = {
  environmentId: 'env-1',
  submitted: { holder1: true, holder2: false },
  validation: { state: 'waiting_for_other_holder', failures: [] },
  primaryKey: null,
  primaryKeys: [],
};

describe('lifecycle status: the vendor card', () => {
  it('a vendor that answered without a primary key is reported as connected, with what it holds', async () => {
    const st = await service({ vendorStatus: () => Promise.resolve(waiting) }).status();
    expect(st.vendor).toBeNull();
    expect(st.vendorContact).toEqual({ submitted: { holder1: true, holder2: false }, validation: 'waiting_for_other_holder', receivedAt: null });
  });

  it('not connected (no enrolment here) stays not connected', async () => {
    const st = await service({ vendorStatus: () => Promise.resolve(null) }).status();
    expect(st.vendor).toBeNull();
    expect(st.vendorContact).toBeNull();
  });

  it('a vendor that cannot be asked now: its last answer, dated; nothing at hand gives no contact', async () => {
    const down = () => Promise.reject(new Error('control plane down'));
    const st = await service({ vendorStatus: down, last: { status: waiting, receivedAt: '2026-12-06T09:00:00.000Z' } }).status();
    expect(st.vendorContact).toEqual({ submitted: { holder1: true, holder2: false }, validation: 'waiting_for_other_holder', receivedAt: '2026-12-06T09:00:00.000Z' });
    expect((await service({ vendorStatus: down }).status()).vendorContact).toBeNull();
  });
});

describe('lifecycle status: what to do on an AWS key store', () => {
  it('revoked, with the vendor connected but waiting for the other key store: says so instead of "connect to the vendor"', async () => {
    const st = await service({ vendorStatus: () => Promise.resolve(waiting), health: () => Promise.resolve({ state: 'revoked', reason: 'disabled' }) }).status();
    expect(st.keyStore?.state).toBe('Revoked');
    expect(st.keyStore?.whatToDo).not.toMatch(/connect to the vendor/);
    expect(st.keyStore?.meaning).toMatch(/waits for key store 2’s submission/);
    expect(st.keyStore?.whatToDo).toMatch(/Ask key holder 2/);
  });

  it('revoked and not connected: connecting to the vendor is still what to do', async () => {
    const st = await service({ vendorStatus: () => Promise.resolve(null), health: () => Promise.resolve({ state: 'revoked', reason: 'disabled' }) }).status();
    expect(st.keyStore?.whatToDo).toMatch(/connect to the vendor/);
  });

  it('unreachable: the AWS sign-in and key policy, never a client secret', async () => {
    const st = await service({ vendorStatus: () => Promise.resolve(waiting) }).status();
    expect(st.keyStore?.state).toBe('Unavailable');
    expect(st.keyStore?.whatToDo).not.toMatch(/client secret/);
    expect(st.keyStore?.whatToDo).toMatch(/AWS sign-in/);
  });
});
