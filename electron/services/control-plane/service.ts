/**
 * The app's side of the control plane: connects to the vendor's control plane
 * (pinning its sealing key's fingerprint, which the holder confirms from the
 * vendor's out-of-band message), keeps the enrolment token only through the
 * SecretBox, registers the vault's DNS name, shows exactly what will be sent
 * (secret masked), seals and submits the key-store record, keeps receipts,
 * and follows the primary key's status.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { KeyholderError } from '../../../shared/errors/index';
import {
  DISCOVERY_PATH,
  SUPPORTED_API_VERSIONS,
  ceremonyRecordCanonical,
  ceremonyRecordReceiptSchema,
  ceremonyRecordRequestSchema,
  credentialUpdateReceiptSchema,
  credentialUpdateSchema,
  discoverySchema,
  enrolmentTokenSchema,
  environmentStatusSchema,
  anyKeyStoreRecordSchema,
  isAwsKeyLocation,
  keyStoreRecordSchema,
  registrationSchema,
  registrationListSchema,
  submissionReceiptSchema,
  whoAmISchema,
  type CeremonyRecordRequest,
  ceremonyTranscriptListSchema,
  ceremonyTranscriptReceiptSchema,
  type CeremonyTranscriptList,
  type CeremonyTranscriptReceipt,
  type Discovery,
  type EnvironmentStatus,
  type Holder,
  type AnyKeyStoreRecord,
  type Registration,
  type SubmissionReceipt,
} from '../../../shared/control-plane/api';
import {
  ENVELOPE_FORMAT,
  envelopeAad,
  envelopeInfo,
  nextEnvelopeSequence,
  formatFingerprint,
  fromBase64Url,
  normaliseFingerprint,
  sealingKeyFingerprint,
  sha256Hex,
  toBase64Url,
  type EnvelopePurpose,
} from '../../../shared/control-plane/envelope';
import { previewRows, type PreviewRow } from '../../../shared/control-plane/preview';
import type { SecretBox } from '../platform/secret-box';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import { requestJson, type Transport } from './http';

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

const receiptSchema = z.object({
  kind: z.enum(['key-store-submission', 'credential-update']),
  submissionId: z.string(),
  envelopeSha256: z.string(),
  receivedAt: z.string(),
  sentAt: z.string(),
  holder: z.union([z.literal(1), z.literal(2)]),
});
export type LocalReceipt = z.infer<typeof receiptSchema>;

/** A closed ceremony's final hash as the control plane acknowledged it (POST /v1/ceremony-records). */
const ceremonyRecordLocalSchema = z.object({
  ceremonyId: z.string(),
  finalHash: z.string(),
  entries: z.number(),
  closedAt: z.string(),
  recordId: z.string(),
  receivedAt: z.string(),
  sha256: z.string(),
  sentAt: z.string(),
  holder: z.union([z.literal(1), z.literal(2)]),
});
export type LocalCeremonyRecord = z.infer<typeof ceremonyRecordLocalSchema>;

const outOfBandSchema = z.object({ vaultDnsName: z.string(), reference: z.string(), confirmedBy: z.string(), recordedAt: z.string() });

const stateSchema = z.object({
  version: z.literal(1),
  connection: z
    .object({
      baseUrl: z.string(),
      controlPlaneId: z.string(),
      name: z.string(),
      apiVersion: z.string(),
      pinnedFingerprint: z.string(),
      pinnedPublicKey: z.string(),
      pinnedAt: z.string(),
      enrolmentId: z.string(),
      environmentId: z.string(),
      holder: z.union([z.literal(1), z.literal(2)]),
      /** Enrolment token sealed by the SecretBox, base64. */
      sealedToken: z.string(),
    })
    .nullable(),
  registration: registrationSchema.nullable(),
  outOfBand: outOfBandSchema.nullable(),
  receipts: z.array(receiptSchema),
  lastStatus: environmentStatusSchema.nullable(),
  /** When `lastStatus` was received (absent in files written before it was kept). */
  lastStatusAt: z.string().optional(),
  /** Absent in files written before ceremony records existed. */
  ceremonyRecords: z.array(ceremonyRecordLocalSchema).default([]),
  /** Closed ceremonies whose final hash has not reached the control plane yet (sent again on retry). */
  pendingCeremonyRecords: z.array(ceremonyRecordRequestSchema).default([]),
  /** The sequence of the last envelope sealed here; the next one is higher (the control plane refuses replays). */
  lastSequence: z.number().int().positive().optional(),
});
type State = z.infer<typeof stateSchema>;

