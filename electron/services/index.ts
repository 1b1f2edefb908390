/**
 * The composition of the Node-side services. Main, the CLI and the e2e bridge
 * each build one of these with their own dependencies (data folder, secret
 * box, clock, cloud endpoints); nothing in here knows which of them it runs in.
 */
import type { Clock } from './platform/clock';
import type { SecretBox } from './platform/secret-box';
import type { Logger } from './log/logger';
import type { EventName, EventPayload } from '../../shared/ipc/contract';
import type { KdfProfile } from '../../shared/escrow/kdf-profiles';
import type { Receipt } from '../../shared/ceremony/steps';
import { createEscrowService, type EscrowService } from './escrow/service';
import { processPassphraseThrottle } from './escrow/throttle';
import { createExpiryServiceInDataDir, type ExpiryService } from './expiry/expiry-service';
import { openSettingsStore, type ConfFactory, type SettingsStore } from './storage/settings-store';
import { createWorksheetService, type WorksheetService } from './worksheet/service';
import type https from 'node:https';
import os from 'node:os';
import { keyFingerprint } from '../../shared/transcript/entry';
import type { JsonObject } from '../../shared/transcript/canonical';
import { KeyholderError } from '../../shared/errors/index';
import { createControlPlaneService, type ControlPlaneService } from './control-plane/index';
import { createIdentityService, type AzureEndpoints, type IdentityService, type OpenBrowser } from './identity/index';
import { createVaultService, type VaultService } from './vault/index';
import { createCredentialRotationService, type CredentialRotationService } from './credential-rotation/credential-rotation-service';
import { createCeremonyTranscripts, type CeremonyTranscripts } from './transcript/index';
import { createParticipantsService, type ParticipantsService } from './participants/index';
import { createActivationService, type ActivationService } from './activation/index';
import { createActivationDesk, type ActivationDesk } from './activation/desk';
import { createCeremonyOperations, createCeremonyService, type CeremonyOperations, type CeremonyService } from './ceremony/index';
import { vaultImportPurpose } from './vault/import-purpose';
import { awsImportPurpose, keyStoreImportPurpose } from './vault/aws-kms/import-purpose';
import { createMergedCeremonyService, type MergedCeremonyService } from './ceremony/merged-ceremony';
import { awsExtendPurpose } from './vault/aws-kms/extend-purpose';
import { keyRotationImportPurpose, keyRotationRewrapPurpose } from './lifecycle/key-rotation-purpose';
import { createLifecycle, type Lifecycle, type LifecycleOptions } from './lifecycle/index';
import { openWorkstationSettings, type WorkstationSettings } from './settings/workstation';
import { createAwsKeyStoreService, type AwsKeyStoreRecord, type AwsKeyStoreService, type AwsKmsAccess } from './vault/aws-kms/key-store-service';
import { createSettingsService, type SettingsService } from './settings/service';
import { createRehearsalVendor, type RehearsalVendor, type RehearsalVendorConfig } from './rehearsal-vendor/index';
import type { AwsIdentityCenterRehearsal } from './cloud/rehearsal-deps';
import { AwsWorkstation, type AwsConnection } from './vault/aws-kms/workstation';

export interface Environment {
  mode: 'rehearsal' | 'live';
  description: string;
}

