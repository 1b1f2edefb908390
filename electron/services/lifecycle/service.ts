/**
 * The key's life after the ceremony, for the key store this workstation
 * holds: health with the holder's own sign-in, revoke (disable the key
 * version) and unrevoke (enable it), pull (soft-delete) and restore
 * (recover), each behind a typed confirmation that names the consequence,
 * recorded in the workstation's lifecycle transcript, followed by a notice
 * that the vendor's view may lag (cached data keys) until it caught up.
 *
 * Guard rails: revoking or pulling the last unrevoked key store needs an
 * M-of-N quorum of enrolled participants signing the exact request, plus a
 * typed reason; a pull is refused unless the vault has soft delete and purge
 * protection; purge is never offered.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import type { EnvironmentStatus, PrimaryKey } from '../../../shared/control-plane/api';
import type { Attestation } from '../../../shared/transcript/entry';
import type { JsonObject } from '../../../shared/transcript/canonical';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { DeletedKeyInfo, KeyStoreLifecycleProvider, VaultProtection } from '../vault/provider';
import { verifyAttestation } from '../participants/participant-file';
import type { ParticipantsService } from '../participants/index';
import { confirmationText, meaningOf, normalise, other, vendorMeaning, type ConfirmAction, type Holder, type KeyStoreState, type VendorSeen } from './words';
import { parseKeyArn } from '../../../shared/worksheet/aws';

export interface HeldKeyStore {
  holder: Holder;
  keyVersionId: string;
}

export interface TranscriptSink {
  open(data?: JsonObject): Promise<{ ceremony: string }>;
  append(ceremony: string, kind: string, data: JsonObject, attestations?: Attestation[]): Promise<unknown>;
}

export interface LifecycleDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  provider: () => KeyStoreLifecycleProvider;
  /** The key store imported on this workstation (vault import record), or null before the import. */
  heldKeyStore: () => HeldKeyStore | null;
  /** The vendor's status (refreshed on request), or null when this workstation is not connected to the control plane. */
  vendorStatus: (refresh: boolean) => Promise<EnvironmentStatus | null>;
  /**
   * The last status the vendor sent and when, kept by the control-plane client. Shown, marked as such, when the vendor
   * cannot be asked now (a terminal cannot open the enrolment token the system keychain seals, or the vendor is down).
   */
  lastVendorStatus?: () => { status: EnvironmentStatus; receivedAt: string } | null;
  participants: Pick<ParticipantsService, 'list' | 'unlock'>;
  transcript: TranscriptSink;
  /** Participants needed to approve revoking the last key store (default 2). */
  quorumThreshold?: number;
  /** The vendor's data-key cache, when the vendor does not say (seed 001: up to an hour). */
  defaultCacheSeconds?: number;
  /** The cache time the holder agreed with the vendor for their key store (AWS: 1 minute to 24 hours), when the vendor does not say. */
  cacheSeconds?: (holder: Holder) => number | null;
}

export interface KeyStoreHealthView {
  holder: Holder;
  keyVersionId: string;
  vaultHost: string;
  keyName: string;
  version: string;
  state: KeyStoreState;
  /** Why: disabled, deleted (pulled), not found, or the reason it could not be reached. */
  detail: string;
  meaning: string;
  whatToDo: string;
  deleted?: DeletedKeyInfo;
  checkedAt: string;
}

export interface VendorView {
  status: PrimaryKey['status'];
  meaning: string;
  primaryKey: PrimaryKey;
  /** Every primary key, oldest first, with per-library statuses. */
  primaryKeys: PrimaryKey[];
  /** Null when the vendor answered just now; else when the status shown was received (the vendor could not be asked). */
  receivedAt: string | null;
}

/**
 * That the vendor answered (now, or `receivedAt` when it could not be asked), whether or not it has a primary key
 * yet: which key stores it holds and where their validation stands. Null only when no answer is at hand.
 */
export interface VendorContact {
  submitted: { holder1: boolean; holder2: boolean };
  validation: EnvironmentStatus['validation']['state'];
  receivedAt: string | null;
}

