import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { findHolderCopies } from '../../services/vault/index';
import { importTarget } from '../../services/ceremony/vault-import-purpose';

type VaultChannels = 'vault:state' | 'vault:saveDraft' | 'vault:startImport' | 'vault:recoverDeletedKey';

/** The holder this workstation acts for, when it can tell. */
export function ownHolder(s: Services, ws: { holder1: { secret: string }; holder2: { secret: string } }): 1 | 2 | undefined {
  const enrolled = s.controlPlane.view().holder;
  if (enrolled === 1 || enrolled === 2) return enrolled;
  const kept = ([1, 2] as const).filter((h) => (h === 1 ? ws.holder1 : ws.holder2).secret === 'stored');
  return kept.length === 1 ? kept[0] : undefined;
}

export function vaultHandlers(s: Services): Pick<Handlers, VaultChannels> {
  return {
    'vault:state': async () => {
      const ws = await s.worksheet.get();
      const record = s.vault.record();
      // This workstation's own holder: the one the control plane enrolled it as, else the one whose client secret
      // is kept here. Only without either, the holder whose line 1 is filled and line 2 is not yet. Importing as
      // the other holder is the holder's explicit choice on the screen, never a suggestion.
      const own = ownHolder(s, ws);
      const holder = own ?? (ws.holder1.vaultHost && !ws.holder1.keyIdentifier ? 1 : ws.holder2.vaultHost && !ws.holder2.keyIdentifier ? 2 : undefined);
      const line = holder === 2 ? ws.holder2 : ws.holder1;
      return {
        record,
        suggested: {
          ...(holder ? { holder } : {}),
          vaultUrl: line.vaultHost ? `https://${line.vaultHost}` : '',
          keyName: line.keyName,
          holderCopies: findHolderCopies(s.deps.dataDir),
        },
      };
    },
    'vault:saveDraft': async (r) => {
      s.vault.saveDraft(r);
      return {};
    },
    // The key is opened only inside a supervised activation (keeper, knower, supervisor); its purpose runs the import.
    'vault:startImport': async (draft) => {
      s.vault.saveDraft(draft);
      return s.activationDesk.start({ mode: 'split-knowledge', escrowFile: draft.holderCopyPath, purpose: { kind: 'vault-import', target: importTarget(draft), holder: draft.holder } });
    },
    'vault:recoverDeletedKey': async (r) => {
      await s.vault.recoverDeletedKey(r.vaultUrl, r.keyName);
      return {};
    },
  };
}
