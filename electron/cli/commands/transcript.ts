/**
 * `keyholder transcript verify FILE`: exit 0 only for an intact, closed
 * transcript whose final hash or signing key matches what the holder brings
 * from the printed ceremony report. Intact and closed but with nothing to
 * compare against is a distinct status (4): a whole transcript re-signed by
 * another key is intact and closed too, so it proves nothing on its own.
 * Anyone can run it: it needs the file only.
 *
 * Given several files or a folder (every workstation's file of one
 * ceremony), it checks the whole ceremony: each file, their agreement with
 * each other (shared/ceremony/merge.ts) and with the final hashes the control
 * plane holds. A file tampered with (1) and a file left out (5) exit with
 * different statuses, so a monitoring job can tell them apart.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { isKeyholderError } from '../../../shared/errors/index';
import { verifyTranscriptFile } from '../../services/transcript/transcript-service';
import { verifyBundle, type BundleVerification } from '../../services/ceremony/bundle-verify';
import { readRegularFile } from '../../services/platform/bounded-read';
import { roleTitle } from '../../../shared/ceremony/merge';
import { BUNDLE_EXTENSION } from '../../../shared/transcript/bundle';
import type { CliCommand, CliIo } from '../io';
import { defineCommand, listOf, usageError } from '../command';

const EXIT_INTACT = 0;
const EXIT_FAULT = 1;
const EXIT_NOT_ANCHORED = 4;
const EXIT_INCOMPLETE = 5;
const EXIT_DISAGREE = 6;

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Every 64-hex `finalHash` in a records file (the control plane's ceremony records, `receipts.json`). */
function finalHashesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) finalHashesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'finalHash' && typeof v === 'string' && HEX64.test(v)) out.push(v.toLowerCase());
      else finalHashesIn(v, out);
    }
  }
  return out;
}

function isBundle(paths: string[]): boolean {
  if (paths.length !== 1) return true;
  if (paths[0]!.endsWith(BUNDLE_EXTENSION)) return true;
  try {
    return statSync(paths[0]!).isDirectory();
  } catch {
    return false;
  }
}

const EXIT_OF: Record<BundleVerification['outcome'], number> = { accepted: EXIT_INTACT, fault: EXIT_FAULT, incomplete: EXIT_INCOMPLETE, disagree: EXIT_DISAGREE, 'not-anchored': EXIT_NOT_ANCHORED };

function printBundle(v: BundleVerification, io: CliIo): void {
  const m = v.merged;
  const say = v.outcome === 'accepted' || v.outcome === 'not-anchored' ? io.out : io.err;
  const headline: Record<BundleVerification['outcome'], string> = {
    accepted: 'The whole ceremony: every workstation’s transcript intact and closed, in agreement, and anchored by the final hashes given.',
    'not-anchored': 'Every workstation’s transcript is intact, closed and in agreement, but NOT compared with the control plane’s final hashes: run again with --final-hash (or --records).',
    fault: 'NOT accepted: a file was tampered with, is not from a workstation of the ceremony, or is not the one the control plane holds.',
    incomplete: 'NOT accepted: the ceremony is incomplete: a workstation’s file is missing or cut short.',
    disagree: 'NOT accepted: the workstations’ transcripts disagree (steps out of order, or the same step claimed twice).',
  };
  say(headline[v.outcome]);
  for (const f of v.files) {
    io.out(`  ${path.basename(f.file)}: ${f.problem ? `REFUSED: ${f.problem}` : `${f.workstation} (key ${f.keyFingerprint})${f.finalHash ? `, final hash ${f.finalHash}${f.anchored ? ' (matches)' : ''}` : ', not closed'}`}`);
  }
  for (const w of m.workstations) if (w.state !== 'merged') io.out(`  workstation ${w.workstation} (key ${w.keyFingerprint}): ${w.state === 'missing' ? 'NO FILE' : w.state}`);
  for (const h of v.unmatchedHashes) say(`Final hash ${h} is not the final hash of any file given: the control plane holds a transcript that is not here, or a file was changed.`);
  for (const group of [m.faults, m.gaps, m.conflicts, m.deviations]) for (const f of group) say(`- ${f.message}`);
  if (v.planFingerprints.length > 1) io.out(`Note: the files were exported under different ceremony plans (${v.planFingerprints.join(', ')}); a plan changes when someone is enrolled.`);
  const done = m.steps.filter((s) => s.state === 'done');
  io.out(`Steps recorded: ${done.length} of ${m.steps.length}.`);
  for (const s of done) if (s.recordedBy) io.out(`  ${s.title}: ${roleTitle(s.recordedBy.role)} (${s.recordedBy.workstation}), entry ${s.recordedBy.seq}, ${s.recordedBy.at}`);
}

