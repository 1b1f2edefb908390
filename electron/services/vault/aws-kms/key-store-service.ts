/**
 * The holder's AWS KMS key store on this workstation: what they entered for
 * it (account, Region, the vendor's role, the cache time, the material's
 * expiry; never key material), the import of the escrowed 256-bit key opened
 * by a supervised activation (never from a file path), the key policy shown
 * and then applied, and the key-store values the control plane receives.
 *
 * Like the Azure import (vault-service.ts) the draft is kept before anything
 * is attempted, so no error loses it; and because the provider finds the keys
 * it created by their tags, running the import again after a crash uses the
 * keys AWS already holds instead of creating others.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KeyholderError, isKeyholderError, type KeyholderErrorShape } from '../../../../shared/errors/index';
import { awsKeyLocation, checkCacheTime, parseKeyArn, parseRoleArn } from '../../../../shared/worksheet/aws';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../log/logger';
import type { AwsKeyStoreValues } from '../../control-plane/service';
import type { OpenedCopy } from '../vault-service';
import { AwsKmsProvider, type AwsImportHooks, type AwsImportOutcome, type AwsKmsOptions, type PolicyProposal } from './provider';

export interface AwsImportDraft {
  /** Which key holder of the ceremony this workstation belongs to. */
  holder: 1 | 2;
  /** The holder's own AWS account (12 digits) and the key's Region. */
  accountId: string;
  region: string;
  partition?: 'aws' | 'aws-us-gov';
  /** The vendor's role ARN (from the engagement manager), granted on the key policy. */
  vendorRoleArn: string;
  /** How long the vendor caches the data key: 1 minute to 24 hours, 5 recommended (seed 002). */
  cacheMinutes: number;
  /** A pending key (Origin External, no material) the holder created and names; otherwise Key Holder creates one. */
  keyArn?: string;
  /** ISO date-time the imported material expires (tracked like a client secret), or absent: does not expire. */
  validTo?: string;
  /** The key-holder copy chosen on the import screen, proposed again on return: a path only (the copy is opened by the supervised activation). */
  holderCopyPath?: string;
}

export interface AwsKeyStoreRecord {
  draft: AwsImportDraft;
  state: 'pending' | 'failed' | 'done';
  updatedAt: string;
  error?: KeyholderErrorShape;
  outcome?: AwsImportOutcome & { fingerprint: string; keyId: string };
  /** The key policies as applied (after the holder saw the plan), per key. */
  policy?: { appliedAt: string; lines: string[] };
  /** Keys this one replaced in a key rotation, oldest first: never deleted (the vendor may need them). */
  previousKeyArns?: string[];
  /** A new expiry for the material, asked when its supervised re-import was started (the supervisor attests to exactly this). */
  extension?: { validTo: string | null; requestedAt: string };
  /** The last re-import that changed the expiry, as KMS reported it afterwards (DescribeKey). */
  extended?: { at: string; validTo: string | null; previousValidTo: string | null };
}

export interface AwsLifecycleFacts {
  keyArn: string;
  companionKeyArn: string;
  accountId: string;
  region: string;
  cacheMinutes: number;
  validTo: string | null;
  extended: { at: string; validTo: string | null; previousValidTo: string | null } | null;
  previousKeys: { keyArn: string; state: 'Enabled' | 'Disabled' | 'Pending deletion' | 'Material expired' | 'Not found' | 'Unknown'; detail?: string }[];
}

/** KMS refuses a ValidTo further ahead than this (ImportKeyMaterial). */
const MAX_VALID_TO_DAYS = 365;

export interface AwsKeyStoreDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** The KMS provider for a Region, signed in as the holder (profile, Identity Center, or the rehearsal's access key). */
  provider: (region: string) => AwsKmsProvider;
}

