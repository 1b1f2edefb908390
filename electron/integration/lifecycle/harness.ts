/**
 * A whole rehearsal for the key's life after the ceremony: the rehearsal
 * cloud, both holders' sign-ins and vaults, a real escrow with key-holder
 * copies, the reference control plane reaching the vaults with the holders'
 * application credentials (as the vendor does), enrolled participants, a
 * transcript, and holder 1's lifecycle and rotation services. One clock
 * moves the cloud, the control plane and the app together.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { AzureKeyStoreProbe, ReferenceControlPlane } from '../../rehearsal/control-plane/index';
import { IdentityService } from '../../services/identity/identity-service';
import { AzureKeyVaultProvider } from '../../services/vault/azure-key-vault';
import { VaultService, type ImportDraft } from '../../services/vault/vault-service';
import { vaultImportPurpose } from '../../services/vault/import-purpose';
import { createEscrowService } from '../../services/escrow/service';
import { createParticipantsService } from '../../services/participants/index';
import { createCeremonyTranscripts } from '../../services/transcript/index';
import { createCeremonyService } from '../../services/ceremony/index';
import { silentLogger } from '../../services/log/logger';
import { LifecycleService } from '../../services/lifecycle/service';
import { KeyRotationService } from '../../services/lifecycle/key-rotation';
import { keyRotationImportPurpose, keyRotationRewrapPurpose } from '../../services/lifecycle/key-rotation-purpose';
import { createActivationService } from '../../services/activation/index';
import { createActivationDesk, type ActivationDesk, type ActivationView } from '../../services/activation/desk';
import { walkSplitKnowledge } from '../../services/activation/test-support';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import type { KeyStoreRecord } from '../../../shared/control-plane/api';
import { fakeBox, importThroughActivation, IMPORT_CAST, scriptedBrowser } from '../import/harness';
import { PASS } from '../../services/escrow/testing/helpers';

export const ENV = 'env-lifecycle';
export const KEY_NAME = 'contoso-cmek';
const LOW_KDF = { N: 2 ** 10, r: 8, p: 1 };

export interface HolderSide {
  n: 1 | 2;
  tenantId: string;
  oid: string;
  vaultName: string;
  vaultUrl: string;
  identity: IdentityService;
  provider: AzureKeyVaultProvider;
  vault: VaultService;
  copyFile: string;
  copyPass: string;
  /** This holder's own workstation: its signed record, ceremony plan and activation desk (holder 1's also runs the key rotation). */
  transcript: ReturnType<typeof createCeremonyTranscripts>;
  participants: ReturnType<typeof createParticipantsService>;
  desk: ActivationDesk;
  /** This holder's copy into this holder's vault under KEY_NAME, as the app imports: a supervised activation on this holder's desk. */
  importCopy(): ReturnType<VaultService['importOpened']>;
}

