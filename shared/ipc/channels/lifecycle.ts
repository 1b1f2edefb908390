/**
 * The key's life after the ceremony: health, revoke/unrevoke, pull/restore,
 * the quorum for the last key store, and rotation to a new primary key.
 * Passphrases travel once towards the Node side and are never returned.
 */
import { z } from 'zod';
import { channel, empty } from '../define';
import { activationViewSchema } from './activation';
import { libraryKeySchema, primaryKeySchema, primaryKeyStatusSchema } from '../../control-plane/api';

const holder = z.union([z.literal(1), z.literal(2)]);
const text = (max: number) => z.string().max(max);

const deletedKeySchema = z.object({
  keyName: z.string(),
  deletedOn: z.string().optional(),
  scheduledPurgeDate: z.string().optional(),
  recoveryId: z.string().optional(),
  recoveryLevel: z.string().optional(),
});

const keyStoreHealthViewSchema = z.object({
  holder,
  keyVersionId: z.string(),
  vaultHost: z.string(),
  keyName: z.string(),
  version: z.string(),
  state: z.enum(['Available', 'Unavailable', 'Revoked']),
  detail: z.string(),
  meaning: z.string(),
  whatToDo: z.string(),
  deleted: deletedKeySchema.optional(),
  checkedAt: z.string(),
});

const lagNoticeSchema = z.object({
  action: z.string(),
  holder,
  at: z.string(),
  expected: z.enum(['revoked', 'healthy']),
  cacheSeconds: z.number(),
  catchUpBy: z.string(),
  caughtUpAt: z.string().optional(),
  text: z.string(),
});

const quorumRequestSchema = z.object({
  requestId: z.string(),
  statement: z.record(z.string(), z.json()),
  threshold: z.number(),
  participants: z.array(z.object({ id: z.string(), name: z.string(), signed: z.boolean() })),
  expiresAt: z.string(),
});

export const keyRotationViewSchema = z.object({
  id: z.string(),
  keyStoreKind: z.enum(['azure-key-vault', 'aws-kms']),
  startedAt: z.string(),
  holder,
  step: z.enum(['add-key', 'import', 'submit', 'wait-available', 'wait-no-longer-in-use', 'wait-90-days', 'disable-offered', 'done']),
  oldKey: z.object({ keyVersionId: z.string(), primaryKeyId: z.string().nullable(), fingerprint: z.string().nullable(), libraries: z.array(libraryKeySchema) }),
  newKey: z.object({ keyId: z.string(), fingerprint: z.string(), joined: z.boolean() }).nullable(),
  importedKeyVersionId: z.string().nullable(),
  submittedAt: z.string().nullable(),
  newPrimaryKey: z.object({ primaryKeyId: z.string(), status: z.string() }).nullable(),
  noLongerInUseSince: z.string().nullable(),
  disableAllowedAt: z.string().nullable(),
  countdown: z.object({ daysLeft: z.number(), text: z.string(), reminderThreshold: z.number().nullable() }).nullable(),
  disableConfirmation: z.string().nullable(),
  disabledAt: z.string().nullable(),
  next: z.string(),
});
export type KeyRotationViewShape = z.infer<typeof keyRotationViewSchema>;

/** An AWS KMS key store beyond its health: where, the vendor's cache time, the material's expiry, the previous KMS keys kept. */
const awsKeyStoreFactsSchema = z.object({
  keyArn: z.string(),
  companionKeyArn: z.string(),
  accountId: z.string(),
  region: z.string(),
  cacheMinutes: z.number(),
  validTo: z.string().nullable(),
  extended: z.object({ at: z.string(), validTo: z.string().nullable(), previousValidTo: z.string().nullable() }).nullable(),
  previousKeys: z.array(z.object({ keyArn: z.string(), state: z.enum(['Enabled', 'Disabled', 'Pending deletion', 'Material expired', 'Not found', 'Unknown']), detail: z.string().optional() })),
});

/** Used by the Key store lifecycle screen's AWS parts (KeyRotationPanel, KeyMaterialExpiryCard). */
export type AwsKeyStoreFacts = z.infer<typeof awsKeyStoreFactsSchema>;

export const lifecycleStatusSchema = z.object({
  keyStore: keyStoreHealthViewSchema.nullable(),
  vendor: z.object({ status: primaryKeyStatusSchema, meaning: z.string(), primaryKey: primaryKeySchema, primaryKeys: z.array(primaryKeySchema), receivedAt: z.string().nullable() }).nullable(),
  /** That the vendor answered (or when it last did), with or without a primary key yet; null: no answer at hand. */
  vendorContact: z
    .object({ submitted: z.object({ holder1: z.boolean(), holder2: z.boolean() }), validation: z.enum(['waiting_for_other_holder', 'validated', 'failed']), receivedAt: z.string().nullable() })
    .nullable(),
  lag: lagNoticeSchema.nullable(),
  quorumThreshold: z.number(),
  keyRotation: keyRotationViewSchema.nullable(),
  /** Only when this workstation's key store is an AWS KMS key. */
  aws: awsKeyStoreFactsSchema.nullable(),
});
export type LifecycleStatus = z.infer<typeof lifecycleStatusSchema>;

