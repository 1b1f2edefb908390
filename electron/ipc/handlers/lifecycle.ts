import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { KeyholderError } from '../../../shared/errors/index';
import { findEscrowFiles, findHolderCopies } from '../../services/vault/index';
import { KEY_TYPE_OF, copiesForKeyStore, readCustodiansEscrow, readHolderCopy } from '../../services/escrow/holder-copy';

type LifecycleChannel =
  | 'lifecycle:status'
  | 'lifecycle:confirmation'
  | 'lifecycle:revoke'
  | 'lifecycle:unrevoke'
  | 'lifecycle:pull'
  | 'lifecycle:restore'
  | 'lifecycle:request'
  | 'lifecycle:sign'
  | 'lifecycle:vault-backup'
  | 'lifecycle:key-rotation-start'
  | 'lifecycle:key-rotation-reseal-files'
  | 'lifecycle:key-rotation-choose-file'
  | 'lifecycle:key-rotation-add-key'
  | 'lifecycle:key-rotation-join'
  | 'lifecycle:key-rotation-import'
  | 'lifecycle:key-material-extend'
  | 'lifecycle:key-rotation-submit'
  | 'lifecycle:key-rotation-disable-old';

export function lifecycleHandlers(s: Services): Pick<Handlers, LifecycleChannel> {
  const ks = s.lifecycle.keyStore;
  const rot = s.lifecycle.keyRotation;
  const changed = () => s.deps.emit('app:changed', { topic: 'lifecycle' });
  // The re-seal's files hold the rotation's key (RSA for Azure Key Vault, AES for AWS KMS): the other key store's are refused.
  const rotationKeyStore = async () => (await rot.view({ refresh: false })).keyStoreKind;
  return {
    'lifecycle:status': async (r) => {
      const st = await ks.status({ refresh: r.refresh ?? true });
      // The AWS facts only when the key store shown is this workstation's AWS key (a KMS call per previous key kept).
      const aws = st.keyStore && st.keyStore.keyVersionId === s.awsKeyStore.record()?.outcome?.keyArn ? await s.awsKeyStore.lifecycleFacts() : null;
      return { ...st, keyRotation: rot.exists() ? await rot.view({ refresh: false }) : null, aws };
    },
    'lifecycle:confirmation': async (r) => ks.confirmationFor(r.action),
    'lifecycle:revoke': async (r) => {
      const out = await ks.revoke({ confirmation: r.confirmation, ...(r.requestId ? { requestId: r.requestId } : {}) });
      changed();
      return out;
    },
    'lifecycle:unrevoke': async (r) => {
      const out = await ks.unrevoke(r);
      changed();
      return out;
    },
    'lifecycle:pull': async (r) => {
      const out = await ks.pull({ confirmation: r.confirmation, ...(r.requestId ? { requestId: r.requestId } : {}) });
      changed();
      return out;
    },
    'lifecycle:restore': async (r) => {
      const out = await ks.restore(r);
      changed();
      return out;
    },
    'lifecycle:request': async (r) => ks.requestLastStoreAction(r),
    'lifecycle:sign': async (r) => ks.signRequest(r),
    'lifecycle:vault-backup': async () => {
      const out = await s.lifecycle.vaultBackup.backUp();
      if (out.saved) changed();
      return out;
    },
    'lifecycle:key-rotation-start': async () => rot.start(),
    'lifecycle:key-rotation-reseal-files': async () => {
      const keyStore = await rotationKeyStore();
      return { escrowFiles: copiesForKeyStore(findEscrowFiles(s.deps.dataDir), keyStore), holderCopies: copiesForKeyStore(findHolderCopies(s.deps.dataDir), keyStore) };
    },
    'lifecycle:key-rotation-choose-file': async (r) => {
      if (!s.deps.chooseOpenPath) {
        throw new KeyholderError('vault.no_file_chooser', 'This workstation cannot show a file chooser here. Choose one of the files listed on the screen.');
      }
      const rules = { mode: s.deps.environment.mode, keyType: KEY_TYPE_OF[await rotationKeyStore()] };
      const file = await s.deps.chooseOpenPath(r.file);
      if (!file) return { path: null };
      // Said now, not after the custodians, the knowers and a supervisor have gathered. Nothing decrypted.
      if (r.file === 'escrow') await readCustodiansEscrow(file, rules);
      else await readHolderCopy(file, rules);
      return { path: file };
    },
    // The re-seal runs only inside a supervised activation (every custodian, each copy's knower, a supervisor); its 'escrow-rewrap' purpose writes the files.
    'lifecycle:key-rotation-add-key': async (r) => {
      const { target } = await rot.prepareAddKey(r);
      return s.activationDesk.startRewrap({ escrowFile: r.escrowFile, holderCopies: r.holderCopies, purpose: { target } });
    },
    'lifecycle:key-rotation-join': async (r) => {
      const v = await rot.joinWithHolderCopy(r);
      changed();
      return v;
    },
    // The new key is opened only inside a supervised activation (keeper, knower, supervisor); its 'key-rotation' purpose runs the import.
    'lifecycle:key-rotation-import': async (r) => {
      const { target, holder } = rot.prepareImport({ holderCopyPath: r.holderCopyPath, ...(r.keyName ? { keyName: r.keyName } : {}), ...(r.validTo !== undefined ? { validTo: r.validTo } : {}) });
      return s.activationDesk.start({ mode: 'split-knowledge', escrowFile: r.holderCopyPath, purpose: { kind: 'key-rotation', target, holder } });
    },
    // The same material again, opened only inside a supervised activation (keeper, knower, supervisor); its 'key-material-extend' purpose re-imports it.
    'lifecycle:key-material-extend': async (r) => {
      const { target, holder } = s.awsKeyStore.prepareExtension({ validTo: r.validTo });
      return s.activationDesk.start({ mode: 'split-knowledge', escrowFile: r.holderCopyPath, purpose: { kind: 'key-material-extend', target, holder } });
    },
    'lifecycle:key-rotation-submit': async (r) => rot.submit(r.clientSecret ? { clientSecret: r.clientSecret } : {}),
    'lifecycle:key-rotation-disable-old': async (r) => {
      const v = await rot.disableOldKey(r);
      changed();
      return v;
    },
  };
}
