/**
 * `keyholder transcript verify FILE [--json]`: exit 0 only for an intact,
 * closed transcript; otherwise non-zero, naming the first entry at fault and
 * why. Anyone can run it: it needs the file only (and, to rule out a whole
 * transcript re-signed by another key, the final hash or key fingerprint
 * from the printed ceremony report).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { verifyTranscriptFile } from '../../services/transcript/transcript-service';
import type { CliCommand, CliIo } from '../io';

export const EXIT_INTACT = 0;
export const EXIT_FAULT = 1;
export const EXIT_USAGE = 2;

const USAGE = 'Usage: keyholder transcript verify FILE [--json] [--final-hash HEX] [--key FINGERPRINT]';

async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, 'final-hash': { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (e) {
    io.err(`keyholder transcript verify: ${(e as Error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return EXIT_INTACT;
  }
  if (positionals.length !== 1) {
    io.err(`keyholder transcript verify: give exactly one transcript file.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const finalHash = values['final-hash'];
  if (finalHash !== undefined && !/^[0-9a-fA-F]{64}$/.test(finalHash)) {
    io.err('keyholder transcript verify: --final-hash takes the 64 hexadecimal characters printed on the ceremony report.');
    return EXIT_USAGE;
  }
  const file = path.resolve(io.cwd, positionals[0]!);
  const result = verifyTranscriptFile(file, { ...(finalHash ? { expectedFinalHash: finalHash } : {}), ...(values.key ? { expectedSigner: values.key } : {}) });
  if (values.json) {
    io.out(JSON.stringify({ file, ...result }));
  } else if (result.ok) {
    io.out(`Intact and closed: ceremony ${result.ceremony}, ${result.entries} entries, ${result.openedAt} to ${result.closedAt}.`);
    io.out(`Signed by workstation key ${result.signerFingerprint}.`);
    io.out(`Final hash: ${result.finalHash}`);
    if (!finalHash && !values.key) io.out('Compare the final hash with the printed ceremony report (or pass --final-hash) to rule out a re-signed copy.');
  } else {
    const f = result.fault;
    io.err(`NOT intact: ${f.reason} at line ${f.line}${f.seq !== undefined ? ` (entry ${f.seq})` : ''}.`);
    io.err(f.message);
  }
  return result.ok ? EXIT_INTACT : EXIT_FAULT;
}

export const transcriptCommands: CliCommand[] = [{ name: 'transcript verify', summary: 'Check a ceremony transcript: intact, in order, signed and closed', run: verifyCommand }];