/** What the vendor answered about the two key stores, for the words of a state it cannot judge (null: no answer now). */
function seenOf(st: EnvironmentStatus | null): VendorSeen | null {
  return st ? { submitted: st.submitted, validation: st.validation.state } : null;
}

export interface LagNotice {
  action: string;
  holder: Holder;
  at: string;
  expected: 'revoked' | 'healthy';
  cacheSeconds: number;
  /** When the vendor's view may have caught up at the latest. */
  catchUpBy: string;
  caughtUpAt?: string;
  text: string;
}

export interface QuorumRequest {
  requestId: string;
  statement: JsonObject;
  threshold: number;
  participants: { id: string; name: string; signed: boolean }[];
  expiresAt: string;
}

interface PendingRequest {
  statement: JsonObject;
  createdAt: string;
  expiresAt: string;
  attestations: Attestation[];
}

interface State {
  version: 1;
  transcriptId?: string;
  lastAction?: Omit<LagNotice, 'text'>;
  requests: Record<string, PendingRequest>;
  /** What a pull removed, so a restore can prove every version came back. */
  pulls: Partial<Record<`${Holder}`, { keyName: string; vaultUrl: string; versions: string[]; deleted: DeletedKeyInfo }>>;
}

const REQUEST_TTL_MS = 30 * 60_000;

/**
 * The key store a held key names: an Azure key version identifier, or (AWS KMS) a key ARN, whose location
 * arn:aws:kms:{region}:{account} plays the vault's part and whose key ID is both its name and its one version.
 */
export function parseKeyVersionId(id: string): { vaultUrl: string; vaultHost: string; keyName: string; version: string } {
  if (id.trim().startsWith('arn:')) {
    const k = parseKeyArn(id);
    const location = `arn:${k.partition}:kms:${k.region}:${k.accountId}`;
    return { vaultUrl: location, vaultHost: location, keyName: k.keyId, version: k.keyId };
  }
  const m = /^https:\/\/([^/]+)\/keys\/([A-Za-z0-9-]{1,127})\/([0-9A-Za-z]{32})$/.exec(id.trim());
  if (!m) throw new KeyholderError('lifecycle.bad_key_identifier', 'The key identifier on worksheet line 2 is not a key version identifier (https://VAULT/keys/NAME/VERSION).');
  return { vaultUrl: `https://${m[1]}`, vaultHost: m[1]!, keyName: m[2]!, version: m[3]! };
}

export class LifecycleService {
  private readonly file: string;

  constructor(private readonly deps: LifecycleDeps) {
    this.file = path.join(deps.dataDir, 'lifecycle', 'state.json');
  }

  // ------------------------------------------------------------ state

