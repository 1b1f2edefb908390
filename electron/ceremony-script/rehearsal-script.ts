/**
 * The whole two-holder ceremony, scripted, against a rehearsal cloud with the
 * reference control plane inside: what `keyholder rehearse` runs, what
 * `npm run bench` times and what the e2e ceremony mirrors on screen.
 *
 * Three workstations, each with the app's own services on its own data
 * folder: the custodian's (source key, escrow, holder copies, and the
 * ceremony transcript), key holder 1's and key holder 2's (worksheet column,
 * sign-in to their own tenant, vault import, registration, sealed
 * submission). Each holder's import is a supervised split-knowledge
 * activation: the keeper presents the holder copy, a different person (the
 * knower) types its passphrase, the supervisor attests, each with their own
 * participant key. Participants' inputs (names, passphrases) are generated
 * into `<out>/inputs/`: a rehearsal only, never a real ceremony.
 *
 * Lives outside services because it starts the rehearsal cloud.
 */
import fs from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startRehearsalCloud, type RehearsalCloud } from '../rehearsal/index';
import { createServices, type Services } from '../services/index';
import { rehearsalServiceDeps, type RehearsalDeps } from '../services/cloud/rehearsal-deps';
import { createParticipantsService, type ParticipantsService } from '../services/participants/index';
import { createActivationService } from '../services/activation/index';
import { holderCopySource } from '../services/activation/escrow-sources';
import { readHolderCopy } from '../services/escrow/holder-copy';
import { formatCheckValue } from '../services/activation/check-value';
import { identityOf } from '../services/keys/source-key';
import { silentLogger } from '../services/log/logger';
import { systemClock } from '../services/platform/clock';
import type { SecretBox } from '../services/platform/secret-box';
import type { OpenedCopy } from '../services/vault/vault-service';
import { PRODUCTION_KDF, TEST_KDF, type KdfProfile } from '../../shared/escrow/kdf-profiles';
import { emptyHolder } from '../../shared/worksheet/model';
import { keyFingerprint, type Role } from '../../shared/transcript/entry';
import type { PrimaryKeyStatus } from '../../shared/control-plane/api';
import { scriptedRehearsalBrowser } from './scripted-browser';
import { ceremonyReportHtml, createCeremonyOperations, reportFromEntries, type CeremonyOperations, type CeremonyRecorder } from '../services/ceremony/index';
import { memorySecretBox } from '../services/platform/memory-secret-box';
import { awsImportTarget, openedAesCopy } from '../services/vault/aws-kms/import-purpose';
import type { AwsImportDraft } from '../services/vault/aws-kms/key-store-service';

export type Holder = 1 | 2;

export interface RehearsalOptions {
  /** Where every artifact goes; created if missing, must be empty. */
  outDir: string;
  /** TEST_KDF everywhere (tests, quick demos); the default is the production escrow and participant KDF. */
  fastKdf?: boolean;
  /** RSA size of the source key (default 3072; Azure Key Vault only). */
  modulusBits?: 2048 | 3072 | 4096;
  /**
   * The holders' key stores: Azure Key Vault (default; an RSA source key) or
   * AWS KMS (seed 002: a 256-bit AES key imported into a key in each holder's
   * account, with its companion HMAC key, the key policy shown and applied).
   */
  provider?: 'azure-key-vault' | 'aws-kms';
  /** Renders the report to PDF too (null: no renderer here). */
  pdf?: ((html: string) => Promise<Uint8Array>) | null;
  /** An already running rehearsal cloud (e2e, bench); otherwise one is started under `<out>/cloud` and stopped. */
  cloud?: RehearsalCloud;
  /** Tests that reopen a workstation afterwards: the SecretBox of all three (default: a fresh in-memory one each, gone with the run). */
  secretBox?: () => SecretBox;
  /** Progress lines for a person watching. */
  progress?(line: string): void;
}

export interface StepTiming {
  step: string;
  /** Wall time of the step without its passphrase work. */
  ms: number;
  /**
   * Deliberately slow passphrase work inside the step: deriving keys from
   * passphrases (scrypt) and, for every new passphrase, the strength check
   * (zxcvbn, about 2 s here). Measured around the calls that do it.
   */
  passphraseMs: number;
}

