/**
 * `keyholder escrow create | inspect | verify | restore`. Passphrases come
 * from files (`--passphrase-file PATH`, repeatable, one per custodian in
 * order; OpenSSL's convention: the first line) or a no-echo prompt, never
 * from the command line, where other users and shell history could see them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { PRODUCTION_KDF, TEST_KDF, describeScrypt } from '../../../shared/escrow/kdf-profiles';
// The prefix is for people reading the header; the authenticated mark (mode 'rehearsal') is what live mode checks.
import { REHEARSAL_PURPOSE_PREFIX } from '../../../shared/escrow/mode-policy';
import { groupFingerprint, checkValue } from '../../../shared/keys/fingerprint';
import { createEscrowService } from '../../services/escrow/service';
import { RSA_SIZES, DEFAULT_RSA_SIZE, type RsaSize } from '../../services/keys/source-key';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import type { CliCommand, CliIo } from '../io';

export const EXIT_USAGE = 2;
export const EXIT_FAILED = 1;

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>): { values: Values; positionals: string[] } {
  if (args.some((a) => /^--(passphrase|password|pass)(=|$)/.test(a))) {
    throw new KeyholderError('cli.passphrase_on_command_line', 'Passphrases are never accepted on the command line (other users and shell history could read them). Use --passphrase-file PATH, or leave it out to be prompted.');
  }
  try {
    const r = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new KeyholderError('cli.usage', (e as Error).message);
  }
}

/**
 * The escrow service with the production KDF. KEYHOLDER_UNSAFE_TEST_KDF=1
 * (a test-only setting that makes files about 250 times cheaper to attack)
 * is honoured only for `create --rehearsal`, whose header then says so: a
 * variable left in a shell must never quietly weaken a real key's escrow,
 * nor the PEM a real key is restored to.
 */
function service(io: CliIo, dataDir?: string, o: { rehearsal?: boolean } = {}) {
  const unsafe = io.env.KEYHOLDER_UNSAFE_TEST_KDF === '1';
  if (unsafe && o.rehearsal) io.err('keyholder: WARNING: KEYHOLDER_UNSAFE_TEST_KDF=1 with --rehearsal: this rehearsal escrow uses a test-only KDF that is cheap to attack. Never use it for a real key.');
  return createEscrowService({ dataDir: dataDir ?? io.cwd, clock: systemClock, log: silentLogger, kdf: unsafe && o.rehearsal ? TEST_KDF : PRODUCTION_KDF, ...(o.rehearsal ? { mode: 'rehearsal' as const } : {}) });
}

function refuseUnsafeKdfOutsideRehearsal(io: CliIo, rehearsal: boolean): void {
  if (io.env.KEYHOLDER_UNSAFE_TEST_KDF === '1' && !rehearsal) {
    throw new KeyholderError(
      'cli.unsafe_kdf_refused',
      'KEYHOLDER_UNSAFE_TEST_KDF=1 is set, and this is not a --rehearsal escrow: Key Holder will not protect a real key with the test-only KDF. Unset the variable, or add --rehearsal for a throw-away rehearsal file. Nothing was written.',
    );
  }
}


/** First line of the file, as `openssl -passin file:` reads it. */
function readPassphraseFile(io: CliIo, file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
  } catch {
    throw new KeyholderError('cli.passphrase_file', `Cannot read the passphrase file ${file}.`);
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (!first) throw new KeyholderError('cli.passphrase_file', `The passphrase file ${file} is empty (its first line is the passphrase).`);
  return first;
}

async function passphrases(io: CliIo, files: string[], labels: string[], confirm: boolean): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (files[i] !== undefined) {
      out.push(readPassphraseFile(io, files[i]!));
      continue;
    }
    const p = await io.promptHidden(`Passphrase for ${labels[i]}: `);
    if (confirm && (await io.promptHidden(`Again, for ${labels[i]}: `)) !== p) {
      throw new KeyholderError('cli.passphrase_mismatch', `The two passphrases typed for ${labels[i]} differ. Nothing was written; run the command again.`);
    }
    out.push(p);
  }
  return out;
}

const list = (v: Values[string]): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);

function report(io: CliIo, json: boolean, value: Record<string, unknown>, lines: string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const l of lines) io.out(l);
}

/** Failures print one line (or a JSON object) and exit 1, so scripts can tell why. */
async function guarded(io: CliIo, json: boolean, verb: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (!isKeyholderError(e)) throw e;
    if (e.code === 'cli.usage') {
      io.err(`keyholder escrow ${verb}: ${e.message}`);
      return EXIT_USAGE;
    }
    if (json) io.out(JSON.stringify({ ok: false, code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) }));
    else io.err(`keyholder escrow ${verb}: FAILED [${e.code}] ${e.message}`);
    return EXIT_FAILED;
  }
}

