/**
 * Key-store records (which hold the holders' client secrets) at rest: sealed
 * with AES-256-GCM under a storage key held apart from the state file, so a
 * copy of the state (a backup, a support bundle, a rehearsal left on disk)
 * reveals no secret. The control plane needs the records in clear to check
 * key stores, so they are clear in memory only and sealed on every write.
 *
 * The storage key comes from `KEYHOLDER_CP_STORAGE_KEY` (64 hex characters:
 * how a vendor passes one from its secret manager) or, failing that, a 0600
 * file `storage-key.json` beside the state. Written with node:crypto here:
 * the rehearsal cloud never imports the app's crypto helpers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AnyKeyStoreRecord as KeyStoreRecord } from '../../../shared/control-plane/api';
import type { ControlPlaneState } from './store';

const STORAGE_KEY_ENV = 'KEYHOLDER_CP_STORAGE_KEY';
const PREFIX = 'A256GCM.';

/** A record as the state file holds it. */
export interface SealedRecord {
  sealed: string;
}

export function loadOrCreateStorageKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[STORAGE_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new Error(`${STORAGE_KEY_ENV} must be 64 hex characters (a 256-bit key)`);
    return Buffer.from(fromEnv, 'hex');
  }
  const file = path.join(dataDir, 'storage-key.json');
  if (fs.existsSync(file)) {
    const key = Buffer.from((JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: string }).key ?? '', 'base64url');
    if (key.length !== 32) throw new Error(`storage key file ${file} is damaged`);
    return key;
  }
  const key = randomBytes(32);
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ kind: 'aes-256-gcm-storage-key', key: key.toString('base64url') }), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return key;
}

/** Binds a sealed record to where it is kept, so sealed values cannot be swapped between holders or keys. */
const aad = (environmentId: string, where: string, holder: number) => Buffer.from(JSON.stringify(['keyholder-cp-record/1', environmentId, where, holder]), 'utf8');

function sealRecord(key: Buffer, record: KeyStoreRecord, environmentId: string, where: string, holder: number): SealedRecord {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad(environmentId, where, holder));
  const plain = Buffer.from(JSON.stringify(record), 'utf8');
  const out = Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
  plain.fill(0);
  return { sealed: PREFIX + out.toString('base64url') };
}

function openRecord(key: Buffer, stored: SealedRecord | KeyStoreRecord, environmentId: string, where: string, holder: number): KeyStoreRecord {
  // A state file written before records were sealed: read as it is, sealed at the next write.
  if (!('sealed' in stored)) return stored;
  const raw = Buffer.from(stored.sealed.startsWith(PREFIX) ? stored.sealed.slice(PREFIX.length) : '', 'base64url');
  if (raw.length < 12 + 16) throw new Error(`a stored key-store record (environment ${environmentId}, holder ${holder}) is damaged`);
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAAD(aad(environmentId, where, holder));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return JSON.parse(Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8')) as KeyStoreRecord;
  } catch {
    throw new Error(`a stored key-store record (environment ${environmentId}, holder ${holder}) cannot be opened with this storage key: wrong key (${STORAGE_KEY_ENV} or storage-key.json), or the state file was altered`);
  }
}

/** Any other JSON value kept at rest (a workstation's transcript), sealed the same way and bound to where it is kept. */
function sealValue(key: Buffer, value: unknown, environmentId: string, where: string, holder: number): SealedRecord {
  return sealRecord(key, value as KeyStoreRecord, environmentId, where, holder);
}

function openValue<T>(key: Buffer, stored: SealedRecord | T, environmentId: string, where: string, holder: number): T {
  return openRecord(key, stored as SealedRecord | KeyStoreRecord, environmentId, where, holder) as unknown as T;
}

type Records<T> = { 1: T; 2: T };

/** The state as written to disk: every key-store record sealed. */
export function sealState(s: ControlPlaneState, key: Buffer): unknown {
  const out = structuredClone(s) as unknown as ControlPlaneState;
  for (const env of Object.values(out.environments)) {
    for (const h of [1, 2] as const) {
      const p = env.pending[h];
      if (p) (p as unknown as { record: SealedRecord }).record = sealRecord(key, p.record, env.environmentId, 'pending', h);
    }
    for (const pk of env.primaryKeys) {
      (pk as unknown as { records: Records<SealedRecord> }).records = {
        1: sealRecord(key, pk.records[1], env.environmentId, pk.primaryKeyId, 1),
        2: sealRecord(key, pk.records[2], env.environmentId, pk.primaryKeyId, 2),
      };
    }
  }
  // Workstations' transcripts name the ceremony's people and steps: sealed like the records.
  for (const [k, t] of Object.entries(out.ceremonyTranscripts ?? {})) {
    (t as unknown as { bundle: SealedRecord }).bundle = sealValue(key, t.bundle, t.environmentId, `transcript:${k}`, t.holder);
  }
  return out;
}

/** The state as read from disk, records opened for use in memory. */
export function openState(raw: ControlPlaneState, key: Buffer): ControlPlaneState {
  for (const env of Object.values(raw.environments ?? {})) {
    for (const h of [1, 2] as const) {
      const p = env.pending?.[h];
      if (p) p.record = openRecord(key, p.record as KeyStoreRecord | SealedRecord, env.environmentId, 'pending', h);
    }
    for (const pk of env.primaryKeys ?? []) {
      pk.records = { 1: openRecord(key, pk.records[1], env.environmentId, pk.primaryKeyId, 1), 2: openRecord(key, pk.records[2], env.environmentId, pk.primaryKeyId, 2) };
    }
  }
  for (const [k, t] of Object.entries(raw.ceremonyTranscripts ?? {})) t.bundle = openValue(key, t.bundle, t.environmentId, `transcript:${k}`, t.holder);
  return raw;
}
