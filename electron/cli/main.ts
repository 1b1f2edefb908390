import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand, CliIo } from './io';
import { commands } from './commands/index';
import { EXIT_USAGE, helpText } from './command';
import { promptHidden } from './prompt';

function defaultIo(): CliIo {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    promptHidden,
    env: process.env,
    cwd: process.cwd(),
  };
}

const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The version in package.json and, when known, the commit: $KEYHOLDER_COMMIT, else the checkout's git HEAD. */
function versionInfo(env: Record<string, string | undefined>): { version: string; commit?: string } {
  const { version } = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as { version: string };
  let commit = env.KEYHOLDER_COMMIT;
  if (!commit && fs.existsSync(path.join(checkout, '.git'))) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: checkout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    } catch {
      commit = undefined; // no git on this machine: the version alone
    }
  }
  return { version, ...(commit ? { commit } : {}) };
}

function usage(io: CliIo, out: (l: string) => void = io.out): void {
  out('Usage: keyholder <command> [options]');
  out('       keyholder help <command>     (or: keyholder <command> --help)');
  out('       keyholder --version');
  out('');
  out('Commands:');
  for (const c of [...commands].sort((a, b) => a.name.localeCompare(b.name))) out(`  ${c.name.padEnd(24)} ${c.summary}`);
}

/** The command whose words open the arguments, the longest first ("escrow create" before "escrow"). */
function find(argv: string[]): CliCommand | undefined {
  return [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length).find((c) => c.name.split(' ').every((w, i) => argv[i] === w));
}

/** Commands under a group word ("escrow" gives escrow create, inspect, ...). */
const groupOf = (word: string) => commands.filter((c) => c.name.split(' ')[0] === word && c.name.includes(' '));

function listGroup(io: CliIo, word: string, out: (l: string) => void): void {
  out(`Usage: keyholder ${word} <command> [options]`);
  out('');
  for (const c of groupOf(word)) out(`  ${c.name.padEnd(24)} ${c.summary}`);
  out('');
  out(`Run "keyholder ${word} <command> --help" for a command's options.`);
}

function help(argv: string[], io: CliIo): number {
  if (argv.length === 0) {
    usage(io);
    return 0;
  }
  const match = find(argv);
  if (match && match.name.split(' ').length === argv.length) {
    for (const l of helpText(match.spec)) io.out(l);
    return 0;
  }
  if (argv.length === 1 && groupOf(argv[0]!).length > 0) {
    listGroup(io, argv[0]!, io.out);
    return 0;
  }
  io.err(`keyholder help: there is no command "${argv.join(' ')}". Run "keyholder --help" for the list.`);
  return EXIT_USAGE;
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  if (argv.length === 0) {
    usage(io, io.err);
    return EXIT_USAGE;
  }
  const [first] = argv;
  if (first === '--help' || first === '-h') return help([], io);
  if (first === 'help') return help(argv.slice(1), io);
  if (first === '--version' || first === '-V') {
    const v = versionInfo(io.env);
    if (argv.includes('--json')) io.out(JSON.stringify(v));
    else io.out(`keyholder ${v.version}${v.commit ? ` (commit ${v.commit})` : ''}`);
    return 0;
  }
  if (first!.startsWith('-')) {
    io.err(`keyholder: unknown option '${first}'. Run "keyholder --help" for the commands and their options.`);
    return EXIT_USAGE;
  }
  const match = find(argv);
  if (!match) {
    if (groupOf(first!).length > 0) {
      if (argv[1] !== undefined && !argv[1].startsWith('-')) io.err(`keyholder: "${first}" has no command "${argv[1]}".`);
      else if (argv.includes('--help') || argv.includes('-h')) {
        listGroup(io, first!, io.out);
        return 0;
      }
      listGroup(io, first!, io.err);
      return EXIT_USAGE;
    }
    io.err(`keyholder: unknown command "${argv.join(' ')}". Run "keyholder --help" for the list.`);
    return EXIT_USAGE;
  }
  try {
    return await match.run(argv.slice(match.name.split(' ').length), io);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    io.err(`keyholder: ${err.code ? `[${err.code}] ` : ''}${err.message ?? String(e)}`);
    return 1;
  }
}
