/**
 * The CLI framework: a command declares its options once (a table), and the
 * same table parses the command line, prints `--help`, and names an unknown
 * option, as git, az and openssl do. Commands never parse arguments or write
 * help text themselves.
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CliCommandSpec, CliIo, CliOption } from './io';

export const EXIT_USAGE = 2;

export type CliValues = Record<string, string | boolean | string[] | undefined>;
export interface CliParsed {
  values: CliValues;
  positionals: string[];
  json: boolean;
  /** The arguments as given (after the command's words). */
  argv: string[];
}

/** The options the framework gives every command. */
const COMMON: Record<string, CliOption> = {
  json: { type: 'boolean', help: 'print one JSON object instead of text' },
  help: { type: 'boolean', help: 'show this help and exit' },
};

export function allOptions(spec: CliCommandSpec): Record<string, CliOption> {
  return { ...spec.options, ...COMMON };
}

function optionLabel(name: string, o: CliOption): string {
  const short = name === 'help' ? '-h, ' : '';
  return `${short}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

function exitsOf(spec: CliCommandSpec): [number, string][] {
  const exits: Record<number, string> = { [EXIT_USAGE]: 'usage error: an unknown option, a missing or malformed value', ...spec.exits };
  return Object.entries(exits)
    .map(([k, v]) => [Number(k), v] as [number, string])
    .sort((a, b) => a[0] - b[0]);
}

/** The text of `keyholder NAME --help`. */
export function helpText(spec: CliCommandSpec): string[] {
  const options = allOptions(spec);
  const labels = Object.entries(options).map(([n, o]) => optionLabel(n, o));
  const width = Math.min(30, Math.max(...labels.map((l) => l.length)) + 2);
  const lines = [`Usage: keyholder ${spec.name}${spec.operands ? ` ${spec.operands}` : ''} [options]`, '', spec.summary, '', 'Options:'];
  Object.entries(options).forEach(([n, o], i) => {
    const label = labels[i]!;
    const help = `${o.help}${o.multiple ? ' (repeatable)' : ''}${n === 'json' ? `: ${spec.json}` : ''}`;
    lines.push(label.length + 2 > width ? `  ${label}\n  ${' '.repeat(width)}${help}` : `  ${label.padEnd(width)}${help}`);
  });
  lines.push('', 'Example:', `  ${spec.example}`, '', 'Exit status:');
  for (const [code, meaning] of exitsOf(spec)) lines.push(`  ${code}  ${meaning}`);
  return lines;
}

/** Node's parser messages, in the words of this CLI. */
function usageMessage(e: unknown, args: string[], options: Record<string, CliOption>): string {
  const err = e as { code?: string; message?: string };
  const named = /'(-{1,2}[^' ]+)/.exec(err.message ?? '')?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${named ?? '?'}'.`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument '${/'([^']*)'/.exec(err.message ?? '')?.[1] ?? '?'}'.`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && named) {
    const name = named.replace(/^-+/, '').split('=')[0]!;
    const o = options[name];
    if (o?.type === 'boolean') return `--${name} takes no value.`;
    const at = args.findIndex((a) => a === `--${name}`);
    const next = at >= 0 ? args[at + 1] : undefined;
    const want = o?.value ?? 'a value';
    return next !== undefined && next.startsWith('-') ? `--${name} takes ${want}, not "${next}".` : `--${name} needs ${want}.`;
  }
  return (err.message ?? String(e)).split('\n')[0]!;
}

export function usageError(io: CliIo, name: string, message: string): number {
  io.err(`keyholder ${name}: ${message}`);
  io.err(`Run "keyholder ${name} --help" for its usage.`);
  return EXIT_USAGE;
}

/** Parses with the command's table; a string when the arguments do not fit it (the reason). */
export function parseWith(spec: CliCommandSpec, args: string[]): CliParsed | string {
  const options = allOptions(spec);
  try {
    const r = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(options).map(([n, o]) => [n, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(n === 'help' ? { short: 'h' } : {}) }])),
      allowPositionals: spec.operands !== undefined,
      strict: true,
    });
    return { values: r.values as CliValues, positionals: r.positionals, json: r.values.json === true, argv: args };
  } catch (e) {
    return usageMessage(e, args, options);
  }
}

/** Passphrases never travel on the command line, whatever the command (other users and shell history could read them). */
const PASSPHRASE_FLAG = /^--(passphrase|password|pass)(=|$)/;

/** Builds a command from its table and the work it does with the parsed arguments. */
export function defineCommand(spec: CliCommandSpec, run: (p: CliParsed, io: CliIo) => Promise<number>): CliCommand {
  return {
    name: spec.name,
    summary: spec.summary,
    spec,
    async run(args, io) {
      const before = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
      if (before.includes('--help') || before.includes('-h')) {
        for (const l of helpText(spec)) io.out(l);
        return 0;
      }
      if (before.some((a) => PASSPHRASE_FLAG.test(a))) {
        return usageError(io, spec.name, 'passphrases are never accepted on the command line (other users and shell history could read them). Use --passphrase-file PATH, or leave it out to be prompted.');
      }
      const parsed = parseWith(spec, args);
      if (typeof parsed === 'string') return usageError(io, spec.name, parsed);
      return run(parsed, io);
    },
  };
}

/** A value of a repeatable option as a list. */
export const listOf = (v: CliValues[string]): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);