export interface RehearsalResult {
  ok: true;
  outDir: string;
  ceremony: string;
  kdf: string;
  fingerprint: string;
  checkValue: string;
  /** Which key stores the holders used. */
  provider: 'azure-key-vault' | 'aws-kms';
  /** Each holder's key: the Key Vault key version identifier, or the KMS key ARN. */
  keyVersionIds: Record<`holder${Holder}`, string>;
  /** AWS KMS only: both key ARNs and their companion HMAC keys (the vendor's proof of sameness). */
  aws?: { keyArns: Record<`holder${Holder}`, string>; companionKeyArns: Record<`holder${Holder}`, string>; cacheMinutes: number; policy: string[] };
  primaryKey: { name: string; status: PrimaryKeyStatus };
  transcript: string;
  finalHash: string;
  /** The control plane's receipts for the final hash, one per holder's enrolment (POST /v1/ceremony-records). */
  ceremonyRecords: { holder: Holder; recordId: string; receivedAt: string; sha256: string }[];
  workstationKey: string;
  report: { html: string; pdf: string | null };
  artifacts: Record<string, string | string[]>;
  timings: { steps: StepTiming[]; totalMs: number; passphraseMs: number; withoutPassphraseMs: number };
}

/** An in-memory SecretBox for a headless rehearsal: a fresh AES-256-GCM key per run; nothing sealed outlives the run. */
function ephemeralSecretBox(): SecretBox {
  return memorySecretBox();
}

/** A strong random passphrase (the escrow's policy refuses weak ones). */
const pick = (k: { publicKey: string; sign(m: Uint8Array): Uint8Array }) => ({ publicKey: k.publicKey, sign: k.sign });

function passphrase(): string {
  return `rehearsal-${randomBytes(18).toString('base64url')}`;
}

interface Person {
  name: string;
  role: Role | 'custodian' | 'key holder';
  passphrase: string;
  id?: string;
}

/** Measures each step, keeping passphrase work (KDF, strength checks) apart. */
class Stopwatch {
  readonly steps: StepTiming[] = [];
  private kdf = 0;
  async passphraseWork<T>(fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.kdf += performance.now() - t;
    }
  }
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const k = this.kdf;
    try {
      return await fn();
    } finally {
      const kdfMs = this.kdf - k;
      this.steps.push({ step: name, ms: Math.round(performance.now() - t - kdfMs), passphraseMs: Math.round(kdfMs) });
    }
  }
}