/** Checks a draft as the worksheet does (pure rules in shared/worksheet/aws.ts); throws a KeyholderError naming the field. */
function checkAwsDraft(d: AwsImportDraft): AwsImportDraft {
  const location = awsKeyLocation({ region: d.region, accountId: d.accountId, ...(d.partition ? { partition: d.partition } : {}) });
  parseRoleArn(d.vendorRoleArn);
  checkCacheTime(d.cacheMinutes);
  if (d.keyArn) {
    const k = parseKeyArn(d.keyArn);
    if (awsKeyLocation(k) !== location) throw new KeyholderError('aws.key_elsewhere', `The key ${k.arn} is not in your account ${d.accountId} in ${d.region}. Name a key in that account and Region, or leave the key empty so Key Holder creates one.`);
  }
  if (d.validTo !== undefined) {
    const t = Date.parse(d.validTo);
    if (Number.isNaN(t)) throw new KeyholderError('aws.bad_valid_to', 'Give the date the imported key material expires, or choose "does not expire".');
  }
  return d;
}

/** A new expiry for imported material, as KMS will take it: a date, in the future, at most 365 days ahead (ISO). */
function checkNewValidTo(validTo: string, now: number): string {
  const t = Date.parse(validTo);
  if (Number.isNaN(t)) throw new KeyholderError('aws.bad_valid_to', 'Give the new date the imported key material expires, or choose "does not expire".');
  if (t <= now) throw new KeyholderError('aws.bad_valid_to', 'The new expiry date is in the past: choose a later date, or "does not expire".');
  if (t > now + MAX_VALID_TO_DAYS * 86_400_000) throw new KeyholderError('aws.bad_valid_to', `AWS KMS accepts an expiry at most ${MAX_VALID_TO_DAYS} days ahead: choose an earlier date, or "does not expire".`);
  return new Date(t).toISOString();
}

/** Where a data folder keeps its AWS key store's record. */
function awsKeyStoreFile(dataDir: string): string {
  return path.join(dataDir, 'aws-kms', 'key-store.json');
}

/**
 * What a record must hold to be used: a file that parses but lacks these
 * (changed by hand, cut short) is as damaged as one that does not parse.
 * Extra fields are kept (a newer Key Holder's).
 */
const recordShape = z.looseObject({
  draft: z.looseObject({
    holder: z.union([z.literal(1), z.literal(2)]),
    accountId: z.string(),
    region: z.string(),
    vendorRoleArn: z.string(),
    cacheMinutes: z.number(),
    keyArn: z.string().optional(),
    validTo: z.string().optional(),
    holderCopyPath: z.string().optional(),
  }),
  state: z.enum(['pending', 'failed', 'done']),
  updatedAt: z.string(),
  outcome: z.looseObject({ keyArn: z.string() }).optional(),
  policy: z.looseObject({ appliedAt: z.string(), lines: z.array(z.string()) }).optional(),
  previousKeyArns: z.array(z.string()).optional(),
});

const WHAT_IT_MEANS =
  'Key Holder cannot tell which KMS key you imported, nor when its key material expires. Your keys in AWS were not changed. Run the import into AWS KMS again (a supervised activation): Key Holder finds the keys it created by their tags and imports nothing twice.';

/** A damaged record, in words a holder can act on: which file, what it means, what to do; `keptAt` once it was set aside. */
function awsKeyStoreDamaged(file: string, why: string, keptAt?: string): KeyholderError {
  const where = keptAt ? ` It was kept as ${keptAt}.` : ' Key Holder sets it aside (keeping a copy) when the app next opens it; nothing was changed.';
  return new KeyholderError('aws.key_store_damaged', `Key Holder’s record of your AWS key store (${file}) ${why}. ${WHAT_IT_MEANS}${where}`, { file, ...(keptAt ? { keptAt } : {}) });
}

/**
 * The AWS key store's record in a data folder, for readers such as `keyholder
 * expiry list`: null when there is none yet. A file that cannot be read, does
 * not parse or lacks what a record holds throws `aws.key_store_damaged`: a
 * damaged record is never taken for "nothing imported" (the expiry of the
 * imported material would silently drop off every list).
 */
export function readAwsKeyStoreRecord(dataDir: string): AwsKeyStoreRecord | null {
  const file = awsKeyStoreFile(dataDir);
  const r = readRecordFile(file);
  if (r === null || 'record' in r) return r?.record ?? null;
  throw awsKeyStoreDamaged(file, `is ${r.why}`);
}

