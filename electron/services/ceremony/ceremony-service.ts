/**
 * The workstation's current ceremony: one ceremony ID, kept in the data
 * folder, opened on the first step that needs recording and closed by a final
 * signed entry. Every step the app carries out is appended to its transcript;
 * where the ceremony stands is derived from those entries by the shared step
 * table, never from a saved screen.
 *
 * A step that the table does not allow yet (or that is already recorded) has
 * nevertheless happened: the app's action succeeded before it is recorded. It
 * is therefore written under a deviation kind that carries the step's own
 * kind and the table's reason, so the signed record keeps it without letting
 * it count as progress.
 *
 * After closing, the closed ceremony stays the one shown. What the vendor
 * tells the app later (a key store's status, a registration re-checked) is an
 * observation, not a step: it does not open a new ceremony but goes to the
 * key's lifecycle record (`afterClose`), and this file keeps a short list of
 * it for the Ceremony screen. A deliberate step (a new key, a worksheet saved
 * again) still opens a new ceremony, as before.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { writePrivateFile } from '../platform/private-file';
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import type { JsonObject } from '../../../shared/transcript/canonical';
import { CLOSING_KIND, keyFingerprint, type Attestation, type TranscriptEntry } from '../../../shared/transcript/entry';
import { CEREMONY_STEPS, ceremonyProgress, receiptProblems, type CeremonyKeyStore, type Receipt, type StepState } from '../../../shared/ceremony/steps';
import { assertGateOpen, happenedOutOfOrder, stepIdOf } from '../../../shared/ceremony/gate';
import { entryWords } from '../../../shared/ceremony/entry-words';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { CeremonyTranscripts } from '../transcript/index';

/** Entry kinds for steps that happened but that the table did not allow as progress. */
export const DEVIATION_KINDS = {
  'ceremony.step_out_of_order': 'ceremony.step-out-of-order',
  'ceremony.step_already_done': 'ceremony.step-repeated',
  'ceremony.receipts_inconsistent': 'ceremony.step-disputed',
} as const;
const DEVIATION_SET = new Set<string>(Object.values(DEVIATION_KINDS));

/** What the vendor reports rather than what a holder does: recorded after close without opening a new ceremony. */
const OBSERVATION_KINDS: ReadonlySet<string> = new Set(['status.changed', 'registration.done']);

/** One observation recorded after the ceremony was closed. */
export interface AfterCloseEntry {
  at: string;
  kind: string;
  details: string;
  /** The observation in a key holder's words (entry-words.ts). */
  words?: string;
  /** The transcript it was recorded in (the lifecycle's), or null if it could not be recorded. */
  recordedIn: string | null;
}

export interface RecordOutcome {
  ceremony: string;
  seq: number;
  hash: string;
  /** The kind written: the step's own, or a deviation kind. */
  kind: string;
  /** Why the step was written as a deviation. */
  deviation?: string;
}

export interface CeremonyStepView {
  id: string;
  title: string;
  holder: 1 | 2 | null;
  state: StepState;
  waitingFor: string[];
  /** The entry that recorded it, when done. */
  seq: number | null;
  at: string | null;
  details: string;
}

export interface CeremonyParticipant {
  name: string;
  role: string;
  keyFingerprint: string | null;
  holder: 1 | 2 | null;
}

export interface CeremonyView {
  ceremony: string | null;
  transcriptFile: string | null;
  openedAt: string | null;
  closed: { at: string; finalHash: string; outcome: string } | null;
  workstationKey: string | null;
  steps: CeremonyStepView[];
  entries: { seq: number; at: string; kind: string; details: string; words: string }[];
  /** `stepId`: the table step a step-out-of-order entry recorded (it happened, without counting as progress). */
  deviations: { seq: number; at: string; step: string; reason: string; stepId?: string }[];
  participants: CeremonyParticipant[];
  problems: string[];
  /** Everything the table asks for is done: closing records a completed ceremony. */
  complete: boolean;
  /** Once closed: the observations made since, and the transcript that holds them. */
  afterClose?: { recordedIn: string | null; entries: AfterCloseEntry[] };
}

