/** `keyholder key fingerprint FILE`: the fingerprint of a public key from a PEM, a JWK or a Key Vault key JSON. */
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { fingerprintOfText } from '../../services/keys/source-key';
import { BoundedReadError, readRegularFileLinesSync } from '../../services/platform/bounded-read';
import type { CliCommand } from '../io';
import { defineCommand, usageError } from '../command';

const fingerprint: CliCommand = defineCommand(
  {
    name: 'key fingerprint',
    summary: 'Fingerprint (SHA-256 of the public key) of a PEM or JWK file',
    operands: 'FILE',
    options: {},
    json: '{ ok, file, fingerprint, checkValue, modulusBits }, or { ok: false, code, message }',
    example: 'keyholder key fingerprint holder1-public.pem',
    exits: { 0: 'the fingerprint was printed', 1: 'the file cannot be read or holds no RSA public key' },
  },
  async (parsed, io) => {
    const json = parsed.json;
    if (parsed.positionals.length !== 1) return usageError(io, 'key fingerprint', 'give exactly one file (PEM, JWK or Key Vault key JSON).');
    const file = path.resolve(io.cwd, parsed.positionals[0]!);
    try {
      let text: string;
      try {
        // A public key is a few kilobytes: regular files only, capped, so /dev/zero or a FIFO cannot hang the command.
        text = Buffer.from(readRegularFileLinesSync(file, { maxBytes: 1 << 20, maxLines: 20_000 })).toString('utf8');
      } catch (e) {
        const kind = e instanceof BoundedReadError ? e.failure.kind : 'unreadable';
        throw new KeyholderError('keys.file_unreadable', kind === 'not-a-file' ? `${file} is not a regular file.` : kind === 'too-large' || kind === 'too-many-lines' ? `${file} is far larger than any public key file.` : `Cannot read ${file}.`);
      }
      const id = fingerprintOfText(text);
      if (json) io.out(JSON.stringify({ ok: true, file, fingerprint: id.fingerprint, checkValue: id.checkValue, modulusBits: id.modulusBits }));
      else {
        io.out(`Fingerprint: ${id.fingerprintGrouped}`);
        io.out(`Check value: ${id.checkValue}   (RSA ${id.modulusBits})`);
      }
      return 0;
    } catch (e) {
      if (!isKeyholderError(e)) throw e;
      if (json) io.out(JSON.stringify({ ok: false, code: e.code, message: e.message }));
      else io.err(`keyholder key fingerprint: FAILED [${e.code}] ${e.message}`);
      return 1;
    }
  },
);

export const keyCommands: CliCommand[] = [fingerprint];