/** A record file: null when absent, the record, or why it is damaged ("damaged (it is not valid JSON)"). */
function readRecordFile(file: string): { record: AwsKeyStoreRecord } | { why: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { why: `unreadable (the system said ${(e as NodeJS.ErrnoException).code ?? 'no'})` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { why: 'damaged (it is not valid JSON)' };
  }
  if (!recordShape.safeParse(doc).success) return { why: 'damaged (it does not hold what a key-store record holds)' };
  return { record: doc as AwsKeyStoreRecord };
}

/** Damaged records the app set aside, newest last (`key-store.damaged-<time>.json` beside the record). */
function keptAsideRecords(dataDir: string): string[] {
  const dir = path.dirname(awsKeyStoreFile(dataDir));
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => /^key-store\.damaged-.+\.json$/.test(n))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/**
 * Whether the AWS key store's state is unknown because its record was
 * damaged: the record itself (not yet set aside), or a copy the app set
 * aside while no new record has been made since (the holder has not run the
 * import again). Null when the record is fine or there never was one.
 */
export function awsKeyStoreDamage(dataDir: string): KeyholderError | null {
  try {
    if (readAwsKeyStoreRecord(dataDir)) return null;
  } catch (e) {
    if (isKeyholderError(e) && e.code === 'aws.key_store_damaged') return e as KeyholderError;
    throw e;
  }
  const kept = keptAsideRecords(dataDir).at(-1);
  if (!kept) return null;
  // Why it was set aside, read again from the copy (so it is said after a restart too).
  const r = readRecordFile(kept);
  return awsKeyStoreDamaged(awsKeyStoreFile(dataDir), `was ${r && 'why' in r ? r.why : 'damaged'}`, kept);
}

export class AwsKeyStoreService {
  private readonly file: string;
  private running = false;

  constructor(private readonly deps: AwsKeyStoreDeps) {
    this.file = awsKeyStoreFile(deps.dataDir);
  }

  /**
   * The record, or null when there is none. A damaged one is set aside under
   * a dated name (as the damaged settings file is), never overwritten, and
   * `damage()` keeps saying so until the holder imports again.
   */
  record(): AwsKeyStoreRecord | null {
    try {
      return readAwsKeyStoreRecord(this.deps.dataDir);
    } catch (e) {
      if (!isKeyholderError(e) || e.code !== 'aws.key_store_damaged') throw e;
      const kept = path.join(path.dirname(this.file), `key-store.damaged-${this.deps.clock.now().toISOString().replace(/[:.]/g, '-')}.json`);
      try {
        fs.renameSync(this.file, kept);
        this.deps.log.warn('AWS key-store record damaged, kept aside', { keptAt: kept });
      } catch (err) {
        // Not even movable (a folder in its place, no permission): it stays, and stays reported.
        this.deps.log.warn('AWS key-store record damaged and could not be set aside', { code: (err as NodeJS.ErrnoException).code });
      }
      return null;
    }
  }

  /** Why the key store's state is unknown (a damaged record, set aside), until a new record replaces it; else null. */
  damage(): KeyholderError | null {
    this.record();
    return awsKeyStoreDamage(this.deps.dataDir);
  }

  private write(r: Omit<AwsKeyStoreRecord, 'updatedAt'>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ ...r, updatedAt: this.deps.clock.now().toISOString() }, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /** The KMS provider for a Region, signed in as the holder (the lifecycle service's AWS calls use it too). */
  kmsProvider(region: string): AwsKmsProvider {
    return this.deps.provider(region);
  }

  /** The location the vendor registers before the import: arn:aws:kms:{region}:{account}. */
  location(draft: AwsImportDraft | undefined = this.record()?.draft): string {
    if (!draft) throw new KeyholderError('aws.no_draft', 'Enter your AWS account and the key’s Region first.');
    return awsKeyLocation({ region: draft.region, accountId: draft.accountId, ...(draft.partition ? { partition: draft.partition } : {}) });
  }

