/**
 * One ceremony across workstations. Each workstation (the custodians', each
 * key holder's, the supervisor's) keeps its own signed, hash-chained
 * transcript; this merges them into the one ceremony the step table
 * describes, and says who recorded each step.
 *
 * Every transcript is verified on its own first (chain, signatures, the key
 * it is signed with must be a workstation of the ceremony plan), then the
 * entries are merged in time order, each workstation's own order kept, and
 * replayed against the step table. Nothing is hidden: a file that fails
 * verification, a planned workstation without a transcript, a chain that
 * stops early, a step recorded out of order, and two workstations claiming
 * the same holder's step are all reported. Pure: the Ed25519 check is
 * injected, as for the transcript itself.
 */
import type { JsonObject } from '../transcript/canonical';
import { CLOSING_KIND, OPENING_KIND, keyFingerprint, type TranscriptEntry, type VerifyFn } from '../transcript/entry';
import { verifyTranscript, type FaultReason } from '../transcript/verify';
import { CEREMONY_STEPS, ceremonyProgress, receiptProblems, type Holder, type Receipt, type StepDef, type StepState } from './steps';

/** Entry kinds a workstation writes for a step its own (partial) record did not allow: the step's own kind is inside. */
export const LOCAL_DEVIATION_KINDS: ReadonlySet<string> = new Set(['ceremony.step-out-of-order', 'ceremony.step-repeated', 'ceremony.step-disputed']);

export type WorkstationRole = { kind: 'holder'; holder: Holder } | { kind: 'custodians' } | { kind: 'other' };

export interface PlannedWorkstation {
  label: string;
  /** The workstation's ceremony key (base64url raw Ed25519), as pinned in the ceremony plan. */
  key: string;
}

export interface WorkstationTranscript {
  /** Where it came from, for messages: a file name, "this workstation", "the control plane". */
  source: string;
  bytes: Uint8Array | string;
  /** This workstation's final hash as the control plane (or the printed report) holds it. */
  expectedFinalHash?: string;
}

export interface MergeInput {
  /** The ceremony plan's workstations. */
  workstations: readonly PlannedWorkstation[];
  transcripts: readonly WorkstationTranscript[];
  verify: VerifyFn;
  /** A bundle handed in for audit must be closed everywhere; on screen, during the ceremony, open chains are normal. */
  requireClosed?: boolean;
}

export interface Recorder {
  workstation: string;
  keyFingerprint: string;
  role: WorkstationRole;
}

export interface MergedEntry extends Recorder {
  seq: number;
  at: string;
  kind: string;
  data: JsonObject;
  /** The step of the table this entry records (deviation records unwrapped), if any. */
  step: string | null;
  /** How the workstation itself wrote it (a local deviation kind), when it differs from the step's kind. */
  recordedAs: string | null;
}

export interface MergedStep {
  id: string;
  title: string;
  holder: Holder | null;
  state: StepState;
  waitingFor: string[];
  /** Who recorded the entry that completed the step. */
  recordedBy: (Recorder & { seq: number; at: string }) | null;
}

export type FindingKind =
  /** A file fails verification: its entries are left out of the merge. */
  | 'tampered'
  /** A transcript signed by a key that is not a workstation of the plan. */
  | 'unknown-signer'
  /** Two different transcripts signed by the same workstation. */
  | 'forked'
  /** A planned workstation whose transcript is missing. */
  | 'missing'
  /** A chain that is not closed (a gap when the bundle must be closed). */
  | 'open'
  /** A chain that ends before the final hash the control plane holds. */
  | 'cut-short'
  /** Steps the table needs that no transcript records, although a workstation closed as completed. */
  | 'steps-missing'
  /** A step recorded before the steps it needs, in the merged ceremony. */
  | 'out-of-order'
  /** A step recorded twice by the same workstation. */
  | 'repeated'
  /** Two workstations claim the same holder's step, or receipts name different keys. */
  | 'conflict';

export interface Finding {
  kind: FindingKind;
  message: string;
  workstation?: string;
  source?: string;
  seq?: number;
  step?: string;
  /** For `tampered`: the verifier's reason and line. */
  fault?: { reason: FaultReason; line: number };
}

export interface WorkstationSummary extends Recorder {
  source: string | null;
  ceremony: string | null;
  entries: number;
  closed: { at: string; finalHash: string; outcome: string } | null;
  state: 'merged' | 'missing' | 'tampered' | 'open';
}

