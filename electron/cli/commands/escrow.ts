/**
 * `keyholder escrow create | inspect | verify | restore`. Passphrases come
 * from files (`--passphrase-file PATH`, repeatable, one per custodian in
 * order; OpenSSL's convention: the first line) or a no-echo prompt, never
 * from the command line, where other users and shell history could see them.
 */
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { PRODUCTION_KDF, TEST_KDF, describeScrypt } from '../../../shared/escrow/kdf-profiles';
// The prefix is for people reading the header; the authenticated mark (mode 'rehearsal') is what live mode checks.
import { REHEARSAL_PURPOSE_PREFIX } from '../../../shared/escrow/mode-policy';
import { groupFingerprint, checkValue } from '../../../shared/keys/fingerprint';
import { describeKeyType } from '../../../shared/escrow/format';
import { createEscrowService } from '../../services/escrow/service';
import { RSA_SIZES, DEFAULT_RSA_SIZE, type RsaSize } from '../../services/keys/source-key';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { BoundedReadError, readFirstLineSync } from '../../services/platform/bounded-read';
import type { CliCommand, CliIo, CliOption } from '../io';
import { defineCommand, listOf as list, usageError, type CliValues } from '../command';

const EXIT_FAILED = 1;

type Values = CliValues;

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

/** Longer than any passphrase a person types; a longer first line is refused, not truncated. */
const MAX_PASSPHRASE_FILE_LINE = 1024;

/**
 * First line of the file, as `openssl -passin file:` reads it: a regular
 * file only, read up to its first line break and never past the cap
 * (`/dev/zero` or a FIFO cannot hang or exhaust the command).
 */
function readPassphraseFile(io: CliIo, file: string): string {
  let first: string | null;
  try {
    first = readFirstLineSync(path.resolve(io.cwd, file), MAX_PASSPHRASE_FILE_LINE);
  } catch (e) {
    const f = e instanceof BoundedReadError ? e.failure : undefined;
    if (f?.kind === 'not-a-file') throw new KeyholderError('cli.passphrase_file', `The passphrase file ${file} is not a regular file (a folder, a device or a pipe): give a file whose first line is the passphrase.`);
    throw new KeyholderError('cli.passphrase_file', `Cannot read the passphrase file ${file}${f?.kind === 'missing' ? ' (there is no such file)' : ''}.`);
  }
  if (first === null) throw new KeyholderError('cli.passphrase_file', `The first line of the passphrase file ${file} is longer than ${MAX_PASSPHRASE_FILE_LINE} bytes: it is not a passphrase.`);
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
    if (e.code === 'cli.usage') return usageError(io, `escrow ${verb}`, e.message);
    if (json) io.out(JSON.stringify({ ok: false, code: e.code, message: e.message, ...(e.detail ? { detail: e.detail } : {}) }));
    else io.err(`keyholder escrow ${verb}: FAILED [${e.code}] ${e.message}`);
    return EXIT_FAILED;
  }
}

const PASSPHRASE_FILE: CliOption = { type: 'string', multiple: true, value: 'PATH', help: 'a file whose first line is a custodian’s passphrase, one per custodian in order; without it you are prompted (no echo)' };
const CUSTODIAN_TO_OPEN: CliOption = { type: 'string', multiple: true, value: 'N|NAME', help: 'a custodian who opens the file (number or name), in the order of the passphrase files; default the first THRESHOLD' };
const KEY_ID: CliOption = { type: 'string', value: 'ID', help: 'which key of the file (default the newest)' };
const FAILED_JSON = ', or { ok: false, code, message }';

