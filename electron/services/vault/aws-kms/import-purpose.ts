/**
 * The AWS KMS import as the purpose of a supervised activation: the 256-bit
 * key was opened by the activation (keeper's sealed copy, knower's
 * passphrase, the supervisor's signed attestation), never from a file path.
 * The import uses the draft the holder saved when starting the activation and
 * refuses if it changed since, so the supervisor attests to the import that
 * runs. Same purpose kind as the Azure import ('vault-import'): the holder's
 * key store is the "vault" whichever cloud holds it.
 */
import crypto from 'node:crypto';
import { KeyholderError } from '../../../../shared/errors/index';
import type { PurposeHandler } from '../../activation/desk';
import { findEntry } from '../../escrow/seal';
import { wrongKeyTypeError } from '../../escrow/holder-copy';
import { SYMMETRIC_KEY_BYTES, symmetricFingerprint } from '../../keys/symmetric-key';
import type { OpenedCopy } from '../vault-service';
import type { AwsImportDraft, AwsKeyStoreService } from './key-store-service';
import { awsKeyLocation } from '../../../../shared/worksheet/aws';

/** What the activation records as its purpose: the holder and the AWS location (no path, no secret). */
export function awsImportTarget(draft: Pick<AwsImportDraft, 'holder' | 'region' | 'accountId' | 'partition' | 'keyArn'>): string {
  const where = awsKeyLocation({ region: draft.region, accountId: draft.accountId, ...(draft.partition ? { partition: draft.partition } : {}) });
  return `Key holder ${draft.holder}: import into AWS KMS ${draft.keyArn ?? where}`.slice(0, 300);
}

/** Lends the opened 32 bytes as a secret KeyObject, after checking they are the escrowed key the copy names. */
export function openedAesCopy(material: Uint8Array, entry: { keyType: string; keyId: string; fingerprint: string }): OpenedCopy {
  // The desk refused an RSA copy before anyone joined (readHolderCopy); this is the same fault, said the same way.
  if (entry.keyType !== 'AES') throw wrongKeyTypeError('This key-holder copy', 'RSA', 'AES');
  const raw = Buffer.from(material.buffer, material.byteOffset, material.length);
  if (material.length !== SYMMETRIC_KEY_BYTES || symmetricFingerprint(raw) !== entry.fingerprint) throw new KeyholderError('activation.wrong_key', 'The key opened is not the key this holder copy names. Do not use this file.');
  const key = crypto.createSecretKey(raw);
  return { keyId: entry.keyId, fingerprint: entry.fingerprint, withPrivateKey: async (use) => use(key), dispose: () => {} };
}

/**
 * The desk's one 'vault-import' purpose for either cloud: the AWS import when the attested target is the AWS
 * draft's, else the Azure import (which refuses a target that is not its own draft's).
 */
export function keyStoreImportPurpose(azure: PurposeHandler, aws: PurposeHandler, awsDraft: () => AwsImportDraft | undefined): PurposeHandler {
  return (material, purpose, escrow) => {
    const d = awsDraft();
    return d && awsImportTarget(d) === purpose.target ? aws(material, purpose, escrow) : azure(material, purpose, escrow);
  };
}

export function awsImportPurpose(service: Pick<AwsKeyStoreService, 'record' | 'importOpened'>, changed: () => void = () => {}): PurposeHandler {
  return async (material, purpose, escrow) => {
    const draft = service.record()?.draft;
    if (!draft || awsImportTarget(draft) !== purpose.target || draft.holder !== purpose.holder) {
      throw new KeyholderError('vault.draft_changed', 'The AWS import details were changed after this activation started, so the supervisor did not attest to them. Start the import again.');
    }
    const { entry } = findEntry(escrow);
    const out = await service.importOpened(draft, openedAesCopy(material, entry));
    changed();
    return {
      holder: draft.holder,
      fingerprint: out.fingerprint,
      keyVersionId: out.keyArn,
      companionKeyArn: out.companionArn,
      vault: awsKeyLocation({ region: out.region, accountId: out.accountId }),
      materialProof: out.materialProof,
      reused: out.reused,
    };
  };
}