/** The values a holder submits: an Azure vault's from the worksheet, or an AWS KMS key store's (AwsKeyStoreValues). */
export type KeyStoreValues = AzureKeyStoreValues | AwsKeyStoreValues;

/** An AWS KMS key store (seed 002): the imported key, its companion HMAC key, the vendor's role and the cache time. */
export interface AwsKeyStoreValues {
  provider: 'aws-kms';
  keyArn: string;
  companionKeyArn: string;
  vendorRoleArn: string;
  cacheMinutes: number;
}

/** The values a holder submits, as the Azure Information Worksheet holds them. */
export interface AzureKeyStoreValues {
  vaultDnsName: string;
  keyIdentifier: string;
  applicationId: string;
  clientSecret: string;
  tenantId: string;
  /** ISO date (YYYY-MM-DD, read as midnight UTC) or date-time. */
  secretExpiresOn: string;
}

export interface ConnectionView {
  connected: boolean;
  baseUrl?: string;
  controlPlaneId?: string;
  name?: string;
  fingerprint?: string;
  fingerprintDisplay?: string;
  environmentId?: string;
  holder?: Holder;
  secretStorage: { available: boolean; reason?: string };
}

export interface Preview {
  destination: { baseUrl: string; controlPlaneId: string; name: string; fingerprint: string; fingerprintDisplay: string };
  environmentId: string;
  holder: Holder;
  rows: PreviewRow[];
  /** Everything outside the sealed part, as it will appear on the wire. */
  envelopeHeader: Record<string, string | number>;
}

export interface ImportGate {
  allowed: boolean;
  via: 'registered' | 'out_of_band' | null;
  reason: string;
}

export interface ControlPlaneServiceDeps {
  dataDir: string;
  secretBox: SecretBox;
  clock: Clock;
  log: Logger;
  mode: 'rehearsal' | 'live';
  transport: Transport;
  /** Called when registration or status changed (the IPC layer turns it into an event). */
  changed?(topic: 'registration' | 'status' | 'submission'): void;
}

