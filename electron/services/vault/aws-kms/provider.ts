/**
 * The AWS KMS key store: a holder's escrowed 256-bit key imported (BYOK) into
 * a KMS key with key material origin External, beside a companion HMAC key
 * whose material is derived from the same escrowed key (the proof of sameness
 * across two holders' accounts, docs/aws-kms.md), a self-test, the key policy
 * Key Holder writes (shown and diffed first), and the lifecycle (disable /
 * enable, deletion scheduled with the longest window and cancelled).
 *
 * Resumable without a local journal: the keys carry tags naming the ceremony
 * key (keyholder-key-id) and their role, so after a crash at any step the
 * next run finds the key it created instead of creating another, and a key
 * that already holds material is not given other material (KMS accepts only
 * the same material again, which is also the proof that it is ours). Import
 * parameters are fetched right before they are used; if they expired anyway
 * (24 hours), fresh ones are fetched once and the outcome says so.
 */
import crypto, { type KeyObject } from 'node:crypto';
import type https from 'node:https';
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  VerifyMacCommand,
  type KMSClientConfig,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KeyholderError } from '../../../../shared/errors/index';
import { COMPANION_VENDOR_ACTIONS, VENDOR_ACTIONS, describePlan, holderKeyPolicy, parseKeyPolicy, planKeyPolicy, type PolicyPlan } from '../../../../shared/aws/key-policy';
import { parseKeyArn } from '../../../../shared/worksheet/aws';
import { symmetricFingerprint } from '../../keys/symmetric-key';
import { companionMaterial } from './companion';
import { kmsError, type KmsOperation } from './errors';

const TAG_KEY_ID = 'keyholder-key-id';
const TAG_FINGERPRINT = 'keyholder-fingerprint';
const TAG_ROLE = 'keyholder-role';
export type KeyRole = 'primary' | 'companion-hmac';

/** The longest window AWS allows: a pulled key can be restored for 30 days. */
export const DELETION_WINDOW_DAYS = 30;

export interface AwsKmsOptions {
  region: string;
  /** Static credentials (kept in memory only) or a provider (profile, IAM Identity Center). */
  credentials: KMSClientConfig['credentials'];
  /** Any KMS-compatible endpoint (as AWS_ENDPOINT_URL_KMS does for the AWS CLI); the rehearsal's double. */
  endpoint?: string;
  /** Rehearsal only: an agent trusting the rehearsal CA and resolving *.localhost. */
  agent?: https.Agent;
  maxAttempts?: number;
}

export type Expiration = { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } | { model: 'KEY_MATERIAL_EXPIRES'; validTo: Date };

export interface AwsImportSpec {
  /** The holder's opened copy (a 256-bit secret KeyObject); the provider never keeps it. */
  secretKey: KeyObject;
  /** The escrowed key's ID (GUID) and fingerprint, put on the KMS keys as tags. */
  keyId: string;
  fingerprint: string;
  /** A pending key (Origin External, no material yet) the holder created and names; otherwise Key Holder creates one. */
  keyArn?: string;
  expiration: Expiration;
  wrappingAlgorithm?: 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_256';
  description?: string;
}

export type ImportStep = 'created' | 'parameters' | 'imported';

export interface AwsImportHooks {
  /** After each durable step at AWS (tests simulate a crash or a 24-hour pause here). */
  onStep?(step: ImportStep, role: KeyRole, keyArn: string): void | Promise<void>;
}

export interface AwsSelfTest {
  /** Encrypt then Decrypt in KMS gave back the challenge (bound to an encryption context). */
  encryptDecrypt: boolean;
  /** GenerateDataKey's ciphertext decrypted in KMS to its plaintext: what the vendor does. */
  dataKey: boolean;
  /** GenerateMac in KMS equals HMAC-SHA-256 computed here from the escrowed key (KMS -> here). */
  macMatchesLocal: boolean;
  /** VerifyMac in KMS accepts a MAC computed here (here -> KMS). */
  localMacVerified: boolean;
}

