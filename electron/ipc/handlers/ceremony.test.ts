/**
 * The app records the ceremony through its operations (called by the IPC handlers): each step appends exactly
 * one signed entry with the step table's kind and fields, nothing secret, and
 * the transcript verifies (`keyholder transcript verify`) once closed. Calls
 * go through `dispatch`, the path main and the test bridge use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createServices, type Services } from '../../services/index';
import { createHandlers } from './index';
import { dispatch, type Handlers } from '../dispatch';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { testSecretBox } from '../../services/transcript/test-support';
import { verifyTranscriptFile } from '../../services/transcript/index';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { PASS } from '../../services/escrow/testing/helpers';
import { emptyHolder } from '../../../shared/worksheet/model';
import type { TranscriptEntry } from '../../../shared/transcript/entry';
import type { RequestOf, ResponseOf, Channel } from '../../../shared/ipc/contract';
import { holderOfLabel } from '../../services/ceremony/index';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workstation(): { s: Services; h: Handlers; call: <C extends Channel>(c: C, r: RequestOf<C>) => Promise<ResponseOf<C>>; entries(): TranscriptEntry[] } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-ceremony-'));
  dirs.push(dataDir);
  const s = createServices({ dataDir, secretBox: testSecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
  const h = createHandlers(s);
  const call = async <C extends Channel>(c: C, r: RequestOf<C>): Promise<ResponseOf<C>> => {
    const out = await dispatch(h, c, r, silentLogger);
    if (!out.ok) throw Object.assign(new Error(out.error.message), { code: out.error.code });
    return out.value as ResponseOf<C>;
  };
  const entries = () => {
    const id = s.ceremony.currentId();
    if (!id) return [];
    return fs
      .readFileSync(s.transcript.pathOf(id), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TranscriptEntry);
  };
  return { s, h, call, entries };
}

const holderLine = (h: 1 | 2) => ({
  ...emptyHolder(),
  vaultHost: `holder${h}-keys.vault.azure.net`,
  clientId: crypto.randomUUID(),
  tenantId: crypto.randomUUID(),
  keyName: 'contoso-cmek',
  secret: { action: 'keep' as const },
});

/** Runs `fn` and returns the kinds it appended. */
async function appended(w: ReturnType<typeof workstation>, fn: () => Promise<unknown>): Promise<TranscriptEntry[]> {
  const before = w.entries().length;
  await fn();
  const after = w.entries();
  return after.slice(before === 0 ? 0 : before).filter((e) => e.kind !== 'ceremony.opened');
}

const SECRET_WORDS = [...PASS, 'signing passphrase'];
function assertNoSecrets(file: string) {
  const text = fs.readFileSync(file, 'utf8');
  for (const p of SECRET_WORDS) expect(text).not.toContain(p);
}