export interface MergedCeremony {
  workstations: WorkstationSummary[];
  entries: MergedEntry[];
  steps: MergedStep[];
  /** Verification failures: a file tampered with, a key not in the plan, a forked chain. */
  faults: Finding[];
  /** A workstation's entries missing, a chain that stops early, steps nobody recorded. */
  gaps: Finding[];
  /** Steps out of order or repeated in the merged ceremony. */
  deviations: Finding[];
  /** Two workstations claiming one holder's step; receipts naming different keys. */
  conflicts: Finding[];
  /** Steps a workstation recorded as out of order on its own record, which the merged ceremony shows in order (the other workstations' entries came first). */
  resolved: Finding[];
  /** Every step of the table done, every transcript present, nothing at fault. */
  complete: boolean;
}

const HOLDER_OWN_STEPS = new Set(['worksheet-saved', 'registered', 'activation-attested', 'vault-imported', 'submitted']);
const CUSTODIAN_STEPS = new Set(['key-generated', 'escrow-written', 'escrow-test-restored']);
/** Steps every workstation records for itself: never a conflict when two do. */
const PER_WORKSTATION_STEPS = new Set(['ceremony-opened', 'status-available', 'ceremony-closed']);

/** The step of the table an entry of this kind and data records, if any. */
function tableStepOf(kind: string, data: JsonObject): StepDef | null {
  return CEREMONY_STEPS.find((s) => s.kind === kind && (s.holder === undefined || s.holder === data.holder) && (kind !== 'status.changed' || data.status === 'Available')) ?? null;
}

/** The step's own kind and data, unwrapping a local deviation record. */
function effective(e: TranscriptEntry): { kind: string; data: JsonObject; recordedAs: string | null } {
  if (LOCAL_DEVIATION_KINDS.has(e.kind) && typeof e.data.step === 'string' && e.data.entry && typeof e.data.entry === 'object' && !Array.isArray(e.data.entry)) {
    return { kind: e.data.step, data: e.data.entry, recordedAs: e.kind };
  }
  return { kind: e.kind, data: e.data, recordedAs: null };
}

/** What a workstation did, read from its own entries: one holder's steps make it that holder's; the source key, the custodians'. */
export function roleOfEntries(entries: readonly TranscriptEntry[]): WorkstationRole {
  const holders = new Set<Holder>();
  let custodians = false;
  for (const e of entries) {
    const { kind, data } = effective(e);
    const step = tableStepOf(kind, data);
    if (!step) continue;
    const base = step.id.split(':')[0]!;
    if (HOLDER_OWN_STEPS.has(base) && step.holder) holders.add(step.holder);
    if (CUSTODIAN_STEPS.has(base)) custodians = true;
  }
  if (holders.size === 1) return { kind: 'holder', holder: [...holders][0]! };
  if (holders.size === 0 && custodians) return { kind: 'custodians' };
  return { kind: 'other' };
}

export function roleTitle(role: WorkstationRole): string {
  if (role.kind === 'holder') return `key holder ${role.holder}’s workstation`;
  if (role.kind === 'custodians') return 'the custodians’ workstation';
  return 'a workstation';
}

const who = (r: Recorder) => `${roleTitle(r.role)} (${r.workstation}, key ${r.keyFingerprint})`;

function parseLines(bytes: Uint8Array | string): TranscriptEntry[] {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TranscriptEntry);
}

interface Chain extends Recorder {
  source: string;
  entries: TranscriptEntry[];
  lines: number;
  ceremony: string;
  closed: WorkstationSummary['closed'];
}

