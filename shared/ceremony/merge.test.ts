import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha512 } from '@noble/hashes/sha2.js';
import { canonicalJson, toBase64Url, type JsonObject } from '../transcript/canonical';
import { CLOSING_KIND, OPENING_KIND, genesisHash, lineHash, signEntry, type VerifyFn } from '../transcript/entry';
import { mergeCeremony, roleOfEntries, type PlannedWorkstation, type WorkstationTranscript } from './merge';

// A stand-in signature (SHA-512 of key and message), as in verify.test.ts: the
// chain and plan rules are what is tested here; Node-side tests use Ed25519.
const fakeSign = (pub: Uint8Array) => (m: Uint8Array) => sha512(new Uint8Array([...pub, ...m]));
const fakeVerify: VerifyFn = (pub, m, s) => canonicalJson(Array.from(sha512(new Uint8Array([...pub, ...m])))) === canonicalJson(Array.from(s));

const pubOf = (n: number) => new Uint8Array(32).fill(n);
const keyOf = (n: number) => toBase64Url(pubOf(n));
type Step = [at: string, kind: string, data?: JsonObject];

function transcript(ceremony: string, keyByte: number, steps: Step[]): string {
  const lines: string[] = [];
  const all: Step[] = [[steps[0]![0], OPENING_KIND, { app: 'Key Holder' }], ...steps];
  all.forEach(([at, kind, data], seq) => {
    const { line } = signEntry(
      { v: 1, ceremony, seq, at: `2026-12-06T${at}:00.000Z`, kind, data: data ?? {}, prev: seq === 0 ? genesisHash(ceremony) : lineHash(lines[seq - 1]!), signer: keyOf(keyByte) },
      fakeSign(pubOf(keyByte)),
    );
    lines.push(line);
  });
  return lines.map((l) => l + '\n').join('');
}

const FP = 'ab'.repeat(32);
/** What a holder's workstation writes when it has not seen the custodians' entries: its activation (and what follows) as out of order. */
const outOfOrder = (kind: string, data: JsonObject): [string, JsonObject] => ['ceremony.step-out-of-order', { step: kind, reason: 'cannot start yet', entry: data }];

function naturalCeremony(o: { closed?: boolean } = {}) {
  const closed = o.closed ?? true;
  const custodians = transcript('ceremony-custodians', 1, [
    ['09:00', 'key.generated', { fingerprint: FP }],
    ['09:01', 'escrow.written', { fingerprint: FP }],
    ['09:02', 'escrow.test-restored', { fingerprint: FP }],
    ['09:03', 'holder-copy.written', { holder: 1, fingerprint: FP }],
    ['09:04', 'holder-copy.written', { holder: 2, fingerprint: FP }],
    ...(closed ? ([['13:00', CLOSING_KIND, { outcome: 'completed' }]] as Step[]) : []),
  ]);
  const holder = (h: 1 | 2, hour: number) =>
    transcript(`ceremony-holder-${h}`, 1 + h, [
      [`${hour}:00`, 'worksheet.saved', { holder: h }],
      [`${hour}:01`, 'registration.done', { holder: h }],
      [`${hour}:02`, ...outOfOrder('activation.attested', { holder: h })],
      [`${hour}:03`, ...outOfOrder('vault.imported', { holder: h, fingerprint: FP })],
      [`${hour}:04`, ...outOfOrder('submission.receipt', { holder: h })],
      ['12:00', 'status.changed', { status: 'Available' }],
      ...(closed ? ([[`12:3${h}`, CLOSING_KIND, { outcome: 'completed' }]] as Step[]) : []),
    ]);
  const files: WorkstationTranscript[] = [
    { source: 'custodians.jsonl', bytes: custodians },
    { source: 'holder1.jsonl', bytes: holder(1, 10) },
    { source: 'holder2.jsonl', bytes: holder(2, 11) },
  ];
  const workstations: PlannedWorkstation[] = [
    { label: 'custodians', key: keyOf(1) },
    { label: 'holder 1', key: keyOf(2) },
    { label: 'holder 2', key: keyOf(3) },
  ];
  return { files, workstations };
}

const merge = (workstations: PlannedWorkstation[], files: WorkstationTranscript[], requireClosed = true) => mergeCeremony({ workstations, transcripts: files, verify: fakeVerify, requireClosed });
const text = (f: WorkstationTranscript) => f.bytes as string;
const withBytes = (files: WorkstationTranscript[], i: number, bytes: string) => files.map((f, j) => (j === i ? { ...f, bytes } : f));