const verify: CliCommand = defineCommand(
  {
    name: 'transcript verify',
    summary: 'Check a ceremony transcript: intact, in order, signed, closed, and the one on the report',
    operands: 'FILE | FILE... | FOLDER',
    options: {
      'final-hash': { type: 'string', multiple: true, value: 'HEX', help: 'a final hash from the ceremony report or the control plane (64 hexadecimal characters); one per workstation that sent one' },
      records: { type: 'string', value: 'FILE', help: 'a JSON file of the control plane’s ceremony records: every "finalHash" in it is compared, as with --final-hash' },
      key: { type: 'string', value: 'FINGERPRINT', help: 'the workstation key’s fingerprint from the ceremony report (one transcript file only)' },
    },
    json: '{ file, ok, anchored, ceremony, entries, finalHash, signerFingerprint, ... } or { file, ok: false, fault }; for several files { outcome, files, workstations, steps, faults, gaps, deviations, conflicts, resolved }',
    example: 'keyholder transcript verify transcript/ceremony-2026.jsonl --final-hash 3f2a…   or   keyholder transcript verify ceremony-files/ --records ceremony-records.json',
    exits: {
      [EXIT_INTACT]: 'intact, closed, and it matches the --final-hash or --key given; for several files: the whole ceremony, in agreement, anchored',
      [EXIT_FAULT]: 'not intact (the first entry at fault is named), not closed, a mismatch, or unreadable; for several files: a file tampered with, not from a planned workstation, or a final hash no file ends with',
      [EXIT_NOT_ANCHORED]: 'intact and closed, but nothing was given to compare it with: a copy re-signed by another key would look the same',
      [EXIT_INCOMPLETE]: 'several files: a planned workstation’s file is left out, a transcript is not closed or cut short, or steps nobody recorded',
      [EXIT_DISAGREE]: 'several files: the workstations’ transcripts disagree (a step out of order in the merged ceremony, a holder’s step claimed by two workstations, receipts naming different keys)',
    },
  },
  async ({ values, positionals, json }, io) => {
    if (positionals.length === 0) return usageError(io, 'transcript verify', 'give a transcript file, several workstations’ files, or a folder of them.');
    const hashes = listOf(values['final-hash']);
    const key = values.key as string | undefined;
    if (hashes.some((h) => !HEX64.test(h))) return usageError(io, 'transcript verify', '--final-hash takes the 64 hexadecimal characters printed on the ceremony report.');
    const paths = positionals.map((p) => path.resolve(io.cwd, p));
    const recordsFile = values.records as string | undefined;
    if (isBundle(paths) || recordsFile !== undefined) {
      if (key !== undefined) return usageError(io, 'transcript verify', '--key checks one transcript file; for several files the plan in each file names the workstations.');
      if (recordsFile !== undefined) {
        try {
          hashes.push(...finalHashesIn(JSON.parse(new TextDecoder().decode(await readRegularFile(path.resolve(io.cwd, recordsFile), 16 * 2 ** 20)))));
        } catch {
          return usageError(io, 'transcript verify', `--records takes a JSON file of ceremony records; ${recordsFile} cannot be read as one.`);
        }
      }
      let v: BundleVerification;
      try {
        v = await verifyBundle(paths, hashes);
      } catch (e) {
        if (!isKeyholderError(e)) throw e;
        if (json) io.out(JSON.stringify({ ok: false, code: e.code, message: e.message }));
        else io.err(`keyholder transcript verify: [${e.code}] ${e.message}`);
        return EXIT_FAULT;
      }
      if (json) {
        const m = v.merged;
        io.out(JSON.stringify({ outcome: v.outcome, ok: v.outcome === 'accepted', files: v.files, unmatchedHashes: v.unmatchedHashes, planFingerprints: v.planFingerprints, workstations: m.workstations, steps: m.steps, faults: m.faults, gaps: m.gaps, deviations: m.deviations, conflicts: m.conflicts, resolved: m.resolved }));
      } else printBundle(v, io);
      return EXIT_OF[v.outcome];
    }
    if (hashes.length > 1) return usageError(io, 'transcript verify', 'one transcript file has one final hash: give --final-hash once.');
    const finalHash = hashes[0];
    const file = paths[0]!;
    let result;
    try {
      result = verifyTranscriptFile(file, { ...(finalHash ? { expectedFinalHash: finalHash } : {}), ...(key ? { expectedSigner: key } : {}) });
    } catch (e) {
      if (!isKeyholderError(e)) throw e;
      if (json) io.out(JSON.stringify({ file, ok: false, code: e.code, message: e.message }));
      else io.err(`keyholder transcript verify: [${e.code}] ${e.message}`);
      return EXIT_FAULT;
    }
    const anchored = result.ok && (finalHash !== undefined || key !== undefined);
    if (json) {
      io.out(JSON.stringify({ file, ...result, ...(result.ok ? { anchored } : {}) }));
    } else if (result.ok && anchored) {
      io.out(`Intact, closed, and the one on the report: ceremony ${result.ceremony}, ${result.entries} entries, ${result.openedAt} to ${result.closedAt}.`);
      io.out(`Signed by workstation key ${result.signerFingerprint}.`);
      io.out(`Final hash: ${result.finalHash}`);
    } else if (result.ok) {
      io.out(`Intact and closed, but NOT compared with the ceremony report: ceremony ${result.ceremony}, ${result.entries} entries, ${result.openedAt} to ${result.closedAt}.`);
      io.out(`Signed by workstation key ${result.signerFingerprint}.`);
      io.out(`Final hash: ${result.finalHash}`);
      io.out('A copy re-signed by another key would also be intact and closed: run again with --final-hash (or --key) from the printed ceremony report.');
    } else {
      const f = result.fault;
      io.err(`NOT intact: ${f.reason} at line ${f.line}${f.seq !== undefined ? ` (entry ${f.seq})` : ''}.`);
      io.err(f.message);
    }
    return !result.ok ? EXIT_FAULT : anchored ? EXIT_INTACT : EXIT_NOT_ANCHORED;
  },
);

export const transcriptCommands: CliCommand[] = [verify];