function toIso(d: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d}T00:00:00Z` : d;
}

export class ControlPlaneService {
  private state: State;
  private readonly file: string;
  private stopPolling: (() => void) | null = null;

  constructor(private readonly deps: ControlPlaneServiceDeps) {
    this.file = path.join(deps.dataDir, 'control-plane.json');
    this.state = this.load();
  }

  private load(): State {
    if (!fs.existsSync(this.file)) return { version: 1, connection: null, registration: null, outOfBand: null, receipts: [], lastStatus: null, ceremonyRecords: [], pendingCeremonyRecords: [] };
    const parsed = stateSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
    // Receipts are evidence: a damaged file is reported, never silently reset.
    if (!parsed.success) throw new KeyholderError('control_plane.state_damaged', `Key Holder’s control plane file (${this.file}) is damaged. Keep a copy and ask for help; nothing was changed.`);
    return parsed.data;
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, JSON.stringify(this.state, null, 1));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  private url(p: string): string {
    const c = this.requireConnection();
    return `${c.baseUrl}${p}`;
  }

  private requireConnection(): NonNullable<State['connection']> {
    if (!this.state.connection) throw new KeyholderError('control_plane.not_connected', 'Connect to the vendor’s control plane first: enter its address, the fingerprint from the vendor’s message and your enrolment token.');
    return this.state.connection;
  }

  private token(): string {
    const c = this.requireConnection();
    if (!this.deps.secretBox.isAvailable()) {
      throw new KeyholderError('control_plane.secret_storage_unavailable', this.deps.secretBox.unavailableReason?.() ?? 'This computer offers no secure storage, so Key Holder cannot use the enrolment token.');
    }
    try {
      return this.deps.secretBox.decrypt(Buffer.from(c.sealedToken, 'base64'));
    } catch {
      throw new KeyholderError('control_plane.token_unreadable', 'The stored enrolment token cannot be opened on this computer. Connect again with the token the vendor sent.');
    }
  }

  private async fetchDiscovery(baseUrl: string): Promise<{ discovery: Discovery; fingerprint: string }> {
    const discovery = await requestJson(this.deps.transport, 'GET', `${baseUrl}${DISCOVERY_PATH}`, discoverySchema);
    // The fingerprint is computed here from the key itself; the document's own fingerprint field is not trusted.
    const raw = fromBase64Url(discovery.sealing.publicKey);
    return { discovery, fingerprint: sealingKeyFingerprint(raw) };
  }

  view(): ConnectionView {
    const c = this.state.connection;
    const box = this.deps.secretBox;
    const secretStorage = box.isAvailable() ? { available: true } : { available: false, reason: box.unavailableReason?.() ?? 'No secure storage on this computer.' };
    if (!c) return { connected: false, secretStorage };
    return {
      connected: true,
      baseUrl: c.baseUrl,
      controlPlaneId: c.controlPlaneId,
      name: c.name,
      fingerprint: c.pinnedFingerprint,
      fingerprintDisplay: formatFingerprint(c.pinnedFingerprint),
      environmentId: c.environmentId,
      holder: c.holder,
      secretStorage,
    };
  }

  /**
   * First contact: checks the control plane's sealing key against the
   * fingerprint the holder copied from the vendor's message, checks the token,
   * then pins both. A key that differs from an existing pin is refused.
   */
  async connect(req: { baseUrl: string; expectedFingerprint: string; enrolmentToken: string }): Promise<ConnectionView> {
    let base: URL;
    try {
      base = new URL(req.baseUrl.trim());
    } catch {
      throw new KeyholderError('control_plane.bad_url', 'That is not a web address. Paste the control plane address from the vendor’s message (https://…).');
    }
    if (base.protocol !== 'https:') throw new KeyholderError('control_plane.insecure_url', 'The control plane address must start with https://.');
    const baseUrl = base.toString().replace(/\/+$/, '');
    const expected = normaliseFingerprint(req.expectedFingerprint);
    if (!expected) throw new KeyholderError('control_plane.bad_fingerprint', 'The fingerprint must be the 64 hexadecimal characters from the vendor’s message.');
    const tokenParse = enrolmentTokenSchema.safeParse(req.enrolmentToken);
    if (!tokenParse.success) throw new KeyholderError('control_plane.bad_token', 'That is not an enrolment token. Paste it exactly as the vendor sent it (it starts with khe1.).');
    if (!this.deps.secretBox.isAvailable()) {
      throw new KeyholderError('control_plane.secret_storage_unavailable', this.deps.secretBox.unavailableReason?.() ?? 'This computer offers no secure storage, so Key Holder will not keep the enrolment token.');
    }
    const { discovery, fingerprint } = await this.fetchDiscovery(baseUrl);
    if (fingerprint !== expected) {
      throw new KeyholderError(
        'control_plane.fingerprint_mismatch',
        `The control plane at ${baseUrl} presents the sealing key ${formatFingerprint(fingerprint)}, which is NOT the fingerprint you entered. Do not continue: call the vendor on a number you already know and compare fingerprints.`,
      );
    }
    const prior = this.state.connection;
    if (prior && prior.baseUrl === baseUrl && prior.pinnedFingerprint !== fingerprint) {
      // Even with the holder's new fingerprint, a changed key on a known control plane needs an explicit forget first.
      throw new KeyholderError('control_plane.sealing_key_changed', this.changedKeyMessage(prior.pinnedFingerprint, fingerprint));
    }
    const apiVersion = SUPPORTED_API_VERSIONS.find((v) => discovery.apiVersions.includes(v));
    if (!apiVersion) throw new KeyholderError('control_plane.version_unsupported', 'This control plane speaks no API version this Key Holder knows. Update Key Holder.');
    const me = await requestJson(this.deps.transport, 'GET', `${baseUrl}/v1/enrolment`, whoAmISchema, { token: tokenParse.data });
    const sealedToken = Buffer.from(this.deps.secretBox.encrypt(tokenParse.data)).toString('base64');
    this.state.connection = {
      baseUrl,
      controlPlaneId: discovery.controlPlaneId,
      name: discovery.name,
      apiVersion,
      pinnedFingerprint: fingerprint,
      pinnedPublicKey: discovery.sealing.publicKey,
      pinnedAt: this.deps.clock.now().toISOString(),
      enrolmentId: me.enrolmentId,
      environmentId: me.environmentId,
      holder: me.holder,
      sealedToken,
    };
    this.save();
    this.deps.log.info('control plane connected', { controlPlaneId: discovery.controlPlaneId, fingerprint, holder: me.holder });
    return this.view();
  }

  /** Forgets the connection (and its pin) so the holder can connect afresh after confirming a new key with the vendor. */
  forget(): ConnectionView {
    this.state.connection = null;
    this.save();
    return this.view();
  }

  private changedKeyMessage(pinned: string, now: string): string {
    return `WARNING: the control plane’s sealing key has changed. You confirmed ${formatFingerprint(pinned)}; it now presents ${formatFingerprint(now)}. Nothing was sent. This can mean someone is intercepting your submission. Call the vendor on a number you already know; only if they confirm the new fingerprint, forget this control plane and connect again.`;
  }

  /** Re-reads discovery and refuses anything but the pinned key. */
  private async pinnedKey(): Promise<{ key: CryptoKey; c: NonNullable<State['connection']> }> {
    const c = this.requireConnection();
    const { discovery, fingerprint } = await this.fetchDiscovery(c.baseUrl);
    if (fingerprint !== c.pinnedFingerprint || discovery.sealing.publicKey !== c.pinnedPublicKey) {
      throw new KeyholderError('control_plane.sealing_key_changed', this.changedKeyMessage(c.pinnedFingerprint, fingerprint));
    }
    if (discovery.controlPlaneId !== c.controlPlaneId) throw new KeyholderError('control_plane.identity_changed', 'The control plane at this address now says it is a different control plane. Nothing was sent; contact the vendor.');
    return { key: await suite.kem.deserializePublicKey(fromBase64Url(c.pinnedPublicKey)), c };
  }

  // ------------------------------------------------------------ registration

  /** Registers the key store's name: a vault's DNS name, or an AWS account and Region (arn:aws:kms:{region}:{account}). */
  async requestRegistration(vaultDnsName: string): Promise<Registration> {
    const name = vaultDnsName.trim();
    const json = isAwsKeyLocation(name) ? { vaultDnsName: name, provider: 'aws-kms' } : { vaultDnsName: name };
    const reg = await requestJson(this.deps.transport, 'POST', this.url('/v1/registrations'), registrationSchema, { token: this.token(), json });
    this.state.registration = reg;
    this.save();
    this.deps.changed?.('registration');
    return reg;
  }

  async refreshRegistration(): Promise<Registration | null> {
    const current = this.state.registration;
    if (!current) {
      const list = await requestJson(this.deps.transport, 'GET', this.url('/v1/registrations'), registrationListSchema, { token: this.token() });
      this.state.registration = list.registrations.at(-1) ?? null;
    } else {
      this.state.registration = await requestJson(this.deps.transport, 'GET', this.url(`/v1/registrations/${encodeURIComponent(current.registrationId)}`), registrationSchema, { token: this.token() });
    }
    this.save();
    this.deps.changed?.('registration');
    return this.state.registration;
  }

  registration(): Registration | null {
    return this.state.registration;
  }

  /** Live mode only: the holder records the vendor's out-of-band confirmation (e.g. a support ticket). */
  recordOutOfBandConfirmation(req: { vaultDnsName: string; reference: string; confirmedBy: string }): ImportGate {
    if (this.deps.mode !== 'live') {
      throw new KeyholderError('control_plane.out_of_band_live_only', 'In rehearsal the vault is registered through the rehearsal control plane; an out-of-band confirmation can only be recorded in live mode.');
    }
    if (!req.reference.trim() || !req.confirmedBy.trim()) throw new KeyholderError('control_plane.out_of_band_incomplete', 'Enter the vendor’s reference (e.g. the support ticket) and who confirmed it.');
    this.state.outOfBand = { vaultDnsName: req.vaultDnsName.trim().toLowerCase(), reference: req.reference.trim(), confirmedBy: req.confirmedBy.trim(), recordedAt: this.deps.clock.now().toISOString() };
    this.save();
    this.deps.changed?.('registration');
    return this.importGate();
  }

  /** Import waits until the vendor confirms the vault's registration (seed 000: "receive verification ... before continuing"). */
  importGate(): ImportGate {
    if (this.state.registration?.status === 'registered') return { allowed: true, via: 'registered', reason: `The vendor registered ${this.state.registration.vaultDnsName}.` };
    if (this.deps.mode === 'live' && this.state.outOfBand) {
      return { allowed: true, via: 'out_of_band', reason: `Registration of ${this.state.outOfBand.vaultDnsName} confirmed out of band (${this.state.outOfBand.reference}).` };
    }
    if (this.state.registration?.status === 'rejected') {
      return { allowed: false, via: null, reason: `The vendor rejected the registration of ${this.state.registration.vaultDnsName}${this.state.registration.reason ? `: ${this.state.registration.reason}` : ''}.` };
    }
    // An AWS key store is registered by its location (the account and Region), not a vault.
    if (this.state.registration?.status === 'pending') return { allowed: false, via: null, reason: `Waiting for the vendor to confirm your ${isAwsKeyLocation(this.state.registration.vaultDnsName) ? 'key store' : 'vault'}’s registration.` };
    return { allowed: false, via: null, reason: 'Register your vault’s DNS name with the vendor before importing.' };
  }

  // ------------------------------------------------------------ submission

  private record(values: KeyStoreValues): AnyKeyStoreRecord {
    const c = this.requireConnection();
    const parsed = 'provider' in values ? anyKeyStoreRecordSchema.safeParse({ holder: c.holder, ...values }) : keyStoreRecordSchema.safeParse({ holder: c.holder, ...values, secretExpiresOn: toIso(values.secretExpiresOn) });
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      const field = String(first.path[0] ?? '');
      const lines: Record<string, string> = {
        vaultDnsName: 'line 1',
        keyIdentifier: 'line 2',
        applicationId: 'line 3',
        clientSecret: 'line 4',
        tenantId: 'the tenant',
        secretExpiresOn: 'the secret expiry date',
        keyArn: 'the KMS key ARN',
        companionKeyArn: 'the companion key ARN',
        vendorRoleArn: 'the vendor role ARN',
        cacheMinutes: 'the cache time',
      };
      throw new KeyholderError('control_plane.record_invalid', `Check ${lines[field] ?? field} of your worksheet: ${first.message}.`, { field });
    }
    return parsed.data;
  }

  preview(values: KeyStoreValues): Preview {
    const c = this.requireConnection();
    const record = this.record(values);
    return {
      destination: { baseUrl: c.baseUrl, controlPlaneId: c.controlPlaneId, name: c.name, fingerprint: c.pinnedFingerprint, fingerprintDisplay: formatFingerprint(c.pinnedFingerprint) },
      environmentId: c.environmentId,
      holder: c.holder,
      rows: previewRows(record),
      envelopeHeader: this.header('key-store-submission'),
    };
  }

  /** The envelope's clear header, as the preview shows it; `sequence` is added when it is sealed. */
  private header(purpose: EnvelopePurpose) {
    const c = this.requireConnection();
    return {
      format: ENVELOPE_FORMAT,
      apiVersion: c.apiVersion,
      controlPlaneId: c.controlPlaneId,
      keyFingerprint: c.pinnedFingerprint,
      environmentId: c.environmentId,
      enrolmentId: c.enrolmentId,
      holder: c.holder,
      purpose,
    };
  }

  private async seal(purpose: EnvelopePurpose, payload: unknown): Promise<Uint8Array> {
    const { key, c } = await this.pinnedKey();
    // Recorded before sending: a lost answer must not let the next envelope reuse the number.
    const sequence = nextEnvelopeSequence(this.state.lastSequence, this.deps.clock.now().getTime());
    this.state.lastSequence = sequence;
    this.save();
    const address = { controlPlaneId: c.controlPlaneId, apiVersion: c.apiVersion, environmentId: c.environmentId, enrolmentId: c.enrolmentId, holder: c.holder, purpose, sequence };
    const plain = Buffer.from(JSON.stringify(payload), 'utf8');
    try {
      const sealed = await suite.seal({ recipientPublicKey: key, info: envelopeInfo(address) }, plain, envelopeAad(address));
      return Buffer.from(JSON.stringify({ ...this.header(purpose), sequence, enc: toBase64Url(new Uint8Array(sealed.enc)), ciphertext: toBase64Url(new Uint8Array(sealed.ct)) }));
    } finally {
      plain.fill(0);
    }
  }

  private keepReceipt(kind: LocalReceipt['kind'], body: Uint8Array, r: { submissionId: string; envelopeSha256: string; receivedAt: string; holder: Holder }, sentAt: string): LocalReceipt {
    const local = sha256Hex(body);
    if (local !== r.envelopeSha256) {
      throw new KeyholderError('control_plane.receipt_mismatch', 'The control plane acknowledged a different envelope from the one Key Holder sent. Treat the submission as failed and tell the vendor.');
    }
    const receipt: LocalReceipt = { kind, submissionId: r.submissionId, envelopeSha256: local, receivedAt: r.receivedAt, sentAt, holder: r.holder };
    this.state.receipts.push(receipt);
    this.save();
    return receipt;
  }

  async submit(values: KeyStoreValues): Promise<{ receipt: LocalReceipt; answer: SubmissionReceipt }> {
    const record = this.record(values);
    const body = await this.seal('key-store-submission', record);
    const sentAt = this.deps.clock.now().toISOString();
    const answer = await requestJson(this.deps.transport, 'POST', this.url('/v1/key-stores'), submissionReceiptSchema, { token: this.token(), raw: body });
    const receipt = this.keepReceipt('key-store-submission', body, answer, sentAt);
    this.deps.log.info('key store submitted', { submissionId: answer.submissionId, envelopeSha256: receipt.envelopeSha256, validation: answer.validation.state });
    this.deps.changed?.('submission');
    return { receipt, answer };
  }

  async updateCredentials(req: { applicationId?: string; clientSecret: string; secretExpiresOn: string }): Promise<LocalReceipt> {
    const c = this.requireConnection();
    const parsed = credentialUpdateSchema.safeParse({ holder: c.holder, ...req, secretExpiresOn: toIso(req.secretExpiresOn) });
    if (!parsed.success) throw new KeyholderError('control_plane.record_invalid', `Check the new credentials: ${parsed.error.issues[0]!.message}.`);
    const body = await this.seal('credential-update', parsed.data);
    const sentAt = this.deps.clock.now().toISOString();
    const answer = await requestJson(this.deps.transport, 'POST', this.url('/v1/key-stores/credentials'), credentialUpdateReceiptSchema, { token: this.token(), raw: body });
    return this.keepReceipt('credential-update', body, answer, sentAt);
  }

  receipts(): LocalReceipt[] {
    return [...this.state.receipts];
  }

  // ------------------------------------------------------------ ceremony records

  /**
   * Sends a closed ceremony's final hash and keeps the control plane's
   * receipt. The record is queued first, so a control plane that cannot be
   * reached loses nothing: the error is thrown and `sendPendingCeremonyRecords`
   * tries again later.
   */
  async recordCeremony(req: CeremonyRecordRequest): Promise<LocalCeremonyRecord> {
    const parsed = ceremonyRecordRequestSchema.safeParse(req);
    if (!parsed.success) throw new KeyholderError('control_plane.ceremony_record_invalid', `The ceremony record is not valid (${parsed.error.issues[0]!.message}); it was not sent.`);
    const done = this.state.ceremonyRecords.find((r) => r.ceremonyId === parsed.data.ceremonyId && r.finalHash === parsed.data.finalHash);
    if (done) return done;
    if (!this.state.pendingCeremonyRecords.some((p) => p.ceremonyId === parsed.data.ceremonyId && p.finalHash === parsed.data.finalHash)) {
      this.state.pendingCeremonyRecords.push(parsed.data);
      this.save();
    }
    return this.sendCeremonyRecord(parsed.data);
  }

  private async sendCeremonyRecord(req: CeremonyRecordRequest): Promise<LocalCeremonyRecord> {
    const sentAt = this.deps.clock.now().toISOString();
    const answer = await requestJson(this.deps.transport, 'POST', this.url('/v1/ceremony-records'), ceremonyRecordReceiptSchema, { token: this.token(), json: req });
    const local = sha256Hex(Buffer.from(ceremonyRecordCanonical(req), 'utf8'));
    if (answer.sha256 !== local || answer.finalHash !== req.finalHash || answer.ceremonyId !== req.ceremonyId) {
      throw new KeyholderError('control_plane.receipt_mismatch', 'The control plane acknowledged a different ceremony record from the one Key Holder sent. The record is kept here to send again; tell the vendor.');
    }
    const kept: LocalCeremonyRecord = { ...req, recordId: answer.recordId, receivedAt: answer.receivedAt, sha256: answer.sha256, sentAt, holder: answer.holder };
    this.state.ceremonyRecords.push(kept);
    this.state.pendingCeremonyRecords = this.state.pendingCeremonyRecords.filter((p) => !(p.ceremonyId === req.ceremonyId && p.finalHash === req.finalHash));
    this.save();
    this.deps.log.info('ceremony record acknowledged', { ceremonyId: req.ceremonyId, recordId: answer.recordId });
    this.deps.changed?.('submission');
    return kept;
  }

  /** Sends every queued ceremony record; stops at the first failure (which is thrown) and keeps the rest queued. */
  async sendPendingCeremonyRecords(): Promise<LocalCeremonyRecord[]> {
    const sent: LocalCeremonyRecord[] = [];
    for (const p of [...this.state.pendingCeremonyRecords]) sent.push(await this.sendCeremonyRecord(p));
    return sent;
  }

  ceremonyRecords(): LocalCeremonyRecord[] {
    return [...this.state.ceremonyRecords];
  }

  pendingCeremonyRecords(): CeremonyRecordRequest[] {
    return [...this.state.pendingCeremonyRecords];
  }

  // ------------------------------------------------------------ ceremony transcripts

  /** Sends this workstation's signed transcript with the ceremony plan (the control plane pins the environment's first plan). */
  async sendCeremonyTranscript(body: { plan: unknown; bundle: unknown }, o: { timeoutMs?: number } = {}): Promise<CeremonyTranscriptReceipt> {
    return requestJson(this.deps.transport, 'POST', this.url('/v1/ceremony-transcripts'), ceremonyTranscriptReceiptSchema, { token: this.token(), json: body, ...o });
  }

  /** Every workstation's transcript the control plane keeps for this environment (checked by the caller before use). */
  async ceremonyTranscripts(o: { timeoutMs?: number } = {}): Promise<CeremonyTranscriptList> {
    return requestJson(this.deps.transport, 'GET', this.url('/v1/ceremony-transcripts'), ceremonyTranscriptListSchema, { token: this.token(), ...o });
  }

  // ------------------------------------------------------------ status

  lastStatus(): EnvironmentStatus | null {
    return this.state.lastStatus;
  }

  /** The last status and when it came, for showing (dated) when the vendor cannot be asked now. */
  lastKnownStatus(): { status: EnvironmentStatus; receivedAt: string } | null {
    const s = this.state.lastStatus;
    return s && this.state.lastStatusAt ? { status: s, receivedAt: this.state.lastStatusAt } : null;
  }

  async status(o: { refresh?: boolean } = {}): Promise<EnvironmentStatus> {
    const s = await requestJson(this.deps.transport, o.refresh ? 'POST' : 'GET', this.url(o.refresh ? '/v1/status/refresh' : '/v1/status'), environmentStatusSchema, { token: this.token() });
    const before = JSON.stringify(this.state.lastStatus);
    this.state.lastStatus = s;
    this.state.lastStatusAt = this.deps.clock.now().toISOString();
    this.save();
    if (before !== JSON.stringify(s)) this.deps.changed?.('status');
    return s;
  }

  /** Polls status (and a pending registration) on the given scheduler; errors leave the last known status in place. */
  startPolling(every: (ms: number, fn: () => void) => () => void, intervalMs = 60_000): void {
    if (this.stopPolling) return;
    let busy = false;
    this.stopPolling = every(intervalMs, () => {
      if (busy || !this.state.connection) return;
      busy = true;
      const work = async () => {
        if (this.state.registration?.status === 'pending') await this.refreshRegistration();
        await this.status();
      };
      work()
        .catch((e) => this.deps.log.warn('control plane status poll failed', { code: (e as { code?: string }).code }))
        .finally(() => {
          busy = false;
        });
    });
  }

  stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }
}