describe('mergeCeremony: three workstations, natural order', () => {
  it('merges into one complete ceremony with who recorded each step and no deviation', () => {
    const { files, workstations } = naturalCeremony();
    const m = merge(workstations, files);
    expect(m.faults).toEqual([]);
    expect(m.gaps).toEqual([]);
    expect(m.deviations).toEqual([]);
    expect(m.conflicts).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.steps.every((s) => s.state === 'done')).toBe(true);
    const by = (id: string) => m.steps.find((s) => s.id === id)!.recordedBy!;
    expect(by('key-generated')).toMatchObject({ workstation: 'custodians', role: { kind: 'custodians' } });
    expect(by('holder-copy-written:2')).toMatchObject({ workstation: 'custodians' });
    expect(by('vault-imported:1')).toMatchObject({ workstation: 'holder 1', role: { kind: 'holder', holder: 1 } });
    expect(by('submitted:2')).toMatchObject({ workstation: 'holder 2', role: { kind: 'holder', holder: 2 } });
    // The holders' local "out of order" records are in order once the custodians' entries are in: said, not hidden.
    expect(m.resolved).toHaveLength(6);
    expect(m.resolved[0]!.message).toContain('in order');
    // Time order across workstations.
    const ats = m.entries.map((e) => e.at);
    expect([...ats].sort()).toEqual(ats);
  });

  it('keeps each workstation’s order and finds the same result for any interleaving of the files', () => {
    const { files, workstations } = naturalCeremony();
    fc.assert(
      fc.property(fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }), (order) => {
        const m = merge(workstations, order.map((i) => files[i]!));
        expect(m.complete).toBe(true);
        expect(m.deviations).toEqual([]);
        for (const w of ['custodians', 'holder 1', 'holder 2']) {
          const seqs = m.entries.filter((e) => e.workstation === w).map((e) => e.seq);
          expect(seqs).toEqual(seqs.map((_, i) => i));
        }
      }),
      { numRuns: 12 },
    );
  });

  it('an open ceremony on screen is not a gap; for an audit bundle it is', () => {
    const { files, workstations } = naturalCeremony({ closed: false });
    expect(merge(workstations, files, false).gaps).toEqual([]);
    const audit = merge(workstations, files, true);
    expect(audit.gaps.map((g) => g.kind)).toEqual(['open', 'open', 'open']);
    expect(audit.complete).toBe(false);
  });
});

