/**
 * `keyholder rehearsal-cloud`: runs the local Entra ID / Key Vault / Graph
 * double until SIGINT or SIGTERM, printing one JSON line describing itself
 * (CA path, tenants, users, apps with secrets, vaults, Graph URL) when ready.
 */
import os from 'node:os';
import path from 'node:path';
import type { CliCommand, CliCommandSpec, CliIo } from '../io';
import { defineCommand, helpText, parseWith, usageError } from '../command';
import { DEFAULT_KEYVAULT_PROPAGATION_MS, startRehearsalCloud } from '../../rehearsal/index';

export interface RehearsalRunHooks {
  /** Resolves when the cloud should stop; defaults to the first SIGINT or SIGTERM. */
  until?: Promise<void>;
}

const rehearsalCloudSpec: CliCommandSpec = {
  name: 'rehearsal-cloud',
  summary: 'Run the local rehearsal cloud (Entra ID, Key Vault, Graph double) until Ctrl+C',
  options: {
    port: { type: 'string', value: 'N', help: 'HTTPS port to listen on (default the last run’s, else a free one; 0 picks a free one)' },
    state: { type: 'string', value: 'FILE', help: 'state file (default $KEYHOLDER_REHEARSAL_DIR/rehearsal-state.json, else ~/.keyholder/rehearsal/)' },
    admin: { type: 'boolean', help: 'enable the admin and fault-injection endpoints (docs/rehearsal.md)' },
    'propagation-ms': { type: 'string', value: 'MS', help: `Key Vault's delay before a deleted or recovered key shows (default ${DEFAULT_KEYVAULT_PROPAGATION_MS}; 0: at once)` },
  },
  json: 'no change: the ready line on stdout is always one JSON object (CA path, tenants, users, apps, vaults, Graph URL)',
  example: 'keyholder rehearsal-cloud --port 0 --state /tmp/rehearsal/state.json',
  exits: { 0: 'stopped by SIGINT or SIGTERM', 1: 'the cloud could not start (port in use, unreadable state)' },
};

export async function runRehearsalCloud(args: string[], io: CliIo, hooks: RehearsalRunHooks = {}): Promise<number> {
  const parsed = parseWith(rehearsalCloudSpec, args);
  if (typeof parsed === 'string') return usageError(io, 'rehearsal-cloud', parsed);
  const { values } = parsed;
  if (values.help) {
    for (const l of helpText(rehearsalCloudSpec)) io.out(l);
    return 0;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d{1,5}$/.test(String(values.port)) || port > 65535) return usageError(io, 'rehearsal-cloud', '--port needs a port number from 0 to 65535 (0 picks a free one).');
  }
  let stateFile = typeof values.state === 'string' ? path.resolve(io.cwd, values.state) : undefined;
  const adminEnabled = values.admin === true;
  let keyVaultPropagationMs: number | undefined;
  if (values['propagation-ms'] !== undefined) {
    keyVaultPropagationMs = Number(values['propagation-ms']);
    if (!/^\d{1,6}$/.test(String(values['propagation-ms'])) || keyVaultPropagationMs > 600_000) return usageError(io, 'rehearsal-cloud', '--propagation-ms needs whole milliseconds from 0 to 600000.');
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

export const rehearsalCommands: CliCommand[] = [defineCommand(rehearsalCloudSpec, (_parsed, io) => runRehearsalCloud(_parsed.argv, io))];