export interface AwsImportOutcome {
  keyArn: string;
  companionArn: string;
  region: string;
  accountId: string;
  /** True when an earlier run's key (found by its tags) or the holder's named key was used. */
  reused: boolean;
  /** How KMS showed it holds the escrowed material: accepted now, or accepted again as identical. */
  materialProof: 'imported' | 'reimport-accepted';
  /** The 24-hour import parameters had expired and were fetched again. */
  parametersRefreshed: boolean;
  validTo: string | null;
  selfTest: AwsSelfTest;
}

export type AwsKeyHealth =
  | { state: 'available'; keyArn: string; validTo?: string }
  | { state: 'revoked'; keyArn: string; reason: 'disabled' | 'pending-deletion' | 'material-expired' | 'not-found'; deletionDate?: string }
  | { state: 'unavailable'; keyArn: string; code: string; message: string };

export interface PolicyProposal {
  keyArn: string;
  currentPolicy: string;
  /** SHA-256 of the current policy text: applying refuses if the key's policy changed since it was shown. */
  currentSha256: string;
  proposedPolicy: string;
  plan: PolicyPlan;
  lines: string[];
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

export class AwsKmsProvider {
  readonly kind = 'aws-kms' as const;
  private readonly client: KMSClient;

  constructor(private readonly o: AwsKmsOptions) {
    this.client = new KMSClient({
      region: o.region,
      credentials: o.credentials,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.agent ? { requestHandler: new NodeHttpHandler({ httpsAgent: o.agent }) } : {}),
      maxAttempts: o.maxAttempts ?? 3,
    });
  }

  destroy(): void {
    this.client.destroy();
  }

