/**
 * A key-holder copy: the escrow file made for one key holder (one custodian,
 * threshold 1), which the keeper presents and the knower opens inside a
 * supervised activation. This is the one place that reads such a file and
 * says whether it is one: the activation desk (import, key rotation's import
 * and re-seal), key rotation's preparation, the Import screen's file chooser
 * and the Azure and AWS import doors all ask here, so a fault gets one code
 * and one message wherever it is found.
 *
 * Everything is checked before anyone types a passphrase (the four people of
 * an activation are not gathered for a file that was never going to open):
 * the shape, the key type the key store imports (RSA for Azure Key Vault, a
 * 256-bit AES key for AWS KMS), the workstation's mode (a rehearsal file or a
 * test-KDF file is refused in live mode) and, for a re-seal, that the copy
 * holds the escrow's current key. Where a passphrase is tried, it goes through
 * the passphrase throttle keyed by the file's content, so another name for
 * the same file never starts a fresh count.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { parseEscrow, serializeEscrow, type EscrowFile, type KeyEntry } from '../../../shared/escrow/format';
import { assertEscrowUsable, type WorkstationMode } from '../../../shared/escrow/mode-policy';
import { readEscrowBytes, sha256Hex } from './files';
import { findEntry, openKey, openSlot, type OpenedSlot } from './seal';
import { attemptKey, type PassphraseThrottle } from './throttle';
import type { KeyStoreKind } from './service';

/** The key a copy holds: RSA (the source key for Azure Key Vault) or AES (256-bit, for AWS KMS). */
export type EscrowKeyType = KeyEntry['keyType'];

/** What the caller needs the copy to be. */
interface HolderCopyRules {
  /** The workstation's mode: live refuses rehearsal and test-KDF files. Absent (the CLI's file commands): not checked. */
  mode?: WorkstationMode;
  /** The key the key store imports: RSA for Azure Key Vault, AES (256-bit) for AWS KMS. Absent: either. */
  keyType?: EscrowKeyType;
  /** The key the copy must hold as its current key (a key rotation's re-seal: the escrow's current key). */
  currentKey?: { keyId: string; fingerprint: string };
}

/** A file checked to be a key-holder copy. Holds no secret: the key inside is still sealed. */
export interface HolderCopy {
  /** The path as given (for messages and records). */
  readonly file: string;
  readonly escrow: EscrowFile;
  /** Its current key (the last entry: a key rotation appends the new key). */
  readonly entry: KeyEntry;
  /** The holder the copy was made for (its one custodian). */
  readonly holder: string;
  /** SHA-256 of the file's bytes (parsing is canonical, so this is the file on disk). */
  readonly sha256: string;
  /** What the keeper reads aloud and the activation records: the first 16 hex digits of the SHA-256, in fours. */
  readonly copyFingerprint: string;
  /** The throttle's key for the holder's passphrase: this content, its one slot. */
  readonly attempt: string;
}

/** The purpose every key-holder copy's entry carries (its authenticated header): how a copy is told from the custodians' escrow. */
export const holderCopyPurpose = (holder: string) => `Key-holder copy for ${holder}`;
const isHolderCopyEntry = (entry: KeyEntry) => entry.custodians.length === 1 && entry.purpose === holderCopyPurpose(entry.custodians[0]!.name);

/** The key each key store imports. */
export const KEY_TYPE_OF: Record<KeyStoreKind, EscrowKeyType> = { 'azure-key-vault': 'RSA', 'aws-kms': 'AES' };

const keyStoreOf: Record<EscrowKeyType, string> = { RSA: 'Azure Key Vault', AES: 'AWS KMS' };
const keyWords: Record<EscrowKeyType, string> = { RSA: 'the RSA source key', AES: 'the 256-bit AES key' };

/** The one wording of "this copy holds the other cloud's key", also for a check made after the key was opened. */
export function wrongKeyTypeError(name: string, found: EscrowKeyType, wanted: EscrowKeyType): KeyholderError {
  return new KeyholderError(
    'escrow.wrong_key_type',
    `${name} holds ${keyWords[found]} made for ${keyStoreOf[found]}, but ${keyStoreOf[wanted]} imports ${keyWords[wanted]} made for it. Choose your key-holder copy of the ${keyStoreOf[wanted]} key.`,
    { found, wanted },
  );
}

/** Checks bytes already read (`name` is how the file is called in messages). */
export function holderCopyFromBytes(bytes: Uint8Array, file: string, rules: HolderCopyRules = {}): HolderCopy {
  const name = path.basename(file);
  const escrow = parseEscrow(bytes);
  const { entry } = findEntry(escrow);
  if (entry.policy.threshold !== 1 || entry.custodians.length !== 1) {
    throw new KeyholderError(
      'escrow.not_holder_copy',
      `${name} is not a key-holder copy: it is sealed to ${entry.custodians.length} custodians (${entry.policy.threshold} of them open it), as the custodians’ escrow is. Choose the copy made for the key holder (holder-….khescrow).`,
    );
  }
  if (rules.keyType && entry.keyType !== rules.keyType) throw wrongKeyTypeError(name, entry.keyType, rules.keyType);
  assertEscrowUsable(escrow.header, rules.mode);
  if (rules.currentKey && entry.fingerprint !== rules.currentKey.fingerprint) {
    throw new KeyholderError('escrow.copy_not_current', `${name} does not hold the escrow’s current key (${rules.currentKey.keyId}). Choose the key-holder copy made with this escrow.`);
  }
  const canonical = serializeEscrow(escrow);
  const sha256 = sha256Hex(canonical);
  return {
    file,
    escrow,
    entry,
    holder: entry.custodians[0]!.name,
    sha256,
    copyFingerprint: sha256.slice(0, 16).match(/.{4}/g)!.join('-'),
    attempt: attemptKey(canonical, 'custodian-1'),
  };
}

