/**
 * What a chosen key-holder copy's header says, checked when the holder picks
 * the file (no passphrase, nothing decrypted), so a wrong copy is refused
 * before the keeper, the knower and the supervisor gather for the supervised
 * activation: it must be a key-holder copy (one custodian: the split-knowledge
 * activation opens nothing else), usable in this workstation's mode (no
 * rehearsal or test-cost file in live mode), and hold the key the key store
 * imports (the RSA source key for Azure Key Vault, the 256-bit AES key for
 * AWS KMS). The activation checks all of this again when it opens the copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { parseEscrow, type EscrowHeader } from '../../../shared/escrow/format';
import { assertEscrowUsable, type WorkstationMode } from '../../../shared/escrow/mode-policy';
import type { KeyStoreProvider } from '../../../shared/settings/key-store';

export function checkChosenHolderCopy(file: string, header: Pick<EscrowHeader, 'keys'>, o: { keyStore: KeyStoreProvider; mode: WorkstationMode }): void {
  const name = path.basename(file);
  // The activation opens the newest key of a copy (a rotation appends one), so that is the one checked here.
  const entry = header.keys.at(-1);
  if (!entry || entry.policy.threshold !== 1 || entry.custodians.length !== 1) {
    throw new KeyholderError('vault.not_holder_copy', `${name} is not a key-holder copy (it is the custodians’ escrow or another file). Choose the copy made for you: holder-….khescrow.`);
  }
  assertEscrowUsable(header, o.mode);
  if (o.keyStore === 'aws-kms' && entry.keyType !== 'AES') {
    throw new KeyholderError(
      'aws.wrong_key_type',
      `${name} holds the RSA source key for Azure Key Vault. AWS KMS imports the 256-bit AES key: choose the key-holder copy made in the escrow step while the settings chose AWS KMS.`,
      { keyId: entry.keyId },
    );
  }
  if (o.keyStore === 'azure-key-vault' && entry.keyType !== 'RSA') {
    throw new KeyholderError(
      'vault.wrong_key_type',
      `${name} holds the 256-bit AES key for AWS KMS. Azure Key Vault imports the RSA source key: choose the key-holder copy made in the escrow step while the settings chose Azure Key Vault.`,
      { keyId: entry.keyId },
    );
  }
}

/**
 * The copies made on this workstation that hold the key store's key (the
 * newest key's type), so a screen never lists or proposes the other key
 * store's copy. A file whose header cannot be read stays listed: choosing it
 * says why it cannot be used, rather than it silently disappearing.
 */
export function copiesForKeyStore(files: string[], keyStore: KeyStoreProvider): string[] {
  const wanted = keyStore === 'aws-kms' ? 'AES' : 'RSA';
  return files.filter((f) => {
    try {
      const entry = parseEscrow(new Uint8Array(fs.readFileSync(f))).header.keys.at(-1);
      return !entry || entry.keyType === wanted;
    } catch {
      return true;
    }
  });
}