const confirmed = z.object({ confirmation: text(300), requestId: text(64).optional() }).strict();
const actionResult = z.object({ keyStore: keyStoreHealthViewSchema, lag: lagNoticeSchema });

export const lifecycleChannels = {
  /** Health of this workstation's key store (holder's own sign-in), the vendor's view, the lag notice and the rotation. */
  'lifecycle:status': channel(z.object({ refresh: z.boolean().optional() }).strict(), lifecycleStatusSchema),
  /** The exact words to type for an action, and whether it needs the quorum (the other key store revoked or unknown). */
  'lifecycle:confirmation': channel(
    z.object({ action: z.enum(['revoke', 'unrevoke', 'pull', 'restore']) }).strict(),
    z.object({
      text: z.string(),
      needsQuorum: z.boolean(),
      protection: z.object({ softDelete: z.boolean(), purgeProtection: z.boolean(), retentionDays: z.number().nullable(), resourceId: z.string() }).optional(),
    }),
  ),
  'lifecycle:revoke': channel(confirmed, actionResult),
  'lifecycle:unrevoke': channel(z.object({ confirmation: text(300) }).strict(), actionResult),
  'lifecycle:pull': channel(
    confirmed,
    z.object({
      deleted: deletedKeySchema,
      protection: z.object({ softDelete: z.boolean(), purgeProtection: z.boolean(), retentionDays: z.number().nullable(), resourceId: z.string() }),
      lag: lagNoticeSchema,
    }),
  ),
  'lifecycle:restore': channel(z.object({ confirmation: text(300) }).strict(), z.object({ versions: z.array(z.string()), allVersionsBack: z.boolean(), lag: lagNoticeSchema })),
  /** Starts the quorum request for revoking (or pulling) the last key store, with the typed reason. */
  'lifecycle:request': channel(z.object({ action: z.enum(['revoke', 'pull']), reason: text(1000) }).strict(), quorumRequestSchema),
  /** One enrolled participant signs the request with their participant key. */
  'lifecycle:sign': channel(z.object({ requestId: text(64), participantId: text(64), passphrase: z.string().min(1).max(1024) }).strict(), quorumRequestSchema),
  /** The vault's own backup of the key, saved where the holder chooses (0600): a second copy beside the escrow, not a substitute. */
  'lifecycle:vault-backup': channel(
    empty,
    z.object({
      saved: z.boolean(),
      path: z.string().optional(),
      bytes: z.number().optional(),
      sha256: z.string().optional(),
      keyName: z.string(),
      vaultHost: z.string(),
      at: z.string().optional(),
      note: z.string(),
    }),
  ),
  'lifecycle:key-rotation-start': channel(empty, keyRotationViewSchema),
  /** The re-seal's files made on this workstation that hold the rotation's key type: the custodians' escrow files and the key-holder copies. */
  'lifecycle:key-rotation-reseal-files': channel(empty, z.object({ escrowFiles: z.array(z.string()), holderCopies: z.array(z.string()) })),
  /**
   * The re-seal's native file chooser: the custodians' escrow or a key-holder
   * copy, refused at once (from its header) when it is the other kind, holds
   * the other key store's key or this mode may not use it. null: cancelled.
   */
  'lifecycle:key-rotation-choose-file': channel(z.object({ file: z.enum(['escrow', 'holder-copy']) }).strict(), z.object({ path: z.string().nullable() })),
  /**
   * Starts the supervised `escrow-rewrap` activation that adds the new key to
   * the escrow and the key-holder copies: no passphrase here, every custodian
   * and each copy's knower types theirs inside the activation, under a
   * supervisor. Continue with activation:*.
   */
  'lifecycle:key-rotation-add-key': channel(z.object({ escrowFile: text(4096), holderCopies: z.array(text(4096)).max(2) }).strict(), activationViewSchema),
  /**
   * The other holder's workstation joins the rotation whose re-seal ran
   * elsewhere: the new key is read from this holder's key-holder copy's
   * header (no passphrase, nothing decrypted).
   */
  'lifecycle:key-rotation-join': channel(z.object({ holderCopyPath: text(4096) }).strict(), keyRotationViewSchema),
  /**
   * Starts the supervised activation that imports the rotation's new key
   * (keeper, knower, supervisor, as for the first import): no passphrase here,
   * the knower types it inside the activation. Continue with activation:*.
   */
  'lifecycle:key-rotation-import': channel(
    // validTo (AWS KMS key material that expires): the new key's own expiry, or null: does not expire.
    z.object({ holderCopyPath: text(4096), keyName: text(127).optional(), validTo: z.string().max(40).nullable().optional() }).strict(),
    activationViewSchema,
  ),
  /**
   * Starts the supervised activation that imports the AWS key material again
   * with a new expiry (a later `validTo`, or null: does not expire): no
   * passphrase here, the knower types it inside the activation. KMS's own
   * report of the new expiry is checked before it is recorded.
   */
  'lifecycle:key-material-extend': channel(z.object({ holderCopyPath: text(4096), validTo: z.string().max(40).nullable() }).strict(), activationViewSchema),
  'lifecycle:key-rotation-submit': channel(z.object({ clientSecret: text(256).optional() }).strict(), keyRotationViewSchema),
  'lifecycle:key-rotation-disable-old': channel(z.object({ confirmation: text(300) }).strict(), keyRotationViewSchema),
};