/**
 * Reads a path the page or a person named (a regular file of escrow size only,
 * never a device or FIFO) and checks it is a key-holder copy by `rules`.
 */
export async function readHolderCopy(file: string, rules: HolderCopyRules = {}): Promise<HolderCopy> {
  let bytes: Uint8Array;
  try {
    // As given, not path.resolve()d: a lexical '..' after a symlink (e.g. /proc/self/cwd/../x) names another file than the OS opens.
    bytes = await readEscrowBytes(file);
  } catch (e) {
    if (isKeyholderError(e) && e.code !== 'escrow.file_unreadable') throw e;
    throw new KeyholderError('escrow.file_unreadable', `The key-holder copy ${file} cannot be read (${isKeyholderError(e) ? e.message : 'error'}). Check that the drive holding it is connected, then choose the file again.`);
  }
  return holderCopyFromBytes(bytes, file, rules);
}

/** The custodians' escrow, checked from its header: readable, not a key-holder copy, usable in this mode, of the key type asked. Nothing decrypted. */
export interface CustodiansEscrow {
  readonly file: string;
  readonly escrow: EscrowFile;
  /** Its current key (the last entry). */
  readonly entry: KeyEntry;
  /** SHA-256 of the file's bytes as read. */
  readonly sha256: string;
}

/**
 * Reads a path the page or a person named as the custodians' escrow (a key
 * rotation's re-seal) and refuses, before anyone gathers, a key-holder copy
 * offered in its place, another key store's escrow or one this mode may not use.
 */
export async function readCustodiansEscrow(file: string, rules: Omit<HolderCopyRules, 'currentKey'> = {}): Promise<CustodiansEscrow> {
  let bytes: Uint8Array;
  try {
    bytes = await readEscrowBytes(file);
  } catch (e) {
    if (isKeyholderError(e) && e.code !== 'escrow.file_unreadable') throw e;
    throw new KeyholderError('escrow.file_unreadable', `The escrow file ${file} cannot be read (${isKeyholderError(e) ? e.message : 'error'}). Check that the drive holding it is connected, then choose the file again.`);
  }
  const name = path.basename(file);
  const escrow = parseEscrow(bytes);
  const { entry } = findEntry(escrow);
  if (isHolderCopyEntry(entry)) {
    throw new KeyholderError(
      'escrow.holder_copy_not_escrow',
      `${name} is the key-holder copy made for ${entry.custodians[0]!.name}, not the custodians’ escrow. Choose the escrow file the custodians’ passphrases open (escrow-….khescrow); the key-holder copies are chosen below it.`,
    );
  }
  if (rules.keyType && entry.keyType !== rules.keyType) throw wrongKeyTypeError(name, entry.keyType, rules.keyType);
  assertEscrowUsable(escrow.header, rules.mode);
  return { file, escrow, entry, sha256: sha256Hex(bytes) };
}

/**
 * The copies made on this workstation that hold the key store's key (the
 * current key's type), so a screen never lists or proposes the other key
 * store's copy. A file whose header cannot be read stays listed: choosing it
 * says why it cannot be used, rather than it silently disappearing.
 */
export function copiesForKeyStore(files: string[], keyStore: KeyStoreKind): string[] {
  return files.filter((f) => {
    try {
      return findEntry(parseEscrow(new Uint8Array(fs.readFileSync(f)))).entry.keyType === KEY_TYPE_OF[keyStore];
    } catch {
      return true;
    }
  });
}

/** Opens the copy's key (the current one, or `keyId`) with the holder's passphrase, counted by the throttle. */
export async function openHolderCopyKey(copy: HolderCopy, passphrase: string, o: { throttle: PassphraseThrottle; keyId?: string }): Promise<{ entry: KeyEntry; pkcs8: Buffer }> {
  return o.throttle.run(copy.attempt, () => openKey(copy.escrow, o.keyId, [{ custodian: 1, passphrase }]));
}

/**
 * Proves the holder's passphrase by unwrapping its own slot (never decrypting
 * the key), counted by the same throttle: a re-seal's check of a copy.
 */
export async function proveHolderCopyPassphrase(copy: HolderCopy, passphrase: string, o: { throttle: PassphraseThrottle; keyId?: string }): Promise<OpenedSlot> {
  return o.throttle.run(copy.attempt, () => openSlot(copy.escrow, o.keyId ?? copy.entry.keyId, 1, passphrase));
}