const create: CliCommand = {
  name: 'escrow create',
  summary: 'Generate a source key and write its escrow file, custodian PEMs and restore sheet',
  async run(args, io) {
    const json = args.includes('--json');
    return guarded(io, json, 'create', async () => {
      const { values, positionals } = parse(args, {
        out: { type: 'string' },
        custodian: { type: 'string', multiple: true },
        threshold: { type: 'string' },
        bits: { type: 'string' },
        purpose: { type: 'string' },
        'passphrase-file': { type: 'string', multiple: true },
        rehearsal: { type: 'boolean' },
      });
      if (positionals.length) throw new KeyholderError('cli.usage', `unexpected argument "${positionals[0]}".`);
      const rehearsal = values.rehearsal === true;
      refuseUnsafeKdfOutsideRehearsal(io, rehearsal);
      const names = list(values.custodian);
      if (!values.out) throw new KeyholderError('cli.usage', '--out FOLDER is required (where the escrow file, PEMs and restore sheet go).');
      if (names.length === 0) throw new KeyholderError('cli.usage', 'name at least one custodian with --custodian NAME (repeat for each).');
      const threshold = values.threshold === undefined ? 1 : Number(values.threshold);
      const bits = values.bits === undefined ? DEFAULT_RSA_SIZE : Number(values.bits);
      if (!RSA_SIZES.includes(bits as RsaSize)) throw new KeyholderError('cli.usage', `--bits must be one of ${RSA_SIZES.join(', ')}.`);
      const folder = path.resolve(io.cwd, values.out as string);
      const svc = service(io, folder, { rehearsal });
      const pw = await passphrases(io, list(values['passphrase-file']), names, true);
      // The header is authenticated, so a rehearsal file cannot later pass for a real one.
      const purpose = rehearsal ? `${REHEARSAL_PURPOSE_PREFIX}${(values.purpose as string | undefined) ?? 'rehearsal source key'}` : (values.purpose as string | undefined);
      let st = await svc.startCeremony({ modulusBits: bits as RsaSize, purpose, folder });
      try {
        st = await svc.setCustodians(st.sessionId, names, threshold);
        for (let i = 0; i < names.length; i++) st = await svc.enterPassphrase(st.sessionId, i + 1, pw[i]!);
        st = await svc.writeFiles(st.sessionId);
        // The mandatory test-restore, from the files just written.
        for (let i = 0; i < names.length; i++) st = await svc.testRestore(st.sessionId, i + 1, pw[i]!);
      } finally {
        svc.closeCeremony(st.sessionId);
      }
      const w = st.written!;
      report(
        io,
        json,
        {
          ok: true,
          keyId: st.key.keyId,
          fingerprint: st.key.fingerprint,
          checkValue: st.key.checkValue,
          modulusBits: st.key.modulusBits,
          threshold,
          custodians: names,
          escrowFile: w.escrowFile,
          pemFiles: w.pemFiles,
          sheetFile: w.sheetFile,
          receiptFile: st.receiptFile,
          artifacts: w.artifacts,
          weakest: w.weakest,
        },
        [
          `Key ID:       ${st.key.keyId}`,
          `Fingerprint:  ${st.key.fingerprintGrouped}`,
          `Check value:  ${st.key.checkValue}`,
          `Escrow file:  ${w.escrowFile}`,
          ...w.pemFiles.map((f) => `OpenSSL PEM:  ${f}`),
          `Restore sheet: ${w.sheetFile}  (print it)`,
          `Test-restore: passed from disk for ${st.custodians.filter((c) => c.restoreVerified).length} custodian(s); receipt ${st.receiptFile}`,
          `Weakest file: ${w.weakest.file} (${w.weakest.kdf}, ~${w.weakest.gpuGuessesPerSecond} guesses/s per GPU)`,
        ],
      );
      return 0;
    });
  },
};

