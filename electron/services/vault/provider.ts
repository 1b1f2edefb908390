/**
 * A key store the holder imports their copy of the source key into. Azure Key
 * Vault is the first; AWS KMS comes next, so nothing outside a provider may
 * know Azure's words (kid, key_hsm, KEK): the rest of the app speaks of a
 * location, a key name, a version identifier and a fingerprint.
 */
import type { KeyObject } from 'node:crypto';

export type Protection = 'software' | 'hsm';

export interface KeyStoreTarget {
  /** Where the key lives: for Azure, the vault URL (worksheet line 1). */
  location: string;
  keyName: string;
}

export interface ImportSpec extends KeyStoreTarget {
  protection: Protection;
  /** The holder's copy, opened for this call only; the provider never keeps it. */
  privateKey: KeyObject;
  /** The source key's ID (a GUID) and fingerprint (hex SHA-256 of the SPKI), put on the key as tags. */
  keyId: string;
  fingerprint: string;
  /** The vendor needs wrap/unwrap; encrypt/decrypt only if the holder's instructions ask for it. */
  allowEncryptDecrypt?: boolean;
}

export interface SelfTest {
  /** Wrapped here with the holder's public key, unwrapped by the key store: proves it holds the private key. */
  unwrapInStore: boolean;
  /** Wrapped by the key store, unwrapped here with the holder's copy: proves the store's public key is the holder's. */
  wrapInStore: boolean;
  algorithm: string;
}

export interface ImportOutcome {
  /** The full version identifier, e.g. https://v.vault.azure.net/keys/name/0123...: worksheet line 2. */
  keyVersionId: string;
  version: string;
  /** True when an earlier import of the same key (same fingerprint tag) was found and used instead. */
  reused: boolean;
  hardwareProtected: boolean;
  keyOps: string[];
  /** Fingerprint recomputed from the public key the store returns. */
  storeFingerprint: string;
  fingerprintMatches: boolean;
  selfTest: SelfTest;
}

export interface ExistingImport {
  keyVersionId: string;
  version: string;
  enabled: boolean;
}

export interface ImportHooks {
  /** Called once the store has accepted the key, before anything is recorded locally (tests simulate a crash here). */
  onAccepted?(keyVersionId: string): void | Promise<void>;
}

export interface KeyStoreProvider {
  readonly kind: 'azure-key-vault';
  /** An earlier import of this exact key under this name, if the store has one. */
  findImported(target: KeyStoreTarget, fingerprint: string): Promise<ExistingImport | null>;
  importKey(spec: ImportSpec, hooks?: ImportHooks): Promise<ImportOutcome>;
  /** Brings back a soft-deleted key of this name (the holder's alternative to choosing another name). */
  recoverDeletedKey(target: KeyStoreTarget): Promise<void>;
}

/** One version of a key as the store reports it (never the key material). */
export interface KeyVersionInfo {
  keyVersionId: string;
  version: string;
  enabled: boolean;
  createdOn?: string;
  updatedOn?: string;
  /** The source key's fingerprint tag, when Key Holder imported it. */
  fingerprint?: string;
}

/** A key that was deleted (pulled) and is held by the vault's soft delete until its scheduled purge. */
export interface DeletedKeyInfo {
  keyName: string;
  deletedOn?: string;
  scheduledPurgeDate?: string;
  /** Present only when the vault can recover it. */
  recoveryId?: string;
  recoveryLevel?: string;
}

/** What the vault itself promises about deleted keys (Azure: from Resource Manager, not the data plane). */
export interface VaultProtection {
  softDelete: boolean;
  purgeProtection: boolean;
  retentionDays: number | null;
  /** Where the facts came from, e.g. the vault's resource ID. */
  resourceId: string;
}

/** Health of one key version, read with the holder's own credentials. */
export type KeyVersionHealth =
  | { state: 'available'; version: KeyVersionInfo }
  | { state: 'revoked'; reason: 'disabled' | 'deleted' | 'not-found' | 'material-expired'; version?: KeyVersionInfo; deleted?: DeletedKeyInfo }
  | { state: 'unavailable'; code: string; message: string };

/**
 * What the key's life after the ceremony needs from a key store: revoke
 * (disable) and unrevoke (enable) a version, pull (delete, held by soft
 * delete) and restore (recover), and the vault's own promises about deleted
 * keys. Kept apart from KeyStoreProvider so the import's fakes stay small.
 */
export interface KeyStoreLifecycleProvider {
  keyVersionHealth(keyVersionId: string): Promise<KeyVersionHealth>;
  listVersions(target: KeyStoreTarget): Promise<KeyVersionInfo[]>;
  setVersionEnabled(keyVersionId: string, enabled: boolean): Promise<KeyVersionInfo>;
  deleteKey(target: KeyStoreTarget): Promise<DeletedKeyInfo>;
  getDeletedKey(target: KeyStoreTarget): Promise<DeletedKeyInfo | null>;
  recoverDeletedKey(target: KeyStoreTarget): Promise<void>;
  vaultProtection(location: string): Promise<VaultProtection>;
  /**
   * The key store's own backup of the key (every version), an opaque blob only
   * the same provider can restore (Azure: a vault of the same subscription and
   * geography). Never the key material in a form Key Holder could read.
   * Optional: a key store without such backups (AWS KMS has none) leaves it out.
   */
  backupKey?(target: KeyStoreTarget): Promise<Uint8Array>;
}
