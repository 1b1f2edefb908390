/**
 * Three workstations (custodians, key holder 1, key holder 2), each with its
 * own data folder, ceremony key and transcript: each exports its signed file,
 * the others import it, and every workstation shows the same merged ceremony.
 * Imported entries stay apart from the workstation's own chain.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { PLAN_FORMAT } from '../../../shared/ceremony/plan';
import { parseBundle } from '../../../shared/transcript/bundle';
import { ed25519Verify } from '../transcript/ed25519';

import { exchange, step, threeWorkstations, tick, workstation } from './merge-test-support';

describe('merged ceremony across workstations', () => {
  it('exports a signed file, imports the others’, and shows one merged ceremony on each workstation', async () => {
    const { all, h1 } = await threeWorkstations();
    const ownBefore = readFileSync(h1.transcript.pathOf(h1.ceremony.currentId()!), 'utf8');
    exchange(all);
    for (const w of all) {
      const m = w.merged.merged();
      expect(m.faults).toEqual([]);
      expect(m.gaps).toEqual([]);
      expect(m.deviations).toEqual([]);
      expect(m.conflicts).toEqual([]);
      expect(m.steps.find((s) => s.id === 'holder-copy-written:1')!.recordedBy).toMatchObject({ workstation: 'custodians desk', role: { kind: 'custodians' } });
      expect(m.steps.find((s) => s.id === 'vault-imported:2')!.recordedBy).toMatchObject({ workstation: 'holder two', role: { kind: 'holder', holder: 2 } });
      expect(m.steps.filter((s) => s.state !== 'done').map((s) => s.id)).toEqual(['status-available', 'ceremony-closed']);
    }
    // Never mixed into the workstation's own chain.
    expect(readFileSync(h1.transcript.pathOf(h1.ceremony.currentId()!), 'utf8')).toBe(ownBefore);
  });

  it('the exported file is signed by the workstation key: a changed label or entry is refused', async () => {
    const { h1, h2 } = await threeWorkstations();
    const text = h1.merged.exportOwn().text;
    expect(parseBundle(text, ed25519Verify).workstation.label).toBe('holder one');
    const relabelled = text.replace('"holder one"', '"holder two"');
    expect(() => h2.merged.importText(relabelled, 'x')).toThrow(expect.objectContaining({ code: 'bundle.bad_signature' }));
    const edited = text.replace('registration.done', 'registration.dona');
    expect(() => h2.merged.importText(edited, 'x')).toThrow(expect.objectContaining({ code: 'bundle.bad_signature' }));
    expect(() => h2.merged.importText('{"format":"x"}', 'x')).toThrow(expect.objectContaining({ code: 'bundle.bad_file' }));
    expect(() => h1.merged.importText(text, 'x')).toThrow(expect.objectContaining({ code: 'bundle.own_file' }));
  });

  it('refuses a file from a workstation that is not in the plan', async () => {
    const { h1 } = await threeWorkstations();
    const stranger = workstation('stranger');
    stranger.plan = { format: PLAN_FORMAT, v: 1, participants: [], workstations: [{ label: 'stranger', key: stranger.transcript.ceremonyKey().publicKey }] };
    await step(stranger, 'worksheet.saved', { holder: 1 });
    expect(() => h1.merged.importText(stranger.merged.exportOwn().text, 'x')).toThrow(expect.objectContaining({ code: 'bundle.not_in_plan' }));
  });

  it('takes a later copy that continues the chain, refuses an older copy', async () => {
    const { h1, h2 } = await threeWorkstations();
    const early = h2.merged.exportOwn().text;
    h1.merged.importText(early, 'early');
    tick();
    await h2.ceremony.record('status.changed', { status: 'Pending' });
    const later = h2.merged.exportOwn().text;
    expect(h1.merged.importText(later, 'later').entries).toBe(7);
    expect(() => h1.merged.importText(early, 'early again')).toThrow(expect.objectContaining({ code: 'bundle.older_copy' }));
  });

  it('shows a planned workstation whose file was not imported as a gap', async () => {
    const { custodians, h1 } = await threeWorkstations();
    h1.merged.importText(custodians.merged.exportOwn().text, 'custodians');
    const m = h1.merged.merged();
    expect(m.gaps).toMatchObject([{ kind: 'missing', workstation: 'holder two' }]);
    expect(m.steps.find((s) => s.id === 'submitted:2')!.state).not.toBe('done');
  });

  it('reads a file from a path with a bounded read: a folder, a FIFO and an oversized file are refused', async () => {
    const { custodians, h1 } = await threeWorkstations();
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-merge-files-'));
    const good = path.join(dir, 'custodians.khtranscript');
    writeFileSync(good, custodians.merged.exportOwn().text);
    expect((await h1.merged.importFile(good)).workstation).toBe('custodians desk');
    await expect(h1.merged.importFile(dir)).rejects.toMatchObject({ code: 'bundle.not_a_file' });
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(h1.merged.importFile(fifo)).rejects.toMatchObject({ code: 'bundle.not_a_file' });
    const big = path.join(dir, 'big');
    execFileSync('truncate', ['-s', String(25 * 2 ** 20), big]);
    await expect(h1.merged.importFile(big)).rejects.toMatchObject({ code: 'bundle.too_large' });
  });
});

describe('the other workstations’ files count toward this workstation’s step table', () => {
  it('a holder who imported the custodians’ file records the activation in order, and closes the ceremony as completed', async () => {
    const custodians = workstation('custodians desk');
    const h1 = workstation('holder one');
    const h2 = workstation('holder two');
    const all = [custodians, h1, h2];
    const plan = { format: PLAN_FORMAT, v: 1 as const, participants: [], workstations: all.map((w) => ({ label: w.label, key: w.transcript.ceremonyKey().publicKey })) };
    for (const w of all) w.plan = plan;
    for (const [kind, data] of [['key.generated', {}], ['escrow.written', {}], ['escrow.test-restored', {}], ['holder-copy.written', { holder: 1 }], ['holder-copy.written', { holder: 2 }]] as const) await step(custodians, kind, data);
    const custodiansFile = custodians.merged.exportOwn().text;
    for (const [w, h] of [[h1, 1], [h2, 2]] as const) {
      await step(w, 'worksheet.saved', { holder: h });
      await step(w, 'registration.done', { holder: h });
      // Before the custodians' file is in, the activation is out of order on this workstation's own record...
      if (h === 2) expect((await step(w, 'activation.attested', { holder: h })).kind).toBe('ceremony.step-out-of-order');
      w.merged.importText(custodiansFile, 'custodians');
      // ...once it is in, in order.
      if (h === 1) expect((await step(w, 'activation.attested', { holder: h })).kind).toBe('activation.attested');
    }
    // Holder 2's first activation was recorded as a deviation, so it does not count locally; a second one does, in order.
    expect((await step(h2, 'activation.attested', { holder: 2 })).kind).toBe('activation.attested');
    for (const [w, h] of [[h1, 1], [h2, 2]] as const) {
      await step(w, 'vault.imported', { holder: h });
      await step(w, 'submission.receipt', { holder: h });
    }
    h1.merged.importText(h2.merged.exportOwn().text, 'holder two');
    h2.merged.importText(h1.merged.exportOwn().text, 'holder one');
    expect((await step(h1, 'status.changed', { status: 'Available' })).kind).toBe('status.changed');
    expect(h1.ceremony.progress().complete).toBe(true);
    expect(h1.ceremony.progress().steps.find((s) => s.id === 'key-generated')!.details).toBe('recorded on another workstation of the ceremony');
    expect((await h1.ceremony.close()).outcome).toBe('completed');
    // The merged ceremony says what happened on holder 2's workstation (its activation recorded twice): nothing hidden.
    const m = h1.merged.merged();
    expect(m.deviations.map((d) => d.kind)).toContain('repeated');
  });
});

describe('exchange with the control plane while connected', () => {
  it('sends this workstation’s file with the plan, keeps the others’ (checked), says what was refused', async () => {
    const { custodians, h1, h2 } = await threeWorkstations();
    const held = [custodians, h2].map((w) => ({ ...w.merged.exportOwn().bundle, receivedAt: '2026-12-06T12:00:00.000Z' }) as Record<string, unknown>);
    const tampered = { ...h2.merged.exportOwn().bundle, label: 'x' } as Record<string, unknown>;
    const sent: { plan: unknown; bundle: unknown }[] = [];
    const cp = {
      sendCeremonyTranscript: async (b: { plan: unknown; bundle: unknown }) => void sent.push(b),
      ceremonyTranscripts: async () => ({ planFingerprint: null, transcripts: [...held, tampered, { ...h1.merged.exportOwn().bundle }] }),
    };
    const r = await h1.merged.sync(cp);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.plan).toEqual(h1.plan);
    expect((sent[0]!.bundle as { workstation: { label: string } }).workstation.label).toBe('holder one');
    expect(r.received.map((x) => x.workstation).sort()).toEqual(['custodians desk', 'holder two']);
    expect(r.refused).toHaveLength(1);
    expect(r.refused[0]).toMatch(/not a workstation’s transcript file/);
    const m = h1.merged.merged();
    expect(m.gaps).toEqual([]);
    expect(m.steps.find((s) => s.id === 'submitted:2')!.recordedBy).toMatchObject({ workstation: 'holder two' });
    // The same again: nothing new.
    expect((await h1.merged.sync(cp)).received).toEqual([]);
  });
});

describe('files are kept per ceremony of this workstation', () => {
  it('a later ceremony (after closing) does not count the earlier one’s files; nothing is imported before a ceremony exists', async () => {
    const { custodians, h1 } = await threeWorkstations();
    h1.merged.importText(custodians.merged.exportOwn().text, 'custodians');
    expect(h1.merged.otherReceipts().length).toBeGreaterThan(0);
    await h1.ceremony.close('rehearsal stopped here');
    tick();
    await h1.ceremony.record('worksheet.saved', { holder: 1 });
    expect(h1.merged.otherReceipts()).toEqual([]);
    expect(h1.merged.imported()).toEqual([]);
    const fresh = workstation('fresh');
    fresh.plan = h1.plan;
    expect(() => fresh.merged.importText(custodians.merged.exportOwn().text, 'x')).toThrow(expect.objectContaining({ code: 'ceremony.nothing_recorded' }));
  });
});