const inspect: CliCommand = {
  name: 'escrow inspect',
  summary: 'Show an escrow file’s header (no passphrase needed)',
  async run(args, io) {
    const json = args.includes('--json');
    return guarded(io, json, 'inspect', async () => {
      const { positionals } = parse(args, {});
      if (positionals.length !== 1) throw new KeyholderError('cli.usage', 'give exactly one escrow file.');
      const r = await service(io).inspect(path.resolve(io.cwd, positionals[0]!));
      const lines = [`File:    ${r.file}`, `SHA-256: ${r.sha256}`, `Format:  ${r.header.format} v${r.header.version}`];
      for (const k of r.header.keys) {
        lines.push(
          '',
          `Key ID:      ${k.keyId}`,
          `Fingerprint: ${groupFingerprint(k.fingerprint)}`,
          `Check value: ${checkValue(k.fingerprint)}`,
          `Key:         RSA ${k.modulusBits}, created ${k.created}`,
          `Purpose:     ${k.purpose}`,
          `Restore:     ${k.policy.threshold} of ${k.policy.total} custodian(s)`,
          ...k.custodians.map((c) => `  ${c.index}. ${c.name}  (${describeScrypt(c.kdf)})`),
        );
      }
      report(io, json, { ok: true, file: r.file, sha256: r.sha256, header: r.header }, lines);
      return 0;
    });
  },
};

async function unlocksFor(io: CliIo, file: string, values: Values) {
  const info = await service(io).inspect(file);
  const keyId = values['key-id'] as string | undefined;
  const entry = keyId ? info.header.keys.find((k) => k.keyId === keyId.toLowerCase()) : info.header.keys[info.header.keys.length - 1];
  if (!entry) throw new KeyholderError('escrow.unknown_key', `This escrow file holds no key with ID ${keyId}.`);
  const chosen = list(values.custodian);
  const files = list(values['passphrase-file']);
  const who: (string | number)[] = chosen.length ? chosen : Array.from({ length: Math.max(entry.policy.threshold, files.length) }, (_, i) => i + 1);
  const labels = who.map((w) => (typeof w === 'number' ? `custodian ${w} (${entry.custodians[w - 1]?.name ?? '?'})` : `custodian ${w}`));
  const pw = await passphrases(io, files, labels, false);
  return { keyId: entry.keyId, unlocks: who.map((w, i) => ({ custodian: w, passphrase: pw[i]! })) };
}

const verify: CliCommand = {
  name: 'escrow verify',
  summary: 'Prove custodians’ passphrases open an escrow file and the fingerprint matches',
  async run(args, io) {
    const json = args.includes('--json');
    return guarded(io, json, 'verify', async () => {
      const { values, positionals } = parse(args, { custodian: { type: 'string', multiple: true }, 'passphrase-file': { type: 'string', multiple: true }, 'key-id': { type: 'string' } });
      if (positionals.length !== 1) throw new KeyholderError('cli.usage', 'give exactly one escrow file.');
      const file = path.resolve(io.cwd, positionals[0]!);
      const { keyId, unlocks } = await unlocksFor(io, file, values);
      const r = await service(io).verify(file, unlocks, keyId);
      report(io, json, { ok: true, keyId: r.keyId, fingerprint: r.fingerprint, checkValue: r.checkValue, modulusBits: r.modulusBits }, [`OK: key ${r.keyId} restored and matches fingerprint ${r.fingerprintGrouped} (check value ${r.checkValue}).`]);
      return 0;
    });
  },
};

const restore: CliCommand = {
  name: 'escrow restore',
  summary: 'Restore the key from escrow to an OpenSSL PEM under a new passphrase',
  async run(args, io) {
    const json = args.includes('--json');
    return guarded(io, json, 'restore', async () => {
      const { values, positionals } = parse(args, {
        out: { type: 'string' },
        custodian: { type: 'string', multiple: true },
        'passphrase-file': { type: 'string', multiple: true },
        'new-passphrase-file': { type: 'string' },
        'key-id': { type: 'string' },
      });
      if (positionals.length !== 1) throw new KeyholderError('cli.usage', 'give exactly one escrow file.');
      if (!values.out) throw new KeyholderError('cli.usage', '--out FILE.pem is required.');
      const file = path.resolve(io.cwd, positionals[0]!);
      const { keyId, unlocks } = await unlocksFor(io, file, values);
      const fresh = values['new-passphrase-file'] ? readPassphraseFile(io, values['new-passphrase-file'] as string) : (await passphrases(io, [], ['the restored PEM (new)'], true))[0]!;
      const r = await service(io).restoreToPem(file, unlocks, fresh, path.resolve(io.cwd, values.out as string), keyId);
      report(io, json, { ok: true, keyId: r.keyId, fingerprint: r.fingerprint, checkValue: r.checkValue, outFile: r.outFile }, [
        `Restored key ${r.keyId} to ${r.outFile} (encrypted; open with: openssl pkey -in "${r.outFile}").`,
        `Fingerprint: ${r.fingerprintGrouped}`,
      ]);
      return 0;
    });
  },
};

export const escrowCommands: CliCommand[] = [create, inspect, verify, restore];
