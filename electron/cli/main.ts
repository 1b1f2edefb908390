import type { CliIo } from './io';
import { commands } from './commands/index';
import { promptHidden } from './prompt';

export function defaultIo(): CliIo {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    promptHidden,
    env: process.env,
    cwd: process.cwd(),
  };
}

function usage(io: CliIo): void {
  io.out('Usage: keyholder <command> [options]\n');
  for (const c of [...commands].sort((a, b) => a.name.localeCompare(b.name))) io.out(`  ${c.name.padEnd(24)} ${c.summary}`);
}

/** Finds the longest command name that prefixes the arguments ("escrow create" before "escrow"). */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    usage(io);
    return argv.length === 0 ? 2 : 0;
  }
  const match = [...commands]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((c) => {
      const words = c.name.split(' ');
      return words.every((w, i) => argv[i] === w);
    });
  if (!match) {
    io.err(`keyholder: unknown command "${argv.join(' ')}". Run "keyholder --help" for the list.`);
    return 2;
  }
  try {
    return await match.run(argv.slice(match.name.split(' ').length), io);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    io.err(`keyholder: ${err.code ? `[${err.code}] ` : ''}${err.message ?? String(e)}`);
    return 1;
  }
}