describe('mergeCeremony: adversarial bundles', () => {
  it('refuses a tampered entry (one byte changed) and leaves that workstation out', () => {
    const { files, workstations } = naturalCeremony();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.nat(), (i, at) => {
        const t = text(files[i]!);
        const pos = at % (t.length - 1);
        const ch = t[pos] === 'a' ? 'b' : 'a';
        if (t[pos] === '\n') return;
        const m = merge(workstations, withBytes(files, i, t.slice(0, pos) + ch + t.slice(pos + 1)));
        expect(m.faults.map((f) => f.kind)).toEqual(['tampered']);
        // A change to the signer itself leaves the file unattributable: then the workstation is also reported missing.
        expect(['tampered', 'missing']).toContain(m.workstations[i]!.state);
        expect(m.entries.some((e) => e.workstation === workstations[i]!.label)).toBe(false);
        expect(m.complete).toBe(false);
      }),
      { numRuns: 80 },
    );
  });

  it('refuses reordered entries', () => {
    const { files, workstations } = naturalCeremony();
    const lines = text(files[1]!).split('\n');
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    const m = merge(workstations, withBytes(files, 1, lines.join('\n')));
    expect(m.faults).toMatchObject([{ kind: 'tampered', workstation: 'holder 1', fault: { reason: 'reordered' } }]);
  });

  it('reports a chain cut short: not closed, or shorter than the final hash the control plane holds', () => {
    const { files, workstations } = naturalCeremony();
    const full = text(files[2]!);
    const cut = full.split('\n').slice(0, 4).join('\n') + '\n';
    const m = merge(workstations, withBytes(files, 2, cut));
    expect(m.gaps.map((g) => g.kind)).toEqual(expect.arrayContaining(['open', 'steps-missing']));
    expect(m.steps.find((s) => s.id === 'submitted:2')!.state).not.toBe('done');
    const finalHash = lineHash(full.trimEnd().split('\n').at(-1)!);
    const anchored = merge(workstations, files.map((f, j) => (j === 2 ? { ...f, bytes: cut, expectedFinalHash: finalHash } : f)));
    expect(anchored.gaps.map((g) => g.kind)).toContain('cut-short');
    expect(merge(workstations, files.map((f, j) => (j === 2 ? { ...f, expectedFinalHash: finalHash } : f))).complete).toBe(true);
  });

  it('refuses entries signed by a key that is not in the plan', () => {
    const { files, workstations } = naturalCeremony();
    const stranger = transcript('ceremony-holder-1', 9, [['10:00', 'worksheet.saved', { holder: 1 }]]);
    const m = merge(workstations, [...files, { source: 'stranger.jsonl', bytes: stranger }]);
    expect(m.faults).toMatchObject([{ kind: 'unknown-signer', source: 'stranger.jsonl' }]);
    expect(m.faults[0]!.message).toContain('not in the ceremony plan');
    expect(m.complete).toBe(false);
    // The same file replacing holder 1's: holder 1 is missing too.
    const swapped = merge(workstations, [files[0]!, { source: 'stranger.jsonl', bytes: stranger }, files[2]!]);
    expect(swapped.gaps).toMatchObject([{ kind: 'missing', workstation: 'holder 1' }, { kind: 'steps-missing' }]);
  });

  it('reports a planned workstation whose file was left out, and the steps nobody recorded', () => {
    const { files, workstations } = naturalCeremony();
    for (let i = 0; i < 3; i++) {
      const m = merge(workstations, files.filter((_, j) => j !== i));
      expect(m.gaps[0]).toMatchObject({ kind: 'missing', workstation: workstations[i]!.label });
      expect(m.gaps.some((g) => g.kind === 'steps-missing')).toBe(true);
      expect(m.workstations[i]!.state).toBe('missing');
      expect(m.complete).toBe(false);
    }
  });

  it('shows a step out of order in the merged ceremony (never hides it)', () => {
    const { workstations, files } = naturalCeremony();
    // Holder 1 imported before the custodians wrote the copies (09:xx moved after 10:xx).
    const late = transcript('ceremony-custodians', 1, [
      ['09:00', 'key.generated', { fingerprint: FP }],
      ['09:01', 'escrow.written', { fingerprint: FP }],
      ['09:02', 'escrow.test-restored', { fingerprint: FP }],
      ['10:30', 'holder-copy.written', { holder: 1, fingerprint: FP }],
      ['10:31', 'holder-copy.written', { holder: 2, fingerprint: FP }],
      ['13:00', CLOSING_KIND, { outcome: 'completed' }],
    ]);
    const m = merge(workstations, withBytes(files, 0, late));
    expect(m.deviations.map((d) => [d.kind, d.step])).toEqual([
      ['out-of-order', 'activation-attested:1'],
      ['out-of-order', 'vault-imported:1'],
      ['out-of-order', 'submitted:1'],
      // Nothing that follows counts either: both holders' Available comes before holder 1's submission counts.
      ['out-of-order', 'status-available'],
      ['out-of-order', 'status-available'],
    ]);
    expect(m.deviations[0]!.message).toContain('before Holder copy written (holder 1)');
    expect(m.complete).toBe(false);
  });

  it('reports two workstations claiming the same holder’s step', () => {
    const { workstations, files } = naturalCeremony();
    const rogue = transcript('ceremony-holder-2', 3, [
      ['11:00', 'worksheet.saved', { holder: 2 }],
      ['11:01', 'registration.done', { holder: 2 }],
      ['11:02', 'activation.attested', { holder: 1 }],
      ['11:03', 'vault.imported', { holder: 1, fingerprint: FP }],
    ]);
    const m = merge(workstations, withBytes(files, 2, rogue), false);
    expect(m.conflicts.map((c) => c.step)).toEqual(['activation-attested:1', 'vault-imported:1']);
    expect(m.conflicts[0]!.message).toMatch(/holder 1.*again by key holder 2’s workstation|again by a workstation/);
  });

  it('reports receipts that name another key', () => {
    const { workstations, files } = naturalCeremony();
    const h1 = transcript('ceremony-holder-1', 2, [
      ['10:00', 'worksheet.saved', { holder: 1 }],
      ['10:01', 'registration.done', { holder: 1 }],
      ['10:02', 'activation.attested', { holder: 1 }],
      ['10:03', 'vault.imported', { holder: 1, fingerprint: 'cd'.repeat(32) }],
    ]);
    const m = merge(workstations, withBytes(files, 1, h1), false);
    expect(m.conflicts.some((c) => c.message.includes('cd'.repeat(32)))).toBe(true);
  });

  it('takes a later copy of the same chain once, and refuses two different chains of one workstation', () => {
    const { workstations, files } = naturalCeremony();
    const full = text(files[1]!);
    const prefix = full.split('\n').slice(0, 3).join('\n') + '\n';
    const twice = merge(workstations, [...files, { source: 'holder1-earlier.jsonl', bytes: prefix }]);
    expect(twice.faults).toEqual([]);
    expect(twice.complete).toBe(true);
    const fork = transcript('ceremony-holder-1b', 2, [['10:00', 'worksheet.saved', { holder: 1 }]]);
    const forked = merge(workstations, [...files, { source: 'holder1-other.jsonl', bytes: fork }]);
    expect(forked.faults).toMatchObject([{ kind: 'forked', workstation: 'holder 1' }]);
  });

  it('infers each workstation’s part from its entries', () => {
    const { files } = naturalCeremony();
    const entries = (i: number) => text(files[i]!).trim().split('\n').map((l) => JSON.parse(l));
    expect(roleOfEntries(entries(0))).toEqual({ kind: 'custodians' });
    expect(roleOfEntries(entries(2))).toEqual({ kind: 'holder', holder: 2 });
  });
});
