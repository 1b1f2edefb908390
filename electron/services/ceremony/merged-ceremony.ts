/**
 * One ceremony across workstations, on this workstation: its own transcript
 * and the other workstations' (brought as signed files, or fetched from the
 * control plane), merged by the shared model (shared/ceremony/merge.ts).
 *
 * The other workstations' transcripts are kept apart, as received, under
 * <dataDir>/ceremony/workstations/ (one file per workstation key): never
 * written into this workstation's own chain, which only its own key signs.
 * A file is accepted only from a workstation of the ceremony plan; a later
 * copy replaces an earlier one only when it continues the same chain.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { CLOSING_KIND, OPENING_KIND, keyFingerprint, type TranscriptEntry } from '../../../shared/transcript/entry';
import type { Receipt } from '../../../shared/ceremony/steps';
import { verifyTranscript } from '../../../shared/transcript/verify';
import { BUNDLE_EXTENSION, MAX_BUNDLE_BYTES, parseBundle, serializeBundle, signBundle, type TranscriptBundle } from '../../../shared/transcript/bundle';
import { LOCAL_DEVIATION_KINDS, mergeCeremony, roleTitle, type Finding, type MergedCeremony, type Recorder, type WorkstationTranscript } from '../../../shared/ceremony/merge';
import type { MergedCeremonyView } from '../../../shared/ipc/channels/ceremony';
import type { CeremonyPlan } from '../../../shared/ceremony/plan';
import type { Clock } from '../platform/clock';
import { BoundedReadError, readRegularFile } from '../platform/bounded-read';
import { writePrivateFile } from '../platform/private-file';
import { ed25519Verify } from '../transcript/ed25519';
import type { CeremonyTranscripts } from '../transcript/index';
import { describeEntry, type CeremonyService } from './ceremony-service';
import { entryWords } from '../../../shared/ceremony/entry-words';

export interface ImportedRecord {
  workstation: string;
  keyFingerprint: string;
  /** "file NAME" or "control plane". */
  source: string;
  exportedAt: string;
  entries: number;
}

export interface MergedCeremonyService {
  /** This workstation's transcript as a signed file (the bundle's text) and a file name for it. */
  exportOwn(): { name: string; text: string; bundle: TranscriptBundle };
  /** Takes another workstation's file (its text); refuses a file not from a planned workstation, this workstation's own, or a fork. */
  importText(text: string, source: string): ImportedRecord;
  /** The same from a path (bounded read: a regular file of at most 24 MiB). */
  importFile(file: string): Promise<ImportedRecord>;
  /** The kept transcripts' receipts (each step's own kind and data), for this workstation's step table. */
  otherReceipts(): Receipt[];
  /** Keeps a bundle already checked (the control plane's copy). */
  keep(bundle: TranscriptBundle, source: string): ImportedRecord;
  imported(): ImportedRecord[];
  /** The whole ceremony: this workstation's transcript and every kept one, merged against the plan. */
  merged(o?: { requireClosed?: boolean }): MergedCeremony;
  /** The same for the Ceremony screen: titles and one line of details per entry. */
  view(controlPlane?: MergedCeremonyView['controlPlane']): MergedCeremonyView;
  /**
   * While connected to the control plane: sends this workstation's file with
   * the ceremony plan, passes on the other workstations' files imported here
   * (the custodians' and a supervisor's workstation have no enrolment: their
   * files reach the vendor through a holder's), then keeps every other
   * workstation's file the control plane holds (each checked as an imported
   * file is). What was refused is said, not dropped. Each request is bounded
   * by `timeoutMs`: the Ceremony screen does not wait long for the vendor.
   */
  sync(cp: CeremonyTranscriptExchange, o?: { timeoutMs?: number }): Promise<ExchangeResult>;
  /** When this ceremony's transcripts were last exchanged with the control plane (its copies kept here are from then); null if never. */
  lastExchange(): { at: string } | null;
  /** Saves this workstation's file where the holder chooses (or under <dataDir>/exports without a dialog). */
  saveOwn(): Promise<{ saved: true; path: string } | { saved: false }>;
}

/** What the merge needs of the control-plane client (electron/services/control-plane). */
export interface CeremonyTranscriptExchange {
  sendCeremonyTranscript(body: { plan: unknown; bundle: unknown }, o?: { timeoutMs?: number }): Promise<unknown>;
  ceremonyTranscripts(o?: { timeoutMs?: number }): Promise<{ planFingerprint: string | null; transcripts: Record<string, unknown>[] }>;
}

