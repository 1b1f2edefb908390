/**
 * Verification of a whole ceremony from its workstations' files (an auditor's
 * `keyholder transcript verify A B C` or a folder): each file read with a
 * bounded read, each signed file's signature checked, the workstations
 * planned by any of them expected, and everything merged by the shared model
 * with every chain required to be closed. The final hashes the control plane
 * holds (or the printed reports) anchor it.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { keyFingerprint, type TranscriptEntry } from '../../../shared/transcript/entry';
import { BUNDLE_EXTENSION, MAX_BUNDLE_BYTES, parseBundle } from '../../../shared/transcript/bundle';
import { mergeCeremony, type MergedCeremony, type PlannedWorkstation, type WorkstationTranscript } from '../../../shared/ceremony/merge';
import { lineHash } from '../../../shared/transcript/entry';
import { BoundedReadError, readRegularFile } from '../platform/bounded-read';
import { ed25519Verify } from '../transcript/ed25519';
import { MAX_TRANSCRIPT_BYTES } from '../transcript/transcript-service';

export interface BundleFileResult {
  file: string;
  workstation: string | null;
  keyFingerprint: string | null;
  finalHash: string | null;
  /** The final hash was among those given. */
  anchored: boolean;
  problem: string | null;
}

export interface BundleVerification {
  files: BundleFileResult[];
  merged: MergedCeremony;
  /** Final hashes given that no file of the bundle ends with. */
  unmatchedHashes: string[];
  /** Plan fingerprints the signed files carry (more than one: the workstations did not hold the same plan). */
  planFingerprints: string[];
  outcome: 'accepted' | 'fault' | 'incomplete' | 'disagree' | 'not-anchored';
}

const MAX_FILES = 32;

/** The files of a bundle: the paths given, a folder's `.khtranscript` and `.jsonl` files. */
function bundleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir) {
      const found = readdirSync(p).sort().filter((n) => n.endsWith(BUNDLE_EXTENSION) || n.endsWith('.jsonl'));
      if (!found.length) throw new KeyholderError('bundle.empty_folder', `${p} holds no workstation transcript files (${BUNDLE_EXTENSION} or .jsonl).`);
      for (const n of found) out.push(path.join(p, n));
    } else out.push(p);
  }
  if (out.length > MAX_FILES) throw new KeyholderError('bundle.too_many_files', `A ceremony has at most ${MAX_FILES} workstation files; ${out.length} were given.`);
  return out;
}

async function readBounded(file: string, max: number): Promise<string> {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await readRegularFile(file, max));
  } catch (e) {
    const f = e instanceof BoundedReadError ? e.failure : null;
    if (f?.kind === 'not-a-file') throw new KeyholderError('bundle.not_a_file', `${file} is not a regular file (a folder, a device or a pipe).`);
    if (f?.kind === 'too-large') throw new KeyholderError('bundle.too_large', `${file} is larger than any workstation's transcript: it is not one.`);
    if (f?.kind === 'missing') throw new KeyholderError('bundle.unreadable', `${file} does not exist. Check the path.`);
    if (f) throw new KeyholderError('bundle.unreadable', `${file} cannot be read (${f.kind === 'unreadable' ? f.code : f.kind}).`);
    throw new KeyholderError('bundle.unreadable', `${file} is not UTF-8 text: it is not a transcript.`);
  }
}

export async function verifyBundle(paths: readonly string[], finalHashes: readonly string[]): Promise<BundleVerification> {
  const wanted = new Set(finalHashes.map((h) => h.toLowerCase()));
  const files: BundleFileResult[] = [];
  const transcripts: WorkstationTranscript[] = [];
  const planned = new Map<string, PlannedWorkstation>();
  const planFingerprints = new Set<string>();
  for (const file of bundleFiles(paths)) {
    const name = path.basename(file);
    const result: BundleFileResult = { file, workstation: null, keyFingerprint: null, finalHash: null, anchored: false, problem: null };
    files.push(result);
    try {
      let text: string;
      if (file.endsWith('.jsonl')) {
        text = await readBounded(file, MAX_TRANSCRIPT_BYTES);
        const first = JSON.parse(text.slice(0, text.indexOf('\n'))) as TranscriptEntry;
        // A bare transcript names no label: it is known by its key, which another file's plan must list.
        result.workstation = name;
        result.keyFingerprint = keyFingerprint(first.signer);
      } else {
        const b = parseBundle(await readBounded(file, MAX_BUNDLE_BYTES), ed25519Verify);
        text = b.transcript;
        result.workstation = b.workstation.label;
        result.keyFingerprint = keyFingerprint(b.workstation.key);
        if (b.planFingerprint) planFingerprints.add(b.planFingerprint);
        for (const w of b.planWorkstations) if (!planned.has(w.key)) planned.set(w.key, w);
        if (!planned.has(b.workstation.key)) planned.set(b.workstation.key, b.workstation);
      }
      const lines = text.split('\n').filter(Boolean);
      const last = lines.at(-1);
      if (last && (JSON.parse(last) as TranscriptEntry).kind === 'ceremony.closed') result.finalHash = lineHash(last);
      result.anchored = result.finalHash !== null && wanted.has(result.finalHash);
      transcripts.push({ source: name, bytes: text });
    } catch (e) {
      result.problem = isKeyholderError(e) ? e.message : `${name} is not a transcript (it cannot be read as one).`;
    }
  }
  // Bare transcripts' keys, where no signed file's plan named them, are planned only by themselves.
  for (const t of transcripts) {
    const first = JSON.parse((t.bytes as string).slice(0, (t.bytes as string).indexOf('\n'))) as TranscriptEntry;
    if (!planned.has(first.signer)) planned.set(first.signer, { label: t.source, key: first.signer });
  }
  const merged = mergeCeremony({ workstations: [...planned.values()], transcripts, verify: ed25519Verify, requireClosed: true });
  const unmatchedHashes = [...wanted].filter((h) => !files.some((f) => f.finalHash === h));
  const fault = files.some((f) => f.problem) || merged.faults.length > 0 || unmatchedHashes.length > 0;
  const outcome: BundleVerification['outcome'] = fault
    ? 'fault'
    : merged.gaps.length
      ? 'incomplete'
      : merged.conflicts.length || merged.deviations.length
        ? 'disagree'
        : files.some((f) => f.anchored)
          ? 'accepted'
          : 'not-anchored';
  return { files, merged, unmatchedHashes, planFingerprints: [...planFingerprints], outcome };
}