export function mergeCeremony(input: MergeInput): MergedCeremony {
  const faults: Finding[] = [];
  const gaps: Finding[] = [];
  const deviations: Finding[] = [];
  const conflicts: Finding[] = [];
  const resolved: Finding[] = [];
  const planned = new Map(input.workstations.map((w) => [w.key, w]));
  const chains = new Map<string, Chain>();
  const tamperedKeys = new Set<string>();

  for (const t of input.transcripts) {
    const r = verifyTranscript(t.bytes, input.verify, { allowOpen: true, ...(t.expectedFinalHash ? { expectedFinalHash: t.expectedFinalHash } : {}) });
    const open = !r.ok && r.fault.reason === 'not-closed';
    if (!r.ok && !open) {
      let signer: string | undefined;
      try {
        signer = parseLines(t.bytes)[0]?.signer;
      } catch {
        signer = undefined;
      }
      if (signer && planned.has(signer)) tamperedKeys.add(signer);
      const label = signer && planned.has(signer) ? planned.get(signer)!.label : undefined;
      // A closed chain whose final hash is not the one the control plane holds is another record than the one closed: as bad as an edit.
      faults.push({ kind: 'tampered', source: t.source, ...(label ? { workstation: label } : {}), fault: { reason: r.fault.reason, line: r.fault.line }, message: `${t.source} fails verification (${r.fault.reason} at line ${r.fault.line}): ${r.fault.message} Its entries are left out of the merged ceremony.` });
      continue;
    }
    const entries = parseLines(t.bytes);
    const first = entries[0]!;
    const w = planned.get(first.signer);
    if (!w) {
      faults.push({ kind: 'unknown-signer', source: t.source, message: `${t.source} is signed by a workstation key (${keyFingerprint(first.signer)}) that is not in the ceremony plan: its entries are left out. Exchange the plans and compare the plan fingerprint aloud if this workstation belongs to the ceremony.` });
      continue;
    }
    const last = entries.at(-1)!;
    const closed = r.ok ? { at: r.closedAt, finalHash: r.finalHash, outcome: typeof last.data.outcome === 'string' ? last.data.outcome : '' } : null;
    const chain: Chain = { workstation: w.label, keyFingerprint: keyFingerprint(w.key), role: roleOfEntries(entries), source: t.source, entries, lines: entries.length, ceremony: first.ceremony, closed };
    const had = chains.get(w.key);
    if (had) {
      // The same chain twice (a later copy of it): keep the longer; anything else is a fork.
      const [short, long] = had.entries.length <= entries.length ? [had, chain] : [chain, had];
      const prefix = short.ceremony === long.ceremony && short.entries.every((e, i) => e.sig === long.entries[i]!.sig);
      if (!prefix) {
        faults.push({ kind: 'forked', workstation: w.label, source: t.source, message: `${t.source} and ${had.source} are two different transcripts signed by the same workstation (${w.label}): one ceremony has one record per workstation. Find out which is the ceremony's and leave the other out.` });
        continue;
      }
      chains.set(w.key, long);
      continue;
    }
    if (open && !t.expectedFinalHash) {
      const f: Finding = { kind: 'open', workstation: w.label, source: t.source, seq: last.seq, message: `${who(chain)} has not closed its transcript: its last entry is ${last.seq} (${last.kind}, ${last.at}).` };
      if (input.requireClosed) gaps.push({ ...f, message: `${f.message} A chain that stops before its closing entry may have lost its last entries: close the ceremony on that workstation and export its file again.` });
    }
    if (open && t.expectedFinalHash) {
      gaps.push({ kind: 'cut-short', workstation: w.label, source: t.source, message: `${who(chain)}'s transcript stops at entry ${last.seq} without its closing entry, but the control plane holds a final hash for it: its last entries are missing.` });
    }
    chains.set(w.key, chain);
  }

  for (const w of input.workstations) {
    if (chains.has(w.key) || tamperedKeys.has(w.key)) continue;
    gaps.push({ kind: 'missing', workstation: w.label, message: `The transcript of workstation ${w.label} (key ${keyFingerprint(w.key)}), which is in the ceremony plan, is missing: its steps are not in the merged ceremony. Import its file, or fetch it from the control plane.` });
  }

  // Time order across workstations, each workstation's own order kept (a k-way merge on `at`).
  const list = [...chains.values()];
  const heads = list.map(() => 0);
  const merged: MergedEntry[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!.entries[heads[i]!];
      if (e && (pick < 0 || e.at < list[pick]!.entries[heads[pick]!]!.at)) pick = i;
    }
    if (pick < 0) break;
    const c = list[pick]!;
    const e = c.entries[heads[pick]!++]!;
    const eff = effective(e);
    const step = tableStepOf(eff.kind, eff.data);
    merged.push({ workstation: c.workstation, keyFingerprint: c.keyFingerprint, role: c.role, seq: e.seq, at: e.at, kind: eff.kind, data: eff.data, step: step?.id ?? null, recordedAs: eff.recordedAs });
  }

  // Replay against the step table: what counts, in the merged order.
  const receipts: Receipt[] = [];
  const doneBy = new Map<string, MergedEntry>();
  for (const e of merged) {
    if (!e.step || e.kind === CLOSING_KIND) continue;
    if (e.kind === OPENING_KIND) {
      if (!doneBy.has(e.step)) doneBy.set(e.step, e);
      receipts.push({ kind: e.kind, data: e.data });
      continue;
    }
    const p = ceremonyProgress(receipts).find((x) => x.id === e.step)!;
    const title = CEREMONY_STEPS.find((s) => s.id === e.step)!.title;
    if (p.state === 'done') {
      const first = doneBy.get(e.step)!;
      if (PER_WORKSTATION_STEPS.has(e.step) && first.keyFingerprint !== e.keyFingerprint) continue;
      if (first.keyFingerprint !== e.keyFingerprint) {
        conflicts.push({ kind: 'conflict', step: e.step, workstation: e.workstation, seq: e.seq, message: `${title}: recorded by ${who(first)} (entry ${first.seq}) and again by ${who(e)} (entry ${e.seq}). Two workstations claim the same step; find out which did it.` });
      } else {
        deviations.push({ kind: 'repeated', step: e.step, workstation: e.workstation, seq: e.seq, message: `${title}: recorded again by ${who(e)} (entry ${e.seq}); it counts once.` });
      }
      continue;
    }
    if (p.state === 'blocked') {
      deviations.push({ kind: 'out-of-order', step: e.step, workstation: e.workstation, seq: e.seq, message: `${title} was recorded by ${who(e)} (entry ${e.seq}, ${e.at}) before ${p.waitingFor.join(', ')}.` });
      continue;
    }
    if (e.recordedAs) {
      resolved.push({ kind: 'out-of-order', step: e.step, workstation: e.workstation, seq: e.seq, message: `${title}: ${who(e)} recorded it as ${e.recordedAs} (entry ${e.seq}) because it had not seen the other workstations' entries; in the merged ceremony it is in order.` });
    }
    receipts.push({ kind: e.kind, data: e.data });
    doneBy.set(e.step, e);
  }
  for (const problem of receiptProblems(receipts)) conflicts.push({ kind: 'conflict', message: problem });

  // The ceremony is closed when every planned workstation closed its record.
  const closings = list.filter((c) => c.closed);
  const allClosed = list.length > 0 && closings.length === list.length && gaps.every((g) => g.kind !== 'missing');
  const table = ceremonyProgress(receipts);
  const steps: MergedStep[] = table.map((p) => {
    const def = CEREMONY_STEPS.find((s) => s.id === p.id)!;
    let by: MergedEntry | undefined = doneBy.get(p.id);
    let state = p.state;
    if (p.id === 'ceremony-closed') {
      const lastClosing = [...merged].reverse().find((m) => m.kind === CLOSING_KIND);
      by = allClosed ? lastClosing : undefined;
      state = by ? 'done' : p.waitingFor.length ? 'blocked' : 'ready';
    }
    return { id: p.id, title: p.title, holder: def.holder ?? null, state, waitingFor: p.waitingFor, recordedBy: by ? { workstation: by.workstation, keyFingerprint: by.keyFingerprint, role: by.role, seq: by.seq, at: by.at } : null };
  });
  const missingSteps = steps.filter((s) => s.id !== 'ceremony-closed' && s.state !== 'done');
  if (missingSteps.length && closings.some((c) => c.closed!.outcome === 'completed')) {
    gaps.push({ kind: 'steps-missing', message: `A workstation closed the ceremony as completed, but no transcript records: ${missingSteps.map((s) => s.title).join(', ')}. A workstation's file is missing or cut short.` });
  }

  const workstations: WorkstationSummary[] = input.workstations.map((w) => {
    const c = chains.get(w.key);
    if (c) return { workstation: c.workstation, keyFingerprint: c.keyFingerprint, role: c.role, source: c.source, ceremony: c.ceremony, entries: c.lines, closed: c.closed, state: c.closed ? 'merged' : 'open' };
    return { workstation: w.label, keyFingerprint: keyFingerprint(w.key), role: { kind: 'other' }, source: null, ceremony: null, entries: 0, closed: null, state: tamperedKeys.has(w.key) ? 'tampered' : 'missing' };
  });

  const complete = !faults.length && !gaps.length && !conflicts.length && steps.filter((s) => s.id !== 'ceremony-closed').every((s) => s.state === 'done');
  return { workstations, entries: merged, steps, faults, gaps, deviations, conflicts, resolved, complete };
}
