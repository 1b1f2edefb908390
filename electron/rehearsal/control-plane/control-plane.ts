/**
 * The reference control plane: what the vendor runs to receive key stores.
 * Enrolment tokens authenticate holders; vault DNS names are registered and
 * approved by the vendor; sealed key-store records are opened, checked and,
 * once both holders' records are in, validated as a pair; the primary key's
 * status is re-checked on a timer and on demand. Transport-free: router.ts
 * maps HTTP onto it.
 */
import path from 'node:path';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ZodType } from 'zod';
import {
  SUPPORTED_API_VERSIONS,
  ceremonyRecordCanonical,
  credentialUpdateSchema,
  awsKeyStoreRecordSchema,
  isAwsRecord,
  keyStoreNameOf,
  keyIdentifierOf,
  keyStoreRecordSchema,
  sealingSuite,
  WORKSHEET_LINE,
  type CredentialUpdate,
  type Discovery,
  type EnvironmentStatus,
  type Holder,
  type AnyKeyStoreRecord,
  type AwsKeyStoreRecord,
  type KeyStoreField,
  type KeyStoreProvider,
  type KeyStoreHealth,
  type KeyStoreRecord,
  type CeremonyRecordReceipt,
  type CeremonyRecordRequest,
  type Registration,
  type SubmissionReceipt,
  type ValidationFailure,
  type ValidationOutcome,
} from '../../../shared/control-plane/api';
import { sealedEnvelopeSchema, sha256Hex, fromBase64Url, toBase64Url, type EnvelopePurpose } from '../../../shared/control-plane/envelope';
import { primaryKeyStatusFrom } from '../../../shared/control-plane/status';
import { createCeremonyTranscripts } from './ceremony-transcripts';
import { ControlPlaneStore, type StoredCeremonyRecord, type StoredEnrolment, type StoredEnvironment, type StoredLibrary, type StoredPrimaryKey } from './store';
import { DEFAULT_ROTATION_RATE_PER_DAY, SYSTEM_KEY, libraryKeyStatus, noLongerInUseSince } from './libraries';
import { loadOrCreateSealingKey, openEnvelope, type SealingKey } from './sealing';
import { loadOrCreateStorageKey } from './record-seal';
import { ProbeError, type KeyStoreProbe, type RsaPublicKey } from './probe';
import { failure, holderChecks, probeFailure, provePair, staticChecks, wrapLocally } from './validator';
import { awsHolderChecks, awsKeyStoreHealth, awsProvePair, awsStaticChecks, type AwsPairProbe } from './aws-validator';

/** An API error with its HTTP status; router.ts renders it as `{ error: { code, message, failures? } }`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly failures?: ValidationFailure[],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** Runs a callback every `ms`; injectable so tests drive the periodic status check by hand. */
export interface Scheduler {
  every(ms: number, fn: () => void): () => void;
}
const realScheduler: Scheduler = {
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return () => clearInterval(t);
  },
};

export interface ControlPlaneOptions {
  dataDir: string;
  /**
   * 32 bytes sealing the stored key-store records (client secrets). Default:
   * KEYHOLDER_CP_STORAGE_KEY (hex), else a 0600 storage-key.json beside the state.
   */
  storageKey?: Uint8Array;
  controlPlaneId: string;
  name?: string;
  /** Bearer token for the vendor's admin calls. */
  adminToken: string;
  probe: KeyStoreProbe;
  /** Reaches AWS KMS with the vendor's role (pair proof, status); without it AWS key stores are refused. */
  awsProbe?: AwsPairProbe;
  /** The vendor's role that holders grant on their keys; a submission naming another role is refused. */
  awsVendorRoleArn?: string;
  now?: () => Date;
  scheduler?: Scheduler;
  /** How often the primary keys' status is re-checked (default 5 minutes). */
  statusIntervalMs?: number;
  /** Re-keying speed, document versions per day (default seven million, seed 000); the admin API can change it. */
  rotationRatePerDay?: number;
  /** How long a cached data key keeps working after a key store is revoked (seed 001: up to an hour; default 0 = reported at the next check). */
  dataKeyCacheSeconds?: number;
}

