/**
 * `keyholder transcript verify FILE`: exit 0 only for an intact, closed
 * transcript whose final hash or signing key matches what the holder brings
 * from the printed ceremony report. Intact and closed but with nothing to
 * compare against is a distinct status (4): a whole transcript re-signed by
 * another key is intact and closed too, so it proves nothing on its own.
 * Anyone can run it: it needs the file only.
 */
import path from 'node:path';
import { isKeyholderError } from '../../../shared/errors/index';
import { verifyTranscriptFile } from '../../services/transcript/transcript-service';
import type { CliCommand } from '../io';
import { defineCommand, usageError } from '../command';

export const EXIT_INTACT = 0;
export const EXIT_FAULT = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_ANCHORED = 4;

const verify: CliCommand = defineCommand(
  {
    name: 'transcript verify',
    summary: 'Check a ceremony transcript: intact, in order, signed, closed, and the one on the report',
    operands: 'FILE',
    options: {
      'final-hash': { type: 'string', value: 'HEX', help: 'the final hash printed on the ceremony report (64 hexadecimal characters)' },
      key: { type: 'string', value: 'FINGERPRINT', help: 'the workstation key’s fingerprint from the ceremony report' },
    },
    json: '{ file, ok, anchored, ceremony, entries, finalHash, signerFingerprint, ... } or { file, ok: false, fault }',
    example: 'keyholder transcript verify transcript/ceremony-2026.jsonl --final-hash 3f2a…',
    exits: {
      [EXIT_INTACT]: 'intact, closed, and it matches the --final-hash or --key given',
      [EXIT_FAULT]: 'not intact (the first entry at fault is named), not closed, a mismatch, or unreadable',
      [EXIT_NOT_ANCHORED]: 'intact and closed, but nothing was given to compare it with: a copy re-signed by another key would look the same',
    },
  },
  async ({ values, positionals, json }, io) => {
    if (positionals.length !== 1) return usageError(io, 'transcript verify', 'give exactly one transcript file.');
    const finalHash = values['final-hash'] as string | undefined;
    const key = values.key as string | undefined;
    if (finalHash !== undefined && !/^[0-9a-fA-F]{64}$/.test(finalHash)) return usageError(io, 'transcript verify', '--final-hash takes the 64 hexadecimal characters printed on the ceremony report.');
    const file = path.resolve(io.cwd, positionals[0]!);
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
