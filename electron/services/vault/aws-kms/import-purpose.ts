/**
 * The AWS KMS import as the purpose of a supervised activation: the key was
 * opened by the activation (keeper's sealed copy, knower's passphrase, the
 * supervisor's signed attestation), never by the import form. The import
 * uses the draft the holder saved when starting the activation and refuses
 * if it changed since, so the supervisor attests to the import that runs.
 */
import path from 'node:path';
import { KeyholderError } from '../../../../shared/errors/index';
import { serializeEscrow } from '../../../../shared/escrow/format';
import type { PurposeHandler } from '../../activation/desk';
import { readEscrowBytes, sha256Hex } from '../../escrow/files';
import { findEntry } from '../../escrow/seal';
import type { AwsImportDraft, AwsWorkstation } from './workstation';

/** What the activation records as its purpose: the holder, the key (or "a new key") and the Region; no path, no secret. */
export function awsImportTarget(draft: Pick<AwsImportDraft, 'holder' | 'keyArn'>, region: string): string {
  return `Key holder ${draft.holder}: import into AWS KMS ${draft.keyArn.trim() || `(a new key in ${region})`}`.slice(0, 300);
}

export function awsImportPurpose(aws: Pick<AwsWorkstation, 'record' | 'importOpened'>, region: () => string, changed: () => void = () => {}): PurposeHandler {
  return async (material, purpose, escrow) => {
    const draft = aws.record()?.draft;
    if (!draft || awsImportTarget(draft, region()) !== purpose.target || draft.holder !== purpose.holder) {
      throw new KeyholderError('vault.draft_changed', 'The import details were changed after this activation started, so the supervisor did not attest to them. Start the import again.');
    }
    const { entry } = findEntry(escrow);
    if (entry.keyType !== 'AES') {
      throw new KeyholderError('aws.wrong_key_type', 'AWS KMS imports the 256-bit key from an AES escrow entry, not the RSA source key. Bring the key-holder copy made for AWS.');
    }
    // The file on the form now must be, byte for byte, the one the keeper presented (as for the Azure import).
    let drafted: string | null = null;
    try {
      drafted = sha256Hex(await readEscrowBytes(path.resolve(draft.holderCopyPath)));
    } catch {
      drafted = null;
    }
    if (drafted !== sha256Hex(serializeEscrow(escrow))) {
      throw new KeyholderError('vault.draft_changed', 'The key-holder copy chosen on the import form is not the one presented in this activation. Start the import again.');
    }
    const out = await aws.importOpened(draft, material, { keyId: entry.keyId, fingerprint: entry.fingerprint });
    changed();
    return {
      holder: draft.holder,
      fingerprint: out.fingerprint,
      keyArn: out.keyArn,
      companionArn: out.companionArn,
      reused: out.reused,
      materialProof: out.materialProof,
    };
  };
}