  /** Keeps what the holder entered (checked) before anything is attempted; an import already done for the same target stays done. */
  saveDraft(draft: AwsImportDraft): AwsKeyStoreRecord {
    checkAwsDraft(draft);
    const prev = this.record();
    const same = prev?.state === 'done' && prev.outcome && this.location(prev.draft) === this.location(draft) && prev.draft.holder === draft.holder;
    this.write({ draft, state: same ? 'done' : 'pending', ...(same && prev?.outcome ? { outcome: prev.outcome } : {}), ...(same && prev?.policy ? { policy: prev.policy } : {}) });
    return this.record()!;
  }

  /**
   * The import inside a supervised activation: the key was opened by the
   * activation (keeper's copy, knower's passphrase), not by this service; it
   * is only lent here for the call. Imports the key and its companion,
   * self-tests both, and keeps the outcome. The key policy is a separate,
   * shown step (proposePolicies / applyPolicies).
   */
  async importOpened(draftIn: AwsImportDraft, opened: OpenedCopy, hooks: AwsImportHooks = {}): Promise<NonNullable<AwsKeyStoreRecord['outcome']>> {
    if (this.running) throw new KeyholderError('vault.busy', 'An import is already running. Wait for it to finish.');
    this.running = true;
    const draft = checkAwsDraft(draftIn);
    this.write({ draft, state: 'pending' });
    try {
      const provider = this.deps.provider(draft.region);
      const outcome = await opened.withPrivateKey((secretKey) =>
        provider.importKey(
          {
            secretKey,
            keyId: opened.keyId,
            fingerprint: opened.fingerprint,
            ...(draft.keyArn ? { keyArn: draft.keyArn } : {}),
            expiration: draft.validTo ? { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(draft.validTo) } : { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
          },
          hooks,
        ),
      );
      if (outcome.accountId !== draft.accountId) {
        throw new KeyholderError(
          'aws.wrong_account',
          `You are signed in to AWS account ${outcome.accountId}, but your worksheet names account ${draft.accountId}. Sign in to your own account (or correct the worksheet) and import again; the key in ${outcome.accountId} was not given to the vendor.`,
        );
      }
      const full = { ...outcome, fingerprint: opened.fingerprint, keyId: opened.keyId };
      this.write({ draft, state: 'done', outcome: full });
      this.deps.log.info('key imported into AWS KMS', { keyArn: outcome.keyArn, companionArn: outcome.companionArn, reused: outcome.reused, materialProof: outcome.materialProof });
      return full;
    } catch (e) {
      const err = isKeyholderError(e) ? (e as KeyholderError) : new KeyholderError('vault.failed', 'The import into AWS KMS did not complete. Try again; nothing you entered is lost, and the keys already created are found again.');
      if (!isKeyholderError(e)) this.deps.log.error('AWS import failed unexpectedly', { error: e });
      this.write({ draft, state: 'failed', error: err.toShape() });
      throw err;
    } finally {
      this.running = false;
    }
  }

  private done(): Required<Pick<AwsKeyStoreRecord, 'draft' | 'outcome'>> & AwsKeyStoreRecord {
    const r = this.record();
    if (r?.state !== 'done' || !r.outcome) throw new KeyholderError('aws.not_imported', 'Import the escrowed key into AWS KMS first (a supervised activation).');
    return r as Required<Pick<AwsKeyStoreRecord, 'draft' | 'outcome'>> & AwsKeyStoreRecord;
  }

  /**
   * Key rotation (seed 002: "undertake your key rotation in AWS"): the new
   * escrowed key, opened by a supervised activation, goes into a new KMS key
   * (and companion) in the same account and Region, is self-tested there, and
   * gets the same key policy the holder approved for the previous key; only
   * then does it become this workstation's key store. The previous key is not
   * touched (it stays enabled: the vendor needs it to re-encrypt its data
   * key). A failure leaves the previous key as the key store.
   */
  async importRotation(opened: OpenedCopy, validTo: string | null | undefined): Promise<{ outcome: NonNullable<AwsKeyStoreRecord['outcome']>; previousKeyArn: string; policy: string[] }> {
    const r = this.done();
    if (!r.policy) throw new KeyholderError('aws.policy_not_applied', 'The current key’s policy was never applied; finish the ceremony before a rotation.');
    if (opened.keyId === r.outcome.keyId) throw new KeyholderError('lifecycle.wrong_key_imported', 'This is the key already in KMS, not the rotation’s new key. Nothing was imported.');
    // Checked again here: the date chosen when the activation started may have passed while it ran.
    const expiry = this.rotationExpiry(validTo);
    const p = this.deps.provider(r.draft.region);
    const outcome = await opened.withPrivateKey((secretKey) =>
      p.importKey({ secretKey, keyId: opened.keyId, fingerprint: opened.fingerprint, expiration: expiry ? { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(expiry) } : { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } }),
    );
    if (outcome.keyArn === r.outcome.keyArn) throw new KeyholderError('lifecycle.wrong_key_imported', 'KMS returned the previous key for the rotation. Nothing was recorded.');
    const proposals = { primary: await p.proposePolicy(outcome.keyArn, r.draft.vendorRoleArn), companion: await p.proposePolicy(outcome.companionArn, r.draft.vendorRoleArn, 'companion-hmac') };
    await p.applyPolicy(proposals.primary);
    await p.applyPolicy(proposals.companion);
    const lines = [...proposals.primary.lines, ...proposals.companion.lines];
    const full = { ...outcome, fingerprint: opened.fingerprint, keyId: opened.keyId };
    // The new key's expiry is the one the holder chose for it: the expiry card and dashboard follow it from now on.
    const { validTo: _previousValidTo, ...rest } = r.draft;
    const draft: AwsImportDraft = expiry ? { ...rest, validTo: expiry } : rest;
    this.write({ draft, state: 'done', outcome: full, policy: { appliedAt: this.deps.clock.now().toISOString(), lines }, previousKeyArns: [...(r.previousKeyArns ?? []), r.outcome.keyArn] });
    this.deps.log.info('rotation key imported into AWS KMS', { keyArn: outcome.keyArn, previousKeyArn: r.outcome.keyArn });
    return { outcome: full, previousKeyArn: r.outcome.keyArn, policy: lines };
  }

  /**
   * The expiry of a rotation's new key material, chosen when its import is
   * started (and checked again when it runs), never the previous import's
   * ValidTo, which months later may have passed (KMS would refuse it). The
   * same model as before by default: material that does not expire stays so;
   * expiring material needs a date the holder gives (at most 365 days ahead),
   * or their explicit "does not expire" (null).
   */
  rotationExpiry(requested: string | null | undefined): string | null {
    const r = this.done();
    if (!r.draft.validTo) {
      if (requested) throw new KeyholderError('aws.bad_valid_to', 'Your key material does not expire, so the rotation’s new key is imported the same way: leave its expiry empty.');
      return null;
    }
    if (requested === undefined) {
      throw new KeyholderError('aws.valid_to_needed', `Your current key material expires (${r.draft.validTo}). Choose the date the new key’s material expires (at most ${MAX_VALID_TO_DAYS} days ahead), or "does not expire". Nothing was started.`);
    }
    if (requested === null) return null;
    return checkNewValidTo(requested, this.deps.clock.now().getTime());
  }

  /**
   * Prepares the re-import that gives the imported material a new expiry
   * (extends ValidTo, or makes it not expire): checks the date, keeps it, and
   * returns what the supervised activation states as its purpose. The key is
   * opened only inside that activation (keeper, knower, supervisor).
   */
  prepareExtension(req: { validTo: string | null }): { target: string; holder: 1 | 2 } {
    const r = this.done();
    if (!r.draft.validTo) throw new KeyholderError('aws.material_does_not_expire', `The key material in ${r.outcome.keyArn} does not expire: there is nothing to extend.`);
    if (req.validTo !== null) {
      const t = Date.parse(checkNewValidTo(req.validTo, this.deps.clock.now().getTime()));
      if (r.draft.validTo && t <= Date.parse(r.draft.validTo)) throw new KeyholderError('aws.bad_valid_to', 'The new expiry date is not later than the current one: choose a later date, or "does not expire".');
    }
    const validTo = req.validTo === null ? null : new Date(req.validTo).toISOString();
    this.write({ ...r, extension: { validTo, requestedAt: this.deps.clock.now().toISOString() } });
    return { target: this.extensionTarget()!, holder: r.draft.holder };
  }

  /** The activation's stated purpose for the prepared re-import, or null when none is prepared. */
  extensionTarget(): string | null {
    const r = this.record();
    if (r?.state !== 'done' || !r.outcome || !r.extension) return null;
    const until = r.extension.validTo ? `valid to ${r.extension.validTo}` : 'not expiring';
    return `Key holder ${r.draft.holder}: re-import the key material of ${r.outcome.keyArn} in AWS KMS, ${until}`.slice(0, 300);
  }

  /**
   * The re-import inside its supervised activation: the opened key must be
   * the one this key store holds (same key ID and fingerprint), the target the
   * one attested. Afterwards the expiry KMS reports (DescribeKey) must be the
   * one asked, for the key and its companion; only then is it recorded, and
   * the expiry dashboard follows the record.
   */
  async extendOpened(opened: OpenedCopy, target: string): Promise<{ keyArn: string; validTo: string | null; previousValidTo: string | null; selfTest: AwsImportOutcome['selfTest'] }> {
    const r = this.done();
    if (!r.extension || this.extensionTarget() !== target) {
      throw new KeyholderError('aws.extension_changed', 'The new expiry was changed after this activation started, so the supervisor did not attest to it. Start the re-import again.');
    }
    if (opened.keyId !== r.outcome.keyId || opened.fingerprint !== r.outcome.fingerprint) {
      throw new KeyholderError('aws.wrong_key', `That key-holder copy’s newest key is not the key in ${r.outcome.keyArn} (key ${r.outcome.keyId}). Present the copy holding that key. Nothing was imported.`);
    }
    const asked = r.extension.validTo;
    const p = this.deps.provider(r.outcome.region);
    const out = await opened.withPrivateKey((secretKey) =>
      p.reimportMaterial({
        secretKey,
        keyId: opened.keyId,
        fingerprint: opened.fingerprint,
        keyArn: r.outcome.keyArn,
        companionArn: r.outcome.companionArn,
        expiration: asked ? { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(asked) } : { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
      }),
    );
    const same = (a: string | null) => (a === null || asked === null ? a === asked : Math.abs(Date.parse(a) - Date.parse(asked)) < 1000);
    if (!same(out.validTo) || !same(out.companionValidTo)) {
      throw new KeyholderError('aws.expiry_not_set', `AWS KMS reports the key material expiring ${out.validTo ?? 'never'} (companion ${out.companionValidTo ?? 'never'}), not ${asked ?? 'never'} as asked. Nothing was recorded; check the key in the AWS console and try again.`);
    }
    const previousValidTo = r.draft.validTo ?? null;
    const { extension: _done, ...rest } = r;
    const draft = { ...r.draft };
    if (asked) draft.validTo = asked;
    else delete draft.validTo;
    this.write({ ...rest, draft, outcome: { ...r.outcome, validTo: out.validTo }, extended: { at: this.deps.clock.now().toISOString(), validTo: out.validTo, previousValidTo } });
    this.deps.log.info('AWS key material re-imported with a new expiry', { keyArn: r.outcome.keyArn, validTo: out.validTo, previousValidTo });
    return { keyArn: r.outcome.keyArn, validTo: out.validTo, previousValidTo, selfTest: out.selfTest };
  }

  /**
   * What the Key store lifecycle screen shows of an AWS key store beyond its
   * health: where it lives, the vendor's cache time (the lag before any change
   * bites), the material's expiry, and the previous KMS keys a key rotation
   * kept, each with its state as KMS reports it now (they stay enabled until
   * retired, and are never deleted).
   */
  async lifecycleFacts(): Promise<AwsLifecycleFacts | null> {
    const r = this.record();
    if (r?.state !== 'done' || !r.outcome) return null;
    const p = this.deps.provider(r.outcome.region);
    const previousKeys: AwsLifecycleFacts['previousKeys'] = [];
    for (const keyArn of r.previousKeyArns ?? []) {
      const h = await p.health(keyArn);
      const state: AwsLifecycleFacts['previousKeys'][number]['state'] =
        h.state === 'available' ? 'Enabled' : h.state === 'unavailable' ? 'Unknown' : ({ disabled: 'Disabled', 'pending-deletion': 'Pending deletion', 'material-expired': 'Material expired', 'not-found': 'Not found' } as const)[h.reason];
      previousKeys.push({ keyArn, state, ...(h.state === 'unavailable' ? { detail: h.message } : {}) });
    }
    return {
      keyArn: r.outcome.keyArn,
      companionKeyArn: r.outcome.companionArn,
      accountId: r.outcome.accountId,
      region: r.outcome.region,
      cacheMinutes: r.draft.cacheMinutes,
      validTo: r.draft.validTo ?? null,
      extended: r.extended ?? null,
      previousKeys,
    };
  }

  /** The key policies Key Holder would write, diffed against the current ones: shown to the holder before anything changes. */
  async proposePolicies(): Promise<{ primary: PolicyProposal; companion: PolicyProposal }> {
    const r = this.done();
    const p = this.deps.provider(r.outcome.region);
    return { primary: await p.proposePolicy(r.outcome.keyArn, r.draft.vendorRoleArn), companion: await p.proposePolicy(r.outcome.companionArn, r.draft.vendorRoleArn, 'companion-hmac') };
  }

  /** Applies proposals the holder saw (refused if a policy changed since, or a grant would widen without confirmation). */
  async applyPolicies(proposals: { primary: PolicyProposal; companion: PolicyProposal }, confirm: { widening?: boolean } = {}): Promise<void> {
    const r = this.done();
    if (proposals.primary.keyArn !== r.outcome.keyArn || proposals.companion.keyArn !== r.outcome.companionArn) {
      throw new KeyholderError('aws.policy_changed', 'These policies are for other keys than the ones imported here. Review the proposal again.');
    }
    const p = this.deps.provider(r.outcome.region);
    await p.applyPolicy(proposals.primary, confirm);
    await p.applyPolicy(proposals.companion, confirm);
    this.write({ ...r, policy: { appliedAt: this.deps.clock.now().toISOString(), lines: [...proposals.primary.lines, ...proposals.companion.lines] } });
  }

  /** What the control plane receives for this key store (sealed): the keys, the vendor's role and the cache time. */
  keyStoreValues(): AwsKeyStoreValues {
    const r = this.done();
    if (!r.policy) throw new KeyholderError('aws.policy_not_applied', 'Apply the key policy first: until then the vendor’s role cannot use the key, and the control plane would refuse it.');
    return { provider: 'aws-kms', keyArn: r.outcome.keyArn, companionKeyArn: r.outcome.companionArn, vendorRoleArn: r.draft.vendorRoleArn, cacheMinutes: r.draft.cacheMinutes };
  }
}

/** How this workstation reaches AWS KMS: the holder's credentials (profile, Identity Center, or the rehearsal's access key) and an optional endpoint. */
export interface AwsKmsAccess {
  credentials: AwsKmsOptions['credentials'];
  /** Any KMS-compatible endpoint (as AWS_ENDPOINT_URL_KMS does for the AWS CLI); the rehearsal's double. */
  endpoint?: string;
  /** Rehearsal only: an agent trusting the rehearsal CA and resolving *.localhost. */
  agent?: AwsKmsOptions['agent'];
}

/** The AWS key store as the composition root builds it: one provider per Region, built on first use; refused with what to set when AWS is not configured. */
export function createAwsKeyStoreService(deps: { dataDir: string; clock: Clock; log: Logger; aws?: AwsKmsAccess | (() => AwsKmsAccess | undefined) }): AwsKeyStoreService {
  const providers = new Map<string, AwsKmsProvider>();
  return new AwsKeyStoreService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    log: deps.log,
    provider: (region) => {
      const access = typeof deps.aws === 'function' ? deps.aws() : deps.aws;
      if (!access) throw new KeyholderError('aws.not_configured', 'AWS is not set up on this workstation: sign in to AWS (a named profile or IAM Identity Center) in Settings first.');
      let p = providers.get(region);
      if (!p) {
        p = new AwsKmsProvider({ region, credentials: access.credentials, ...(access.endpoint ? { endpoint: access.endpoint } : {}), ...(access.agent ? { agent: access.agent } : {}) });
        providers.set(region, p);
      }
      return p;
    },
  });
}
