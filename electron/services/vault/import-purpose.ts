/**
 * The vault import as the purpose of a supervised activation: the key was
 * opened by the activation (keeper's sealed copy, knower's passphrase, the
 * supervisor's signed attestation), never by the import form. The import uses
 * the draft the holder saved when starting the activation, and refuses if it
 * changed since, so the supervisor attests to the import that runs.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { serializeEscrow } from '../../../shared/escrow/format';
import type { PurposeHandler } from '../activation/desk';
import { readEscrowBytes, sha256Hex } from '../escrow/files';
import { findEntry } from '../escrow/seal';
import type { ImportDraft, OpenedCopy, VaultService } from './vault-service';

/** What the activation records as its purpose: the key name, the vault and the holder (no path, no secret). */
export function importTarget(draft: Pick<ImportDraft, 'holder' | 'vaultUrl' | 'keyName'>): string {
  let host = draft.vaultUrl.trim();
  try {
    host = new URL(host).host;
  } catch {
    // An unparsable URL is refused by the import itself; the target just names what was typed.
  }
  return `Key holder ${draft.holder}: import ${draft.keyName.trim()} into ${host}`.slice(0, 300);
}

export function vaultImportPurpose(vault: Pick<VaultService, 'record' | 'importOpened'>, changed: () => void = () => {}): PurposeHandler {
  return async (material, purpose, escrow) => {
    const draft = vault.record()?.draft;
    if (!draft || importTarget(draft) !== purpose.target || draft.holder !== purpose.holder) {
      throw new KeyholderError('vault.draft_changed', 'The import details were changed after this activation started, so the supervisor did not attest to them. Start the import again.');
    }
    const { entry } = findEntry(escrow);
    // The draft's path is the page's choice and may have changed, or the file been swapped, since the activation
    // started: the file there now must be, byte for byte, the one presented (parsing is canonical, so re-serializing
    // gives the SHA-256 of the bytes read at the start). Read bounded and non-blocking: never a FIFO or a device.
    let drafted: string | null = null;
    try {
      drafted = sha256Hex(await readEscrowBytes(path.resolve(draft.holderCopyPath)));
    } catch {
      drafted = null;
    }
    if (drafted !== sha256Hex(serializeEscrow(escrow))) {
      throw new KeyholderError('vault.draft_changed', 'The key-holder copy chosen on the import form is not the one presented in this activation. Start the import again.');
    }
    const key = createPrivateKey({ key: Buffer.from(material.buffer, material.byteOffset, material.length), format: 'der', type: 'pkcs8' });
    const fingerprint = createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('hex');
    if (fingerprint !== entry.fingerprint) throw new KeyholderError('activation.wrong_key', 'The key opened is not the key this holder copy names. Do not use this file.');
    const copy: OpenedCopy = { keyId: entry.keyId, fingerprint, withPrivateKey: async (use) => use(key), dispose: () => {} };
    const out = await vault.importOpened(draft, copy);
    changed();
    return {
      holder: draft.holder,
      fingerprint: out.fingerprint,
      keyVersionId: out.keyVersionId,
      vault: new URL(out.keyVersionId).host,
      fingerprintMatches: out.fingerprintMatches,
      reused: out.reused,
    };
  };
}
