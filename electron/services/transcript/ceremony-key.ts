/**
 * The workstation's ceremony key: the Ed25519 key that signs every
 * transcript entry written on this workstation. Its private half is kept
 * only sealed by the SecretBox (the OS keychain); with no SecretBox there is
 * no key and no transcript, never a plain-text fallback.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { keyFingerprint } from '../../../shared/transcript/entry';
import { toBase64Url } from '../../../shared/transcript/canonical';
import type { SecretBox } from '../platform/secret-box';
import { ed25519Sign, rawPublicKey } from './ed25519';

export interface CeremonyKey {
  /** base64url raw public key, as written into every entry's `signer`. */
  publicKey: string;
  fingerprint: string;
  sign(message: Uint8Array): Uint8Array;
}

interface CeremonyKeyFile {
  format: 'keyholder-ceremony-key';
  v: 1;
  publicKey: string;
  sealedPrivateKey: string;
}

function requireBox(box: SecretBox): void {
  if (!box.isAvailable()) {
    throw new KeyholderError(
      'transcript.secret_box_unavailable',
      `The ceremony key cannot be kept safely on this workstation: ${box.unavailableReason?.() ?? 'the system keychain is unavailable'}. Transcripts cannot be signed until it is.`,
    );
  }
}

function wrap(privateKey: KeyObject): CeremonyKey {
  const publicKey = toBase64Url(rawPublicKey(createPublicKey(privateKey)));
  return { publicKey, fingerprint: keyFingerprint(publicKey), sign: (m) => ed25519Sign(privateKey, m) };
}

/** Loads this workstation's ceremony key, creating it on first use. */
export function loadOrCreateCeremonyKey(dataDir: string, box: SecretBox): CeremonyKey {
  requireBox(box);
  const file = path.join(dataDir, 'ceremony-key.json');
  if (existsSync(file)) {
    let parsed: CeremonyKeyFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as CeremonyKeyFile;
    } catch {
      throw new KeyholderError('transcript.ceremony_key_damaged', `The workstation's ceremony key file (${file}) is damaged. Restore it from backup; transcripts signed with it stay verifiable from their own contents.`);
    }
    let pkcs8: Buffer;
    try {
      pkcs8 = Buffer.from(box.decrypt(Buffer.from(parsed.sealedPrivateKey, 'base64url')), 'base64');
    } catch {
      throw new KeyholderError('transcript.ceremony_key_unreadable', "The workstation's ceremony key cannot be unsealed by this user's keychain. It was made by another user or machine.");
    }
    const key = wrap(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
    pkcs8.fill(0);
    if (key.publicKey !== parsed.publicKey) throw new KeyholderError('transcript.ceremony_key_damaged', `The workstation's ceremony key file (${file}) does not match its own public key.`);
    return key;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const sealed = box.encrypt(der.toString('base64'));
  der.fill(0);
  const key = wrap(privateKey);
  const body: CeremonyKeyFile = { format: 'keyholder-ceremony-key', v: 1, publicKey: key.publicKey, sealedPrivateKey: Buffer.from(sealed).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file + '.tmp', JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  renameSync(file + '.tmp', file);
  return key;
}
