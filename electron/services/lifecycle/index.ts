/** The lifecycle services as the composition root builds them. */
import type { KdfProfile } from '../../../shared/escrow/kdf-profiles';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { AzureEndpoints } from '../identity/index';
import { notConfigured } from '../identity/index';
import type { IdentityService } from '../identity/identity-service';
import type { ControlPlaneService } from '../control-plane/service';
import { connectedKeyStoreValues } from '../control-plane/connected-values';
import type { VaultService } from '../vault/vault-service';
import type { WorksheetService } from '../worksheet/service';
import type { ParticipantsService } from '../participants/index';
import { AzureKeyVaultProvider } from '../vault/azure-key-vault';
import type { AwsKeyStoreService } from '../vault/aws-kms/key-store-service';
import { AwsKmsLifecycle } from '../vault/aws-kms/lifecycle';
import type { ManagementEndpoint } from '../vault/arm';
import type { KeyStoreLifecycleProvider } from '../vault/provider';
import { LifecycleService, type TranscriptSink } from './service';
import { KeyRotationService } from './key-rotation';
import { VaultBackupService } from './vault-backup';
import type { Holder } from './words';

export { LifecycleService } from './service';
export { KeyRotationService } from './key-rotation';
export { VaultBackupService } from './vault-backup';

export interface LifecycleOptions {
  /** Azure Resource Manager for vault properties; derived from the environment when absent. */
  management?: ManagementEndpoint;
  quorumThreshold?: number;
  defaultCacheSeconds?: number;
}

export interface Lifecycle {
  keyStore: LifecycleService;
  keyRotation: KeyRotationService;
  /** The vault's own backup of the key, saved as a second copy beside the escrow. */
  vaultBackup: VaultBackupService;
}

/** Resource Manager for the cloud in use: Azure's public one live, the rehearsal cloud's stand-in on the sign-in host. */
function managementFor(azure: AzureEndpoints, mode: 'rehearsal' | 'live'): ManagementEndpoint {
  if (azure.management) return azure.management;
  if (mode === 'rehearsal') return { endpoint: azure.identity.authorityHost, scope: 'https://management.rehearsal.localhost/.default' };
  return { endpoint: 'https://management.azure.com', scope: 'https://management.azure.com/.default' };
}