export interface ServiceDeps {
  /** Azure sign-in and vault endpoints (rehearsal cloud or live settings); sign-in is refused with what to set when absent. */
  azure?: AzureEndpoints;
  /** Opens a URL in the holder's browser: shell.openExternal in the app, a browser page in tests. */
  openBrowser?: OpenBrowser;
  /** AWS KMS access (the holder's credentials, an endpoint override); AWS calls are refused with what to set when absent. */
  aws?: AwsKmsAccess | (() => AwsKmsAccess | undefined);
  /** Rehearsal: the AWS KMS double and its IAM Identity Center, where the holder signs in instead of their real account. */
  awsIdentityCenter?: AwsIdentityCenterRehearsal;
  /** Opens IAM Identity Center's approval page in the holder's browser (the service checked it is AWS's, or the rehearsal's). */
  openAwsApproval?: OpenBrowser;
  /** HTTPS agent for the vendor's control plane (rehearsal: the rehearsal CA and *.localhost lookup); system trust when absent. */
  controlPlaneAgent?: https.Agent;
  /** Folder for this workstation's settings and ceremony files. */
  dataDir: string;
  secretBox: SecretBox;
  /** The CLI in a terminal: sign-in tokens stay in this process, nothing about them is written (see identity-service). */
  signInMemoryOnly?: boolean;
  clock: Clock;
  log: Logger;
  environment: Environment;
  appVersion: string;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Escrow KDF costs; tests and the e2e bridge pass TEST_KDF, the app leaves it unset (production). */
  escrowKdf?: KdfProfile;
  /** Builds the settings file's backend: electron-store in main, plain conf elsewhere (the default). */
  confFactory?: ConfFactory;
  /** Renders a self-contained HTML document to PDF (printToPDF in main, headless Chromium in the bridge). */
  pdf?: { fromHtml(html: string): Promise<Uint8Array> };
  /** Asks the holder where to save an export; null when they cancel. Without it exports go to <dataDir>/exports. */
  chooseSavePath?(suggestedName: string, kind: 'pdf' | 'json' | 'keybackup'): Promise<string | null>;
  /** Asks the holder to pick a file (the native open dialog in main, a fake in the e2e bridge); null when they cancel. */
  chooseOpenPath?(kind: 'holder-copy' | 'escrow'): Promise<string | null>;
  /** Key-store lifecycle settings (quorum, Resource Manager endpoint, default data-key cache); derived defaults when absent. */
  lifecycle?: LifecycleOptions;
  /** How this workstation is named in the ceremony plan (default: the host name). */
  workstationLabel?: string;
  /** The workstation's mode and live settings (composed with IT's policy by the composition root); a fixed mode of `environment` when absent. */
  workstation?: WorkstationSettings;
  /** Ends this process and starts the app again (main: relaunch); absent, the holder is asked to reopen the app. */
  restartSession?(): void;
  /** How long the connection test waits for the holder to sign in (default 5 minutes). */
  connectionTestSignInTimeoutMs?: number;
  /** The embedded rehearsal cloud's vendor values and admin API (services/cloud/rehearsal-deps.ts); ignored in live mode. */
  rehearsalVendor?: RehearsalVendorConfig;
}

export interface Services {
  deps: ServiceDeps;
  controlPlane: ControlPlaneService;
  escrow: EscrowService;
  expiry: ExpiryService;
  settings: SettingsStore;
  worksheet: WorksheetService;
  /** Null until Azure endpoints are configured. */
  identity: IdentityService | null;
  vault: VaultService;
  /** The holder's AWS KMS key store (seed 002): draft, import inside a supervised activation, key policy, values for the vendor. */
  awsKeyStore: AwsKeyStoreService;
  /** The client-secret rotation wizard (Graph, control plane, worksheet line 4). */
  credentialRotation: CredentialRotationService;
  /** Signed ceremony transcripts and where the ceremony stands. */
  transcript: CeremonyTranscripts;
  participants: ParticipantsService;
  /** Supervised activations (split knowledge, quorum); key material stays in here. */
  activation: ActivationService;
  /** What the activation hand-over screens call. */
  activationDesk: ActivationDesk;
  /** The workstation's current ceremony: records each step, derives where it stands. */
  ceremony: CeremonyService;
  /** The ceremony's recorded operations: each calls its service and appends the step's one entry (the IPC handlers and `keyholder rehearse`). */
  ceremonyOps: CeremonyOperations;
  /** The whole ceremony across workstations: this one's transcript and the others' (signed files, control plane), merged. */
  mergedCeremony: MergedCeremonyService;
  /** The key's life after the ceremony: health, revoke/unrevoke, pull/restore, rotation to a new primary key. */
  lifecycle: Lifecycle;
  /** Live-mode settings, the connection test and switching modes. */
  liveSettings: SettingsService;
  /** Rehearsal only: the app plays the vendor (its values, approving a registration). Null in live mode, always. */
  rehearsalVendor: RehearsalVendor | null;
  /** The AWS side of this workstation: the sign-in (IAM Identity Center or a profile) and the AWS worksheet lines. */
  aws: AwsWorkstation;
  /** True while the settings choose AWS KMS as this workstation's key store. */
  awsActive(): boolean;
}