async function adminCall(agent: https.Agent, url: string, token: string | undefined, body: unknown): Promise<Record<string, unknown>> {
  const text = JSON.stringify(body ?? {});
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (t += c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) return reject(new Error(`The rehearsal control plane refused ${new URL(url).pathname}: HTTP ${res.statusCode} ${t}`));
        resolve(t ? (JSON.parse(t) as Record<string, unknown>) : {});
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o600 });
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function runRehearsal(o: RehearsalOptions): Promise<RehearsalResult> {
  const out = path.resolve(o.outDir);
  fs.mkdirSync(out, { recursive: true });
  if (fs.readdirSync(out).length) throw new Error(`${out} is not empty. Give a new or empty folder for the rehearsal's artifacts.`);
  const say = o.progress ?? (() => {});
  const kdf: KdfProfile = o.fastKdf ? TEST_KDF : PRODUCTION_KDF;
  // Participant keys: the participants' own production cost unless --fast-kdf.
  const participantKdf = o.fastKdf ? { N: 2 ** kdf.escrow.log2N, r: kdf.escrow.r, p: kdf.escrow.p } : undefined;
  const provider = o.provider ?? 'azure-key-vault';
  const isAws = provider === 'aws-kms';
  const watch = new Stopwatch();
  const started = performance.now();
  const ownCloud = !o.cloud;
  const cloud = o.cloud ?? (await startRehearsalCloud({ dataDir: path.join(out, 'cloud'), adminEnabled: true, port: 0 }));
  const d = cloud.describe();
  const opened: RehearsalDeps[] = [];
  const services: Services[] = [];

  try {
    // ---- who takes part, and what each of them brings (rehearsal inputs, written out for the record)
    const holderUser = (h: Holder) => d.users.find((u) => u.tenantId === d.tenants[h - 1]!.id)!;
    const people = {
      custodians: [
        { name: 'Carol Custodian', role: 'custodian', passphrase: passphrase() },
        { name: 'Dan Custodian', role: 'custodian', passphrase: passphrase() },
      ] as Person[],
      supervisor: { name: 'Sam Supervisor', role: 'supervisor', passphrase: passphrase() } as Person,
      holders: {
        1: { operator: { name: holderUser(1).displayName, role: 'operator', passphrase: passphrase() }, keeper: { name: 'Kim Keeper', role: 'keeper', passphrase: passphrase() }, knower: { name: 'Noor Knower', role: 'knower', passphrase: passphrase() } },
        2: { operator: { name: holderUser(2).displayName, role: 'operator', passphrase: passphrase() }, keeper: { name: 'Kai Keeper', role: 'keeper', passphrase: passphrase() }, knower: { name: 'Nina Knower', role: 'knower', passphrase: passphrase() } },
      } as Record<Holder, Record<'operator' | 'keeper' | 'knower', Person>>,
      holderCopyPassphrase: { 1: passphrase(), 2: passphrase() } as Record<Holder, string>,
    };
    const inputs = path.join(out, 'inputs');
    writePrivate(
      path.join(inputs, 'participants.json'),
      JSON.stringify(
        {
          warning: 'REHEARSAL ONLY: generated passphrases for a rehearsal against the rehearsal cloud. A real ceremony never writes passphrases to a file.',
          custodians: people.custodians,
          supervisor: people.supervisor,
          holders: people.holders,
          holderCopyPassphrases: { holder1: { knownBy: people.holders[1].knower.name, passphrase: people.holderCopyPassphrase[1] }, holder2: { knownBy: people.holders[2].knower.name, passphrase: people.holderCopyPassphrase[2] } },
        },
        null,
        2,
      ) + '\n',
    );

    // ---- three workstations on the app's own services
    const depsOf = {} as Record<Holder, RehearsalDeps>;
    const workstation = (name: string, holder: Holder): Services => {
      const deps = rehearsalServiceDeps(d, cloud.caCertPem, { holder });
      opened.push(deps);
      if (name !== 'custodian') depsOf[holder] = deps;
      const s = createServices({
        dataDir: path.join(out, 'workstations', name),
        secretBox: o.secretBox?.() ?? ephemeralSecretBox(),
        clock: systemClock,
        log: silentLogger,
        environment: deps.environment,
        appVersion: 'rehearsal',
        emit: () => {},
        escrowKdf: kdf,
        azure: deps.azure,
        ...(deps.aws ? { aws: deps.aws } : {}),
        controlPlaneAgent: deps.controlPlaneAgent,
        openBrowser: scriptedRehearsalBrowser(deps.controlPlaneAgent, holderUser(holder).oid),
      });
      services.push(s);
      return s;
    };
    const custodianWs = workstation('custodian', 1);
    const holderWs: Record<Holder, Services> = { 1: workstation('holder1', 1), 2: workstation('holder2', 2) };
    const transcripts = custodianWs.transcript;
    // The ceremony plan lives on the workstation that runs the activations, signed with its ceremony key.
    const planWorkstation = () => ({ label: 'custodian workstation', ...pick(transcripts.ceremonyKey()) });
    let planCeremony: string | null = null;
    const participants: ParticipantsService = createParticipantsService({
      dataDir: path.join(out, 'workstations', 'custodian'),
      clock: systemClock,
      workstation: planWorkstation,
      ...(participantKdf ? { kdf: participantKdf } : {}),
      planChanged: async (plan, fingerprint) =>
        planCeremony &&
        transcripts.append(planCeremony, 'ceremony.plan', {
          fingerprint,
          participants: plan.participants.map((p) => ({ name: p.name, roles: p.roles, keyFingerprint: keyFingerprint(p.key) })),
          workstations: plan.workstations.map((w) => ({ label: w.label, keyFingerprint: keyFingerprint(w.key) })),
        }),
    });
    const activations = createActivationService({ transcript: transcripts, clock: systemClock, workstation: planWorkstation });
    const agent = opened[0]!.controlPlaneAgent;
    const adminToken = d.controlPlaneAdminToken;
    const cpUrl = d.controlPlaneUrl;

    const { ceremony } = await transcripts.open({ app: 'Key Holder', mode: 'rehearsal', kind: 'two-holder ceremony', cloud: `rehearsal cloud on port ${d.port}` });
    say(`ceremony ${ceremony} opened`);
    // The app's own recorded operations on each workstation, all recording into the one transcript.
    const recorder: CeremonyRecorder = {
      note: (kind, data) => transcripts.append(ceremony, kind, data),
      recorded: (kind) => transcripts.receipts(ceremony).filter((r) => r.kind === kind).map((r) => r.data),
    };
    const opsOf = (ws: Services): CeremonyOperations => createCeremonyOperations({ worksheet: ws.worksheet, escrow: ws.escrow, controlPlane: ws.controlPlane, vault: ws.vault, awsKeyStore: ws.awsKeyStore, recorder });
    const custodianOps = opsOf(custodianWs);
    const holderOps: Record<Holder, CeremonyOperations> = { 1: opsOf(holderWs[1]), 2: opsOf(holderWs[2]) };
    planCeremony = ceremony;

    // ---- 0. the ceremony plan: every participant enrolled before the ceremony, with their roles (never at the desk)
    const enrol = async (p: Person, roles: Role[]) => {
      p.id = (await watch.passphraseWork(() => participants.enrol(p.name, p.passphrase, roles))).id;
      return p.id;
    };
    await watch.step('ceremony plan', async () => {
      await enrol(people.supervisor, ['supervisor']);
      for (const h of [1, 2] as const) {
        await enrol(people.holders[h].operator, ['operator']);
        await enrol(people.holders[h].keeper, ['keeper']);
        await enrol(people.holders[h].knower, ['knower']);
      }
    });
    say(`ceremony plan ${participants.plan().fingerprint}`);

    // ---- 1. worksheet: each holder fills their own column on their own workstation
    const vaultOf = (h: Holder) => d.vaults.find((v) => v.tenantId === d.tenants[h - 1]!.id)!;
    const appOf = (h: Holder) => d.apps.find((a) => a.tenantId === d.tenants[h - 1]!.id)!;
    const keyName = 'rehearsal-cmk';
    const now = new Date();
    const expires = new Date(now.getTime() + 365 * 86_400_000);
    // AWS (seed 002): each holder's account and Region, the vendor's role and the cache time (5 minutes, as the vendor recommends).
    const vendorRole = d.kms.principals.find((p) => p.label === 'vendor role');
    const awsDrafts = {} as Record<Holder, AwsImportDraft>;
    await watch.step('worksheet', async () => {
      if (isAws) {
        if (!vendorRole) throw new Error(`The rehearsal KMS has no vendor role; delete ${d.stateFile} to reseed it.`);
        for (const h of [1, 2] as const) {
          const account = depsOf[h].aws?.accountId;
          if (!account) throw new Error(`The rehearsal KMS has no account for key holder ${h}; delete ${d.stateFile} to reseed it.`);
          awsDrafts[h] = { holder: h, accountId: account, region: d.kms.defaultRegion, vendorRoleArn: vendorRole.arn, cacheMinutes: 5 };
          await holderOps[h].saveAwsKeyStore(awsDrafts[h]);
        }
        return;
      }
      for (const h of [1, 2] as const) {
        const app = appOf(h);
        if (!app.clientSecret) throw new Error(`The rehearsal cloud holds no client secret for key holder ${h}'s application; delete ${d.stateFile} to reseed it.`);
        const mine = { ...emptyHolder(), vaultHost: new URL(vaultOf(h).url).host, clientId: app.appId, tenantId: app.tenantId, keyName, secretCreatedOn: isoDay(now), secretExpiresOn: isoDay(expires) };
        const other = { ...emptyHolder(), secret: { action: 'keep' as const } };
        const own = { ...mine, secret: { action: 'set' as const, value: app.clientSecret } };
        await holderOps[h].saveWorksheet(h === 1 ? { holder1: own, holder2: other } : { holder1: other, holder2: own });
      }
    });

    // ---- 2. source key, escrow (two custodians, 1-of-2 with PEMs), test-restore, holder copies
    const escrow = custodianWs.escrow;
    const escrowDir = path.join(out, 'escrow');
    let st = await watch.step('key generation', () =>
      custodianOps.startEscrow({ modulusBits: o.modulusBits ?? 3072, folder: escrowDir, purpose: 'Rehearsal customer-managed key', ...(isAws ? { keyStore: 'aws-kms' as const } : {}) }),
    );
    const fingerprint = st.key.fingerprint;
    say(`source key ${st.key.fingerprintGrouped}`);
    await watch.step('escrow', async () => {
      st = await escrow.setCustodians(st.sessionId, people.custodians.map((c) => c.name), 1);
      for (const [i, c] of people.custodians.entries()) st = await watch.passphraseWork(() => escrow.enterPassphrase(st.sessionId, i + 1, c.passphrase));
      st = await watch.passphraseWork(() => custodianOps.writeEscrow(st.sessionId));
    });
    await watch.step('escrow test-restore', async () => {
      for (const [i, c] of people.custodians.entries()) st = await watch.passphraseWork(() => custodianOps.testRestore(st.sessionId, i + 1, c.passphrase));
      if (!st.restoreDone) throw new Error('The escrow test-restore did not complete.');
    });
    const copies = {} as Record<Holder, string>;
    await watch.step('holder copies', async () => {
      for (const h of [1, 2] as const) {
        st = await watch.passphraseWork(() => custodianOps.writeHolderCopy(st.sessionId, `Key holder ${h}`, people.holderCopyPassphrase[h]));
        copies[h] = st.holderCopies.at(-1)!.file;
      }
    });
    const written = st.written!;
    escrow.closeCeremony(st.sessionId);

    // ---- 3. enrolment and vault registration (the vendor approves in the rehearsal)
    await watch.step('registration', async () => {
      for (const h of [1, 2] as const) {
        const enr = await adminCall(agent, `${cpUrl}/admin/enrolments`, adminToken, { environmentId: `rehearsal-${ceremony.slice(-12)}`, holder: h, primaryKeyName: 'Rehearsal primary key' });
        const cp = holderWs[h].controlPlane;
        await cp.connect({ baseUrl: cpUrl, expectedFingerprint: d.controlPlaneFingerprint, enrolmentToken: String(enr.token) });
        // The vendor registers where the key store lives: the vault's DNS name, or the AWS account and Region.
        await holderOps[h].requestRegistration(isAws ? holderWs[h].awsKeyStore.location() : new URL(vaultOf(h).url).host);
        const reg = cp.registration()!;
        await adminCall(agent, `${cpUrl}/admin/registrations/${encodeURIComponent(reg.registrationId)}/approve`, adminToken, {});
        await holderOps[h].refreshRegistration();
        if (!cp.importGate().allowed) throw new Error(`Key holder ${h}'s vault registration was not confirmed: ${cp.importGate().reason}`);
      }
    });

    // ---- 4. each holder: enrol participants, sign in, supervised activation importing into their own vault
    const keyVersionIds = {} as Record<Holder, string>;
    const companionArns = {} as Record<Holder, string>;
    const policyLines: string[] = [];
    const activationRecords: { holder: Holder; participants: { name: string; role: string; keyFingerprint: string }[]; checkValues: string[] }[] = [];
    for (const h of [1, 2] as const) {
      await watch.step(`activation and import (holder ${h})`, async () => {
        const ws = holderWs[h];
        // Azure: the holder signs in to their tenant; AWS: the rehearsal account's access key is the holder's sign-in.
        if (!isAws) await ws.identity!.signIn({ tenantId: d.tenants[h - 1]!.id, method: 'browser', timeoutMs: 60_000 });
        const cast = { operator: people.holders[h].operator, supervisor: people.supervisor, keeper: people.holders[h].keeper, knower: people.holders[h].knower };
        // Checked as the app's desk checks it: a key-holder copy of the key this cloud imports.
        const holderCopy = await readHolderCopy(copies[h], { mode: 'rehearsal', keyType: isAws ? 'AES' : 'RSA' });
        const vault = vaultOf(h);
        const session = activations.start({
          ceremony,
          plan: participants.plan().plan,
          purpose: { kind: 'vault-import', target: isAws ? awsImportTarget(awsDrafts[h]) : `${vault.name}/${keyName}`, holder: h },
          source: holderCopySource(holderCopy),
          onPurpose: async (material) => {
            if (isAws) {
              // The 32 bytes come only from this activation; the import never reads a key file.
              const out = await holderOps[h].importIntoAws(awsDrafts[h], openedAesCopy(material, holderCopy.entry));
              keyVersionIds[h] = out.keyArn;
              companionArns[h] = out.companionArn;
              return { keyVersionId: out.keyArn, transcriptSeq: transcripts.receipts(ceremony).length - 1 };
            }
            const key = createPrivateKey({ key: Buffer.from(material.buffer, material.byteOffset, material.length), format: 'der', type: 'pkcs8' });
            const copy: OpenedCopy = { keyId: holderCopy.entry.keyId, fingerprint: identityOf(key).fingerprint, withPrivateKey: async (use) => use(key), dispose: () => {} };
            const outcome = await holderOps[h].importIntoVault({ holder: h, holderCopyPath: copies[h], vaultUrl: vault.url, keyName, protection: 'hsm', allowEncryptDecrypt: false }, copy);
            keyVersionIds[h] = outcome.keyVersionId;
            return { keyVersionId: outcome.keyVersionId, transcriptSeq: transcripts.receipts(ceremony).length - 1 };
          },
        });
        const join = async (role: Role, p: Person) => {
          const signer = await watch.passphraseWork(() => participants.unlock(p.id!, p.passphrase));
          try {
            session.join(signer.attest(role, session.joinStatement(role, signer)));
          } finally {
            signer.dispose();
          }
        };
        await join('operator', cast.operator);
        await join('supervisor', cast.supervisor);
        await join('keeper', cast.keeper);
        session.presentSealedCopy(cast.keeper.id!, holderCopy.copyFingerprint);
        await join('knower', cast.knower);
        await watch.passphraseWork(() => session.enterPassphrase(cast.knower.id!, new Uint8Array(Buffer.from(people.holderCopyPassphrase[h], 'utf8'))));
        const sup = await watch.passphraseWork(() => participants.unlock(cast.supervisor.id!, cast.supervisor.passphrase));
        try {
          await session.attest(sup.attest('supervisor', session.attestationStatement()));
        } finally {
          sup.dispose();
        }
        await session.carryOut();
        if (isAws) {
          // The key policy: the plan against the current policy is shown (here: logged and kept), then applied and
          // recorded in the transcript by the same ceremony operation as the app's.
          const proposals = await ws.awsKeyStore.proposePolicies();
          for (const l of [...proposals.primary.lines, ...proposals.companion.lines]) {
            policyLines.push(`holder ${h}: ${l}`);
            say(`holder ${h} key policy: ${l}`);
          }
          await holderOps[h].applyAwsPolicies(proposals);
        }
        activationRecords.push({
          holder: h,
          participants: session.state.participants.map((p) => ({ name: p.name, role: p.role, keyFingerprint: keyFingerprint(p.key) })),
          checkValues: session.state.components.map((c) => formatCheckValue(c.checkValue)),
        });
      });
      say(`holder ${h}: imported ${keyVersionIds[h]}`);
    }
    // ---- 5. sealed submissions and the primary key's status
    const receipts = {} as Record<Holder, { submissionId: string; envelopeSha256: string; validation: string }>;
    await watch.step('submissions', async () => {
      for (const h of [1, 2] as const) {
        const { receipt, answer } = await holderOps[h].submit();
        receipts[h] = { submissionId: receipt.submissionId, envelopeSha256: receipt.envelopeSha256, validation: answer.validation.state };
      }
    });
    const status = await watch.step('status check', () => holderOps[1].checkStatus(true));
    const pk = status.primaryKey;
    if (!pk) throw new Error(`The control plane made no primary key: ${status.validation.failures.map((f) => f.message).join(' ') || status.validation.state}`);
    if (pk.status !== 'Available') throw new Error(`The primary key is ${pk.status}, not Available.`);

    // ---- 6. close, verify, export, report
    const { finalHash, path: transcriptFile } = await transcripts.close(ceremony, 'completed');
    const verified = transcripts.verify(transcriptFile, { expectedFinalHash: finalHash });
    if (!verified.ok) throw new Error(`The transcript does not verify: ${verified.fault.reason} at line ${verified.fault.line}.`);
    // The final hash goes to the control plane too (each holder's enrolment keeps its own record), so a transcript cut short later no longer matches the vendor's copy.
    const ceremonyRecords = await watch.step('ceremony record', async () => {
      const sent = [];
      for (const h of [1, 2] as const) sent.push(await holderWs[h].controlPlane.recordCeremony({ ceremonyId: ceremony, finalHash, entries: verified.entries, closedAt: verified.closedAt }));
      return sent;
    });
    const artifacts: Record<string, string | string[]> = {};
    fs.mkdirSync(path.join(out, 'transcript'), { recursive: true });
    artifacts.transcript = path.join(out, 'transcript', path.basename(transcriptFile));
    fs.copyFileSync(transcriptFile, artifacts.transcript);
    artifacts.escrowFile = written.escrowFile;
    artifacts.pemFiles = written.pemFiles;
    artifacts.restoreSheet = written.sheetFile;
    artifacts.holderCopies = [copies[1], copies[2]];
    const exported = await holderWs[1].worksheet.exportJson();
    const exported2 = await holderWs[2].worksheet.exportJson();
    fs.mkdirSync(path.join(out, 'worksheet'), { recursive: true });
    artifacts.worksheet = [];
    if (isAws) {
      // The AWS column as each workstation keeps it: location, role, cache time, key ARNs, self-test (no secret).
      for (const h of [1, 2] as const) {
        const target = path.join(out, 'worksheet', `aws-key-store-holder${h}.json`);
        fs.writeFileSync(target, JSON.stringify(holderWs[h].awsKeyStore.record(), null, 2) + '\n');
        (artifacts.worksheet as string[]).push(target);
      }
    }
    for (const [h, e] of [[1, exported], [2, exported2]] as const) {
      if (!e.saved) continue;
      const target = path.join(out, 'worksheet', `worksheet-holder${h}.json`);
      fs.copyFileSync(e.path, target);
      (artifacts.worksheet as string[]).push(target);
    }
    artifacts.receipts = path.join(out, 'receipts.json');
    fs.writeFileSync(
      artifacts.receipts,
      JSON.stringify(
        {
          ceremony,
          finalHash,
          controlPlane: { url: cpUrl, id: d.controlPlaneId, fingerprint: d.controlPlaneFingerprint },
          submissions: ([1, 2] as const).map((h) => ({ holder: h, ...receipts[h], localReceipts: holderWs[h].controlPlane.receipts() })),
          ceremonyRecords,
          primaryKey: pk,
        },
        null,
        2,
      ) + '\n',
    );

    const totalMs = performance.now() - started;
    const passphraseMs = watch.steps.reduce((a, s) => a + s.passphraseMs, 0);
    const html = ceremonyReportHtml(
      reportFromEntries(
        transcripts.receipts(ceremony).map((r, seq) => ({ seq, kind: r.kind, data: r.data })),
        { ceremony, generatedAt: new Date(), mode: 'rehearsal', finalHash, workstationKey: transcripts.ceremonyKeyFingerprint(), transcriptFile: path.basename(artifacts.transcript), kdf: kdf.name },
      ),
    );
    const reportHtml = path.join(out, 'ceremony-report.html');
    fs.writeFileSync(reportHtml, html);
    let reportPdf: string | null = null;
    if (o.pdf) {
      try {
        const bytes = await o.pdf(html);
        reportPdf = path.join(out, 'ceremony-report.pdf');
        fs.writeFileSync(reportPdf, bytes);
      } catch {
        reportPdf = null;
      }
    }
    return {
      ok: true,
      outDir: out,
      ceremony,
      kdf: kdf.name,
      fingerprint,
      checkValue: st.key.checkValue,
      provider,
      keyVersionIds: { holder1: keyVersionIds[1], holder2: keyVersionIds[2] },
      ...(isAws
        ? {
            aws: {
              keyArns: { holder1: keyVersionIds[1], holder2: keyVersionIds[2] },
              companionKeyArns: { holder1: companionArns[1], holder2: companionArns[2] },
              cacheMinutes: awsDrafts[1].cacheMinutes,
              policy: policyLines,
            },
          }
        : {}),
      primaryKey: { name: pk.name, status: pk.status },
      transcript: artifacts.transcript as string,
      finalHash,
      ceremonyRecords: ceremonyRecords.map((r) => ({ holder: r.holder, recordId: r.recordId, receivedAt: r.receivedAt, sha256: r.sha256 })),
      workstationKey: transcripts.ceremonyKeyFingerprint(),
      report: { html: reportHtml, pdf: reportPdf },
      artifacts,
      timings: { steps: watch.steps, totalMs: Math.round(totalMs), passphraseMs, withoutPassphraseMs: Math.round(totalMs - passphraseMs) },
    };
  } finally {
    for (const s of services) {
      s.controlPlane.stop();
      s.identity?.cancelSignIn();
      s.activation.wipeAll();
    }
    for (const x of opened) x.close();
    if (ownCloud) await cloud.stop();
  }
}
