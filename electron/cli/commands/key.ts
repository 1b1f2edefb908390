/** `keyholder key fingerprint FILE`: the fingerprint of a public key from a PEM, a JWK or a Key Vault key JSON. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { fingerprintOfText } from '../../services/keys/source-key';
import type { CliCommand } from '../io';

const fingerprint: CliCommand = {
  name: 'key fingerprint',
  summary: 'Fingerprint (SHA-256 of the public key) of a PEM or JWK file',
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    } catch (e) {
      io.err(`keyholder key fingerprint: ${(e as Error).message}`);
      return 2;
    }
    const json = parsed.values.json === true;
    if (parsed.positionals.length !== 1) {
      io.err('keyholder key fingerprint: give exactly one file (PEM, JWK or Key Vault key JSON).');
      return 2;
    }
    const file = path.resolve(io.cwd, parsed.positionals[0]!);
    try {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        throw new KeyholderError('keys.file_unreadable', `Cannot read ${file}.`);
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
};

export const keyCommands: CliCommand[] = [fingerprint];