  private read(): State {
    try {
      const s = JSON.parse(fs.readFileSync(this.file, 'utf8')) as State;
      if (s.version === 1) return { ...s, requests: s.requests ?? {}, pulls: s.pulls ?? {} };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new KeyholderError('lifecycle.state_damaged', `Key Holder’s lifecycle record (${this.file}) cannot be read. Move it aside and retry; the vault itself was not changed.`);
      }
    }
    return { version: 1, requests: {}, pulls: {} };
  }

  private write(s: State): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  held(): HeldKeyStore {
    const h = this.deps.heldKeyStore();
    if (!h) throw new KeyholderError('lifecycle.no_key_store', 'This workstation has not imported a key into a vault yet, so there is no key store to manage. Finish the import first.');
    return h;
  }

  private async ensureTranscript(): Promise<string> {
    const s = this.read();
    if (!s.transcriptId) {
      s.transcriptId = (await this.deps.transcript.open({ purpose: 'key-store lifecycle' })).ceremony;
      this.write(s);
    }
    return s.transcriptId;
  }

  async record(kind: string, data: JsonObject, attestations?: Attestation[]): Promise<void> {
    await this.deps.transcript.append(await this.ensureTranscript(), kind, data, attestations);
  }

  transcriptId(): string | null {
    return this.read().transcriptId ?? null;
  }

  // ------------------------------------------------------------ health

  async keyHealth(keyVersionId: string, holder: Holder, otherRevoked: boolean | null, vendor: VendorSeen | null = null): Promise<KeyStoreHealthView> {
    const p = parseKeyVersionId(keyVersionId);
    const h = await this.deps.provider().keyVersionHealth(keyVersionId);
    let state: KeyStoreState;
    let detail: string;
    if (h.state === 'available') {
      state = 'Available';
      detail = keyVersionId.startsWith('arn:') ? 'The KMS key is enabled.' : 'The key version is enabled.';
    } else if (h.state === 'revoked') {
      state = 'Revoked';
      const aws = keyVersionId.startsWith('arn:');
      detail =
        h.reason === 'disabled'
          ? aws
            ? 'The KMS key is disabled.'
            : 'The key version is disabled.'
          : h.reason === 'deleted'
            ? aws
              ? `The KMS key was pulled: its deletion is scheduled${h.deleted?.scheduledPurgeDate ? ` for ${h.deleted.scheduledPurgeDate}` : ''} and can be cancelled until then (restore).`
              : 'The key was pulled (deleted) and is held by soft delete until its scheduled purge.'
            : h.reason === 'material-expired'
              ? 'The key’s imported material expired or was deleted: the key cannot be used until the escrowed key is imported again (a supervised activation).'
              : aws
                ? 'The KMS key is not in the account.'
                : 'The key version is not in the vault.';
    } else {
      state = 'Unavailable';
      detail = h.message;
    }
    return {
      holder,
      keyVersionId,
      vaultHost: p.vaultHost,
      keyName: p.keyName,
      version: p.version,
      state,
      detail,
      ...meaningOf(state, holder, otherRevoked, { keyStore: keyVersionId.startsWith('arn:') ? 'aws-kms' : 'azure-key-vault', vendor }),
      ...(h.state === 'revoked' && h.deleted ? { deleted: h.deleted } : {}),
      checkedAt: this.now().toISOString(),
    };
  }

  /** The vendor's primary key that holds this key version (else the latest). */
  private vendorKey(st: EnvironmentStatus | null, keyVersionId: string): PrimaryKey | null {
    if (!st) return null;
    const all = st.primaryKeys ?? (st.primaryKey ? [st.primaryKey] : []);
    return [...all].reverse().find((k) => k.keyStores.some((s) => s.keyIdentifier === keyVersionId)) ?? st.primaryKey;
  }

  /** True, false, or null when the vendor cannot say (not connected, or the other key store is unreachable). */
  private otherRevoked(st: EnvironmentStatus | null, held: HeldKeyStore): boolean | null {
    const pk = this.vendorKey(st, held.keyVersionId);
    const o = pk?.keyStores.find((k) => k.holder === other(held.holder));
    if (!o || o.health === 'unreachable') return null;
    return o.health === 'revoked';
  }

  private async vendor(refresh: boolean): Promise<EnvironmentStatus | null> {
    return (await this.vendorOrLast(refresh)).live;
  }

  /** The vendor's answer now, or (for display only, never for a guard rail) the last one received and when. */
  private async vendorOrLast(refresh: boolean): Promise<{ live: EnvironmentStatus | null; last: { status: EnvironmentStatus; receivedAt: string } | null }> {
    try {
      return { live: await this.deps.vendorStatus(refresh), last: null };
    } catch (e) {
      this.deps.log.warn('vendor status not available', { code: (e as KeyholderError).code });
      return { live: null, last: this.deps.lastVendorStatus?.() ?? null };
    }
  }

  async status(o: { refresh?: boolean } = {}): Promise<{ keyStore: KeyStoreHealthView | null; vendor: VendorView | null; vendorContact: VendorContact | null; lag: LagNotice | null; quorumThreshold: number }> {
    const held = this.deps.heldKeyStore();
    const { live, last } = await this.vendorOrLast(o.refresh ?? true);
    // Health and the lag judge only what the vendor says now; an older answer is shown, dated, and decides nothing.
    const keyStore = held ? await this.keyHealth(held.keyVersionId, held.holder, this.otherRevoked(live, held), seenOf(live)) : null;
    const livePk = held ? this.vendorKey(live, held.keyVersionId) : (live?.primaryKey ?? null);
    const shown = live ?? last?.status ?? null;
    const pk = held ? this.vendorKey(shown, held.keyVersionId) : (shown?.primaryKey ?? null);
    const vendor: VendorView | null = pk ? { status: pk.status, meaning: vendorMeaning(pk.status), primaryKey: pk, primaryKeys: shown?.primaryKeys ?? [pk], receivedAt: live ? null : (last?.receivedAt ?? null) } : null;
    // Connected but without a primary key yet (the other key holder has not submitted, or validation is pending) is not "not connected".
    const vendorContact: VendorContact | null = shown ? { submitted: shown.submitted, validation: shown.validation.state, receivedAt: live ? null : (last?.receivedAt ?? null) } : null;
    return { keyStore, vendor, vendorContact, lag: this.updateLag(livePk), quorumThreshold: this.threshold() };
  }

  private updateLag(pk: PrimaryKey | null): LagNotice | null {
    const s = this.read();
    const a = s.lastAction;
    if (!a) return null;
    if (!a.caughtUpAt && pk) {
      const mine = pk.keyStores.find((k) => k.holder === a.holder);
      if (mine && mine.health === a.expected) {
        a.caughtUpAt = this.now().toISOString();
        this.write(s);
      }
    }
    return lagText(a);
  }

  private noteAction(action: string, holder: Holder, expected: 'revoked' | 'healthy', st: EnvironmentStatus | null): LagNotice {
    const s = this.read();
    // The holders' own cache time (an AWS key store's) stands until the vendor has a primary key: before that the
    // vendor reports only its general setting, which is not what it will apply to this key store.
    const own = this.deps.cacheSeconds?.(holder) ?? null;
    const vendors = st?.primaryKey || own === null ? st?.dataKeyCacheSeconds : undefined;
    const cacheSeconds = vendors ?? own ?? this.deps.defaultCacheSeconds ?? 3600;
    const at = this.now();
    s.lastAction = { action, holder, at: at.toISOString(), expected, cacheSeconds, catchUpBy: new Date(at.getTime() + cacheSeconds * 1000).toISOString() };
    this.write(s);
    return lagText(s.lastAction);
  }

  // ------------------------------------------------------------ confirmations and quorum

  private threshold(): number {
    return Math.max(2, this.deps.quorumThreshold ?? 2);
  }

  private checkConfirmation(typed: string | undefined, expected: string): void {
    if (!typed || normalise(typed) !== normalise(expected)) {
      throw new KeyholderError('lifecycle.confirmation_mismatch', `Type exactly: "${expected}". Nothing was changed.`, { expected });
    }
  }

  /** Starts a quorum request to revoke (or pull) the last unrevoked key store; participants then sign it. */
  async requestLastStoreAction(req: { action: 'revoke' | 'pull'; reason: string }): Promise<QuorumRequest> {
    const held = this.held();
    const reason = req.reason.trim();
    if (reason.length < 10) throw new KeyholderError('lifecycle.reason_required', 'Give the reason in a sentence (at least 10 characters): it goes into the transcript with the participants’ signatures.');
    const requestId = crypto.randomUUID();
    const now = this.now();
    // Naming the transcript binds the signatures to this workstation's record of the key's life.
    const ceremony = await this.ensureTranscript();
    const statement: JsonObject = {
      type: 'keyholder-lifecycle-request',
      ceremony,
      requestId,
      action: req.action === 'revoke' ? 'revoke-last-key-store' : 'pull-last-key-store',
      holder: held.holder,
      keyVersionId: held.keyVersionId,
      reason,
      consequence: 'Both key stores revoked: no document can be uploaded, viewed or downloaded.',
      requestedAt: now.toISOString(),
    };
    const s = this.read();
    for (const [id, r] of Object.entries(s.requests)) if (Date.parse(r.expiresAt) < now.getTime()) delete s.requests[id];
    s.requests[requestId] = { statement, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + REQUEST_TTL_MS).toISOString(), attestations: [] };
    this.write(s);
    return this.quorumView(requestId);
  }

  quorumView(requestId: string): QuorumRequest {
    const r = this.pending(requestId);
    return {
      requestId,
      statement: r.statement,
      threshold: this.threshold(),
      participants: this.deps.participants.list().map((p) => ({ id: p.id, name: p.name, signed: r.attestations.some((a) => a.participant === p.id) })),
      expiresAt: r.expiresAt,
    };
  }

  private pending(requestId: string): PendingRequest {
    const r = this.read().requests[requestId];
    if (!r || Date.parse(r.expiresAt) < this.now().getTime()) {
      throw new KeyholderError('lifecycle.request_expired', 'That approval request is unknown or expired (requests last 30 minutes). Start a new one.');
    }
    return r;
  }

  /** One participant signs the request with their participant key (unlocked by their passphrase for this call only). */
  async signRequest(req: { requestId: string; participantId: string; passphrase: string }): Promise<QuorumRequest> {
    const r = this.pending(req.requestId);
    const signer = await this.deps.participants.unlock(req.participantId, req.passphrase);
    try {
      return this.addApprovals(req.requestId, [signer.attest('supervisor', r.statement)]);
    } finally {
      signer.dispose();
    }
  }

  /** Adds attestations produced elsewhere (e.g. the CLI's --approvals file); each is checked before it counts. */
  addApprovals(requestId: string, attestations: Attestation[]): QuorumRequest {
    const s = this.read();
    const r = s.requests[requestId];
    if (!r) throw new KeyholderError('lifecycle.request_expired', 'That approval request is unknown or expired. Start a new one.');
    const enrolled = new Map(this.deps.participants.list().map((p) => [p.id, p.key]));
    for (const a of attestations) {
      if (enrolled.get(a.participant) !== a.key) throw new KeyholderError('lifecycle.approval_unknown_participant', `${a.name} is not an enrolled participant of this workstation (or their key differs). Their approval does not count.`);
      if (JSON.stringify(a.statement) !== JSON.stringify(r.statement) || !verifyAttestation(a)) {
        throw new KeyholderError('lifecycle.approval_invalid', `${a.name}’s approval does not verify against this request. It was not counted.`);
      }
      if (!r.attestations.some((x) => x.participant === a.participant)) r.attestations.push(a);
    }
    this.write(s);
    return this.quorumView(requestId);
  }

  private checkQuorum(requestId: string | undefined, action: 'revoke' | 'pull', held: HeldKeyStore): { attestations: Attestation[]; reason: string } {
    if (!requestId) {
      throw new KeyholderError(
        'lifecycle.quorum_required',
        `Key store ${other(held.holder)} is already revoked (or its state is unknown): revoking this one too stops all encryption and decryption. That needs ${this.threshold()} participants to sign the request and a typed reason.`,
        { threshold: this.threshold() },
      );
    }
    const r = this.pending(requestId);
    if (r.statement.holder !== held.holder || r.statement.keyVersionId !== held.keyVersionId || r.statement.action !== (action === 'revoke' ? 'revoke-last-key-store' : 'pull-last-key-store')) {
      throw new KeyholderError('lifecycle.approval_invalid', 'The approved request is for a different key store or action. Start a new request.');
    }
    // Re-verify at use: the file on disk could have been edited since the signatures were added.
    const enrolled = new Map(this.deps.participants.list().map((p) => [p.id, p.key]));
    const valid = r.attestations.filter((a) => enrolled.get(a.participant) === a.key && JSON.stringify(a.statement) === JSON.stringify(r.statement) && verifyAttestation(a));
    const distinct = new Set(valid.map((a) => a.participant));
    if (distinct.size < this.threshold()) {
      throw new KeyholderError('lifecycle.quorum_incomplete', `${distinct.size} of the ${this.threshold()} participant approvals needed are in. Ask more participants to sign the request.`, {
        signed: distinct.size,
        threshold: this.threshold(),
      });
    }
    return { attestations: valid, reason: String(r.statement.reason) };
  }

  private consume(requestId: string): void {
    const s = this.read();
    delete s.requests[requestId];
    this.write(s);
  }

  // ------------------------------------------------------------ revoke and unrevoke

  /** The exact confirmation to type for this workstation's key store, given what the vendor reports now. */
  async confirmationFor(action: 'revoke' | 'unrevoke' | 'pull' | 'restore'): Promise<{ text: string; needsQuorum: boolean; protection?: VaultProtection }> {
    const held = this.held();
    const last = action === 'revoke' || action === 'pull' ? this.otherRevoked(await this.vendor(true), held) !== false : false;
    if (action === 'pull') {
      const protection = await this.deps.provider().vaultProtection(parseKeyVersionId(held.keyVersionId).vaultUrl);
      return { text: confirmationText(last ? 'pull-both' : 'pull', held.holder, { retentionDays: protection.retentionDays }), needsQuorum: last, protection };
    }
    const a: ConfirmAction = action === 'revoke' && last ? 'revoke-both' : action;
    return { text: confirmationText(a, held.holder), needsQuorum: last };
  }

  async revoke(req: { confirmation: string; requestId?: string }): Promise<{ keyStore: KeyStoreHealthView; lag: LagNotice }> {
    const held = this.held();
    const st = await this.vendor(true);
    const last = this.otherRevoked(st, held) !== false;
    this.checkConfirmation(req.confirmation, confirmationText(last ? 'revoke-both' : 'revoke', held.holder));
    const quorum = last ? this.checkQuorum(req.requestId, 'revoke', held) : null;
    await this.deps.provider().setVersionEnabled(held.keyVersionId, false);
    if (req.requestId && quorum) this.consume(req.requestId);
    await this.record(
      'key-store.revoked',
      { holder: held.holder, keyVersionId: held.keyVersionId, lastKeyStore: last, ...(quorum ? { reason: quorum.reason, approvals: quorum.attestations.length } : {}) },
      quorum?.attestations,
    );
    this.deps.log.info('key store revoked', { holder: held.holder, keyVersionId: held.keyVersionId, lastKeyStore: last });
    const lag = this.noteAction('revoke', held.holder, 'revoked', st);
    return { keyStore: await this.keyHealth(held.keyVersionId, held.holder, this.otherRevoked(st, held), seenOf(st)), lag };
  }

  async unrevoke(req: { confirmation: string }): Promise<{ keyStore: KeyStoreHealthView; lag: LagNotice }> {
    const held = this.held();
    this.checkConfirmation(req.confirmation, confirmationText('unrevoke', held.holder));
    await this.deps.provider().setVersionEnabled(held.keyVersionId, true);
    await this.record('key-store.unrevoked', { holder: held.holder, keyVersionId: held.keyVersionId });
    const st = await this.vendor(true);
    const lag = this.noteAction('unrevoke', held.holder, 'healthy', st);
    return { keyStore: await this.keyHealth(held.keyVersionId, held.holder, this.otherRevoked(st, held), seenOf(st)), lag };
  }

  // ------------------------------------------------------------ pull and restore

  async pull(req: { confirmation: string; requestId?: string }): Promise<{ deleted: DeletedKeyInfo; protection: VaultProtection; lag: LagNotice }> {
    const held = this.held();
    const p = parseKeyVersionId(held.keyVersionId);
    const provider = this.deps.provider();
    const protection = await provider.vaultProtection(p.vaultUrl);
    if (!protection.softDelete || !protection.purgeProtection) {
      throw new KeyholderError(
        'lifecycle.pull_unprotected',
        `${p.vaultHost} has ${!protection.softDelete ? 'no soft delete' : 'no purge protection'}: a pulled key could be gone for good, and every document it protects with it. Revoke (disable) the key instead, or turn on ${!protection.softDelete ? 'soft delete and ' : ''}purge protection first. Nothing was changed.`,
        { softDelete: protection.softDelete, purgeProtection: protection.purgeProtection },
      );
    }
    const st = await this.vendor(true);
    const last = this.otherRevoked(st, held) !== false;
    this.checkConfirmation(req.confirmation, confirmationText(last ? 'pull-both' : 'pull', held.holder, { retentionDays: protection.retentionDays }));
    const quorum = last ? this.checkQuorum(req.requestId, 'pull', held) : null;
    const versions = (await provider.listVersions({ location: p.vaultUrl, keyName: p.keyName })).map((v) => v.version).sort();
    const deleted = await provider.deleteKey({ location: p.vaultUrl, keyName: p.keyName });
    if (req.requestId && quorum) this.consume(req.requestId);
    const s = this.read();
    s.pulls[`${held.holder}`] = { keyName: p.keyName, vaultUrl: p.vaultUrl, versions, deleted };
    this.write(s);
    await this.record(
      'key-store.pulled',
      {
        holder: held.holder,
        keyVersionId: held.keyVersionId,
        versions: versions.length,
        retentionDays: protection.retentionDays ?? 0,
        scheduledPurgeDate: deleted.scheduledPurgeDate ?? '',
        lastKeyStore: last,
        ...(quorum ? { reason: quorum.reason } : {}),
      },
      quorum?.attestations,
    );
    return { deleted, protection, lag: this.noteAction('pull', held.holder, 'revoked', st) };
  }

  async restore(req: { confirmation: string }): Promise<{ versions: string[]; allVersionsBack: boolean; lag: LagNotice }> {
    const held = this.held();
    const p = parseKeyVersionId(held.keyVersionId);
    this.checkConfirmation(req.confirmation, confirmationText('restore', held.holder));
    const provider = this.deps.provider();
    const deleted = await provider.getDeletedKey({ location: p.vaultUrl, keyName: p.keyName });
    if (!deleted) {
      throw new KeyholderError('lifecycle.nothing_to_restore', `${p.vaultHost} holds no deleted key named ${p.keyName}: it was never pulled, was already restored, or its retention ended. Nothing was changed.`);
    }
    if (deleted.scheduledPurgeDate && Date.parse(deleted.scheduledPurgeDate) <= this.now().getTime()) {
      throw new KeyholderError('lifecycle.retention_over', `The retention of ${p.keyName} ended on ${deleted.scheduledPurgeDate}: it can no longer be recovered.`);
    }
    await provider.recoverDeletedKey({ location: p.vaultUrl, keyName: p.keyName });
    const versions = (await provider.listVersions({ location: p.vaultUrl, keyName: p.keyName })).map((v) => v.version).sort();
    const before = this.read().pulls[`${held.holder}`];
    const allVersionsBack = !before || before.versions.every((v) => versions.includes(v));
    await this.record('key-store.restored', { holder: held.holder, keyVersionId: held.keyVersionId, versions: versions.length, allVersionsBack });
    const s = this.read();
    delete s.pulls[`${held.holder}`];
    this.write(s);
    const st = await this.vendor(true);
    const health = await this.keyHealth(held.keyVersionId, held.holder, this.otherRevoked(st, held), seenOf(st));
    return { versions, allVersionsBack, lag: this.noteAction('restore', held.holder, health.state === 'Available' ? 'healthy' : 'revoked', st) };
  }
}

function lagText(a: Omit<LagNotice, 'text'>): LagNotice {
  const minutes = Math.round(a.cacheSeconds / 60);
  const text = a.caughtUpAt
    ? `The vendor’s view caught up at ${a.caughtUpAt} (it reports key store ${a.holder} ${a.expected === 'revoked' ? 'revoked' : 'healthy'}).`
    : `The vendor caches data keys for up to ${minutes} minutes: its view of key store ${a.holder} may lag until ${a.catchUpBy}. Key Holder checks again each time you refresh.`;
  return { ...a, text };
}
