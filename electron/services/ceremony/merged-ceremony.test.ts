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
