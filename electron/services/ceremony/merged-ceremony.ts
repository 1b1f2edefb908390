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
import { LOCAL_DEVIATION_KINDS, mergeCeremony, type MergedCeremony, type WorkstationTranscript } from '../../../shared/ceremony/merge';
import type { CeremonyPlan } from '../../../shared/ceremony/plan';
import type { Clock } from '../platform/clock';
import { BoundedReadError, readRegularFile } from '../platform/bounded-read';
import { writePrivateFile } from '../platform/private-file';
import { ed25519Verify } from '../transcript/ed25519';
import type { CeremonyTranscripts } from '../transcript/index';
import type { CeremonyService } from './ceremony-service';

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
}

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
}): MergedCeremonyService {
  const dir = path.join(deps.dataDir, 'ceremony', 'workstations');
  const fileOf = (key: string) => path.join(dir, `${keyFingerprint(key).replaceAll(':', '')}${BUNDLE_EXTENSION}`);

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
    const target = fileOf(b.workstation.key);
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
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => n.endsWith(BUNDLE_EXTENSION))
      .map((n) => readKept(path.join(dir, n)))
      .filter((b): b is Kept => b !== null);
  }

  return {
    exportOwn() {
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
      const first = JSON.parse(own.text.slice(0, own.text.indexOf('\n'))) as TranscriptEntry;
      return { name: `transcript-${key.fingerprint.replaceAll(':', '').slice(0, 8)}-${first.ceremony}${BUNDLE_EXTENSION}`, text: serializeBundle(bundle), bundle };
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
    merged(o = {}) {
      const { plan } = deps.plan();
      const transcripts: WorkstationTranscript[] = [];
      const own = ownText();
      if (own) transcripts.push({ source: 'this workstation', bytes: own.text });
      for (const b of imported()) transcripts.push({ source: `${b.workstation.label} (${b.receivedFrom ?? 'file'})`, bytes: b.transcript });
      return mergeCeremony({ workstations: plan.workstations, transcripts, verify: ed25519Verify, ...(o.requireClosed ? { requireClosed: true } : {}) });
    },
  };
}