export interface ExchangeResult {
  /** When the exchange finished. */
  at: string;
  sent: boolean;
  /** Files of other workstations imported here, passed on to the control plane (labels). */
  relayed: string[];
  received: ImportedRecord[];
  refused: string[];
}

/** Beside the kept files of a ceremony; not a transcript file (another extension), so never read as one. */
const EXCHANGE_FILE = 'control-plane-exchange.json';

interface Kept extends TranscriptBundle {
  /** Where it came from; outside the signed part. */
  receivedFrom?: string;
}

const entriesOf = (text: string) => text.split('\n').filter(Boolean).length;

export function createMergedCeremonyService(deps: {
  dataDir: string;
  clock: Clock;
  ceremony: Pick<CeremonyService, 'currentId'>;
  transcript: Pick<CeremonyTranscripts, 'pathOf' | 'ceremonyKey'>;
  plan: () => { plan: CeremonyPlan; fingerprint: string };
  /** How this workstation is named in the plan. */
  label: () => string;
  chooseSavePath?(suggestedName: string, kind: 'pdf' | 'json'): Promise<string | null>;
}): MergedCeremonyService {
  // Kept per ceremony of this workstation: a later ceremony (a key rotation) never counts the files of an earlier one.
  const dirOf = (): string | null => {
    const id = deps.ceremony.currentId();
    return id ? path.join(deps.dataDir, 'ceremony', 'workstations', id) : null;
  };
  const fileOf = (dir: string, key: string) => path.join(dir, `${keyFingerprint(key).replaceAll(':', '')}${BUNDLE_EXTENSION}`);

  function ownText(): { ceremony: string; text: string } | null {
    const id = deps.ceremony.currentId();
    if (!id) return null;
    const p = deps.transcript.pathOf(id);
    if (!existsSync(p)) return null;
    return { ceremony: id, text: readFileSync(p, 'utf8') };
  }

  function readKept(file: string): Kept | null {
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Kept;
      const { receivedFrom, ...bundle } = raw;
      parseBundle(JSON.stringify(bundle), ed25519Verify);
      return { ...bundle, ...(receivedFrom ? { receivedFrom } : {}) };
    } catch {
      return null;
    }
  }

  function record(b: Kept): ImportedRecord {
    return { workstation: b.workstation.label, keyFingerprint: keyFingerprint(b.workstation.key), source: b.receivedFrom ?? 'file', exportedAt: b.exportedAt, entries: entriesOf(b.transcript) };
  }

  function keep(b: TranscriptBundle, source: string): ImportedRecord {
    const me = deps.transcript.ceremonyKey();
    if (b.workstation.key === me.publicKey) {
      throw new KeyholderError('bundle.own_file', 'This is this workstation’s own transcript file: it is already here. Import the files of the other workstations.');
    }
    const { plan } = deps.plan();
    if (!plan.workstations.some((w) => w.key === b.workstation.key)) {
      throw new KeyholderError(
        'bundle.not_in_plan',
        `The file of "${b.workstation.label}" is signed by a workstation (ceremony key ${keyFingerprint(b.workstation.key)}) that is not in this workstation's ceremony plan. Exchange the ceremony plans first (Supervised activation screen) and compare the plan fingerprints aloud; then import the file again.`,
      );
    }
    // The chain must verify before it is kept: a tampered file is refused here, not only flagged later.
    const r = verifyTranscript(b.transcript, ed25519Verify, { allowOpen: true });
    if (!r.ok && r.fault.reason !== 'not-closed') {
      throw new KeyholderError('bundle.transcript_tampered', `The transcript inside the file of "${b.workstation.label}" fails verification (${r.fault.reason} at line ${r.fault.line}): ${r.fault.message} It was not imported.`);
    }
    const dir = dirOf();
    if (!dir) {
      throw new KeyholderError('ceremony.nothing_recorded', 'Nothing is recorded on this workstation yet, so there is no ceremony to add the other workstations’ files to. Import the ceremony plan (Supervised activation) or record this workstation’s first step, then import the files.');
    }
    const target = fileOf(dir, b.workstation.key);
    const had = existsSync(target) ? readKept(target) : null;
    if (had) {
      const older = had.transcript;
      const newer = b.transcript;
      if (newer.length < older.length && older.startsWith(newer)) {
        throw new KeyholderError('bundle.older_copy', `This file of "${b.workstation.label}" is an older copy (${entriesOf(newer)} entries) of the one already imported (${entriesOf(older)} entries); nothing changed.`);
      }
      if (!newer.startsWith(older)) {
        throw new KeyholderError('bundle.forked', `This file of "${b.workstation.label}" does not continue the transcript imported from it before (another ceremony, or a record that was rewritten). Find out which is the ceremony's; the earlier import is kept.`);
      }
    }
    mkdirSync(dir, { recursive: true });
    const kept: Kept = { ...b, receivedFrom: source };
    writePrivateFile(target + '.tmp', JSON.stringify(kept) + '\n');
    renameSync(target + '.tmp', target);
    return record(kept);
  }

  function importText(text: string, source: string): ImportedRecord {
    return keep(parseBundle(text, ed25519Verify), source);
  }

  function imported(): Kept[] {
    const dir = dirOf();
    if (!dir || !existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => n.endsWith(BUNDLE_EXTENSION))
      .map((n) => readKept(path.join(dir, n)))
      .filter((b): b is Kept => b !== null);
  }

  function merged(o: { requireClosed?: boolean } = {}): MergedCeremony {
    const { plan } = deps.plan();
    const transcripts: WorkstationTranscript[] = [];
    const own = ownText();
    if (own) transcripts.push({ source: 'this workstation', bytes: own.text });
    for (const b of imported()) transcripts.push({ source: `${b.workstation.label} (${b.receivedFrom ?? 'file'})`, bytes: b.transcript });
    return mergeCeremony({ workstations: plan.workstations, transcripts, verify: ed25519Verify, ...(o.requireClosed ? { requireClosed: true } : {}) });
  }

  function exportOwn() {
    const own = ownText();
    if (!own) throw new KeyholderError('ceremony.nothing_recorded', 'This workstation has recorded nothing yet: there is no transcript to export.');
    const key = deps.transcript.ceremonyKey();
    const { plan, fingerprint } = deps.plan();
    const bundle = signBundle(
      {
        format: 'keyholder-transcript-bundle',
        v: 1,
        exportedAt: deps.clock.now().toISOString(),
        workstation: { label: deps.label(), key: key.publicKey },
        ceremony: own.ceremony,
        planFingerprint: fingerprint,
        planWorkstations: plan.workstations.map((w) => ({ label: w.label, key: w.key })),
        transcript: own.text,
      },
      (m) => key.sign(m),
    );
    return { name: `transcript-${key.fingerprint.replaceAll(':', '').slice(0, 8)}-${own.ceremony}${BUNDLE_EXTENSION}`, text: serializeBundle(bundle), bundle };
  }

  return {
    merged,
    exportOwn,
    view(controlPlane = { state: 'not_connected' as const }) {
      const m = merged();
      const me = deps.transcript.ceremonyKey();
      const rec = (r: Recorder) => ({ workstation: r.workstation, keyFingerprint: r.keyFingerprint, role: roleTitle(r.role) });
      const findings = (list: Finding[]) => list.map((f) => ({ kind: f.kind, message: f.message, ...(f.workstation ? { workstation: f.workstation } : {}) }));
      return {
        planFingerprint: deps.plan().fingerprint,
        thisWorkstation: { label: deps.label(), keyFingerprint: me.fingerprint },
        workstations: m.workstations.map((w) => ({ ...rec(w), source: w.source, entries: w.entries, closed: w.closed, state: w.state, thisOne: w.keyFingerprint === me.fingerprint })),
        steps: m.steps.map((st) => ({ id: st.id, title: st.title, holder: st.holder, state: st.state, waitingFor: st.waitingFor, recordedBy: st.recordedBy ? { ...rec(st.recordedBy), seq: st.recordedBy.seq, at: st.recordedBy.at } : null })),
        entries: m.entries.map((e) => ({ ...rec(e), seq: e.seq, at: e.at, kind: e.kind, details: describeEntry(e.kind, e.data), words: entryWords(e.kind, e.data), recordedAs: e.recordedAs })),
        faults: findings(m.faults),
        gaps: findings(m.gaps),
        deviations: findings(m.deviations),
        conflicts: findings(m.conflicts),
        resolved: findings(m.resolved),
        complete: m.complete,
        controlPlane,
      };
    },
    async sync(cp, o = {}) {
      const plan = deps.plan().plan;
      let sent = false;
      if (ownText()) {
        await cp.sendCeremonyTranscript({ plan, bundle: exportOwn().bundle }, o);
        sent = true;
      }
      const refused: string[] = [];
      const relayed: string[] = [];
      // Files brought by hand (the custodians', a supervisor's): the control plane checks each against the pinned plan's
      // workstation key, not against who sends it, so a holder's workstation may pass them on unchanged.
      for (const b of imported().filter((k) => k.receivedFrom !== 'control plane')) {
        const { receivedFrom: _from, ...bundle } = b;
        void _from;
        try {
          await cp.sendCeremonyTranscript({ plan, bundle }, o);
          relayed.push(b.workstation.label);
        } catch (e) {
          // Unreachable now: the whole exchange failed, said as such by the caller.
          if (e instanceof KeyholderError && /^control_plane\.(unreachable|timeout|tls)$/.test(e.code)) throw e;
          refused.push(`The control plane did not take the file of "${b.workstation.label}" passed on from here: ${e instanceof KeyholderError ? e.message : 'it could not be sent.'}`);
        }
      }
      const me = deps.transcript.ceremonyKey().publicKey;
      const received: ImportedRecord[] = [];
      for (const raw of (await cp.ceremonyTranscripts(o)).transcripts) {
        const { receivedAt: _at, ...b } = raw;
        void _at;
        try {
          const bundle = parseBundle(JSON.stringify(b), ed25519Verify);
          if (bundle.workstation.key === me) continue;
          const had = imported().find((k) => k.workstation.key === bundle.workstation.key);
          // Already here, or an older copy of what is here: nothing to do.
          if (had && had.transcript.startsWith(bundle.transcript)) continue;
          received.push(keep(bundle, 'control plane'));
        } catch (e) {
          refused.push(e instanceof KeyholderError ? e.message : 'A transcript from the control plane could not be read.');
        }
      }
      const at = deps.clock.now().toISOString();
      const dir = dirOf();
      if (dir) {
        mkdirSync(dir, { recursive: true });
        writePrivateFile(path.join(dir, EXCHANGE_FILE), JSON.stringify({ at }) + '\n');
      }
      return { at, sent, relayed, received, refused };
    },
    lastExchange() {
      const dir = dirOf();
      if (!dir) return null;
      try {
        const at = (JSON.parse(readFileSync(path.join(dir, EXCHANGE_FILE), 'utf8')) as { at?: unknown }).at;
        return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? { at } : null;
      } catch {
        return null;
      }
    },
    async saveOwn() {
      const out = exportOwn();
      let target: string | null;
      if (deps.chooseSavePath) target = await deps.chooseSavePath(out.name, 'json');
      else {
        const exportsDir = path.join(deps.dataDir, 'exports');
        mkdirSync(exportsDir, { recursive: true });
        target = path.join(exportsDir, out.name);
      }
      if (!target) return { saved: false };
      try {
        writePrivateFile(target, out.text);
      } catch (e) {
        throw new KeyholderError('ceremony.export_write_failed', `This workstation's file could not be written to ${target} (${(e as NodeJS.ErrnoException).code ?? 'error'}). Choose another folder.`);
      }
      return { saved: true, path: target };
    },
    importText,
    async importFile(file) {
      let bytes: Uint8Array;
      try {
        bytes = await readRegularFile(file, MAX_BUNDLE_BYTES);
      } catch (e) {
        const f = e instanceof BoundedReadError ? e.failure : null;
        if (f?.kind === 'not-a-file') throw new KeyholderError('bundle.not_a_file', `${file} is not a workstation's transcript file: it is not a regular file.`);
        if (f?.kind === 'too-large') throw new KeyholderError('bundle.too_large', `${file} is larger than any workstation's transcript file: it is not one.`);
        throw new KeyholderError('bundle.unreadable', `${file} cannot be read (${f?.kind === 'missing' ? 'no such file' : f?.kind === 'unreadable' ? f.code : 'error'}). Check the path.`);
      }
      return importText(new TextDecoder().decode(bytes), `file ${path.basename(file)}`);
    },
    keep,
    imported: () => imported().map(record),
    otherReceipts() {
      return imported().flatMap((b) =>
        b.transcript
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as TranscriptEntry)
          .filter((e) => e.kind !== OPENING_KIND && e.kind !== CLOSING_KIND)
          .map((e) => (LOCAL_DEVIATION_KINDS.has(e.kind) && typeof e.data.step === 'string' && e.data.entry && typeof e.data.entry === 'object' && !Array.isArray(e.data.entry) ? { kind: e.data.step, data: e.data.entry } : { kind: e.kind, data: e.data })),
      );
    },
  };
}

