/**
 * Durable state of the reference control plane: one JSON file, replaced
 * atomically (write a temporary file, fsync, rename) so a crash leaves either
 * the old or the new state, never half of one. Mutations run one at a time.
 */
import type { StoredCeremonyPlan, StoredCeremonyTranscript } from './ceremony-transcripts';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AnyKeyStoreRecord, Holder, KeyStoreHealth, PrimaryKey, Registration, ValidationOutcome } from '../../../shared/control-plane/api';
import { openState, sealState } from './record-seal';

export interface StoredEnrolment {
  enrolmentId: string;
  environmentId: string;
  holder: Holder;
  /** Hex SHA-256 of the token's secret part; the token itself is never stored. */
  tokenSha256: string;
  createdAt: string;
  primaryKeyName?: string;
  /** The highest envelope sequence accepted from this holder; older or equal ones are replays (absent until the first). */
  lastSequence?: number;
}

export interface StoredKeyStore {
  record: AnyKeyStoreRecord;
  submissionId: string;
  receivedAt: string;
}

export interface StoredPrimaryKey extends PrimaryKey {
  /** The key stores it was made from, with their current credentials (for status checks). */
  records: { 1: AnyKeyStoreRecord; 2: AnyKeyStoreRecord };
  /** The shared RSA public key (base64url n and e), for wrapping status canaries locally; absent for AWS KMS pairs. */
  publicKey?: { n: string; e: string };
  /** A revocation seen by a status check but not yet reported: the vendor's cached data key still works until seenAt + cache delay. */
  pendingHealth?: { 1?: { health: KeyStoreHealth; reason?: string; seenAt: string }; 2?: { health: KeyStoreHealth; reason?: string; seenAt: string } };
}

/** Which key a library used from when: the last application is the active key; earlier ones are being (or were) rotated from. */
export interface StoredLibrary {
  libraryId: string;
  name: string;
  documentVersions: number;
  applications: { primaryKeyId: string; appliedAt: string }[];
}

export interface StoredEnvironment {
  environmentId: string;
  primaryKeyName?: string;
  /** Key stores submitted for the next primary key. */
  pending: { 1?: StoredKeyStore; 2?: StoredKeyStore };
  validation: ValidationOutcome;
  primaryKeys: StoredPrimaryKey[];
  libraries?: StoredLibrary[];
}

export interface StoredSubmission {
  submissionId: string;
  enrolmentId: string;
  environmentId: string;
  holder: Holder;
  purpose: 'key-store-submission' | 'credential-update';
  receivedAt: string;
  envelopeSha256: string;
}

/** A closed ceremony's final hash as one holder reported it; keyed by environment, holder and ceremony ID. */
export interface StoredCeremonyRecord {
  recordId: string;
  enrolmentId: string;
  environmentId: string;
  holder: Holder;
  ceremonyId: string;
  finalHash: string;
  entries: number;
  closedAt: string;
  receivedAt: string;
  sha256: string;
}

export interface ControlPlaneState {
  version: 1;
  enrolments: Record<string, StoredEnrolment>;
  registrations: Record<string, Registration>;
  environments: Record<string, StoredEnvironment>;
  submissions: Record<string, StoredSubmission>;
  /** Absent in state files written before ceremony records existed. */
  ceremonyRecords?: Record<string, StoredCeremonyRecord>;
  /** The ceremony plan pinned per environment (ceremony-transcripts.ts). */
  ceremonyPlans?: Record<string, StoredCeremonyPlan>;
  /** Each workstation's transcript, keyed `environment/workstation key`; sealed at rest. */
  ceremonyTranscripts?: Record<string, StoredCeremonyTranscript>;
  /** Set through the admin API; absent values fall back to the control plane's options. */
  settings?: { rotationRatePerDay?: number; dataKeyCacheSeconds?: number };
}

function emptyState(): ControlPlaneState {
  return { version: 1, enrolments: {}, registrations: {}, environments: {}, submissions: {} };
}

export class ControlPlaneStore {
  private state: ControlPlaneState;
  private queue: Promise<unknown> = Promise.resolve();

  /** `storageKey` seals every key-store record (client secrets) in the file; see record-seal.ts. */
  constructor(
    private readonly file: string,
    private readonly storageKey: Buffer,
  ) {
    this.state = ControlPlaneStore.load(file, storageKey);
  }

  private static load(file: string, key: Buffer): ControlPlaneState {
    if (!fs.existsSync(file)) return emptyState();
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ControlPlaneState;
    // A damaged or foreign file is an operator problem: refuse to start rather than silently forget registrations.
    if (parsed?.version !== 1 || typeof parsed.enrolments !== 'object') throw new Error(`control plane state at ${file} is not a version 1 state file`);
    return openState(parsed, key);
  }

  /** A deep copy: callers cannot change stored state except through `update`. */
  read(): ControlPlaneState {
    return structuredClone(this.state);
  }

  /** Applies `change` to a copy and persists it; the in-memory state moves only after the file does. */
  update<T>(change: (s: ControlPlaneState) => T): Promise<T> {
    const run = async () => {
      const next = structuredClone(this.state);
      const out = change(next);
      await this.persist(next);
      this.state = next;
      return out;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async persist(s: ControlPlaneState): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(sealState(s, this.storageKey), null, 1));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, this.file);
  }
}