  private async step<T>(op: KmsOperation, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw kmsError(e, { op, ...(key ? { key } : {}), region: this.o.region });
    }
  }

  private describe(keyArn: string): Promise<KeyMetadata> {
    return this.step('describe', keyArn, async () => (await this.client.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata!);
  }

  /** Keys in this account and Region that Key Holder tagged for this escrowed key and role (not pending deletion first). */
  async findTagged(keyId: string, role: KeyRole): Promise<KeyMetadata[]> {
    const found: KeyMetadata[] = [];
    let marker: string | undefined;
    do {
      const page = await this.step('find', undefined, () => this.client.send(new ListKeysCommand({ Limit: 100, ...(marker ? { Marker: marker } : {}) })));
      for (const k of page.Keys ?? []) {
        const tags = await this.step('find', k.KeyArn, () => this.client.send(new ListResourceTagsCommand({ KeyId: k.KeyArn })));
        const t = new Map((tags.Tags ?? []).map((x) => [x.TagKey, x.TagValue]));
        if (t.get(TAG_KEY_ID) === keyId && t.get(TAG_ROLE) === role) found.push(await this.describe(k.KeyArn!));
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return found.sort((a, b) => Number(a.KeyState === 'PendingDeletion') - Number(b.KeyState === 'PendingDeletion'));
  }

  private async keyFor(spec: AwsImportSpec, role: KeyRole, hooks: AwsImportHooks): Promise<{ meta: KeyMetadata; reused: boolean }> {
    if (role === 'primary' && spec.keyArn) {
      const arn = parseKeyArn(spec.keyArn);
      if (arn.region !== this.o.region) throw new KeyholderError('aws.wrong_region', `The key is in ${arn.region} but you are signed in to ${this.o.region}. Choose the key's Region.`);
      const meta = await this.describe(arn.arn);
      checkImportable(meta, 'SYMMETRIC_DEFAULT');
      return { meta, reused: true };
    }
    const existing = (await this.findTagged(spec.keyId, role))[0];
    if (existing) {
      if (existing.KeyState === 'PendingDeletion') {
        throw new KeyholderError(
          'aws.key_pending_deletion',
          `The key Key Holder created earlier for this ceremony (${existing.Arn}) is scheduled for deletion. Restore it (cancel the deletion) and enable it, or ask the supervisor before starting over with a new key.`,
        );
      }
      checkImportable(existing, role === 'primary' ? 'SYMMETRIC_DEFAULT' : 'HMAC_256');
      return { meta: existing, reused: true };
    }
    const created = await this.step('create', undefined, () =>
      this.client.send(
        new CreateKeyCommand({
          Origin: 'EXTERNAL',
          KeySpec: role === 'primary' ? 'SYMMETRIC_DEFAULT' : 'HMAC_256',
          KeyUsage: role === 'primary' ? 'ENCRYPT_DECRYPT' : 'GENERATE_VERIFY_MAC',
          Description: role === 'primary' ? (spec.description ?? `Key Holder ceremony key ${spec.keyId}`) : `Key Holder companion HMAC key for ${spec.keyId} (proof of sameness)`,
          Tags: [
            { TagKey: TAG_KEY_ID, TagValue: spec.keyId },
            { TagKey: TAG_FINGERPRINT, TagValue: spec.fingerprint },
            { TagKey: TAG_ROLE, TagValue: role },
          ],
        }),
      ),
    );
    const meta = created.KeyMetadata!;
    await hooks.onStep?.('created', role, meta.Arn!);
    return { meta, reused: false };
  }

  /** Wraps and imports the material, or proves a key that has material already holds exactly this one. */
  private async importMaterial(meta: KeyMetadata, material: Buffer, spec: AwsImportSpec, role: KeyRole, hooks: AwsImportHooks, newExpiry?: Expiration): Promise<{ proof: AwsImportOutcome['materialProof']; refreshed: boolean }> {
    const arn = meta.Arn!;
    const hasMaterial = meta.KeyState !== 'PendingImport';
    // A key with material keeps its own expiry on the proof re-import (the proof must change nothing), unless the holder extends it.
    const expiration: Expiration =
      newExpiry ??
      (hasMaterial
        ? meta.ExpirationModel === 'KEY_MATERIAL_EXPIRES' && meta.ValidTo
          ? { model: 'KEY_MATERIAL_EXPIRES', validTo: meta.ValidTo }
          : { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }
        : spec.expiration);
    const algorithm = spec.wrappingAlgorithm ?? 'RSAES_OAEP_SHA_256';
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const params = await this.step('parameters', arn, () => this.client.send(new GetParametersForImportCommand({ KeyId: arn, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_4096' })));
      await hooks.onStep?.('parameters', role, arn);
      const wrapped = wrapMaterial(params.PublicKey!, algorithm, material);
      try {
        await this.client.send(
          new ImportKeyMaterialCommand({
            KeyId: arn,
            ImportToken: params.ImportToken,
            EncryptedKeyMaterial: wrapped,
            ExpirationModel: expiration.model,
            ...(expiration.model === 'KEY_MATERIAL_EXPIRES' ? { ValidTo: expiration.validTo } : {}),
          }),
        );
        break;
      } catch (e) {
        if ((e as { name?: string }).name === 'ExpiredImportTokenException' && attempt === 0) {
          refreshed = true;
          continue;
        }
        throw kmsError(e, { op: 'import', key: arn, region: this.o.region });
      } finally {
        wrapped.fill(0);
      }
    }
    await hooks.onStep?.('imported', role, arn);
    return { proof: hasMaterial ? 'reimport-accepted' : 'imported', refreshed };
  }

  async importKey(spec: AwsImportSpec, hooks: AwsImportHooks = {}): Promise<AwsImportOutcome> {
    if (spec.secretKey.type !== 'secret') throw new KeyholderError('aws.wrong_key_type', 'AWS KMS imports the 256-bit symmetric key from an AES escrow entry, not the RSA source key. Open the key-holder copy made for AWS.');
    if (spec.expiration.model === 'KEY_MATERIAL_EXPIRES' && !(spec.expiration.validTo instanceof Date && !Number.isNaN(spec.expiration.validTo.getTime()))) {
      throw new KeyholderError('aws.bad_valid_to', 'Give the date the imported key material expires, or choose "does not expire".');
    }
    const raw = spec.secretKey.export();
    const companion = companionMaterial(raw);
    try {
      if (symmetricFingerprint(raw) !== spec.fingerprint) throw new KeyholderError('aws.wrong_copy', 'The opened copy does not match the fingerprint of the key being imported. Stop and contact the supervisor.');
      const primary = await this.keyFor(spec, 'primary', hooks);
      const first = await this.importMaterial(primary.meta, raw, spec, 'primary', hooks);
      const hmac = await this.keyFor(spec, 'companion-hmac', hooks);
      const second = await this.importMaterial(hmac.meta, companion, spec, 'companion-hmac', hooks);
      const selfTest = await this.selfTest(primary.meta.Arn!, hmac.meta.Arn!, companion);
      const after = await this.describe(primary.meta.Arn!);
      const arn = parseKeyArn(after.Arn!);
      return {
        keyArn: after.Arn!,
        companionArn: hmac.meta.Arn!,
        region: arn.region,
        accountId: arn.accountId,
        reused: primary.reused,
        materialProof: first.proof,
        parametersRefreshed: first.refreshed || second.refreshed,
        validTo: after.ValidTo ? after.ValidTo.toISOString() : null,
        selfTest,
      };
    } finally {
      raw.fill(0);
      companion.fill(0);
    }
  }

  /**
   * A new expiry for material already imported (seed 002's ValidTo): the same
   * escrowed key imported again into the same key and its companion with the
   * new expiration model (KMS accepts only identical material again, so this
   * also proves the key still holds the escrowed key), the self-test, and
   * DescribeKey read back: the outcome's validTo is what KMS reports, not
   * what was asked.
   */
  async reimportMaterial(spec: { secretKey: KeyObject; keyId: string; fingerprint: string; keyArn: string; companionArn: string; expiration: Expiration }): Promise<{ validTo: string | null; companionValidTo: string | null; selfTest: AwsSelfTest }> {
    if (spec.secretKey.type !== 'secret') throw new KeyholderError('aws.wrong_key_type', 'AWS KMS imports the 256-bit symmetric key from an AES escrow entry, not the RSA source key. Open the key-holder copy made for AWS.');
    const raw = spec.secretKey.export();
    const companion = companionMaterial(raw);
    try {
      if (symmetricFingerprint(raw) !== spec.fingerprint) throw new KeyholderError('aws.wrong_copy', 'The opened copy does not match the fingerprint of the key being imported. Stop and contact the supervisor.');
      const importSpec: AwsImportSpec = { secretKey: spec.secretKey, keyId: spec.keyId, fingerprint: spec.fingerprint, keyArn: spec.keyArn, expiration: spec.expiration };
      for (const [arn, material, role] of [
        [spec.keyArn, raw, 'primary'],
        [spec.companionArn, companion, 'companion-hmac'],
      ] as const) {
        const meta = await this.describe(arn);
        checkImportable(meta, role === 'primary' ? 'SYMMETRIC_DEFAULT' : 'HMAC_256');
        await this.importMaterial(meta, material, importSpec, role, {}, spec.expiration);
      }
      const selfTest = await this.selfTest(spec.keyArn, spec.companionArn, companion);
      const [k, c] = [await this.describe(spec.keyArn), await this.describe(spec.companionArn)];
      return { validTo: k.ValidTo ? k.ValidTo.toISOString() : null, companionValidTo: c.ValidTo ? c.ValidTo.toISOString() : null, selfTest };
    } finally {
      raw.fill(0);
      companion.fill(0);
    }
  }

  /** The self-test: both directions through KMS for the key, and a locally computed check for the companion. */
  async selfTest(keyArn: string, companionArn: string, companion: Buffer): Promise<AwsSelfTest> {
    return this.step('self-test', keyArn, async () => {
      const challenge = crypto.randomBytes(32);
      const context = { 'keyholder-purpose': 'self-test', 'keyholder-challenge': challenge.subarray(0, 8).toString('hex') };
      const enc = await this.client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: challenge, EncryptionContext: context }));
      const dec = await this.client.send(new DecryptCommand({ KeyId: keyArn, CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
      const encryptDecrypt = Buffer.from(dec.Plaintext!).equals(challenge);
      const dk = await this.client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context }));
      const dkBack = await this.client.send(new DecryptCommand({ KeyId: keyArn, CiphertextBlob: dk.CiphertextBlob, EncryptionContext: context }));
      const dataKey = Buffer.from(dkBack.Plaintext!).equals(Buffer.from(dk.Plaintext!));
      Buffer.from(dk.Plaintext!).fill(0);
      const message = crypto.randomBytes(64);
      const mac = await this.client.send(new GenerateMacCommand({ KeyId: companionArn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
      const local = crypto.createHmac('sha256', companion).update(message).digest();
      const macMatchesLocal = Buffer.from(mac.Mac!).equals(local);
      const other = crypto.randomBytes(64);
      let localMacVerified = false;
      try {
        const v = await this.client.send(new VerifyMacCommand({ KeyId: companionArn, Message: other, MacAlgorithm: 'HMAC_SHA_256', Mac: crypto.createHmac('sha256', companion).update(other).digest() }));
        localMacVerified = v.MacValid === true;
      } catch (e) {
        if ((e as { name?: string }).name !== 'KMSInvalidMacException') throw e;
      }
      const result = { encryptDecrypt, dataKey, macMatchesLocal, localMacVerified };
      if (!Object.values(result).every(Boolean)) {
        throw new KeyholderError(
          'aws.self_test_failed',
          `The self-test failed (${Object.entries(result)
            .filter(([, ok]) => !ok)
            .map(([k]) => k)
            .join(', ')}): KMS does not hold the escrowed key as expected. Do not give this key to the vendor; contact the supervisor.`,
        );
      }
      return result;
    });
  }

  /* ---------- key policy: shown, diffed, then applied ---------- */

  async proposePolicy(keyArn: string, vendorRoleArn: string, role: KeyRole = 'primary'): Promise<PolicyProposal> {
    const arn = parseKeyArn(keyArn);
    const current = await this.step('policy-read', keyArn, async () => (await this.client.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy!);
    const proposed = holderKeyPolicy({ accountId: arn.accountId, partition: arn.partition, vendorRoleArn, vendorActions: role === 'primary' ? VENDOR_ACTIONS : COMPANION_VENDOR_ACTIONS });
    const plan = planKeyPolicy(parseKeyPolicy(current), proposed);
    return { keyArn, currentPolicy: current, currentSha256: sha256(current), proposedPolicy: JSON.stringify(proposed, null, 2), plan, lines: describePlan(plan) };
  }

  /**
   * Applies a proposal the holder has seen. Refuses when the key's policy
   * changed since (the diff shown would be stale) and when the plan widens an
   * existing principal's grant unless the holder confirmed exactly that.
   */
  async applyPolicy(proposal: PolicyProposal, confirm: { widening?: boolean } = {}): Promise<void> {
    const now = await this.step('policy-read', proposal.keyArn, async () => (await this.client.send(new GetKeyPolicyCommand({ KeyId: proposal.keyArn, PolicyName: 'default' }))).Policy!);
    if (sha256(now) !== proposal.currentSha256) {
      throw new KeyholderError('aws.policy_changed', 'The key policy changed in AWS since Key Holder showed you the difference. Review the new difference before applying.');
    }
    const plan = planKeyPolicy(parseKeyPolicy(now), parseKeyPolicy(proposal.proposedPolicy));
    if (plan.widened.length && !confirm.widening) {
      throw new KeyholderError('aws.policy_widens', `This policy would widen what ${plan.widened.join(', ')} may already do. Key Holder never widens a grant silently: confirm the widening explicitly, or adjust the policy in AWS first.`);
    }
    if (plan.unchanged) return;
    await this.step('policy-write', proposal.keyArn, () => this.client.send(new PutKeyPolicyCommand({ KeyId: proposal.keyArn, PolicyName: 'default', Policy: proposal.proposedPolicy })));
  }

  /* ---------- lifecycle ---------- */

  async health(keyArn: string): Promise<AwsKeyHealth> {
    try {
      const m = (await this.client.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata!;
      switch (m.KeyState) {
        case 'Enabled':
          return { state: 'available', keyArn, ...(m.ValidTo ? { validTo: m.ValidTo.toISOString() } : {}) };
        case 'Disabled':
          return { state: 'revoked', keyArn, reason: 'disabled' };
        case 'PendingDeletion':
          return { state: 'revoked', keyArn, reason: 'pending-deletion', ...(m.DeletionDate ? { deletionDate: m.DeletionDate.toISOString() } : {}) };
        case 'PendingImport':
          return { state: 'revoked', keyArn, reason: 'material-expired' };
        default:
          return { state: 'unavailable', keyArn, code: 'aws.key_state', message: `The key is ${m.KeyState}.` };
      }
    } catch (e) {
      if ((e as { name?: string }).name === 'NotFoundException') return { state: 'revoked', keyArn, reason: 'not-found' };
      const k = kmsError(e, { op: 'describe', key: keyArn, region: this.o.region });
      return { state: 'unavailable', keyArn, code: k.code, message: k.message };
    }
  }

  /** Revoke (disable) or unrevoke (enable); the quorum guard rails are the lifecycle service's. */
  async setEnabled(keyArn: string, enabled: boolean): Promise<AwsKeyHealth> {
    await this.step(enabled ? 'enable' : 'disable', keyArn, () => this.client.send(enabled ? new EnableKeyCommand({ KeyId: keyArn }) : new DisableKeyCommand({ KeyId: keyArn })));
    return this.health(keyArn);
  }

  /** Pull: schedule deletion with the longest window AWS allows, never shorter. */
  async scheduleDeletion(keyArn: string): Promise<{ deletionDate: string }> {
    const r = await this.step('schedule-deletion', keyArn, () => this.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: DELETION_WINDOW_DAYS })));
    return { deletionDate: r.DeletionDate!.toISOString() };
  }

  /** Restore: cancel the deletion; AWS brings the key back disabled, so enabling stays a separate, guarded step. */
  async cancelDeletion(keyArn: string): Promise<AwsKeyHealth> {
    await this.step('cancel-deletion', keyArn, () => this.client.send(new CancelKeyDeletionCommand({ KeyId: keyArn })));
    return this.health(keyArn);
  }
}

function checkImportable(meta: KeyMetadata, spec: 'SYMMETRIC_DEFAULT' | 'HMAC_256'): void {
  if (meta.Origin !== 'EXTERNAL') {
    throw new KeyholderError('aws.not_external', `The key ${meta.Arn} was created with key material from KMS. Imported material needs a key created with key material origin "External" (console: Advanced options > Key material origin > External).`);
  }
  if (meta.KeySpec !== spec) throw new KeyholderError('aws.wrong_key_spec', `The key ${meta.Arn} is a ${meta.KeySpec ?? 'different'} key; this step needs a ${spec === 'SYMMETRIC_DEFAULT' ? 'symmetric encryption' : 'HMAC_256'} key.`);
  if (meta.MultiRegion) throw new KeyholderError('aws.wrong_key_spec', `The key ${meta.Arn} is a multi-Region key; use a single-Region key.`);
}

/**
 * Wraps key material for ImportKeyMaterial as AWS documents it: RSAES-OAEP
 * (SHA-256, MGF1 SHA-256) under the wrapping public key, or, for
 * RSA_AES_KEY_WRAP_SHA_256, OAEP over a fresh AES-256 key followed by that
 * key's AES key wrap with padding (RFC 5649) of the material.
 */
function wrapMaterial(publicKeyDer: Uint8Array, algorithm: 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_256', material: Buffer): Buffer {
  const key = crypto.createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new KeyholderError('aws.weak_wrapping_key', 'AWS returned a wrapping key shorter than 2048 bits; Key Holder will not wrap the key under it.');
  const oaep = (data: Buffer) => crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);
  if (algorithm === 'RSAES_OAEP_SHA_256') return oaep(material);
  const aes = crypto.randomBytes(32);
  try {
    const kwp = crypto.createCipheriv('id-aes256-wrap-pad', aes, Buffer.from('A65959A6', 'hex'));
    return Buffer.concat([oaep(aes), kwp.update(material), kwp.final()]);
  } finally {
    aes.fill(0);
  }
}