const create: CliCommand = defineCommand(
  {
    name: 'escrow create',
    summary: 'Generate a source key (RSA, or AES-256 for AWS KMS) and write its escrow file, custodian PEMs and restore sheet',
    options: {
      out: { type: 'string', value: 'FOLDER', help: 'where the escrow file, PEMs, restore sheet and receipt go (required)' },
      custodian: { type: 'string', multiple: true, value: 'NAME', help: 'a custodian who holds a passphrase (at least one)' },
      threshold: { type: 'string', value: 'N', help: 'how many custodians together restore the key (default 1)' },
      bits: { type: 'string', value: 'BITS', help: `RSA modulus size: ${RSA_SIZES.join(', ')} (default ${DEFAULT_RSA_SIZE})` },
      'key-store': { type: 'string', value: 'KIND', help: 'azure-key-vault (default: an RSA key) or aws-kms (a 256-bit AES key, no PEM: the escrow file is its only copy)' },
      purpose: { type: 'string', value: 'TEXT', help: 'what the key is for, recorded in the authenticated header' },
      'passphrase-file': PASSPHRASE_FILE,
      rehearsal: { type: 'boolean', help: 'a throw-away rehearsal key; its header says so' },
    },
    json: `{ ok, keyId, fingerprint, checkValue, escrowFile, pemFiles, sheetFile, receiptFile, ... }${FAILED_JSON}`,
    example: 'keyholder escrow create --out ./escrow --custodian Alice --custodian Bob --threshold 2',
    exits: { 0: 'written and test-restored from disk', 1: 'refused or failed (weak passphrase, file exists, ...); nothing is left half-written' },
  },
  async ({ values, positionals, json }, io) => {
    return guarded(io, json, 'create', async () => {
      if (positionals.length) throw new KeyholderError('cli.usage', `unexpected argument "${positionals[0]}".`);
      const rehearsal = values.rehearsal === true;
      refuseUnsafeKdfOutsideRehearsal(io, rehearsal);
      const names = list(values.custodian);
      if (!values.out) throw new KeyholderError('cli.usage', '--out FOLDER is required (where the escrow file, PEMs and restore sheet go).');
      if (names.length === 0) throw new KeyholderError('cli.usage', 'name at least one custodian with --custodian NAME (repeat for each).');
      const threshold = values.threshold === undefined ? 1 : Number(values.threshold);
      const bits = values.bits === undefined ? DEFAULT_RSA_SIZE : Number(values.bits);
      if (!RSA_SIZES.includes(bits as RsaSize)) throw new KeyholderError('cli.usage', `--bits must be one of ${RSA_SIZES.join(', ')}.`);
      const keyStore = (values['key-store'] as string | undefined) ?? 'azure-key-vault';
      if (keyStore !== 'azure-key-vault' && keyStore !== 'aws-kms') throw new KeyholderError('cli.usage', '--key-store must be azure-key-vault or aws-kms.');
      if (keyStore === 'aws-kms' && values.bits !== undefined) throw new KeyholderError('cli.usage', '--bits is the RSA size for Azure Key Vault; AWS KMS takes a 256-bit key.');
      const folder = path.resolve(io.cwd, values.out as string);
      const svc = service(io, folder, { rehearsal });
      const pw = await passphrases(io, list(values['passphrase-file']), names, true);
      // The header is authenticated, so a rehearsal file cannot later pass for a real one.
      const purpose = rehearsal ? `${REHEARSAL_PURPOSE_PREFIX}${(values.purpose as string | undefined) ?? 'rehearsal source key'}` : (values.purpose as string | undefined);
      let st = await svc.startCeremony({ modulusBits: bits as RsaSize, purpose, folder, keyStore });
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
          keyType: st.keyType,
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
);

const inspect: CliCommand = defineCommand(
  {
    name: 'escrow inspect',
    summary: 'Show an escrow file’s header (no passphrase needed)',
    operands: 'FILE',
    options: {},
    json: `{ ok, file, sha256, header }${FAILED_JSON}`,
    example: 'keyholder escrow inspect escrow-3f2a9c.khescrow',
    exits: { 0: 'the header was read and its format is sound', 1: 'not an escrow file, damaged, or unreadable' },
  },
  async ({ positionals, json }, io) => {
    return guarded(io, json, 'inspect', async () => {
      if (positionals.length !== 1) throw new KeyholderError('cli.usage', 'give exactly one escrow file.');
      const r = await service(io).inspect(path.resolve(io.cwd, positionals[0]!));
      const lines = [`File:    ${r.file}`, `SHA-256: ${r.sha256}`, `Format:  ${r.header.format} v${r.header.version}`];
      for (const k of r.header.keys) {
        lines.push(
          '',
          `Key ID:      ${k.keyId}`,
          `Fingerprint: ${groupFingerprint(k.fingerprint)}`,
          `Check value: ${checkValue(k.fingerprint)}`,
          `Key:         ${describeKeyType(k)}, created ${k.created}`,
          `Purpose:     ${k.purpose}`,
          `Restore:     ${k.policy.threshold} of ${k.policy.total} custodian(s)`,
          ...k.custodians.map((c) => `  ${c.index}. ${c.name}  (${describeScrypt(c.kdf)})`),
        );
      }
      report(io, json, { ok: true, file: r.file, sha256: r.sha256, header: r.header }, lines);
      return 0;
    });
  },
);

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

const verify: CliCommand = defineCommand(
  {
    name: 'escrow verify',
    summary: 'Prove custodians’ passphrases open an escrow file and the fingerprint matches',
    operands: 'FILE',
    options: { custodian: CUSTODIAN_TO_OPEN, 'passphrase-file': PASSPHRASE_FILE, 'key-id': KEY_ID },
    json: `{ ok, keyId, fingerprint, checkValue, modulusBits }${FAILED_JSON}`,
    example: 'keyholder escrow verify escrow-3f2a9c.khescrow --custodian 1 --passphrase-file alice.txt',
    exits: { 0: 'the key was restored in memory and matches its fingerprint', 1: 'a wrong passphrase, a damaged or tampered file, or a mismatch' },
  },
  async ({ values, positionals, json }, io) => {
    return guarded(io, json, 'verify', async () => {
      if (positionals.length !== 1) throw new KeyholderError('cli.usage', 'give exactly one escrow file.');
      const file = path.resolve(io.cwd, positionals[0]!);
      const { keyId, unlocks } = await unlocksFor(io, file, values);
      const r = await service(io).verify(file, unlocks, keyId);
      report(io, json, { ok: true, keyId: r.keyId, fingerprint: r.fingerprint, checkValue: r.checkValue, modulusBits: r.modulusBits }, [`OK: key ${r.keyId} restored and matches fingerprint ${r.fingerprintGrouped} (check value ${r.checkValue}).`]);
      return 0;
    });
  },
);

const restore: CliCommand = defineCommand(
  {
    name: 'escrow restore',
    summary: 'Restore the key from escrow to an OpenSSL PEM under a new passphrase',
    operands: 'FILE',
    options: {
      out: { type: 'string', value: 'FILE.pem', help: 'the encrypted PEM to write (required; never overwritten)' },
      custodian: CUSTODIAN_TO_OPEN,
      'passphrase-file': PASSPHRASE_FILE,
      'new-passphrase-file': { type: 'string', value: 'PATH', help: 'a file whose first line is the new PEM’s passphrase; without it you are prompted twice' },
      'key-id': KEY_ID,
    },
    json: `{ ok, keyId, fingerprint, checkValue, outFile }${FAILED_JSON}`,
    example: 'keyholder escrow restore escrow-3f2a9c.khescrow --custodian 1 --passphrase-file alice.txt --out restored.pem',
    exits: { 0: 'the PEM was written and matches the fingerprint', 1: 'a wrong passphrase, a damaged file, or the PEM could not be written' },
  },
  async ({ values, positionals, json }, io) => {
    return guarded(io, json, 'restore', async () => {
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
);

export const escrowCommands: CliCommand[] = [create, inspect, verify, restore];
