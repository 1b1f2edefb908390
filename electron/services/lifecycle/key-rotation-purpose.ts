/**
 * The rotation's vault import as the purpose of a supervised activation
 * (security review finding #10): the keeper presents the holder copy the
 * rotation added the new key to, the knower types its passphrase inside the
 * activation, the supervisor attests, and only then is the key opened and
 * handed to the rotation. The opened key must be the one the copy names, and
 * the rotation checks it is its new key before anything reaches the vault.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { KeyholderError } from '../../../shared/errors/index';
import type { PurposeHandler } from '../activation/desk';
import { serializeEscrow } from '../../../shared/escrow/format';
import { findEntry } from '../escrow/seal';
import type { OpenedCopy } from '../vault/vault-service';
import { openedAesCopy } from '../vault/aws-kms/import-purpose';
import type { KeyRotationService } from './key-rotation';
import { parseKeyVersionId } from './service';

function openedRsaCopy(material: Uint8Array, entry: { keyId: string; fingerprint: string }): OpenedCopy {
  const key = createPrivateKey({ key: Buffer.from(material.buffer, material.byteOffset, material.length), format: 'der', type: 'pkcs8' });
  const fingerprint = createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('hex');
  if (fingerprint !== entry.fingerprint) throw new KeyholderError('activation.wrong_key', 'The key opened is not the key this holder copy names. Do not use this file.');
  return { keyId: entry.keyId, fingerprint, withPrivateKey: async (use) => use(key), dispose: () => {} };
}

export function keyRotationImportPurpose(rotation: () => Pick<KeyRotationService, 'importOpened'>, changed: () => void = () => {}): PurposeHandler {
  return async (material, purpose, escrow) => {
    const { entry } = findEntry(escrow);
    // An AWS KMS key store rotates its 256-bit key (checked against the copy's fingerprint there); Azure its RSA source key.
    const copy = entry.keyType === 'AES' ? openedAesCopy(material, entry) : openedRsaCopy(material, entry);
    const v = await rotation().importOpened(copy, purpose.target);
    changed();
    const id = v.importedKeyVersionId;
    return { holder: v.holder, fingerprint: copy.fingerprint, keyVersionId: id, vault: id ? (id.startsWith('arn:') ? parseKeyVersionId(id).vaultHost : new URL(id).host) : null, rotation: v.id };
  };
}

/**
 * The rotation's escrow re-seal as the purpose of a supervised `escrow-rewrap`
 * activation (issue 16): every custodian (as keeper) and each key-holder
 * copy's knower proved their passphrase inside the activation, the supervisor
 * attested, and only then is the new key generated and sealed to them. The
 * escrow the activation checked the passphrases against must be the one the
 * rotation prepared (SHA-256), and the target the one attested.
 */
export function keyRotationRewrapPurpose(rotation: () => Pick<KeyRotationService, 'addKeyAttested'>, changed: () => void = () => {}): PurposeHandler {
  return async (_material, purpose, escrow, passphrases) => {
    if (!passphrases) throw new KeyholderError('activation.purpose_unavailable', 'The escrow re-seal runs only in its own supervised activation, where every custodian enters their passphrase.');
    const escrowSha256 = createHash('sha256').update(serializeEscrow(escrow)).digest('hex');
    const v = await rotation().addKeyAttested({ passphrases, escrowSha256 }, purpose.target);
    changed();
    return { rotation: v.id, keyId: v.newKey?.keyId ?? null, fingerprint: v.newKey?.fingerprint ?? null };
  };
}