export interface LifecycleHarness {
  cloud: RehearsalCloud;
  agent: https.Agent;
  dir: string;
  clock: { now(): Date; advance(ms: number): void };
  holders: [HolderSide, HolderSide];
  escrowFile: string;
  cp: ReferenceControlPlane;
  lifecycle: LifecycleService;
  keyRotation: KeyRotationService;
  desk: ReturnType<typeof createActivationDesk>;
  /**
   * The rotation's escrow re-seal as a supervised activation on holder 1's
   * desk: operator, supervisor, each custodian with their escrow passphrase,
   * the knower of each copy with its passphrase, then (unless `attest` is
   * false) the supervisor's attestation and the purpose.
   */
  keyRotationAddKey(o: { holderCopies: { file: string; passphrase: string }[]; custodianPassphrases?: string[]; attest?: boolean }): Promise<ActivationView>;
  /** The rotation's import as a supervised activation (keeper, knower, supervisor) on holder 1's desk. */
  keyRotationImport(o: { holderCopyPath: string; passphrase: string; keyName?: string; attest?: boolean }): Promise<ActivationView>;
  participants: ReturnType<typeof createParticipantsService>;
  participantIds: string[];
  transcript: ReturnType<typeof createCeremonyTranscripts>;
  /** Which key store holder 1's lifecycle manages (tests point it at other vaults). */
  held: { holder: 1 | 2; keyVersionId: string };
  admin(p: string, body?: unknown): Promise<unknown>;
  /** Submits a holder's current key version to the control plane (as their workstation would) and validates when both are in. */
  submit(n: 1 | 2, keyVersionId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startLifecycleHarness(): Promise<LifecycleHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-lifecycle-'));
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
  // Tokens outlive the clock moves (months): MSAL judges expiry by the real clock, the cloud by its moved one.
  // Azure's delay after delete and recover (as by default): the app's pull and restore must wait for it.
  const cloud = await startRehearsalCloud({ dataDir: path.join(dir, 'cloud'), adminEnabled: true, clock, tokenLifetimeSeconds: 400 * 86_400, keyVaultPropagationMs: 2000 });
  const agent = agentFor(cloud);
  const d = cloud.descriptor;
  const admin = async (p: string, body?: unknown) => {
    const text = JSON.stringify(body ?? {});
    const r = await request(agent, `${d.adminUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, body: text });
    if (r.status >= 300) throw new Error(`admin ${p}: ${r.status} ${r.text}`);
    return r.text ? r.json() : undefined;
  };

  // Everyone signs with their own participant passphrase (Sam's and Kim's are the lifecycle tests' PASS[0] and PASS[1]).
  const signingOf = (name: string) => ({ 'Sam Supervisor': PASS[0]!, 'Kim Keeper': PASS[1]!, 'Noor Officer': PASS[2]! })[name] ?? `${name} signing passphrase`;
  const escrow = createEscrowService({ dataDir: path.join(dir, 'escrow-ws'), clock, log: silentLogger, kdf: TEST_KDF });
  let st = await escrow.startCeremony({ modulusBits: 2048 });
  st = await escrow.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await escrow.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await escrow.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await escrow.writeFiles(st.sessionId);
  await escrow.testRestore(st.sessionId, 1, PASS[0]!);
  await escrow.testRestore(st.sessionId, 2, PASS[1]!);
  st = await escrow.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  st = await escrow.createHolderCopy(st.sessionId, 'Key holder 2', PASS[3]!);
  escrow.closeCeremony(st.sessionId);
  const escrowFile = st.written!.escrowFile;

  const side = async (n: 1 | 2): Promise<HolderSide> => {
    const t = d.tenants[n - 1]!;
    const v = d.vaults.find((x) => x.tenantId === t.id)!;
    const oid = d.users.find((u) => u.tenantId === t.id)!.oid;
    const clientId = d.apps.find((a) => a.tenantId === t.id)!.appId;
    const identity = new IdentityService({
      dataDir: path.join(dir, `holder${n}`),
      secretBox: fakeBox(),
      clock,
      log: silentLogger,
      config: { clientId, authorityHost: d.entraUrl, knownAuthorities: d.knownAuthorities, vaultScope: d.vaultScope, graphScope: d.graphScope, agent },
      openBrowser: scriptedBrowser(agent, oid),
    });
    await identity.signIn({ tenantId: t.id, method: 'browser' });
    const provider = new AzureKeyVaultProvider({
      credential: identity.credential(),
      vaultSuffixes: [d.vaultDnsSuffix],
      agent,
      retryOptions: { maxRetries: 0, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
      kekSize: 2048,
      management: { endpoint: d.managementUrl, scope: d.managementScope },
    });
    const vault = new VaultService({
      dataDir: path.join(dir, `holder${n}`),
      clock,
      log: silentLogger,
      provider: () => provider,
      worksheet: { recordKeyIdentifier: async () => {} },
    });
    const copyFile = st.holderCopies[n - 1]!.file;
    const copyPass = PASS[n + 1]!;
    // The holder's workstation as the app composes it: its own signed record, plan and desk, whose import purpose is the app's.
    const transcript = createCeremonyTranscripts({ dataDir: path.join(dir, `holder${n}`), secretBox: fakeBox(), clock });
    const workstation = () => ({ label: `holder ${n}`, publicKey: transcript.ceremonyKey().publicKey, sign: transcript.ceremonyKey().sign });
    const participants = createParticipantsService({ dataDir: path.join(dir, `holder${n}`), clock, kdf: LOW_KDF, workstation });
    // Activations record into the workstation's current ceremony, a step out of order kept as a deviation (as in the app).
    const ceremony = createCeremonyService({ dataDir: path.join(dir, `holder${n}`), clock, log: silentLogger, transcript });
    const desk = createActivationDesk({
      activation: createActivationService({ transcript: { append: (c, kind, data, att) => ceremony.recordIn(c, kind, data, att) }, clock, workstation }),
      participants,
      transcript,
      ceremony: () => ceremony.ensureOpen(),
      purposes: {
        'vault-import': vaultImportPurpose(vault),
        // Holder 1's workstation also runs the key rotation: its import and its escrow re-seal are supervised activations' purposes.
        ...(n === 1 ? { 'key-rotation': keyRotationImportPurpose(() => rotation), 'escrow-rewrap': keyRotationRewrapPurpose(() => rotation) } : {}),
      },
    });
    const draft: ImportDraft = { holder: n, holderCopyPath: copyFile, vaultUrl: v.url, keyName: KEY_NAME, protection: 'software', allowEncryptDecrypt: false };
    const importCopy = () => importThroughActivation({ desk, vault }, draft, copyPass, { signing: signingOf });
    return { n, tenantId: t.id, oid, vaultName: v.name, vaultUrl: v.url, identity, provider, vault, copyFile, copyPass, transcript, participants, desk, importCopy };
  };
  const holders: [HolderSide, HolderSide] = [await side(1), await side(2)];
  const { transcript, participants, desk } = holders[0];
  // Holder 1's ceremony plan, enrolled before anything: the lifecycle's sign-off officers, the import's and rotation's activations.
  const participantIds: string[] = [];
  for (const [name, roles] of [['Sam Supervisor', ['supervisor']], ['Kim Keeper', ['keeper']], ['Noor Officer', ['operator']]] as const) participantIds.push((await participants.enrol(name, signingOf(name), roles)).id);
  // The escrow's custodians (keepers of the re-seal) and a second knower, for the other key-holder copy.
  for (const [name, role] of [['Olive Operator', 'operator'], ['Noor Knower', 'knower'], ['Alice Archer', 'keeper'], ['Bob Baker', 'keeper'], ['Nico Knower', 'knower']] as const) {
    await participants.enrol(name, signingOf(name), [role]);
  }
  for (const h of holders) {
    await h.importCopy();
  }

  // The vendor: reaches each vault with the holder's application credentials, on the same clock.
  const cp = await ReferenceControlPlane.create({
    dataDir: path.join(dir, 'vendor'),
    controlPlaneId: 'cp-lifecycle',
    adminToken: 'admin-token-lifecycle-0123456789abcdef',
    probe: new AzureKeyStoreProbe({ authorityHost: d.entraUrl, agent, timeoutMs: 5000 }),
    now: () => clock.now(),
  });
  const enrolments = new Map<1 | 2, Awaited<ReturnType<ReferenceControlPlane['createEnrolment']>>['enrolment']>();
  for (const h of holders) {
    const { enrolment } = await cp.createEnrolment({ environmentId: ENV, holder: h.n, primaryKeyName: 'Contoso CMEK' });
    enrolments.set(h.n, enrolment);
    const reg = await cp.requestRegistration(enrolment, new URL(h.vaultUrl).host);
    await cp.decideRegistration(reg.registrationId, 'registered');
  }
  const submit = async (n: 1 | 2, keyVersionId: string) => {
    const h = holders[n - 1]!;
    const app = d.apps.find((a) => a.tenantId === h.tenantId)!;
    const record: KeyStoreRecord = {
      holder: n,
      vaultDnsName: new URL(h.vaultUrl).host,
      keyIdentifier: keyVersionId,
      applicationId: app.appId,
      clientSecret: app.clientSecret!,
      tenantId: h.tenantId,
      secretExpiresOn: new Date(clock.now().getTime() + 700 * 86_400_000).toISOString(),
    };
    // The sealed-envelope path is proven by the control plane's own tests; here the record goes straight in.
    await cp.store.update((s) => {
      const env = s.environments[ENV]!;
      env.pending[n] = { record, submissionId: `sub-${n}-${Date.now()}`, receivedAt: clock.now().toISOString() };
    });
    const env = cp.store.read().environments[ENV]!;
    if (env.pending[1] && env.pending[2]) {
      const out = await cp.validate(ENV);
      if (out.state !== 'validated') throw new Error(`validation failed: ${JSON.stringify(out.failures)}`);
    }
  };
  await submit(1, holders[0].vault.record()!.outcome!.keyVersionId);
  await submit(2, holders[1].vault.record()!.outcome!.keyVersionId);

  const held = { holder: 1 as 1 | 2, keyVersionId: holders[0].vault.record()!.outcome!.keyVersionId };
  const vendorStatus = async (refresh: boolean) => (refresh ? cp.checkStatus(ENV) : cp.environmentStatus(ENV));
  const lifecycle = new LifecycleService({
    dataDir: path.join(dir, 'holder1'),
    clock,
    log: silentLogger,
    provider: () => holders[0].provider,
    heldKeyStore: () => ({ ...held }),
    vendorStatus,
    participants,
    transcript,
    quorumThreshold: 2,
  });
  const rotation = new KeyRotationService({
    dataDir: path.join(dir, 'holder1'),
    clock,
    log: silentLogger,
    kdf: TEST_KDF,
    provider: () => holders[0].provider,
    held: () => ({ ...held }),
    vendorStatus,
    importNewKey: async (r) => {
      const out = await holders[0].vault.importOpened({ holder: 1, holderCopyPath: r.holderCopyPath, vaultUrl: r.vaultUrl, keyName: r.keyName, protection: 'software', allowEncryptDecrypt: false }, r.opened);
      return { keyVersionId: out.keyVersionId, fingerprint: out.fingerprint, keyId: out.keyId };
    },
    submitKeyStore: async () => submit(1, holders[0].vault.record()!.outcome!.keyVersionId),
    record: (kind, data) => lifecycle.record(kind, data),
  });
  async function keyRotationAddKey(o: { holderCopies: { file: string; passphrase: string }[]; custodianPassphrases?: string[]; attest?: boolean }): Promise<ActivationView> {
    const { target } = await rotation.prepareAddKey({ escrowFile, holderCopies: o.holderCopies.map((c) => c.file) });
    let v = await desk.startRewrap({ escrowFile, holderCopies: o.holderCopies.map((c) => c.file), purpose: { target } });
    const join = (role: 'operator' | 'supervisor' | 'keeper' | 'knower', name: string, custodian?: string) =>
      desk.join({ session: v.session, role, name, participantPassphrase: signingOf(name), ...(custodian ? { custodian } : {}) });
    await join('operator', 'Olive Operator');
    await join('supervisor', 'Sam Supervisor');
    const custodianPass = o.custodianPassphrases ?? [PASS[0]!, PASS[1]!];
    for (const [i, name] of ['Alice Archer', 'Bob Baker'].entries()) {
      await join('keeper', name, `custodian-${i + 1}`);
      v = await desk.enterComponent({ session: v.session, passphrase: custodianPass[i]! });
    }
    for (const [i, c] of o.holderCopies.entries()) {
      await join('knower', ['Noor Knower', 'Nico Knower'][i]!, `copy-${i + 1}`);
      v = await desk.enterPassphrase({ session: v.session, passphrase: c.passphrase });
    }
    if (o.attest !== false) await desk.attest({ session: v.session, participantPassphrase: PASS[0]! });
    return desk.carryOut({ session: v.session });
  }
  /**
   * The rotation's import through the desk: the lifecycle:rotation-import
   * handler's start, then keeper, knower and (unless `attest` is false) the
   * supervisor's signed attestation before the purpose is carried out.
   */
  async function keyRotationImport(o: { holderCopyPath: string; passphrase: string; keyName?: string; attest?: boolean }): Promise<ActivationView> {
    const { target, holder } = rotation.prepareImport({ holderCopyPath: o.holderCopyPath, ...(o.keyName ? { keyName: o.keyName } : {}) });
    const v = await desk.start({ mode: 'split-knowledge', escrowFile: o.holderCopyPath, purpose: { kind: 'key-rotation', target, holder } });
    return walkSplitKnowledge(desk, v, { cast: IMPORT_CAST, signing: signingOf, passphrase: o.passphrase, ...(o.attest === false ? { attest: false } : {}) });
  }
  return {
    cloud,
    agent,
    dir,
    clock,
    holders,
    escrowFile,
    cp,
    lifecycle,
    keyRotation: rotation,
    desk,
    keyRotationAddKey,
    keyRotationImport,
    participants,
    participantIds,
    transcript,
    held,
    admin,
    submit,
    async close() {
      for (const h of holders) h.identity.cancelSignIn();
      cp.stop();
      agent.destroy();
      await cloud.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