export interface CeremonyService {
  /** The current ceremony's ID, or null before anything was recorded. */
  currentId(): string | null;
  /** The current ceremony's ID, opening a new one if none is open. */
  ensureOpen(): Promise<string>;
  /** Appends one entry for a step to the current ceremony. Throws if nothing could be recorded. */
  record(kind: string, data: JsonObject, attestations?: Attestation[]): Promise<RecordOutcome>;
  /** Appends to a named ceremony (an activation bound to its ceremony at start). */
  recordIn(ceremony: string, kind: string, data: JsonObject, attestations?: Attestation[]): Promise<RecordOutcome>;
  /**
   * Records after an action that already succeeded: never throws, because
   * the action is done whatever the transcript says; a failure to record is
   * logged and shown on the Ceremony screen.
   */
  note(kind: string, data: JsonObject): Promise<RecordOutcome | null>;
  /** The current ceremony's entries (verified), oldest first. */
  entries(): TranscriptEntry[];
  /**
   * The data of every entry of the open ceremony that recorded this step's
   * kind, deviations included: lets a caller skip recording what the
   * transcript already says (a worksheet saved again unchanged).
   */
  recorded(kind: string): JsonObject[];
  progress(): CeremonyView;
  /**
   * The gate of a screen's IPC door: refuses with a typed error saying what
   * comes first unless the first of `stepIds` not yet done may start now, by
   * the step table over this ceremony's record (shared/ceremony/gate.ts, the
   * function the screens ask). Returns the step that may start.
   */
  assertMayStart(stepIds: readonly string[]): string;
  /** Closes the current ceremony: completed if the table is done, else abandoned with the reason given. */
  close(reason?: string): Promise<{ ceremony: string; finalHash: string; path: string; outcome: 'completed' | 'abandoned' }>;
  /** Saves an export (the report PDF) where the holder chooses, or under <dataDir>/exports without a dialog. */
  saveExport(suggestedName: string, data: Uint8Array): Promise<{ saved: true; path: string } | { saved: false }>;
}

interface CurrentFile {
  ceremony: string;
  openedAt: string;
  closed?: { at: string; finalHash: string; outcome: string };
  /** Observations after closing (non-secret data kept so the same one is not recorded twice). */
  after?: (AfterCloseEntry & { data: JsonObject })[];
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** One line of non-secret details for a step, for the screen and the report. */
export function describeEntry(kind: string, d: JsonObject): string {
  const inner = DEVIATION_SET.has(kind) && d.entry && typeof d.entry === 'object' && !Array.isArray(d.entry) ? (d.entry as JsonObject) : d;
  const bits: string[] = [];
  if (DEVIATION_SET.has(kind)) bits.push(`${str(d.step)}: ${str(d.reason)}`);
  if (inner.holder !== undefined) bits.push(`key holder ${str(inner.holder)}`);
  if (typeof inner.vaultHost === 'string') bits.push(inner.vaultHost);
  // A ceremony plan's fingerprint is short and read aloud: shown whole, with who is in it.
  if (kind === 'ceremony.plan' && typeof inner.fingerprint === 'string') {
    const n = Array.isArray(inner.participants) ? inner.participants.length : 0;
    bits.push(`plan ${inner.fingerprint}`, `${n} participant${n === 1 ? '' : 's'}`);
  }
  else if (typeof inner.fingerprint === 'string') bits.push(`fingerprint ${inner.fingerprint.slice(0, 16)}…`);
  if (typeof inner.keyVersionId === 'string') bits.push(inner.keyVersionId);
  if (typeof inner.registrationId === 'string') bits.push(`registration ${inner.registrationId}`);
  if (Array.isArray(inner.registrations)) bits.push(inner.registrations.map((r) => (r && typeof r === 'object' && !Array.isArray(r) ? `${str(r.vaultDnsName)} ${str(r.status)}` : '')).join(', '));
  if (typeof inner.submissionId === 'string') bits.push(`submission ${inner.submissionId}`);
  if (typeof inner.envelopeSha256 === 'string') bits.push(`envelope ${inner.envelopeSha256.slice(0, 16)}…`);
  if (typeof inner.status === 'string') bits.push(inner.status);
  if (typeof inner.outcome === 'string') bits.push(inner.outcome);
  if (typeof inner.file === 'string') bits.push(inner.file);
  if (inner.purpose && typeof inner.purpose === 'object' && !Array.isArray(inner.purpose)) bits.push(`${str(inner.purpose.kind)}: ${str(inner.purpose.target)}`);
  return bits.join(' · ');
}

export function createCeremonyService(deps: {
  dataDir: string;
  clock: Clock;
  log: Logger;
  transcript: CeremonyTranscripts;
  chooseSavePath?(suggestedName: string, kind: 'pdf' | 'json'): Promise<string | null>;
  /** The other workstations' receipts (their verified transcripts, kept apart): steps done there count as done here. */
  others?: () => Receipt[];
  /** The key store the settings choose: names the steps in its words until the record itself shows which it is. */
  keyStore?: () => CeremonyKeyStore;
  /** Where observations go once the ceremony is closed (the lifecycle transcript); returns that transcript's ID. */
  afterClose?: (kind: string, data: JsonObject) => Promise<string>;
}): CeremonyService {
  const store = () => deps.keyStore?.() ?? null;
  const file = path.join(deps.dataDir, 'ceremony', 'current.json');
  const recordingProblems: string[] = [];
  let opening: Promise<string> | null = null;

  function readCurrent(): CurrentFile | null {
    if (!existsSync(file)) return null;
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as CurrentFile;
      if (typeof c.ceremony !== 'string') throw new Error('no ceremony');
      return c;
    } catch {
      throw new KeyholderError('ceremony.current_damaged', `The file naming this workstation's current ceremony (${file}) is damaged. The transcripts themselves are in ${path.join(deps.dataDir, 'transcripts')}; restore the file from backup or delete it to start a new ceremony.`);
    }
  }

