/**
 * `keyholder store status|revoke|unrevoke|pull|restore [--json]`: the key
 * store's life from a terminal, for an Azure Key Vault or an AWS KMS key store
 * (revoke/unrevoke = DisableKey/EnableKey, pull = deletion scheduled in 30 days,
 * restore = deletion cancelled). Confirmations are never prompted: the typed
 * text travels in an explicit flag (`--confirm "…"`), so a script says what
 * it accepts. When a guard refuses, the exit status is 1 and stderr has one
 * line: the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { attestationSchema } from '../../../shared/transcript/entry';
import type { LifecycleService } from '../../services/lifecycle/service';
import type { CliCommand, CliIo, CliOption } from '../io';
import { defineCommand } from '../command';
import { openTerminalStoreSession, type StoreSession } from './store-session';

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;

/**
 * Builds the lifecycle service for the workstation (signed-in identity, vault, control plane);
 * a session's close() runs when the command ends (sign-in forgotten, a cloud it started stopped).
 */
export type LifecycleFactory = (o: { dataDir?: string; io: CliIo; verb?: string; cloudDescriptor?: string }) => Promise<LifecycleService | StoreSession>;

function isSession(x: LifecycleService | StoreSession): x is StoreSession {
  return typeof (x as StoreSession).close === 'function' && 'service' in x;
}

type Values = Record<string, string | boolean | undefined>;

const COMMON: Record<string, CliOption> = {
  'data-dir': { type: 'string', value: 'DIR', help: "Key Holder's data folder (default $KEYHOLDER_DATA_DIR, else the app's own)" },
  'cloud-descriptor': { type: 'string', value: 'FILE', help: 'use the rehearsal cloud described by this file (the line `keyholder rehearsal-cloud` prints)' },
};
const CONFIRM: CliOption = { type: 'string', value: 'TEXT', help: 'the typed confirmation, word for word as `keyholder store status` shows it (required)' };
const QUORUM: Record<string, CliOption> = {
  reason: { type: 'string', value: 'TEXT', help: 'why, recorded with the quorum request (when a quorum is required)' },
  approvals: { type: 'string', value: 'FILE', help: 'a JSON list of participant approvals (attestations) for the request' },
  'request-id': { type: 'string', value: 'ID', help: 'an existing quorum request to act on' },
};
const CHANGE_EXITS = { [EXIT_OK]: 'done; the new state is printed', [EXIT_REFUSED]: 'refused by a guard (confirmation, quorum, protection) or failed: one line says why; nothing was changed' };

function refuse(io: CliIo, verb: string, e: unknown): number {
  const err = isKeyholderError(e) ? (e as KeyholderError) : new KeyholderError('store.failed', 'The command did not complete.');
  io.err(`keyholder store ${verb}: ${err.code}: ${err.message.replace(/\s+/g, ' ')}`);
  return EXIT_REFUSED;
}

function print(io: CliIo, json: boolean, value: unknown, lines: string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const l of lines) io.out(l);
}

function readApprovals(file: string, io: CliIo) {
  const text = fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
  const parsed = attestationSchema.array().safeParse(JSON.parse(text));
  if (!parsed.success) throw new KeyholderError('store.bad_approvals', `${file} is not a list of participant approvals (attestations).`);
  return parsed.data;
}