export function createLifecycle(deps: {
  dataDir: string;
  clock: Clock;
  log: Logger;
  mode: 'rehearsal' | 'live';
  azure?: AzureEndpoints;
  identity: IdentityService | null;
  controlPlane: ControlPlaneService;
  vault: VaultService;
  worksheet: WorksheetService;
  participants: ParticipantsService;
  transcript: TranscriptSink;
  kdf?: KdfProfile;
  options?: LifecycleOptions;
  /** Tests: a provider of their own. */
  provider?: () => KeyStoreLifecycleProvider;
  /** The holder's AWS KMS key store: when its import is done here, it is the key store this workstation manages. */
  awsKeyStore?: Pick<AwsKeyStoreService, 'record' | 'kmsProvider' | 'importRotation' | 'keyStoreValues'>;
  /** Asks the holder where to save the vault backup (a dialog in the app); <dataDir>/exports without it. */
  chooseSavePath?(suggestedName: string, kind: 'keybackup'): Promise<string | null>;
}): Lifecycle {
  let provider: AzureKeyVaultProvider | null = null;
  // A workstation holds one key store: the AWS key once imported here (seed 002), else the Azure vault's key version.
  const heldAws = () => {
    const r = deps.awsKeyStore?.record();
    return r?.state === 'done' && r.outcome ? { holder: r.draft.holder, keyVersionId: r.outcome.keyArn } : null;
  };
  const aws = deps.awsKeyStore ? new AwsKmsLifecycle((region) => deps.awsKeyStore!.kmsProvider(region)) : null;
  const azureProvider =
    deps.provider ??
    (() => {
      if (!deps.azure || !deps.identity) throw notConfigured();
      provider ??= new AzureKeyVaultProvider({
        credential: deps.identity.credential(),
        vaultSuffixes: deps.azure.vaultSuffixes,
        management: deps.options?.management ?? managementFor(deps.azure, deps.mode),
        ...(deps.azure.agent ? { agent: deps.azure.agent } : {}),
        ...(deps.azure.retryOptions ? { retryOptions: deps.azure.retryOptions } : {}),
      });
      return provider;
    });
  const getProvider = (): KeyStoreLifecycleProvider => (aws && heldAws() ? aws : azureProvider());
  const heldKeyStore = () => {
    const a = heldAws();
    if (a) return a;
    const r = deps.vault.record();
    return r?.state === 'done' && r.outcome ? { holder: r.draft.holder, keyVersionId: r.outcome.keyVersionId } : null;
  };
  const vendorStatus = async (refresh: boolean) => (deps.controlPlane.view().holder ? deps.controlPlane.status({ refresh }) : null);
  const keyStore = new LifecycleService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    log: deps.log,
    provider: getProvider,
    heldKeyStore,
    vendorStatus,
    lastVendorStatus: () => deps.controlPlane.lastKnownStatus(),
    participants: deps.participants,
    transcript: deps.transcript,
    ...(deps.options?.quorumThreshold ? { quorumThreshold: deps.options.quorumThreshold } : {}),
    ...(deps.options?.defaultCacheSeconds !== undefined ? { defaultCacheSeconds: deps.options.defaultCacheSeconds } : {}),
    // An AWS key store's cache time is the holder's, agreed with the vendor (seed 002): the lag a revoke takes to bite.
    cacheSeconds: (h) => {
      const r = deps.awsKeyStore?.record();
      return heldAws() && r?.draft.holder === h ? r.draft.cacheMinutes * 60 : null;
    },
  });
  const keyRotation = new KeyRotationService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    log: deps.log,
    ...(deps.kdf ? { kdf: deps.kdf } : {}),
    mode: deps.mode,
    provider: getProvider,
    held: () => keyStore.held(),
    heldKey: () => {
      const aws = heldAws() ? deps.awsKeyStore?.record()?.outcome : null;
      const azure = deps.vault.record();
      const out = aws ?? (azure?.state === 'done' ? azure.outcome : null);
      return out ? { keyId: out.keyId, fingerprint: out.fingerprint } : null;
    },
    vendorStatus,
    importNewKey: async (r) => {
      if (deps.awsKeyStore && heldAws()) {
        const out = await deps.awsKeyStore.importRotation(r.opened);
        return { keyVersionId: out.outcome.keyArn, fingerprint: out.outcome.fingerprint, keyId: out.outcome.keyId };
      }
      const prev = deps.vault.record();
      const out = await deps.vault.importOpened(
        {
          holder: r.holder,
          holderCopyPath: r.holderCopyPath,
          vaultUrl: r.vaultUrl,
          keyName: r.keyName,
          protection: prev?.draft.protection ?? 'hsm',
          allowEncryptDecrypt: prev?.draft.allowEncryptDecrypt ?? false,
        },
        r.opened,
      );
      return { keyVersionId: out.keyVersionId, fingerprint: out.fingerprint, keyId: out.keyId };
    },
    submitKeyStore: async (typedSecret) => {
      await deps.controlPlane.submit(await connectedKeyStoreValues({ holder: () => deps.controlPlane.view().holder as Holder | undefined, worksheet: deps.worksheet, ...(deps.awsKeyStore ? { awsKeyStore: deps.awsKeyStore } : {}) }, typedSecret));
    },
    record: (kind, data) => keyStore.record(kind, data),
  });
  const vaultBackup = new VaultBackupService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    log: deps.log,
    provider: getProvider,
    held: () => keyStore.held(),
    record: (kind, data) => keyStore.record(kind, data),
    ...(deps.chooseSavePath ? { chooseSavePath: deps.chooseSavePath } : {}),
  });
  return { keyStore, keyRotation, vaultBackup };
}