  function writeCurrent(c: CurrentFile): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file + '.tmp', JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
    renameSync(file + '.tmp', file);
  }

  async function ensureOpen(): Promise<string> {
    const c = readCurrent();
    if (c && !c.closed) {
      if (!existsSync(deps.transcript.pathOf(c.ceremony))) {
        throw new KeyholderError('ceremony.transcript_missing', `The transcript of the current ceremony ${c.ceremony} is missing from ${deps.transcript.pathOf(c.ceremony)}. Restore it from backup before recording more steps.`);
      }
      return c.ceremony;
    }
    // Two steps recorded at once must not open two ceremonies.
    opening ??= deps.transcript
      .open({ app: 'Key Holder', kind: 'two-holder ceremony' })
      .then(({ ceremony }) => {
        writeCurrent({ ceremony, openedAt: deps.clock.now().toISOString() });
        return ceremony;
      })
      .finally(() => {
        opening = null;
      });
    return opening;
  }

  async function recordIn(ceremony: string, kind: string, data: JsonObject, attestations?: Attestation[]): Promise<RecordOutcome> {
    try {
      const r = await deps.transcript.append(ceremony, kind, data, attestations);
      return { ceremony, ...r, kind };
    } catch (e) {
      const deviation = isKeyholderError(e) ? DEVIATION_KINDS[e.code as keyof typeof DEVIATION_KINDS] : undefined;
      if (!deviation) throw e;
      const reason = (e as KeyholderError).message;
      const r = await deps.transcript.append(ceremony, deviation, { step: kind, reason, entry: data }, attestations);
      return { ceremony, ...r, kind: deviation, deviation: reason };
    }
  }

  function readEntries(ceremony: string): TranscriptEntry[] {
    const p = deps.transcript.pathOf(ceremony);
    if (!existsSync(p)) return [];
    // receipts() verifies the chain and signatures before anything is read.
    deps.transcript.receipts(ceremony);
    return readFileSync(p, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TranscriptEntry);
  }

  /** An observation after closing: into the lifecycle's record, never a new ceremony; a failure is shown, not dropped. */
  async function noteAfterClose(c: CurrentFile, kind: string, data: JsonObject): Promise<null> {
    let recordedIn: string | null = null;
    try {
      if (!deps.afterClose) throw new KeyholderError('ceremony.no_after_close_record', 'This workstation has no lifecycle record to keep it in.');
      recordedIn = await deps.afterClose(kind, data);
    } catch (e) {
      const message = isKeyholderError(e) ? e.message : 'The lifecycle transcript could not be written.';
      recordingProblems.push(`"${kind}" was observed after the ceremony was closed but could not be recorded: ${message}`);
      deps.log.warn('observation after close not recorded', { kind, code: isKeyholderError(e) ? e.code : 'internal' });
    }
    const fresh = readCurrent() ?? c;
    writeCurrent({ ...fresh, after: [...(fresh.after ?? []), { at: deps.clock.now().toISOString(), kind, details: describeEntry(kind, data), recordedIn, data }] });
    return null;
  }

  function progress(): CeremonyView {
    const problems = [...recordingProblems];
    let c: CurrentFile | null = null;
    let entries: TranscriptEntry[] = [];
    try {
      c = readCurrent();
      if (c) entries = readEntries(c.ceremony);
      if (c && !entries.length) problems.push(`The transcript of ceremony ${c.ceremony} is missing from this workstation.`);
    } catch (e) {
      problems.push(isKeyholderError(e) ? e.message : 'The transcript could not be read.');
      entries = [];
    }
    const receipts: Receipt[] = entries.map((e) => ({ kind: e.kind, data: e.data }));
    // Kept after closing too: the record of this workstation names the steps the others did, as at closing.
    const others = c ? (deps.others?.() ?? []) : [];
    problems.push(...receiptProblems([...others, ...receipts]));
    // The entry that completed each step: the first prefix in which the table counts it as done.
    const doneAt = new Map<string, TranscriptEntry>();
    for (let i = 0; i < entries.length; i++) {
      for (const p of ceremonyProgress([...others, ...receipts.slice(0, i + 1)], store())) if (p.state === 'done' && !doneAt.has(p.id)) doneAt.set(p.id, entries[i]!);
    }
    const elsewhere = new Set(ceremonyProgress(others, store()).filter((p) => p.state === 'done').map((p) => p.id));
    const table = ceremonyProgress([...others, ...receipts], store());
    const steps: CeremonyStepView[] = table.map((p) => {
      const def = CEREMONY_STEPS.find((s) => s.id === p.id)!;
      const e = elsewhere.has(p.id) ? undefined : doneAt.get(p.id);
      const details = e ? describeEntry(e.kind, e.data) : elsewhere.has(p.id) ? 'recorded on another workstation of the ceremony' : '';
      return { id: p.id, title: p.title, holder: def.holder ?? null, state: p.state, waitingFor: p.waitingFor, seq: e?.seq ?? null, at: e?.at ?? null, details };
    });
    const participants = new Map<string, CeremonyParticipant>();
    for (const e of entries) {
      for (const a of e.attestations ?? []) {
        const holder = (e.data.holder ?? (e.data.entry as JsonObject | undefined)?.holder) as 1 | 2 | undefined;
        const k = `${a.key}|${a.role}`;
        if (!participants.has(k)) participants.set(k, { name: a.name, role: a.role, keyFingerprint: keyFp(a.key), holder: holder ?? null });
      }
      const inner = (DEVIATION_SET.has(e.kind) ? e.data.entry : e.data) as JsonObject | undefined;
      const stepKind = DEVIATION_SET.has(e.kind) ? str(e.data.step) : e.kind;
      if (stepKind === 'escrow.written' && Array.isArray(inner?.custodians)) {
        for (const name of inner.custodians) if (typeof name === 'string' && !participants.has(`custodian|${name}`)) participants.set(`custodian|${name}`, { name, role: 'custodian', keyFingerprint: null, holder: null });
      }
    }
    const last = entries.at(-1);
    const closedEntry = last?.kind === CLOSING_KIND ? last : null;
    let workstationKey: string | null = null;
    try {
      workstationKey = entries.length ? deps.transcript.ceremonyKeyFingerprint() : null;
    } catch {
      workstationKey = null;
    }
    return {
      ceremony: c?.ceremony ?? null,
      transcriptFile: c ? deps.transcript.pathOf(c.ceremony) : null,
      openedAt: entries[0]?.at ?? null,
      closed: c?.closed && closedEntry ? c.closed : null,
      workstationKey,
      steps,
      entries: entries.map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, details: describeEntry(e.kind, e.data), words: entryWords(e.kind, e.data) })),
      deviations: entries.filter((e) => DEVIATION_SET.has(e.kind)).map((e) => {
        const inner = e.data.entry && typeof e.data.entry === 'object' && !Array.isArray(e.data.entry) ? e.data.entry : {};
        const stepId = e.kind === DEVIATION_KINDS['ceremony.step_out_of_order'] ? stepIdOf(str(e.data.step), inner) : null;
        return { seq: e.seq, at: e.at, step: str(e.data.step), reason: str(e.data.reason), ...(stepId ? { stepId } : {}) };
      }),
      participants: [...participants.values()],
      problems,
      complete: table.filter((p) => p.id !== 'ceremony-closed').every((p) => p.state === 'done'),
      ...(c?.closed && closedEntry ? { afterClose: afterCloseView(c) } : {}),
    };
  }

  function afterCloseView(c: CurrentFile): NonNullable<CeremonyView['afterClose']> {
    const after = c.after ?? [];
    return { recordedIn: after.map((a) => a.recordedIn).filter(Boolean).at(-1) ?? null, entries: after.map(({ data, ...a }) => ({ ...a, words: entryWords(a.kind, data) })) };
  }

  return {
    currentId: () => readCurrent()?.ceremony ?? null,
    ensureOpen,
    recordIn,
    async record(kind, data, attestations) {
      return recordIn(await ensureOpen(), kind, data, attestations);
    },
    async note(kind, data) {
      const c = readCurrent();
      if (c?.closed && OBSERVATION_KINDS.has(kind)) return noteAfterClose(c, kind, data);
      try {
        return await recordIn(await ensureOpen(), kind, data);
      } catch (e) {
        const message = isKeyholderError(e) ? e.message : 'The transcript could not be written.';
        recordingProblems.push(`"${kind}" was done but could not be recorded in the transcript: ${message}`);
        deps.log.warn('ceremony step not recorded', { kind, code: isKeyholderError(e) ? e.code : 'internal' });
        return null;
      }
    },
    entries() {
      const c = readCurrent();
      return c ? readEntries(c.ceremony) : [];
    },
    progress,
    assertMayStart(stepIds) {
      // A closed ceremony is done with: the next step opens a new one, so it starts from an empty record.
      const c = readCurrent();
      const own: Receipt[] = c && !c.closed ? readEntries(c.ceremony).map((e) => ({ kind: e.kind, data: e.data })) : [];
      // The same receipts as the Ceremony view the screens ask: this workstation's and the other workstations' verified ones.
      const receipts = [...(c && !c.closed ? (deps.others?.() ?? []) : []), ...own];
      const problems = receiptProblems(receipts);
      if (problems.length) throw new KeyholderError('ceremony.receipts_inconsistent', `The ceremony's record disagrees with itself, so no further step can start: ${problems[0]}`);
      return assertGateOpen(ceremonyProgress(receipts, store()), stepIds, happenedOutOfOrder(receipts));
    },
    recorded(kind) {
      const c = readCurrent();
      if (!c) return [];
      if (c.closed) {
        // An observation already in the closed ceremony or recorded since is not recorded again; other steps start afresh.
        if (!OBSERVATION_KINDS.has(kind)) return [];
        return [...readEntries(c.ceremony).filter((e) => e.kind === kind).map((e) => e.data), ...(c.after ?? []).filter((a) => a.kind === kind).map((a) => a.data)];
      }
      return readEntries(c.ceremony).flatMap((e) => {
        if (e.kind === kind) return [e.data];
        if (DEVIATION_SET.has(e.kind) && e.data.step === kind && e.data.entry && typeof e.data.entry === 'object' && !Array.isArray(e.data.entry)) return [e.data.entry as JsonObject];
        return [];
      });
    },
    async saveExport(suggestedName, data) {
      let target: string | null;
      if (deps.chooseSavePath) target = await deps.chooseSavePath(suggestedName, 'pdf');
      else {
        const dir = path.join(deps.dataDir, 'exports');
        mkdirSync(dir, { recursive: true });
        target = path.join(dir, suggestedName);
      }
      if (!target) return { saved: false };
      try {
        writePrivateFile(target, data);
      } catch (e) {
        throw new KeyholderError('ceremony.export_write_failed', `The report could not be written to ${target} (${(e as NodeJS.ErrnoException).code ?? 'error'}). Choose another folder.`);
      }
      deps.log.info('ceremony report exported', { path: target });
      return { saved: true, path: target };
    },
    async close(reason) {
      const c = readCurrent();
      if (!c || c.closed) throw new KeyholderError('ceremony.none_open', 'No ceremony is open on this workstation: there is nothing to close.');
      const complete = progress().complete;
      if (!complete && !reason?.trim()) {
        throw new KeyholderError('ceremony.incomplete', 'The ceremony is not complete. To close it anyway, say why (it is recorded as abandoned).');
      }
      const outcome = complete ? 'completed' : 'abandoned';
      const r = await deps.transcript.close(c.ceremony, outcome, complete ? {} : { reason: reason!.trim().slice(0, 500) });
      writeCurrent({ ...c, closed: { at: deps.clock.now().toISOString(), finalHash: r.finalHash, outcome } });
      recordingProblems.length = 0;
      return { ceremony: c.ceremony, finalHash: r.finalHash, path: r.path, outcome };
    },
  };
}

function keyFp(key: string): string | null {
  try {
    return keyFingerprint(key);
  } catch {
    return null;
  }
}
