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
