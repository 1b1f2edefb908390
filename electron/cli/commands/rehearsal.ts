/**
 * `keyholder rehearsal-cloud`: runs the local Entra ID / Key Vault / Graph
 * double until SIGINT or SIGTERM, printing one JSON line describing itself
 * (CA path, tenants, users, apps with secrets, vaults, Graph URL) when ready.
 */
import os from 'node:os';
import path from 'node:path';
import type { CliCommand, CliIo } from '../io';
import { DEFAULT_KEYVAULT_PROPAGATION_MS, startRehearsalCloud } from '../../rehearsal/index';

function usage(io: CliIo, help = false): number {
  const say = help ? io.out : io.err;
  say('Usage: keyholder rehearsal-cloud [--port N] [--state FILE] [--admin] [--propagation-ms MS]');
  say(`  --propagation-ms  Key Vault's delay before a deleted or recovered key shows (default ${DEFAULT_KEYVAULT_PROPAGATION_MS}; 0: at once).`);
  return help ? 0 : 2;
}

export interface RehearsalRunHooks {
  /** Resolves when the cloud should stop; defaults to the first SIGINT or SIGTERM. */
  until?: Promise<void>;
}

export async function runRehearsalCloud(args: string[], io: CliIo, hooks: RehearsalRunHooks = {}): Promise<number> {
  let port: number | undefined;
  let stateFile: string | undefined;
  let adminEnabled = false;
  let keyVaultPropagationMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') return usage(io, true);
    if (a === '--port') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        io.err('keyholder: --port needs a port number from 0 to 65535 (0 picks a free one).');
        return 2;
      }
      port = n;
    } else if (a === '--state') {
      const f = args[++i];
      if (!f) return usage(io);
      stateFile = path.resolve(io.cwd, f);
    } else if (a === '--propagation-ms') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 600_000) {
        io.err('keyholder: --propagation-ms needs whole milliseconds from 0 to 600000.');
        return 2;
      }
      keyVaultPropagationMs = n;
    } else if (a === '--admin') adminEnabled = true;
    else return usage(io);
  }
  stateFile ??= path.join(io.env.KEYHOLDER_REHEARSAL_DIR ?? path.join(os.homedir(), '.keyholder', 'rehearsal'), 'rehearsal-state.json');
  // Listen for the stop signal before announcing readiness, so a script that signals at once is heard.
  const until =
    hooks.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  const cloud = await startRehearsalCloud({ ...(port !== undefined ? { port } : {}), stateFile, adminEnabled, ...(keyVaultPropagationMs !== undefined ? { keyVaultPropagationMs } : {}) });
  io.out(JSON.stringify(cloud.descriptor));
  await until;
  await cloud.stop();
  return 0;
}

export const rehearsalCommands: CliCommand[] = [
  {
    name: 'rehearsal-cloud',
    summary: 'Run the local rehearsal cloud (Entra ID, Key Vault, Graph double) until Ctrl+C',
    run: (args, io) => runRehearsalCloud(args, io),
  },
];
