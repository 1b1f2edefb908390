import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { KeyholderError } from '../../../shared/errors/index';
import { importSteps } from '../../../shared/ceremony/gate';
import { findHolderCopies } from '../../services/vault/index';
import { importTarget } from '../../services/vault/import-purpose';
import { KEY_TYPE_OF, copiesForKeyStore, readHolderCopy } from '../../services/escrow/holder-copy';

type VaultChannels = 'vault:state' | 'vault:saveDraft' | 'vault:chooseHolderCopy' | 'vault:startImport' | 'vault:recoverDeletedKey';

/** The holder this workstation acts for, when it can tell: the one the control plane enrolled, else the one whose client secret is kept here. */
export function ownHolder(s: Services, ws: { holder1: { secret: string }; holder2: { secret: string } }): 1 | 2 | undefined {
  const enrolled = s.controlPlane.view().holder;
  if (enrolled === 1 || enrolled === 2) return enrolled;
  const kept = ([1, 2] as const).filter((h) => (h === 1 ? ws.holder1 : ws.holder2).secret === 'stored');
  return kept.length === 1 ? kept[0] : undefined;
}

/**
 * The door in front of a supervised import into either key store (the Azure
 * vault, the AWS KMS key): this workstation's own holder unless the holder
 * chose the other one on the screen after a warning, and only when the step
 * table allows the import (the vendor's registration first). The explicit
 * choice is part of the signed record; if it cannot be recorded, nothing
 * starts. Throws the refusal; nothing is opened before it returns.
 */
export async function guardImportStart(s: Services, o: { holder: 1 | 2; otherHolderConfirmed?: boolean | undefined; target: string; into: string }): Promise<void> {
  const own = ownHolder(s, await s.worksheet.get());
  if (own !== undefined && o.holder !== own && !o.otherHolderConfirmed) {
    throw new KeyholderError(
      'vault.other_holder',
      `This workstation belongs to key holder ${own}, but the import is for key holder ${o.holder}. Choose key holder ${own}, or confirm on the screen that you are key holder ${o.holder} importing into your own ${o.into}.`,
      { own, holder: o.holder },
    );
  }
  // The step table decides, as on the screen: no key material is opened for a key store the vendor has not registered.
  s.ceremony.assertMayStart(importSteps(o.holder));
  if (own !== undefined && o.holder !== own) await s.ceremony.record('vault.other-holder-chosen', { workstationHolder: own, holder: o.holder, target: o.target });
}

export function vaultHandlers(s: Services): Pick<Handlers, VaultChannels> {
  return {
    'vault:state': async () => {
      const ws = await s.worksheet.get();
      const record = s.vault.record();
      // Only this workstation's own holder is proposed. Without one, nothing is guessed from the worksheet's lines
      // (a column copied from the other holder's would pick the wrong one): the holder chooses on the screen.
      const holder = ownHolder(s, ws);
      const line = holder === 2 ? ws.holder2 : holder === 1 ? ws.holder1 : null;
      return {
        record,
        suggested: {
          ...(holder ? { holder } : {}),
          vaultUrl: line?.vaultHost ? `https://${line.vaultHost}` : '',
          keyName: line?.keyName ?? '',
          holderCopies: copiesForKeyStore(findHolderCopies(s.deps.dataDir), 'azure-key-vault'),
        },
      };
    },
    'vault:saveDraft': async (r) => {
      s.vault.saveDraft(r);
      return {};
    },
    'vault:chooseHolderCopy': async (r) => {
      if (!s.deps.chooseOpenPath) {
        throw new KeyholderError('vault.no_file_chooser', 'This workstation cannot show a file chooser here. Choose one of the key-holder copies listed on the screen.');
      }
      const file = await s.deps.chooseOpenPath('holder-copy');
      if (!file) return { path: null };
      // Said now, not after four people have gathered: a key-holder copy (one passphrase, one holder) this mode may
      // use, holding the key the screen's key store imports (absent: the one the settings choose). Nothing decrypted.
      await readHolderCopy(file, { mode: s.deps.environment.mode, keyType: KEY_TYPE_OF[r.keyStore ?? (s.awsActive() ? 'aws-kms' : 'azure-key-vault')] });
      return { path: file };
    },
    // The key is opened only inside a supervised activation (keeper, knower, supervisor); its purpose runs the import.
    'vault:startImport': async ({ otherHolderConfirmed, ...draft }) => {
      // Kept first, so a refusal below loses nothing the holder typed.
      s.vault.saveDraft(draft);
      await guardImportStart(s, { holder: draft.holder, otherHolderConfirmed, target: importTarget(draft), into: 'vault' });
      return s.activationDesk.start({ mode: 'split-knowledge', escrowFile: draft.holderCopyPath, keyType: 'RSA', purpose: { kind: 'vault-import', target: importTarget(draft), holder: draft.holder } });
    },
    'vault:recoverDeletedKey': async (r) => {
      await s.vault.recoverDeletedKey(r.vaultUrl, r.keyName);
      return {};
    },
  };
}