describe('the app records each ceremony step once, at its handler', () => {
  it('worksheet, key, escrow, test-restore and holder copies each append exactly one entry; the closed transcript verifies', async () => {
    const w = workstation();
    expect(w.s.ceremony.currentId()).toBeNull();
    const [h1, h2] = [holderLine(1), holderLine(2)];

    const saved = await appended(w, () => w.call('worksheet:save', { holder1: h1, holder2: { ...emptyHolder(), secret: { action: 'keep' } } }));
    expect(saved.map((e) => [e.kind, e.data.holder])).toEqual([['worksheet.saved', 1]]);
    expect(saved[0]!.data).toEqual({ holder: 1, vaultHost: h1.vaultHost, applicationId: h1.clientId, tenantId: h1.tenantId });
    // The same worksheet saved again is not a new step; holder 2's column filled in is.
    expect(await appended(w, () => w.call('worksheet:save', { holder1: h1, holder2: { ...emptyHolder(), secret: { action: 'keep' } } }))).toEqual([]);
    expect((await appended(w, () => w.call('worksheet:save', { holder1: h1, holder2: h2 }))).map((e) => [e.kind, e.data.holder])).toEqual([['worksheet.saved', 2]]);

    let st!: ResponseOf<'escrow:start'>;
    const gen = await appended(w, async () => (st = await w.call('escrow:start', { modulusBits: 2048 })));
    expect(gen.map((e) => e.kind)).toEqual(['key.generated']);
    expect(gen[0]!.data).toMatchObject({ fingerprint: st.key.fingerprint, keyId: st.key.keyId, modulusBits: 2048, checkValue: st.key.checkValue });

    expect(await appended(w, () => w.call('escrow:setCustodians', { sessionId: st.sessionId, names: ['Alice Archer', 'Bob Baker'], threshold: 1 }))).toEqual([]);
    expect(await appended(w, () => w.call('escrow:enterPassphrase', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! }))).toEqual([]);
    await w.call('escrow:enterPassphrase', { sessionId: st.sessionId, index: 2, passphrase: PASS[1]! });
    const written = await appended(w, async () => (st = await w.call('escrow:write', { sessionId: st.sessionId })));
    expect(written.map((e) => e.kind)).toEqual(['escrow.written']);
    expect(written[0]!.data).toMatchObject({ fingerprint: st.key.fingerprint, escrowSha256: st.written!.escrowSha256, custodians: ['Alice Archer', 'Bob Baker'], threshold: 1 });

    // Test-restore is one step, recorded on the call that verifies the last custodian.
    const r1 = await appended(w, async () => (st = await w.call('escrow:testRestore', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! })));
    const r2 = await appended(w, async () => (st = await w.call('escrow:testRestore', { sessionId: st.sessionId, index: 2, passphrase: PASS[1]! })));
    expect(st.restoreDone).toBe(true);
    expect([...r1, ...r2].map((e) => e.kind)).toEqual(['escrow.test-restored']);

    const c1 = await appended(w, () => w.call('escrow:holderCopy', { sessionId: st.sessionId, label: 'Key holder 1 - Jane Smith', passphrase: PASS[2]! }));
    const c2 = await appended(w, () => w.call('escrow:holderCopy', { sessionId: st.sessionId, label: 'Key holder 2', passphrase: PASS[3]! }));
    expect([...c1, ...c2].map((e) => [e.kind, e.data.holder, e.data.fingerprint])).toEqual([
      ['holder-copy.written', 1, st.key.fingerprint],
      ['holder-copy.written', 2, st.key.fingerprint],
    ]);

    const view = await w.call('ceremony:view', {});
    const state = Object.fromEntries(view.steps.map((x) => [x.id, x.state]));
    expect(state).toMatchObject({
      'worksheet-saved:1': 'done',
      'worksheet-saved:2': 'done',
      'key-generated': 'done',
      'escrow-written': 'done',
      'escrow-test-restored': 'done',
      'holder-copy-written:2': 'done',
      'registered:1': 'ready',
      'activation-attested:1': 'blocked',
      'vault-imported:1': 'blocked',
    });
    // The seed's and the screens' order: the vendor confirms the vault before the key goes into it.
    expect(view.steps.find((x) => x.id === 'activation-attested:1')!.waitingFor).toEqual(['Vault registered with the vendor (holder 1)']);
    expect(view.deviations).toEqual([]);
    expect(view.participants.map((p) => [p.name, p.role])).toEqual([
      ['Alice Archer', 'custodian'],
      ['Bob Baker', 'custodian'],
    ]);
    expect(view.complete).toBe(false);

    // Not complete: closing needs a reason, and is recorded as abandoned.
    await expect(w.call('ceremony:close', {})).rejects.toMatchObject({ code: 'ceremony.incomplete' });
    const closed = await w.call('ceremony:close', { reason: 'rehearsal stopped after the holder copies' });
    expect(closed.outcome).toBe('abandoned');
    const file = w.s.transcript.pathOf(view.ceremony!);
    const verified = verifyTranscriptFile(file, { expectedFinalHash: closed.finalHash });
    expect(verified).toMatchObject({ ok: true, finalHash: closed.finalHash, entries: 9 });
    // No control plane on this workstation: the closure stands, the final hash waits to be sent.
    expect(closed.view.closed?.finalHash).toBe(closed.finalHash);
    expect(closed.controlPlane).toMatchObject({ state: 'not_sent', code: 'control_plane.not_connected' });
    expect(await w.call('ceremony:send-record', {})).toMatchObject({ sent: 0, pending: 1, problem: { code: 'control_plane.not_connected' } });
    expect(closed.view.closed).toMatchObject({ finalHash: closed.finalHash, outcome: 'abandoned' });
    assertNoSecrets(file);

    // The report carries the final hash and the key's fingerprint.
    const report = await w.call('ceremony:report', {});
    expect(report.html).toContain(st.key.fingerprint.match(/.{1,4}/g)!.join(' '));
    expect(report.html).toContain(closed.finalHash.match(/.{1,4}/g)!.join(' '));
    expect(report.html).toContain('Alice Archer');

    // A closed ceremony takes no more entries: the next step opens a new one.
    await w.call('worksheet:save', { holder1: { ...h1, keyName: 'renamed' }, holder2: h2 });
    expect(w.s.ceremony.currentId()).not.toBe(view.ceremony);
    expect(verifyTranscriptFile(file, { expectedFinalHash: closed.finalHash }).ok).toBe(true);
  });

  it('escrow made before the worksheet counts; a step done again is kept in the signed record as a deviation, not as progress', async () => {
    const w = workstation();
    const st = await w.call('escrow:start', { modulusBits: 2048 });
    expect(w.entries().map((x) => x.kind)).toEqual(['ceremony.opened', 'key.generated']);
    const again = await w.call('escrow:start', { modulusBits: 2048 });
    const e = w.entries();
    expect(e.map((x) => x.kind)).toEqual(['ceremony.opened', 'key.generated', 'ceremony.step-repeated']);
    expect(e[2]!.data).toMatchObject({ step: 'key.generated', entry: { fingerprint: again.key.fingerprint } });
    expect(String(e[2]!.data.reason)).toContain('already recorded');
    const view = await w.call('ceremony:view', {});
    expect(view.steps.find((x) => x.id === 'key-generated')).toMatchObject({ state: 'done', seq: 1 });
    expect(view.deviations).toEqual([expect.objectContaining({ seq: 2, step: 'key.generated' })]);
    await w.call('escrow:setCustodians', { sessionId: st.sessionId, names: ['Alice Archer'], threshold: 1 });
    expect(w.entries()).toHaveLength(3);
    const r = verifyTranscriptFile(w.s.transcript.pathOf(view.ceremony!), { allowOpen: true });
    expect(r.ok === false && r.fault.reason).toBe('not-closed');
  });

  it('a supervised vault import waits for the registration, then, failing, records the attestation and the failed activation, and no import', async () => {
    const w = workstation();
    const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-ceremony-copy-'));
    dirs.push(copyDir);
    let st = await w.call('escrow:start', { modulusBits: 2048 });
    st = await w.call('escrow:setCustodians', { sessionId: st.sessionId, names: ['Alice Archer'], threshold: 1 });
    await w.call('escrow:enterPassphrase', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! });
    await w.call('escrow:write', { sessionId: st.sessionId });
    await w.call('escrow:testRestore', { sessionId: st.sessionId, index: 1, passphrase: PASS[0]! });
    st = await w.call('escrow:holderCopy', { sessionId: st.sessionId, label: 'Key holder 1', passphrase: PASS[2]! });
    const copy = st.holderCopies[0]!.file;
    // The participants are enrolled in the ceremony plan beforehand (recorded as ceremony.plan entries).
    for (const [name, role] of [['Olive Operator', 'operator'], ['Sam Supervisor', 'supervisor'], ['Kim Keeper', 'keeper'], ['Noor Knower', 'knower']] as const) {
      await w.call('activation:enrol', { name, roles: [role], participantPassphrase: `${name} signing passphrase` });
    }
    expect(w.entries().filter((e) => e.kind === 'ceremony.plan')).toHaveLength(4);
    const planned = (await w.call('ceremony:view', {})).entries.filter((e) => e.kind === 'ceremony.plan').at(-1)!;
    expect(planned.details).toMatch(/^plan [0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4} · 4 participants$/);
    const before = w.entries().length;

    const draft = { holder: 1 as const, holderCopyPath: copy, vaultUrl: 'https://holder1-keys.vault.azure.net', keyName: 'contoso-cmek', protection: 'hsm' as const, allowEncryptDecrypt: false };
    // The step table decides at the door: nothing is opened for a vault the vendor has not registered.
    await expect(w.call('vault:startImport', draft)).rejects.toMatchObject({ code: 'ceremony.step_out_of_order', message: expect.stringContaining('First: Vault registered with the vendor (holder 1)') });
    expect(w.entries()).toHaveLength(before);
    await w.s.ceremonyOps.saveWorksheet({ holder1: holderLine(1), holder2: { ...emptyHolder(), secret: { action: 'keep' } } });
    await w.s.ceremony.record('registration.done', { holder: 1, registrationId: 'reg-1', vaultDnsName: 'holder1-keys.vault.azure.net', status: 'registered', decidedAt: '2026-11-27T10:05:00Z' });
    const registered = w.entries().length;
    let v = await w.call('vault:startImport', draft);
    expect(v.purpose).toEqual({ kind: 'vault-import', target: 'Key holder 1: import contoso-cmek into holder1-keys.vault.azure.net' });
    expect(v.ceremony).toBe(w.s.ceremony.currentId());
    const join = (role: 'operator' | 'supervisor' | 'keeper' | 'knower', name: string) => w.call('activation:join', { session: v.session, role, name, participantPassphrase: `${name} signing passphrase` });
    await join('operator', 'Olive Operator');
    await join('supervisor', 'Sam Supervisor');
    await join('keeper', 'Kim Keeper');
    await w.call('activation:presentCopy', { session: v.session });
    await join('knower', 'Noor Knower');
    await expect(w.call('activation:enterPassphrase', { session: v.session, passphrase: PASS[1]! })).rejects.toMatchObject({ code: expect.any(String) });
    await w.call('activation:enterPassphrase', { session: v.session, passphrase: PASS[2]! });
    await w.call('activation:attest', { session: v.session, participantPassphrase: 'Sam Supervisor signing passphrase' });
    // No Azure endpoints on this workstation: the import itself fails after the attestation.
    await expect(w.call('activation:carryOut', { session: v.session })).rejects.toMatchObject({ code: expect.stringMatching(/^(identity|vault)\./) });
    v = await w.call('activation:state', { session: v.session });
    const added = w.entries().slice(registered);
    // In the table's order the attestation is progress; the failed activation follows; no import.
    expect(added.map((e) => e.kind)).toEqual(['activation.attested', 'activation.completed']);
    expect(added[0]!.data.holder).toBe(1);
    // Each participant's signed join, and the supervisor's signed attestation.
    expect(added[0]!.attestations!.map((a) => a.role).sort()).toEqual(['keeper', 'knower', 'operator', 'supervisor', 'supervisor']);
    expect(added[1]!.data).toMatchObject({ outcome: 'failed', wiped: true });
    const view = await w.call('ceremony:view', {});
    expect(view.participants.map((p) => p.role).sort()).toEqual(['custodian', 'keeper', 'knower', 'operator', 'supervisor']);
    assertNoSecrets(w.s.transcript.pathOf(view.ceremony!));
  });

  it('the submission waits for this holder’s import (the step table, as on the Submission screen); a submission sent again is not refused', async () => {
    const w = workstation();
    let sent = 0;
    Object.assign(w.s.controlPlane, {
      view: () => ({ connected: true, holder: 1, secretStorage: { available: true } }),
      lastStatus: () => null,
      submit: async () => (sent++, { receipt: { holder: 1, submissionId: `sub-${sent}`, envelopeSha256: 'ab'.repeat(32) }, answer: { validation: { state: 'pending' } } }),
    });
    Object.assign(w.s.worksheet, { keyStoreValues: async () => ({}) });
    await w.s.ceremonyOps.saveWorksheet({ holder1: holderLine(1), holder2: { ...emptyHolder(), secret: { action: 'keep' } } });
    await w.s.ceremony.record('registration.done', { holder: 1, registrationId: 'reg-1', vaultDnsName: 'holder1-keys.vault.azure.net', status: 'registered', decidedAt: '' });
    await expect(w.call('control-plane:submit', {})).rejects.toMatchObject({ code: 'ceremony.step_out_of_order', message: expect.stringContaining('The submission for key holder 1 cannot start yet. First: Key imported into the vault (holder 1)') });
    expect(sent).toBe(0);
    // An import recorded out of order still happened: the submission does not wait for it again.
    await w.s.ceremony.record('vault.imported', { holder: 1, fingerprint: null, keyVersionId: 'https://holder1-keys.vault.azure.net/keys/k/1', vault: 'holder1-keys.vault.azure.net' });
    expect(w.entries().at(-1)!.kind).toBe('ceremony.step-out-of-order');
    // (The handler directly: this fake connection is too thin for the response's schema.)
    await w.h['control-plane:submit']({});
    await w.h['control-plane:submit']({});
    expect(sent).toBe(2);
  });

  it('registration, submission receipts and status changes are recorded once each, as the vendor answers', async () => {
    const w = workstation();
    type Reg = NonNullable<ReturnType<Services['controlPlane']['registration']>>;
    let reg: Reg | null = { registrationId: 'reg-1', environmentId: 'env-1', holder: 1, vaultDnsName: 'holder1-keys.vault.azure.net', status: 'pending', requestedAt: '2026-11-27T10:00:00Z' };
    let status: { primaryKey: { primaryKeyId: string; name: string; status: string; checkedAt: string } | null } | null = null;
    // The control plane's answers, as the service would hold them after talking to the vendor.
    Object.assign(w.s.controlPlane, {
      registration: () => reg,
      importGate: () => ({ allowed: reg?.status === 'registered', via: reg?.status === 'registered' ? 'registered' : null, reason: '' }),
      view: () => ({ connected: true, holder: 1, secretStorage: { available: true } }),
      lastStatus: () => status,
      requestRegistration: async () => reg,
      refreshRegistration: async () => reg,
      submit: async () => ({ receipt: { holder: 1, submissionId: 'sub-1', envelopeSha256: 'ab'.repeat(32) }, answer: { validation: { state: 'pending' } } }),
      status: async () => status,
    });
    Object.assign(w.s.worksheet, { keyStoreValues: async () => ({}) });
    const ops = w.s.ceremonyOps;
    await ops.requestRegistration('holder1-keys.vault.azure.net');
    expect(w.entries().slice(1).map((e) => e.kind)).toEqual(['registration.requested']);
    reg = { ...reg, status: 'registered', decidedAt: '2026-11-27T10:05:00Z' };
    await ops.refreshRegistration();
    await ops.observeVendor();
    await ops.submit();
    status = { primaryKey: { primaryKeyId: 'pk-1', name: 'Primary', status: 'Available', checkedAt: '2026-11-27T11:00:00Z' } };
    await ops.checkStatus(true);
    await ops.observeVendor();
    status = { primaryKey: { ...status.primaryKey!, status: 'Unavailable', checkedAt: '2026-11-27T12:00:00Z' } };
    await ops.checkStatus(false);
    const kinds = w.entries().slice(1).map((e) => [e.kind === 'ceremony.step-out-of-order' ? String(e.data.step) : e.kind, e.data.entry ?? e.data]);
    expect(kinds.map((k) => k[0])).toEqual(['registration.requested', 'registration.done', 'submission.receipt', 'status.changed', 'status.changed']);
    expect(kinds[1]![1]).toEqual({ holder: 1, registrationId: 'reg-1', vaultDnsName: 'holder1-keys.vault.azure.net', status: 'registered', decidedAt: '2026-11-27T10:05:00Z' });
    expect(kinds[2]![1]).toEqual({ holder: 1, submissionId: 'sub-1', envelopeSha256: 'ab'.repeat(32), validation: 'pending' });
    expect(kinds.slice(3).map((k) => (k[1] as { status: string }).status)).toEqual(['Available', 'Unavailable']);
  });

  it('a holder copy label names its holder', () => {
    expect(holderOfLabel('Key holder 2 - Jane Smith')).toBe(2);
    expect(holderOfLabel('key-holder 1')).toBe(1);
    expect(holderOfLabel('1 Jane')).toBe(1);
    expect(holderOfLabel('Jane Smith')).toBeNull();
    expect(holderOfLabel('Key holder 12')).toBeNull();
  });

  it('a step that cannot be recorded does not undo the action; the Ceremony view says so', async () => {
    const w = workstation();
    await w.call('worksheet:save', { holder1: holderLine(1), holder2: holderLine(2) });
    const id = w.s.ceremony.currentId()!;
    // Someone edits the transcript: nothing more is chained onto it.
    const file = w.s.transcript.pathOf(id);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('holder1-keys', 'holder9-keys'));
    const st = await w.call('escrow:start', { modulusBits: 2048 });
    expect(st.key.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const view = await w.call('ceremony:view', {});
    expect(view.problems.join(' ')).toMatch(/could not be recorded|fails verification/);
  });
});