export function createServices(deps: ServiceDeps): Services {
  const settings = openSettingsStore({ dir: deps.dataDir, clock: deps.clock, log: deps.log, ...(deps.confFactory ? { conf: deps.confFactory } : {}) });
  const worksheet = createWorksheetService(deps, settings);
  // The AWS key store is built further down; the expiry dashboard reads its record when it lists items.
  let awsKeyMaterial: () => AwsKeyStoreRecord | null = () => null;
  const base = {
    deps,
    controlPlane: createControlPlaneService(deps, deps.controlPlaneAgent ? { agent: deps.controlPlaneAgent } : {}),
    // One count per secret, whichever screen or service the guess comes through.
    escrow: createEscrowService({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, throttle: processPassphraseThrottle, mode: deps.environment.mode, ...(deps.escrowKdf ? { kdf: deps.escrowKdf } : {}) }),
    expiry: createExpiryServiceInDataDir({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, worksheet, awsKeyMaterial: () => awsKeyMaterial(), changed: () => deps.emit('app:changed', { topic: 'expiry' }) }),
    settings,
    worksheet,
  };
  const identity = createIdentityService({ dataDir: deps.dataDir, secretBox: deps.secretBox, clock: deps.clock, log: deps.log, ...(deps.signInMemoryOnly ? { memoryOnly: true } : {}), ...(deps.azure ? { azure: deps.azure } : {}), ...(deps.openBrowser ? { openBrowser: deps.openBrowser } : {}) });
  // The other workstations' transcripts (imported files, the control plane's copies) count toward this one's step table; bound once they exist.
  let otherReceipts: () => Receipt[] = () => [];
  const transcript = createCeremonyTranscripts({ dataDir: deps.dataDir, secretBox: deps.secretBox, clock: deps.clock, others: () => otherReceipts() });
  // The steps are named in the words of the key store the settings choose (bound once the settings are open).
  let keyStore: () => 'azure-key-vault' | 'aws-kms' = () => 'azure-key-vault';
  // After closing, what the vendor reports goes to the key's lifecycle record (bound once the lifecycle exists), not a new ceremony.
  let afterClose: (kind: string, data: JsonObject) => Promise<string> = () => Promise.reject(new KeyholderError('ceremony.no_after_close_record', 'The lifecycle record is not open yet.'));
  const ceremony = createCeremonyService({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, transcript, others: () => otherReceipts(), keyStore: () => keyStore(), afterClose: (k, d) => afterClose(k, d), ...(deps.chooseSavePath ? { chooseSavePath: deps.chooseSavePath } : {}) });
  // The ceremony key signs the plan file and activation requests; without a SecretBox there is none, and enrolment fails closed.
  const workstationKey = () => {
    const k = transcript.ceremonyKey();
    return { label: (deps.workstationLabel ?? os.hostname()).slice(0, 100) || 'workstation', publicKey: k.publicKey, sign: k.sign };
  };
  // Participant keys follow the escrow's KDF choice: tests pass TEST_KDF for both, the app production costs.
  const participants = createParticipantsService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    workstation: workstationKey,
    ...(deps.escrowKdf ? { kdf: { N: 2 ** deps.escrowKdf.escrow.log2N, r: deps.escrowKdf.escrow.r, p: deps.escrowKdf.escrow.p } } : {}),
    // Every change of the plan is kept in the ceremony's signed record (who, which roles, which key).
    planChanged: (plan, fingerprint) =>
      ceremony.note('ceremony.plan', {
        fingerprint,
        participants: plan.participants.map((p) => ({ name: p.name, roles: p.roles, keyFingerprint: keyFingerprint(p.key) })),
        workstations: plan.workstations.map((w) => ({ label: w.label, keyFingerprint: keyFingerprint(w.key) })),
      }),
  });
  const mergedCeremony = createMergedCeremonyService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    ceremony,
    transcript,
    plan: () => participants.plan(),
    label: () => workstationKey().label,
    ...(deps.chooseSavePath ? { chooseSavePath: deps.chooseSavePath } : {}),
  });
  otherReceipts = () => mergedCeremony.otherReceipts();
  // The app's activations record into the current ceremony; a step the table does not allow yet is kept as a deviation, not lost.
  const activation = createActivationService({ transcript: { append: (c, kind, data, att) => ceremony.recordIn(c, kind, data, att) }, clock: deps.clock, workstation: workstationKey });
  const workstation = deps.workstation ?? openWorkstationSettings({ baseDir: deps.dataDir, clock: deps.clock, log: deps.log, running: deps.environment.mode, modeDecided: true, ...(deps.confFactory ? { confFactory: deps.confFactory } : {}) });
  const awsActive = () => workstation.configuration().keyStore.merged.provider === 'aws-kms';
  keyStore = () => (awsActive() ? 'aws-kms' : 'azure-key-vault');
  const awsConnection = (): AwsConnection | null => {
    if (!awsActive()) return null;
    const r = deps.awsIdentityCenter;
    // Rehearsal: the double's Identity Center and KMS, whatever the holder entered for their real account.
    if (deps.environment.mode === 'rehearsal' && r) {
      return { settings: { region: r.region, signIn: { method: 'identity-center', startUrl: r.startUrl, ssoRegion: r.ssoRegion }, kmsEndpoint: r.kmsEndpoint }, oidcEndpoint: r.oidcEndpoint, portalEndpoint: r.portalEndpoint, agent: r.agent };
    }
    const v = workstation.configuration().keyStore.value?.aws;
    return v ? { settings: v } : null;
  };
  const aws = new AwsWorkstation({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, connection: awsConnection, secretBox: deps.secretBox });
  // While the settings choose AWS KMS, the key store signs in as the holder did on this workstation (Identity Center or a profile).
  const awsAccess = () => (awsActive() ? aws.access() : undefined) ?? (typeof deps.aws === 'function' ? deps.aws() : deps.aws);
  const awsKeyStore = createAwsKeyStoreService({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, aws: awsAccess });
  awsKeyMaterial = () => awsKeyStore.record();
  const vault = createVaultService({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, ...(deps.azure ? { azure: deps.azure } : {}), identity, worksheet: base.worksheet });
  const lifecycle = createLifecycle({
    dataDir: deps.dataDir,
    clock: deps.clock,
    log: deps.log,
    mode: deps.environment.mode,
    ...(deps.azure ? { azure: deps.azure } : {}),
    identity,
    controlPlane: base.controlPlane,
    vault,
    awsKeyStore,
    worksheet: base.worksheet,
    participants,
    transcript,
    ...(deps.escrowKdf ? { kdf: deps.escrowKdf } : {}),
    ...(deps.lifecycle ? { options: deps.lifecycle } : {}),
    ...(deps.chooseSavePath ? { chooseSavePath: deps.chooseSavePath } : {}),
  });
  afterClose = async (kind, data) => {
    await lifecycle.keyStore.record(kind, data);
    return lifecycle.keyStore.transcriptId() ?? '';
  };
  const liveSettings = createSettingsService({
    workstation,
    connection: {
      clock: deps.clock,
      log: deps.log,
      secretBox: deps.secretBox,
      ...(deps.openBrowser ? { openBrowser: deps.openBrowser } : {}),
      ...(deps.connectionTestSignInTimeoutMs ? { signInTimeoutMs: deps.connectionTestSignInTimeoutMs } : {}),
    },
    endSession: async () => {
      // Switching modes ends this session: nobody stays signed in, no activation keeps key material.
      await identity?.signOut().catch((e: unknown) => deps.log.warn('sign-out before a mode switch failed', { error: e }));
      await aws.signOut().catch((e: unknown) => deps.log.warn('AWS sign-out before a mode switch failed', { error: e }));
      activation.wipeAll();
      base.controlPlane.stop();
    },
    ...(deps.restartSession ? { restart: deps.restartSession } : {}),
    ...(deps.awsIdentityCenter ? { awsRehearsal: () => ({ region: deps.awsIdentityCenter!.region, startUrl: deps.awsIdentityCenter!.startUrl, ssoRegion: deps.awsIdentityCenter!.ssoRegion, kmsEndpoint: deps.awsIdentityCenter!.kmsEndpoint }) } : {}),
  });
  return {
    ...base,
    liveSettings,
    // Built from the mode, not only from what was passed: a live workstation never gets a vendor to play.
    rehearsalVendor: deps.environment.mode === 'rehearsal' && deps.rehearsalVendor ? createRehearsalVendor(deps.rehearsalVendor) : null,
    transcript,
    participants,
    activation,
    ceremony,
    mergedCeremony,
    ceremonyOps: createCeremonyOperations({ worksheet: base.worksheet, escrow: base.escrow, controlPlane: base.controlPlane, vault, awsKeyStore, recorder: ceremony }),
    activationDesk: createActivationDesk({
      activation,
      participants,
      transcript,
      ceremony: () => ceremony.ensureOpen(),
      clock: deps.clock,
      mode: deps.environment.mode,
      purposes: {
        // One import purpose for either cloud: the holder's AWS key store when the attested target is its draft's.
        'vault-import': keyStoreImportPurpose(
          vaultImportPurpose(vault, () => deps.emit('app:changed', { topic: 'worksheet' })),
          awsImportPurpose(awsKeyStore, () => deps.emit('app:changed', { topic: 'worksheet' })),
          () => awsKeyStore.record()?.draft,
        ),
        // The AWS material imported again with a new expiry (Key store lifecycle screen).
        'key-material-extend': awsExtendPurpose(awsKeyStore, () => {
          deps.emit('app:changed', { topic: 'lifecycle' });
          deps.emit('app:changed', { topic: 'expiry' });
        }),
        'key-rotation': keyRotationImportPurpose(() => lifecycle.keyRotation, () => {
          deps.emit('app:changed', { topic: 'worksheet' });
          deps.emit('app:changed', { topic: 'lifecycle' });
        }),
        'escrow-rewrap': keyRotationRewrapPurpose(() => lifecycle.keyRotation, () => deps.emit('app:changed', { topic: 'lifecycle' })),
      },
    }),
    identity,
    credentialRotation: createCredentialRotationService({
      dataDir: deps.dataDir,
      secretBox: deps.secretBox,
      clock: deps.clock,
      log: deps.log,
      ...(deps.azure ? { azure: deps.azure } : {}),
      identity,
      controlPlane: base.controlPlane,
      worksheet: base.worksheet,
      expiry: base.expiry,
      changed: () => deps.emit('app:changed', { topic: 'expiry' }),
    }),
    vault,
    awsKeyStore,
    lifecycle,
    aws,
    awsActive,
  };
}