export function storeCommands(factory: LifecycleFactory = defaultFactory): CliCommand[] {
  const command = (
    verb: 'status' | 'revoke' | 'unrevoke' | 'pull' | 'restore',
    summary: string,
    help: { options: Record<string, CliOption>; json: string; example: string; exits: Record<number, string> },
    run: (ks: LifecycleService, v: Values, io: CliIo) => Promise<{ value: unknown; lines: string[] }>,
  ): CliCommand =>
    defineCommand({ name: `store ${verb}`, summary, ...help, options: { ...help.options, ...COMMON } }, async ({ values: parsed, json }, io) => {
      const values = parsed as Values;
      let session: StoreSession | undefined;
      try {
        const made = await factory({
          ...(values['data-dir'] ? { dataDir: String(values['data-dir']) } : {}),
          ...(values['cloud-descriptor'] ? { cloudDescriptor: String(values['cloud-descriptor']) } : {}),
          io,
          verb,
        });
        if (isSession(made)) session = made;
        const ks = isSession(made) ? made.service : made;
        const out = await run(ks, values, io);
        print(io, json, out.value, out.lines);
        return EXIT_OK;
      } catch (e) {
        return refuse(io, verb, e);
      } finally {
        await session?.close().catch(() => {});
      }
    });

  const confirmation = (v: Values): string => {
    if (typeof v.confirm !== 'string') throw new KeyholderError('store.confirmation_required', 'Give the typed confirmation with --confirm "…" (see `keyholder store status` for the exact words). Nothing was changed.');
    return v.confirm;
  };

  /** With --approvals FILE and --reason, a quorum request is made, the approvals added, then the action runs. */
  const quorum = async (ks: LifecycleService, action: 'revoke' | 'pull', v: Values, io: CliIo): Promise<string | undefined> => {
    if (typeof v['request-id'] === 'string') {
      if (typeof v.approvals === 'string') ks.addApprovals(v['request-id'], readApprovals(v.approvals, io));
      return v['request-id'];
    }
    const c = await ks.confirmationFor(action);
    if (!c.needsQuorum) return undefined;
    if (typeof v.reason !== 'string') return undefined; // the service refuses with lifecycle.quorum_required
    const req = await ks.requestLastStoreAction({ action, reason: v.reason });
    if (typeof v.approvals === 'string') ks.addApprovals(req.requestId, readApprovals(v.approvals, io));
    return req.requestId;
  };

  return [
    command(
      'status',
      'Health of this workstation’s key store and the vendor’s status (--json)',
      {
        options: {},
        json: 'the key store, the vendor status, the lag, and the quorum threshold',
        example: 'keyholder store status --json',
        exits: { [EXIT_OK]: 'the status was printed', [EXIT_REFUSED]: 'sign-in or the cloud failed: one line says why' },
      },
      async (ks) => {
        const s = await ks.status({ refresh: true });
        const lines = [
          s.keyStore ? `Key store ${s.keyStore.holder}: ${s.keyStore.state} (${s.keyStore.keyName} ${s.keyStore.version} in ${s.keyStore.vaultHost}) - ${s.keyStore.detail}` : 'No key store imported on this workstation.',
          ...(s.keyStore ? [`  Means: ${s.keyStore.meaning}`, `  Do: ${s.keyStore.whatToDo}`] : []),
          s.vendor
            ? `Vendor: ${s.vendor.status} - ${s.vendor.meaning}${s.vendor.receivedAt ? ` (last status received ${s.vendor.receivedAt}: the vendor could not be asked from here now)` : ''}`
            : 'Vendor: not connected.',
          ...(s.lag ? [`Lag: ${s.lag.text}`] : []),
        ];
        if (s.keyStore) {
          for (const a of ['revoke', 'unrevoke', 'restore'] as const) {
            const c = await ks.confirmationFor(a);
            lines.push(`  To ${a}: --confirm "${c.text}"${c.needsQuorum ? ` plus --reason and --approvals (${s.quorumThreshold} participants)` : ''}`);
          }
        }
        return { value: s, lines };
      },
    ),
    command(
      'revoke',
      'Revoke (disable) the key version: --confirm "…" [--reason … --approvals FILE | --request-id ID]',
      { options: { confirm: CONFIRM, ...QUORUM }, json: 'the key store after the change and the expected lag', example: 'keyholder store revoke --confirm "revoke key store 1, stop all encryption and decryption"', exits: CHANGE_EXITS },
      async (ks, v, io) => {
        const text = confirmation(v);
        const requestId = await quorum(ks, 'revoke', v, io);
        const out = await ks.revoke({ confirmation: text, ...(requestId ? { requestId } : {}) });
        return { value: out, lines: [`Key store ${out.keyStore.holder}: ${out.keyStore.state}. ${out.keyStore.meaning}`, out.lag.text] };
      },
    ),
    command(
      'unrevoke',
      'Unrevoke (enable) the key version: --confirm "…"',
      { options: { confirm: CONFIRM }, json: 'the key store after the change and the expected lag', example: 'keyholder store unrevoke --confirm "unrevoke key store 1"', exits: CHANGE_EXITS },
      async (ks, v) => {
        const out = await ks.unrevoke({ confirmation: confirmation(v) });
        return { value: out, lines: [`Key store ${out.keyStore.holder}: ${out.keyStore.state}.`, out.lag.text] };
      },
    ),
    command(
      'pull',
      'Pull (soft-delete) the key; refused without soft delete and purge protection (AWS KMS: deletion scheduled in 30 days): --confirm "…"',
      { options: { confirm: CONFIRM, ...QUORUM }, json: 'the deleted key, its retention and the expected lag', example: 'keyholder store pull --confirm "pull key store 1" --reason "incident 77" --approvals approvals.json', exits: CHANGE_EXITS },
      async (ks, v, io) => {
        const text = confirmation(v);
        const requestId = await quorum(ks, 'pull', v, io);
        const out = await ks.pull({ confirmation: text, ...(requestId ? { requestId } : {}) });
        return { value: out, lines: [`Pulled ${out.deleted.keyName}: restorable for ${out.protection.retentionDays} days, scheduled purge ${out.deleted.scheduledPurgeDate ?? 'unknown'}.`, out.lag.text] };
      },
    ),
    command(
      'restore',
      'Restore (recover) a pulled key with every version, within retention: --confirm "…"',
      { options: { confirm: CONFIRM }, json: 'the versions restored and the expected lag', example: 'keyholder store restore --confirm "restore key store 1"', exits: CHANGE_EXITS },
      async (ks, v) => {
        const out = await ks.restore({ confirmation: confirmation(v) });
        return { value: out, lines: [`Restored ${out.versions.length} version(s)${out.allVersionsBack ? ', every version back' : ', SOME VERSIONS MISSING'}.`, out.lag.text] };
      },
    ),
  ];
}

/**
 * In a terminal the holder signs in for this invocation only (device code, tokens in memory;
 * see store-session.ts); the cloud is the workstation's (rehearsal by default, live via KEYHOLDER_LIVE_*).
 */
const defaultFactory: LifecycleFactory = (o) => openTerminalStoreSession(o);