function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function safeEqualText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function newId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export class ReferenceControlPlane {
  private validationQueue: Promise<unknown> = Promise.resolve();
  private stopMonitor: (() => void) | null = null;
  readonly now: () => Date;

  /** Each workstation's signed transcript and the pinned ceremony plan (POST/GET /v1/ceremony-transcripts). */
  readonly ceremonyTranscripts: ReturnType<typeof createCeremonyTranscripts>;

  private constructor(
    private readonly opts: ControlPlaneOptions,
    readonly store: ControlPlaneStore,
    private readonly sealing: SealingKey,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.ceremonyTranscripts = createCeremonyTranscripts(store, () => this.now());
  }

  static async create(opts: ControlPlaneOptions): Promise<ReferenceControlPlane> {
    const store = new ControlPlaneStore(path.join(opts.dataDir, 'control-plane-state.json'), opts.storageKey ? Buffer.from(opts.storageKey) : loadOrCreateStorageKey(opts.dataDir));
    const sealing = await loadOrCreateSealingKey(opts.dataDir);
    return new ReferenceControlPlane(opts, store, sealing);
  }

  get controlPlaneId(): string {
    return this.opts.controlPlaneId;
  }

  get sealingFingerprint(): string {
    return this.sealing.fingerprint;
  }

  discovery(): Discovery {
    return {
      controlPlaneId: this.opts.controlPlaneId,
      name: this.opts.name ?? 'Reference control plane',
      apiVersions: [...SUPPORTED_API_VERSIONS],
      sealing: { ...sealingSuite, publicKey: this.sealing.publicKeyB64, fingerprint: this.sealing.fingerprint },
    };
  }

  // ------------------------------------------------------------ authentication

  isAdmin(bearer: string | null): boolean {
    return bearer !== null && safeEqualText(bearer, this.opts.adminToken);
  }

  async createEnrolment(req: { environmentId: string; holder: Holder; primaryKeyName?: string }): Promise<{ enrolment: StoredEnrolment; token: string }> {
    const enrolmentId = newId('enr');
    const secret = toBase64Url(randomBytes(32));
    const enrolment: StoredEnrolment = {
      enrolmentId,
      environmentId: req.environmentId,
      holder: req.holder,
      tokenSha256: hashToken(secret),
      createdAt: this.now().toISOString(),
      ...(req.primaryKeyName ? { primaryKeyName: req.primaryKeyName } : {}),
    };
    await this.store.update((s) => {
      s.enrolments[enrolmentId] = enrolment;
      const env = (s.environments[req.environmentId] ??= emptyEnvironment(req.environmentId));
      if (req.primaryKeyName) env.primaryKeyName = req.primaryKeyName;
    });
    return { enrolment, token: `khe1.${enrolmentId}.${secret}` };
  }

  /** The holder's enrolment for a bearer token, or a 401 that does not say which part was wrong. */
  authenticate(bearer: string | null): StoredEnrolment {
    const refuse = () => new ApiFailure(401, 'enrolment_token_invalid', 'The enrolment token was not accepted. Paste the token exactly as the vendor sent it, or ask the vendor for a new one.');
    const m = bearer?.match(/^khe1\.([A-Za-z0-9._-]{1,80})\.([A-Za-z0-9_-]{43})$/);
    if (!m) throw refuse();
    const enrolment = this.store.read().enrolments[m[1]!];
    if (!enrolment || !safeEqualText(hashToken(m[2]!), enrolment.tokenSha256)) throw refuse();
    return enrolment;
  }

  // ------------------------------------------------------------ registration

  async requestRegistration(e: StoredEnrolment, vaultDnsName: string, provider?: KeyStoreProvider): Promise<Registration> {
    if (provider === 'aws-kms' && !this.opts.awsProbe) throw new ApiFailure(422, 'provider_not_supported', 'This control plane does not accept AWS KMS key stores. Ask the vendor which key stores it supports.');
    const state = this.store.read();
    const elsewhere = Object.values(state.registrations).some((r) => r.environmentId !== e.environmentId && r.status !== 'rejected' && r.vaultDnsName === vaultDnsName);
    if (elsewhere) {
      throw new ApiFailure(409, 'vault_used_by_other_environment', `The vault ${vaultDnsName} is already registered for another environment. Each environment needs its own vaults.`, [
        failure('vault_used_by_other_environment', e.holder, 'vaultDnsName', `Key holder ${e.holder}: the vault ${vaultDnsName} (line 1) already serves another environment.`),
      ]);
    }
    const existing = Object.values(state.registrations).find((r) => r.environmentId === e.environmentId && r.holder === e.holder && r.vaultDnsName === vaultDnsName && r.status !== 'rejected');
    if (existing) return existing;
    const reg: Registration = {
      registrationId: newId('reg'),
      environmentId: e.environmentId,
      holder: e.holder,
      vaultDnsName,
      ...(provider === 'aws-kms' ? { provider } : {}),
      status: 'pending',
      requestedAt: this.now().toISOString(),
    };
    await this.store.update((s) => {
      s.registrations[reg.registrationId] = reg;
    });
    return reg;
  }

  registrationsFor(e: StoredEnrolment): Registration[] {
    return Object.values(this.store.read().registrations).filter((r) => r.environmentId === e.environmentId && r.holder === e.holder);
  }

  registration(e: StoredEnrolment, id: string): Registration {
    const r = this.store.read().registrations[id];
    // Another holder's registration answers exactly like a missing one.
    if (!r || r.environmentId !== e.environmentId || r.holder !== e.holder) throw new ApiFailure(404, 'registration_not_found', 'No such registration for this enrolment.');
    return r;
  }

  allRegistrations(): Registration[] {
    return Object.values(this.store.read().registrations);
  }

  async decideRegistration(id: string, decision: 'registered' | 'rejected', reason?: string): Promise<Registration> {
    const reg = await this.store.update((s) => {
      const r = s.registrations[id];
      if (!r) throw new ApiFailure(404, 'registration_not_found', 'No such registration.');
      if (r.status !== 'pending') throw new ApiFailure(409, 'registration_decided', `This registration is already ${r.status}.`);
      if (decision === 'registered') {
        const clash = Object.values(s.registrations).some((o) => o.registrationId !== id && o.environmentId !== r.environmentId && o.status === 'registered' && o.vaultDnsName === r.vaultDnsName);
        if (clash) throw new ApiFailure(409, 'vault_used_by_other_environment', `The vault ${r.vaultDnsName} is registered for another environment.`);
      }
      r.status = decision;
      r.decidedAt = this.now().toISOString();
      if (reason) r.reason = reason;
      return structuredClone(r);
    });
    // A pair that was only waiting for this registration is validated now.
    const env = this.store.read().environments[reg.environmentId];
    if (decision === 'registered' && env?.pending[1] && env.pending[2]) await this.validate(reg.environmentId);
    return reg;
  }

  // ------------------------------------------------------------ sealed submissions

  /**
   * Refuses an envelope whose sequence is not above the last one accepted from
   * this enrolment: a replay of an earlier submission must never undo a later
   * one. Called once early (nothing probed for a replay) and again inside the
   * store update that records the envelope, so two racing envelopes cannot both pass.
   */
  private refuseReplay(s: { enrolments: Record<string, StoredEnrolment> }, e: StoredEnrolment, sequence: number): void {
    const last = s.enrolments[e.enrolmentId]?.lastSequence ?? 0;
    if (sequence <= last) {
      throw new ApiFailure(
        409,
        'envelope_replayed',
        `This envelope (sequence ${sequence}) is not newer than the last one accepted from key holder ${e.holder} (sequence ${last}): it is a replay or was sent out of order. Nothing was stored; what was accepted last stands. To change it, submit again from Key Holder.`,
      );
    }
  }

  private acceptSequence(s: { enrolments: Record<string, StoredEnrolment> }, e: StoredEnrolment, sequence: number): void {
    this.refuseReplay(s, e, sequence);
    const stored = s.enrolments[e.enrolmentId];
    if (stored) stored.lastSequence = sequence;
  }

  private async openSealed<T>(e: StoredEnrolment, body: Uint8Array, purpose: EnvelopePurpose, schemaFor: ZodType<T> | ((value: unknown) => ZodType<T>)): Promise<{ value: T; envelopeSha256: string; sequence: number }> {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(body).toString('utf8'));
    } catch {
      throw new ApiFailure(400, 'envelope_malformed', 'The request body is not a sealed envelope (not JSON).');
    }
    const parsed = sealedEnvelopeSchema.safeParse(json);
    if (!parsed.success) throw new ApiFailure(400, 'envelope_malformed', `The request body is not a sealed envelope (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}).`);
    const env = parsed.data;
    if (!(SUPPORTED_API_VERSIONS as readonly string[]).includes(env.apiVersion)) {
      throw new ApiFailure(400, 'api_version_unsupported', `This control plane speaks API version ${SUPPORTED_API_VERSIONS.join(', ')}, not ${env.apiVersion}. Update Key Holder.`);
    }
    if (env.controlPlaneId !== this.opts.controlPlaneId) throw new ApiFailure(421, 'envelope_misaddressed', 'This envelope was sealed for a different control plane.');
    if (env.keyFingerprint !== this.sealing.fingerprint) {
      throw new ApiFailure(409, 'sealing_key_mismatch', 'This envelope was sealed to a key this control plane does not use. Fetch the control plane’s discovery document again and confirm its fingerprint with the vendor.');
    }
    if (env.enrolmentId !== e.enrolmentId || env.environmentId !== e.environmentId || env.holder !== e.holder) {
      throw new ApiFailure(403, 'envelope_misaddressed', 'This envelope was sealed for a different enrolment, environment or key holder than the token presented.');
    }
    if (env.purpose !== purpose) throw new ApiFailure(400, 'envelope_misaddressed', `This envelope was sealed as a ${env.purpose}, not a ${purpose}.`);
    const plain = await openEnvelope(this.sealing, env, {
      controlPlaneId: this.opts.controlPlaneId,
      apiVersion: env.apiVersion,
      environmentId: e.environmentId,
      enrolmentId: e.enrolmentId,
      holder: e.holder,
      purpose,
      sequence: env.sequence,
    });
    if (!plain) throw new ApiFailure(400, 'envelope_unreadable', 'The sealed envelope could not be opened: it was altered, or sealed for another recipient. Nothing was stored.');
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(plain).toString('utf8'));
    } catch {
      value = undefined;
    } finally {
      plain.fill(0);
    }
    const schema = typeof schemaFor === 'function' ? schemaFor(value) : schemaFor;
    const rec = schema.safeParse(value);
    if (!rec.success) {
      const failures = rec.error.issues.map((i) => {
        const field = (i.path[0] as KeyStoreField) ?? 'vaultDnsName';
        const awsFields = ['keyArn', 'companionKeyArn', 'vendorRoleArn', 'cacheMinutes'];
        const known = field in WORKSHEET_LINE || awsFields.includes(field) ? field : 'vaultDnsName';
        return failure('value_malformed', e.holder, known, `Key holder ${e.holder}: ${String(i.path[0] ?? 'record')} is not valid (${i.message}).`);
      });
      throw new ApiFailure(422, 'record_invalid', 'The key-store record is not valid.', failures);
    }
    if ((rec.data as { holder?: number }).holder !== e.holder) throw new ApiFailure(403, 'envelope_misaddressed', `The record is for key holder ${(rec.data as { holder?: number }).holder}, but the token is key holder ${e.holder}’s.`);
    this.refuseReplay(this.store.read(), e, env.sequence);
    return { value: rec.data, envelopeSha256: sha256Hex(body), sequence: env.sequence };
  }

  async submitKeyStore(e: StoredEnrolment, body: Uint8Array): Promise<SubmissionReceipt> {
    const { value: record, envelopeSha256, sequence } = await this.openSealed<AnyKeyStoreRecord>(e, body, 'key-store-submission', (v) =>
      (v as { provider?: unknown } | null)?.provider === 'aws-kms' ? awsKeyStoreRecordSchema : keyStoreRecordSchema,
    );
    if (isAwsRecord(record) && !this.opts.awsProbe) throw new ApiFailure(422, 'provider_not_supported', 'This control plane does not accept AWS KMS key stores. Ask the vendor which key stores it supports.');
    const state = this.store.read();
    // Findings that no partner record can fix are refused at once rather than stored.
    const immediate = (isAwsRecord(record) ? awsHolderChecks(state, e.environmentId, record, this.opts.awsVendorRoleArn) : holderChecks(state, e.environmentId, record, this.now())).filter((f) =>
      ['key_identifier_used_before', 'vault_used_by_other_environment', 'key_identifier_wrong_vault', 'secret_expired', 'vendor_role_not_ours'].includes(f.code),
    );
    if (immediate.length) throw new ApiFailure(422, 'key_store_rejected', immediate.map((f) => f.message).join(' '), immediate);
    const submissionId = newId('sub');
    const receivedAt = this.now().toISOString();
    await this.store.update((s) => {
      this.acceptSequence(s, e, sequence);
      const env = (s.environments[e.environmentId] ??= emptyEnvironment(e.environmentId));
      env.pending[e.holder] = { record, submissionId, receivedAt };
      env.validation = { state: 'waiting_for_other_holder', failures: [] };
      s.submissions[submissionId] = { submissionId, enrolmentId: e.enrolmentId, environmentId: e.environmentId, holder: e.holder, purpose: 'key-store-submission', receivedAt, envelopeSha256 };
    });
    const env = this.store.read().environments[e.environmentId]!;
    const validation = env.pending[1] && env.pending[2] ? await this.validate(e.environmentId) : env.validation;
    return { submissionId, holder: e.holder, environmentId: e.environmentId, receivedAt, envelopeSha256, validation };
  }

  /** Validates the environment's pending pair; on success the pair becomes a primary key. One validation at a time. */
  validate(environmentId: string): Promise<ValidationOutcome> {
    const run = async (): Promise<ValidationOutcome> => {
      const state = this.store.read();
      const env = state.environments[environmentId];
      if (!env) throw new ApiFailure(404, 'environment_not_found', 'No such environment.');
      const r1 = env.pending[1]?.record;
      const r2 = env.pending[2]?.record;
      if (!r1 || !r2) return { state: 'waiting_for_other_holder', failures: [] };
      const checkedAt = this.now().toISOString();
      let failures: ValidationFailure[];
      let publicKey: RsaPublicKey | undefined;
      if (isAwsRecord(r1) !== isAwsRecord(r2)) {
        const msg = 'The key holders submitted key stores of two kinds (one AWS KMS, one Azure Key Vault). Both key stores of a primary key must be of the kind the vendor set up for this environment.';
        failures = [failure('providers_differ', 1, isAwsRecord(r1) ? 'keyArn' : 'keyIdentifier', `Key holder 1: ${msg}`), failure('providers_differ', 2, isAwsRecord(r2) ? 'keyArn' : 'keyIdentifier', `Key holder 2: ${msg}`)];
      } else if (isAwsRecord(r1) && isAwsRecord(r2)) {
        failures = awsStaticChecks(state, environmentId, r1, r2, this.opts.awsVendorRoleArn);
        if (!failures.length) failures = await awsProvePair(this.opts.awsProbe!, r1, r2);
      } else {
        const a1 = r1 as KeyStoreRecord;
        const a2 = r2 as KeyStoreRecord;
        failures = staticChecks(state, environmentId, a1, a2, this.now());
        if (!failures.length) {
          const pair = await provePair(this.opts.probe, a1, a2);
          failures = pair.failures;
          publicKey = pair.publicKey;
        }
      }
      const outcome: ValidationOutcome = failures.length ? { state: 'failed', checkedAt, failures } : { state: 'validated', checkedAt, failures: [] };
      await this.store.update((s) => {
        const target = s.environments[environmentId]!;
        target.validation = outcome;
        if (outcome.state === 'validated' && (publicKey || isAwsRecord(r1))) {
          const n = target.primaryKeys.length + 1;
          const pk: StoredPrimaryKey = {
            primaryKeyId: newId('pk'),
            name: target.primaryKeyName ? (n === 1 ? target.primaryKeyName : `${target.primaryKeyName} (${n})`) : `${environmentId} primary key ${n}`,
            environmentId,
            createdAt: checkedAt,
            status: 'Available',
            checkedAt,
            keyStores: [r1, r2].map((r) => ({ holder: r.holder, vaultDnsName: keyStoreNameOf(r), ...(isAwsRecord(r) ? { provider: 'aws-kms' as const } : {}), keyIdentifier: keyIdentifierOf(r), health: 'healthy' as const })),
            records: { 1: r1, 2: r2 },
            ...(publicKey ? { publicKey: { n: toBase64Url(publicKey.n), e: toBase64Url(publicKey.e) } } : {}),
          };
          target.primaryKeys.push(pk);
          target.pending = {};
        }
      });
      return outcome;
    };
    const p = this.validationQueue.then(run, run);
    this.validationQueue = p.catch(() => undefined);
    return p;
  }

  async updateCredentials(e: StoredEnrolment, body: Uint8Array) {
    const { value: upd, envelopeSha256, sequence } = await this.openSealed<CredentialUpdate>(e, body, 'credential-update', credentialUpdateSchema);
    const env = this.store.read().environments[e.environmentId];
    const pk = env?.primaryKeys.at(-1);
    const current = pk?.records[e.holder] ?? env?.pending[e.holder]?.record;
    if (!env || !current) throw new ApiFailure(409, 'nothing_to_update', 'There is no key store from this key holder to update yet. Submit the key store first.');
    if (isAwsRecord(current)) throw new ApiFailure(409, 'nothing_to_update', 'An AWS KMS key store has no client secret: the vendor’s role reaches the key through its key policy. Nothing was changed.');
    const next: KeyStoreRecord = { ...current, applicationId: upd.applicationId ?? current.applicationId, clientSecret: upd.clientSecret, secretExpiresOn: upd.secretExpiresOn };
    const otherRecord = pk?.records[e.holder === 1 ? 2 : 1] ?? env.pending[e.holder === 1 ? 2 : 1]?.record;
    const other = otherRecord && !isAwsRecord(otherRecord) ? otherRecord : undefined;
    const failures: ValidationFailure[] = [];
    if (Date.parse(next.secretExpiresOn) <= this.now().getTime()) failures.push(failure('secret_expired', e.holder, 'secretExpiresOn', `Key holder ${e.holder}: the new secret's expiry date has already passed.`));
    if (other && other.applicationId === next.applicationId) failures.push(failure('application_ids_same', e.holder, 'applicationId', `Key holder ${e.holder}: the application ID (line 3) is the other key holder's. Each key holder needs their own application.`));
    if (other && other.clientSecret === next.clientSecret) failures.push(failure('client_secrets_same', e.holder, 'clientSecret', `Key holder ${e.holder}: the client secret (line 4) is the other key holder's.`));
    if (!failures.length) {
      // The new credentials must work before they replace the old ones: read the key and have the vault unwrap a canary.
      try {
        const key = await this.opts.probe.getPublicKey(next);
        const canary = randomBytes(32);
        const got = await this.opts.probe.unwrapKey(next, wrapLocally(key, canary));
        if (!Buffer.from(got).equals(canary)) failures.push(failure('unwrap_failed', e.holder, 'keyIdentifier', `Key holder ${e.holder}: the vault did not unwrap correctly with the new credentials.`));
        if (pk?.publicKey && (toBase64Url(key.n) !== pk.publicKey.n || toBase64Url(key.e) !== pk.publicKey.e)) {
          failures.push(failure('public_keys_differ', e.holder, 'keyIdentifier', `Key holder ${e.holder}: the key reached with the new credentials is not the primary key's.`));
        }
      } catch (err) {
        failures.push(probeFailure(err, next, 'read'));
      }
    }
    if (failures.length) throw new ApiFailure(422, 'credentials_rejected', failures.map((f) => f.message).join(' '), failures);
    const submissionId = newId('cred');
    const receivedAt = this.now().toISOString();
    await this.store.update((s) => {
      this.acceptSequence(s, e, sequence);
      const target = s.environments[e.environmentId]!;
      const tpk = target.primaryKeys.at(-1);
      if (tpk) tpk.records[e.holder] = next;
      const pend = target.pending[e.holder];
      if (pend && !isAwsRecord(pend.record)) pend.record = { ...pend.record, applicationId: next.applicationId, clientSecret: next.clientSecret, secretExpiresOn: next.secretExpiresOn };
      s.submissions[submissionId] = { submissionId, enrolmentId: e.enrolmentId, environmentId: e.environmentId, holder: e.holder, purpose: 'credential-update', receivedAt, envelopeSha256 };
    });
    return { submissionId, holder: e.holder, receivedAt, envelopeSha256, verified: true as const };
  }

  // ------------------------------------------------------------ ceremony records

  /**
   * Keeps a closed ceremony's final hash for the enrolment's holder and
   * environment. The same values again answer with the first receipt; a
   * different hash for a ceremony already recorded is refused, because a
   * closed transcript cannot end twice.
   */
  async recordCeremony(e: StoredEnrolment, body: CeremonyRecordRequest): Promise<CeremonyRecordReceipt> {
    const sha256 = createHash('sha256').update(ceremonyRecordCanonical(body)).digest('hex');
    const key = `${e.environmentId}/${e.holder}/${body.ceremonyId}`;
    const stored = await this.store.update((s) => {
      const records = (s.ceremonyRecords ??= {});
      const prior = records[key];
      if (prior) {
        if (prior.sha256 === sha256) return prior;
        throw new ApiFailure(
          409,
          'ceremony_record_conflict',
          prior.finalHash !== body.finalHash
            ? `Ceremony ${body.ceremonyId} was already recorded with a different final hash (${prior.finalHash.slice(0, 16)}…). A closed transcript has one final hash: check which transcript file is the real one and tell the vendor.`
            : `Ceremony ${body.ceremonyId} was already recorded with the same final hash but a different entry count or closing time. Tell the vendor.`,
        );
      }
      const rec: StoredCeremonyRecord = { recordId: newId('cer'), enrolmentId: e.enrolmentId, environmentId: e.environmentId, holder: e.holder, ...body, receivedAt: this.now().toISOString(), sha256 };
      records[key] = rec;
      return rec;
    });
    return { recordId: stored.recordId, environmentId: stored.environmentId, holder: stored.holder, ceremonyId: stored.ceremonyId, finalHash: stored.finalHash, receivedAt: stored.receivedAt, sha256: stored.sha256 };
  }

  ceremonyRecordsFor(e: StoredEnrolment): CeremonyRecordReceipt[] {
    return Object.values(this.store.read().ceremonyRecords ?? {})
      .filter((r) => r.environmentId === e.environmentId && r.holder === e.holder)
      .map((r) => ({ recordId: r.recordId, environmentId: r.environmentId, holder: r.holder, ceremonyId: r.ceremonyId, finalHash: r.finalHash, receivedAt: r.receivedAt, sha256: r.sha256 }));
  }

  // ------------------------------------------------------------ status

  environmentStatus(environmentId: string): EnvironmentStatus {
    const env = this.store.read().environments[environmentId] ?? emptyEnvironment(environmentId);
    const now = this.now();
    const rate = this.settings().rotationRatePerDay;
    const libs = env.libraries ?? [];
    const view = (pk: StoredPrimaryKey) => {
      const statuses = libs.map((l) => libraryKeyStatus(l, pk.primaryKeyId, now, rate)).filter((x) => x !== null);
      return { ...publicPrimaryKey(pk), libraries: statuses, noLongerInUseSince: noLongerInUseSince(statuses) };
    };
    const all = env.primaryKeys.map(view);
    return {
      environmentId,
      submitted: { holder1: !!env.pending[1], holder2: !!env.pending[2] },
      validation: env.validation,
      primaryKey: all.at(-1) ?? null,
      primaryKeys: all,
      libraries: libs.map((l) => ({ libraryId: l.libraryId, name: l.name, activeKey: l.applications.at(-1)?.primaryKeyId ?? SYSTEM_KEY, documentVersions: l.documentVersions })),
      dataKeyCacheSeconds: env.primaryKeys.length ? cacheSecondsOf(env.primaryKeys.at(-1)!, this.settings().dataKeyCacheSeconds) : this.settings().dataKeyCacheSeconds,
    };
  }

  // ------------------------------------------------------------ libraries and rotation (vendor admin)

  settings(): { rotationRatePerDay: number; dataKeyCacheSeconds: number } {
    const s = this.store.read().settings ?? {};
    return {
      rotationRatePerDay: s.rotationRatePerDay ?? this.opts.rotationRatePerDay ?? DEFAULT_ROTATION_RATE_PER_DAY,
      dataKeyCacheSeconds: s.dataKeyCacheSeconds ?? this.opts.dataKeyCacheSeconds ?? 0,
    };
  }

  async updateSettings(change: { rotationRatePerDay?: number; dataKeyCacheSeconds?: number }): Promise<{ rotationRatePerDay: number; dataKeyCacheSeconds: number }> {
    await this.store.update((s) => {
      s.settings = { ...(s.settings ?? {}), ...change };
    });
    return this.settings();
  }

  async createLibrary(environmentId: string, req: { name: string; documentVersions: number }): Promise<StoredLibrary> {
    return this.store.update((s) => {
      const env = (s.environments[environmentId] ??= emptyEnvironment(environmentId));
      const libs = (env.libraries ??= []);
      if (libs.some((l) => l.name.toLowerCase() === req.name.toLowerCase())) throw new ApiFailure(409, 'library_exists', `A library named ${req.name} already exists.`);
      const lib: StoredLibrary = { libraryId: newId('lib'), name: req.name, documentVersions: req.documentVersions, applications: [] };
      libs.push(lib);
      return structuredClone(lib);
    });
  }

  /** Applies a primary key (or the vendor's system key) to a library; only a key with status Available may be applied. */
  async applyKey(environmentId: string, libraryId: string, primaryKeyId: string): Promise<EnvironmentStatus> {
    await this.store.update((s) => {
      const env = s.environments[environmentId];
      const lib = env?.libraries?.find((l) => l.libraryId === libraryId);
      if (!env || !lib) throw new ApiFailure(404, 'library_not_found', 'No such library in this environment.');
      if (primaryKeyId !== SYSTEM_KEY) {
        const pk = env.primaryKeys.find((p) => p.primaryKeyId === primaryKeyId);
        if (!pk) throw new ApiFailure(404, 'primary_key_not_found', 'No such primary key in this environment.');
        if (pk.status !== 'Available') throw new ApiFailure(409, 'primary_key_not_available', `Only a key with status Available can be applied; this one is ${pk.status}.`);
      }
      if (lib.applications.at(-1)?.primaryKeyId === primaryKeyId) throw new ApiFailure(409, 'already_applied', 'This key is already the library key.');
      lib.applications.push({ primaryKeyId, appliedAt: this.now().toISOString() });
    });
    return this.environmentStatus(environmentId);
  }

  private async keyStoreHealth(record: AnyKeyStoreRecord, publicKey: { n: string; e: string } | undefined): Promise<{ health: KeyStoreHealth; reason?: string }> {
    if (isAwsRecord(record)) return this.opts.awsProbe ? awsKeyStoreHealth(this.opts.awsProbe, record) : { health: 'unreachable', reason: 'this control plane cannot reach AWS KMS' };
    if (!publicKey) return { health: 'unreachable', reason: 'no public key recorded for this primary key' };
    const canary = randomBytes(32);
    try {
      const wrapped = wrapLocally({ kty: 'RSA', n: fromBase64Url(publicKey.n), e: fromBase64Url(publicKey.e) }, canary);
      const got = await this.opts.probe.unwrapKey(record, wrapped);
      return Buffer.from(got).equals(canary) ? { health: 'healthy' } : { health: 'revoked', reason: 'the vault no longer unwraps with the primary key' };
    } catch (e) {
      const kind = e instanceof ProbeError ? e.kind : 'unexpected';
      if (kind === 'forbidden') return { health: 'revoked', reason: 'key disabled or access withdrawn (403 Forbidden)' };
      if (kind === 'key_not_found') return { health: 'revoked', reason: 'key version no longer in the vault (404)' };
      const reasons: Record<string, string> = {
        unreachable: 'vault or sign-in service not reachable',
        secret_expired: 'client secret expired',
        client_secret_rejected: 'client secret refused',
        application_not_found: 'application not found',
        tenant_not_found: 'tenant not found',
      };
      return { health: 'unreachable', reason: reasons[kind] ?? 'unexpected answer from the vault' };
    }
  }

  /**
   * Re-checks every primary key of the environment against both vaults. A
   * revocation is reported only once the vendor's cached data key would have
   * expired (seenAt + cache delay); a recovery or an unreachable vault is
   * reported at once.
   */
  async checkStatus(environmentId: string): Promise<EnvironmentStatus> {
    const env = this.store.read().environments[environmentId];
    if (!env || !env.primaryKeys.length) return this.environmentStatus(environmentId);
    for (const pk of env.primaryKeys) {
      const cacheMs = cacheSecondsOf(pk, this.settings().dataKeyCacheSeconds) * 1000;
      const [h1, h2] = await Promise.all([this.keyStoreHealth(pk.records[1], pk.publicKey), this.keyStoreHealth(pk.records[2], pk.publicKey)]);
      const now = this.now();
      const checkedAt = now.toISOString();
      await this.store.update((s) => {
        const t = s.environments[environmentId]!.primaryKeys.find((p) => p.primaryKeyId === pk.primaryKeyId)!;
        const pending = (t.pendingHealth ??= {});
        t.keyStores = ([1, 2] as const).map((h) => {
          const r = t.records[h];
          const seen = h === 1 ? h1 : h2;
          const before = t.keyStores.find((k) => k.holder === h);
          let shown: { health: KeyStoreHealth; reason?: string } = seen;
          if (seen.health === 'revoked' && before?.health === 'healthy') {
            const p = pending[h]?.health === 'revoked' ? pending[h]! : (pending[h] = { ...seen, seenAt: checkedAt });
            if (now.getTime() - Date.parse(p.seenAt) < cacheMs) shown = { health: 'healthy', reason: 'the vendor still holds a cached data key' };
            else delete pending[h];
          } else delete pending[h];
          return { holder: h, vaultDnsName: keyStoreNameOf(r), ...(isAwsRecord(r) ? { provider: 'aws-kms' as const } : {}), keyIdentifier: keyIdentifierOf(r), health: shown.health, ...(shown.reason ? { reason: shown.reason } : {}) };
        });
        t.status = primaryKeyStatusFrom(t.keyStores[0]!.health, t.keyStores[1]!.health);
        t.checkedAt = checkedAt;
      });
    }
    return this.environmentStatus(environmentId);
  }

  async checkAllStatuses(): Promise<void> {
    for (const env of Object.values(this.store.read().environments)) {
      if (env.primaryKeys.length) await this.checkStatus(env.environmentId);
    }
  }

  startStatusMonitor(): void {
    if (this.stopMonitor) return;
    const scheduler = this.opts.scheduler ?? realScheduler;
    let running = false;
    this.stopMonitor = scheduler.every(this.opts.statusIntervalMs ?? 5 * 60_000, () => {
      if (running) return;
      running = true;
      this.checkAllStatuses().finally(() => {
        running = false;
      });
    });
  }

  stop(): void {
    this.stopMonitor?.();
    this.stopMonitor = null;
  }
}

/** An AWS primary key's cache time is the holders' (seed 002: they give it with the ARN); an Azure one's is the vendor's setting. */
function cacheSecondsOf(pk: StoredPrimaryKey, vendorDefault: number): number {
  const aws = [pk.records[1], pk.records[2]].filter((r): r is AwsKeyStoreRecord => isAwsRecord(r));
  return aws.length ? Math.max(...aws.map((r) => r.cacheMinutes)) * 60 : vendorDefault;
}

function emptyEnvironment(environmentId: string): StoredEnvironment {
  return { environmentId, pending: {}, validation: { state: 'waiting_for_other_holder', failures: [] }, primaryKeys: [] };
}

function publicPrimaryKey(pk: StoredPrimaryKey) {
  return {
    primaryKeyId: pk.primaryKeyId,
    name: pk.name,
    environmentId: pk.environmentId,
    createdAt: pk.createdAt,
    status: pk.status,
    checkedAt: pk.checkedAt,
    keyStores: pk.keyStores,
  };
}

