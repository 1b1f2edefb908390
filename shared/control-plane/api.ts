/**
 * The control plane's wire API: every request and response as a zod schema,
 * shared by the app's client (electron/services/control-plane) and the
 * reference control plane (electron/rehearsal/control-plane). The OpenAPI
 * description in docs/api/control-plane.openapi.yaml documents the same shapes.
 *
 * Words follow the vendor's guide (seed 000): a *key holder* (1 or 2) keeps a
 * *key store* (their vault and key); the two key stores make one *primary key*;
 * the worksheet lines are the Azure Information Worksheet's lines 1-4.
 */
import { z } from 'zod';

const API_VERSION = '2026-11-01';
export const SUPPORTED_API_VERSIONS = [API_VERSION] as const;
/** Path of the discovery document, relative to the control plane's base URL. */
export const DISCOVERY_PATH = '/.well-known/keyholder-control-plane';

export const holderSchema = z.union([z.literal(1), z.literal(2)]);
export type Holder = z.infer<typeof holderSchema>;

/** Identifiers the vendor issues; kept to a safe alphabet so they can sit in paths and logs. */
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'letters, digits, dot, dash or underscore (up to 80)');

/** Line 1: the vault's DNS name, e.g. azurevault1.vault.azure.net (a port is allowed for the rehearsal cloud). */
const vaultDnsNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}(:\d{1,5})?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/, 'a DNS name such as azurevault1.vault.azure.net');

/** The key stores a control plane accepts: Azure Key Vault (seed 000) and AWS KMS with imported material (seed 002). */
const KEY_STORE_PROVIDERS = ['azure-key-vault', 'aws-kms'] as const;
export const keyStoreProviderSchema = z.enum(KEY_STORE_PROVIDERS);
export type KeyStoreProvider = z.infer<typeof keyStoreProviderSchema>;

const AWS_PARTITION = '(aws|aws-us-gov)';
const AWS_REGION = '[a-z]{2}(-[a-z]+)+-\\d';

/**
 * An AWS key store's location, registered as an Azure vault's DNS name is: the
 * KMS ARN prefix of the holder's account in one Region, arn:aws:kms:{region}:{account}.
 * China Regions (aws-cn) are not served (seed 002).
 */
const awsKeyLocationSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^arn:${AWS_PARTITION}:kms:${AWS_REGION}:\\d{12}$`), 'arn:aws:kms:{region}:{12-digit account}');

/** What the vendor registers: a vault's DNS name, or an AWS account and Region (awsKeyLocationSchema). */
const keyStoreNameSchema = z.union([awsKeyLocationSchema, vaultDnsNameSchema]);

export const isAwsKeyLocation = (name: string): boolean => awsKeyLocationSchema.safeParse(name).success;

/** A KMS key ARN (never an alias: an alias can be moved to another key). */
const awsKeyArnSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^arn:${AWS_PARTITION}:kms:${AWS_REGION}:\\d{12}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`), 'arn:aws:kms:{region}:{account}:key/{key ID}');

/** The vendor's IAM role, as the vendor's engagement manager gives it. */
const awsRoleArnSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^arn:${AWS_PARTITION}:iam::\\d{12}:role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`), 'arn:aws:iam::{account}:role/{name}');

/** The location (arn:aws:kms:{region}:{account}) a key ARN lies in. */
export function awsLocationOfKeyArn(keyArn: string): string {
  return keyArn.trim().split(':').slice(0, 5).join(':');
}

/** Line 2: the key version's identifier, https://{vault}/keys/{name}/{version}. */
const keyIdentifierSchema = z
  .string()
  .trim()
  .regex(/^https:\/\/[^/\s]+\/keys\/[A-Za-z0-9-]{1,127}\/[0-9A-Za-z]{32}$/, 'https://{vault}/keys/{name}/{32-character version}');

/** Line 3: the application (client) ID, a GUID. */
const applicationIdSchema = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a GUID such as 00000000-0000-0000-0000-000000000000')
  .transform((s) => s.toLowerCase());

/** Line 4: the client secret. Entra secrets are printable ASCII, typically 40 characters. */
const clientSecretSchema = z.string().min(8, 'at least 8 characters').max(256).regex(/^[\x21-\x7e]+$/, 'printable characters without spaces');

const tenantIdSchema = z
  .string()
  .trim()
  .regex(/^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9.-]{3,253})$/, 'a tenant GUID or domain')
  .transform((s) => s.toLowerCase());

const isoTimeSchema = z.iso.datetime({ offset: true });

/**
 * The key-store record one key holder submits: worksheet lines 1-4, the
 * tenant, and the client secret's expiry. It travels only inside a sealed
 * envelope (envelope.ts).
 */
export const keyStoreRecordSchema = z
  .object({
    holder: holderSchema,
    /** Line 1 */
    vaultDnsName: vaultDnsNameSchema,
    /** Line 2 */
    keyIdentifier: keyIdentifierSchema,
    /** Line 3 */
    applicationId: applicationIdSchema,
    /** Line 4 */
    clientSecret: clientSecretSchema,
    tenantId: tenantIdSchema,
    secretExpiresOn: isoTimeSchema,
  })
  .strict();
export type KeyStoreRecord = z.infer<typeof keyStoreRecordSchema>;

/**
 * An AWS KMS key store (seed 002): the key the vendor's role uses, the
 * companion HMAC key that proves the pair's sameness (docs/aws-kms.md), the
 * vendor's role the key policy grants, and the holder's cache time (1 minute
 * to 24 hours). No client secret: the vendor's role reaches the key.
 */
export const awsKeyStoreRecordSchema = z
  .object({
    holder: holderSchema,
    provider: z.literal('aws-kms'),
    keyArn: awsKeyArnSchema,
    companionKeyArn: awsKeyArnSchema,
    vendorRoleArn: awsRoleArnSchema,
    cacheMinutes: z.number().int().min(1).max(24 * 60),
  })
  .strict();
export type AwsKeyStoreRecord = z.infer<typeof awsKeyStoreRecordSchema>;

/** Either key store, as a sealed submission carries it: an Azure record has no `provider` (records before AWS existed). */
export const anyKeyStoreRecordSchema = z.union([awsKeyStoreRecordSchema, keyStoreRecordSchema]);
export type AnyKeyStoreRecord = z.infer<typeof anyKeyStoreRecordSchema>;

export const isAwsRecord = (r: AnyKeyStoreRecord): r is AwsKeyStoreRecord => 'provider' in r && r.provider === 'aws-kms';

/** The registered name (vault DNS name or AWS location) and the key's identifier (version identifier or key ARN) of either record. */
export function keyStoreNameOf(r: AnyKeyStoreRecord): string {
  return isAwsRecord(r) ? awsLocationOfKeyArn(r.keyArn) : r.vaultDnsName;
}
export function keyIdentifierOf(r: AnyKeyStoreRecord): string {
  return isAwsRecord(r) ? r.keyArn : r.keyIdentifier;
}

export type KeyStoreField = keyof Omit<KeyStoreRecord, 'holder'>;
export type AwsKeyStoreField = keyof Omit<AwsKeyStoreRecord, 'holder' | 'provider'>;

/** Which worksheet line each record field comes from (null: recorded on the worksheet but not a numbered line). */
export const WORKSHEET_LINE: Record<KeyStoreField, 1 | 2 | 3 | 4 | null> = {
  vaultDnsName: 1,
  keyIdentifier: 2,
  applicationId: 3,
  clientSecret: 4,
  tenantId: null,
  secretExpiresOn: null,
};

/** A credential update (secret rotation): a new secret, optionally with a new application ID. The key identifier never changes. */
export const credentialUpdateSchema = z
  .object({
    holder: holderSchema,
    applicationId: applicationIdSchema.optional(),
    clientSecret: clientSecretSchema,
    secretExpiresOn: isoTimeSchema,
  })
  .strict();
export type CredentialUpdate = z.infer<typeof credentialUpdateSchema>;

// ---------------------------------------------------------------- discovery

export const sealingSuite = {
  kem: 'DHKEM(X25519, HKDF-SHA256)',
  kdf: 'HKDF-SHA256',
  aead: 'AES-256-GCM',
} as const;

export const discoverySchema = z.object({
  controlPlaneId: idSchema,
  name: z.string().min(1).max(120),
  apiVersions: z.array(z.string()).min(1),
  sealing: z.object({
    kem: z.literal(sealingSuite.kem),
    kdf: z.literal(sealingSuite.kdf),
    aead: z.literal(sealingSuite.aead),
    /** Raw X25519 public key, base64url (32 bytes). */
    publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    /** `sha256:` + hex of the raw public key; the vendor also sends it out of band. */
    fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  }),
});
export type Discovery = z.infer<typeof discoverySchema>;

// ---------------------------------------------------------------- enrolment (vendor admin)

export const createEnrolmentRequestSchema = z
  .object({
    /** The customer's environment (e.g. production, sandbox); a vault serves one environment only. */
    environmentId: idSchema,
    holder: holderSchema,
    /** Name the primary key gets once both key stores validate. */
    primaryKeyName: z.string().min(1).max(120).optional(),
  })
  .strict();
const enrolmentSchema = z.object({
  enrolmentId: idSchema,
  environmentId: idSchema,
  holder: holderSchema,
  createdAt: isoTimeSchema,
});
export const createEnrolmentResponseSchema = enrolmentSchema.extend({
  /** Shown once; the control plane keeps only its hash. */
  token: z.string(),
});

/** Enrolment tokens: `khe1.{enrolmentId}.{43 base64url chars}`. */
export const enrolmentTokenSchema = z.string().trim().regex(/^khe1\.[A-Za-z0-9._-]{1,80}\.[A-Za-z0-9_-]{43}$/, 'an enrolment token as issued by the vendor (starts with khe1.)');

export const whoAmISchema = z.object({ enrolmentId: idSchema, environmentId: idSchema, holder: holderSchema });

// ---------------------------------------------------------------- vault DNS registration

const registrationStatusSchema = z.enum(['pending', 'registered', 'rejected']);

/** `vaultDnsName` names the key store: a vault's DNS name, or for AWS KMS (`provider: "aws-kms"`) the location arn:aws:kms:{region}:{account}. */
export const registrationRequestSchema = z
  .object({ vaultDnsName: keyStoreNameSchema, provider: keyStoreProviderSchema.optional() })
  .strict()
  .refine((r) => (r.provider === 'aws-kms') === isAwsKeyLocation(r.vaultDnsName), { message: 'an AWS KMS key store is registered by its location (arn:aws:kms:{region}:{account}), an Azure vault by its DNS name', path: ['vaultDnsName'] });
export const registrationSchema = z.object({
  registrationId: idSchema,
  environmentId: idSchema,
  holder: holderSchema,
  /** The vault's DNS name, or an AWS key store's location (arn:aws:kms:{region}:{account}). */
  vaultDnsName: keyStoreNameSchema,
  /** Absent for Azure Key Vault (registrations before AWS existed). */
  provider: keyStoreProviderSchema.optional(),
  status: registrationStatusSchema,
  requestedAt: isoTimeSchema,
  decidedAt: isoTimeSchema.optional(),
  /** Why the vendor rejected it (only when rejected). */
  reason: z.string().max(500).optional(),
});
export type Registration = z.infer<typeof registrationSchema>;
export const registrationListSchema = z.object({ registrations: z.array(registrationSchema) });
export const registrationDecisionSchema = z.object({ reason: z.string().min(1).max(500).optional() }).strict();

// ---------------------------------------------------------------- submission

export const validationFailureCodeSchema = z.enum([
  'value_malformed',
  'vault_not_registered',
  'vault_registration_pending',
  'vault_registration_rejected',
  'vault_names_same',
  'vault_used_by_other_environment',
  'key_identifier_wrong_vault',
  'key_identifiers_same',
  'key_identifier_used_before',
  'application_ids_same',
  'client_secrets_same',
  'secret_expired',
  'tenant_not_found',
  'application_not_found',
  'client_secret_rejected',
  'vault_unreachable',
  'key_not_found',
  'key_access_denied',
  'key_not_rsa',
  'public_keys_differ',
  'unwrap_failed',
  // AWS KMS key stores (seed 002)
  'providers_differ',
  'accounts_same',
  'vendor_role_not_ours',
  'key_not_symmetric',
  'companion_not_hmac',
  'companion_macs_differ',
  'cache_times_differ',
]);
export type ValidationFailureCode = z.infer<typeof validationFailureCodeSchema>;

export const validationFailureSchema = z.object({
  code: validationFailureCodeSchema,
  holder: holderSchema,
  field: z.enum(['vaultDnsName', 'keyIdentifier', 'applicationId', 'clientSecret', 'tenantId', 'secretExpiresOn', 'keyArn', 'companionKeyArn', 'vendorRoleArn', 'cacheMinutes']),
  /** Worksheet line at fault, or null for the tenant and expiry entries. */
  worksheetLine: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.null()]),
  message: z.string(),
});
export type ValidationFailure = z.infer<typeof validationFailureSchema>;

const validationStateSchema = z.enum(['waiting_for_other_holder', 'validated', 'failed']);
export const validationOutcomeSchema = z.object({
  state: validationStateSchema,
  checkedAt: isoTimeSchema.optional(),
  failures: z.array(validationFailureSchema),
});
export type ValidationOutcome = z.infer<typeof validationOutcomeSchema>;

export const submissionReceiptSchema = z.object({
  submissionId: idSchema,
  holder: holderSchema,
  environmentId: idSchema,
  receivedAt: isoTimeSchema,
  /** Hex SHA-256 of the exact request body the control plane received. */
  envelopeSha256: z.string().regex(/^[0-9a-f]{64}$/),
  validation: validationOutcomeSchema,
});
export type SubmissionReceipt = z.infer<typeof submissionReceiptSchema>;

// ---------------------------------------------------------------- primary key status

/** Status names exactly as the vendor's guide shows them, plus Unavailable (key health) when a vault cannot be reached. */
export const primaryKeyStatusSchema = z.enum(['Available', 'Key Store 1 Revoked', 'Key Store 2 Revoked', 'Both Key Stores Revoked', 'Unavailable']);
export type PrimaryKeyStatus = z.infer<typeof primaryKeyStatusSchema>;

export const keyStoreHealthSchema = z.enum(['healthy', 'revoked', 'unreachable']);
export type KeyStoreHealth = z.infer<typeof keyStoreHealthSchema>;

const keyStoreStatusSchema = z.object({
  holder: holderSchema,
  /** The vault's DNS name, or an AWS key store's location. */
  vaultDnsName: keyStoreNameSchema,
  /** Absent for Azure Key Vault. */
  provider: keyStoreProviderSchema.optional(),
  keyIdentifier: z.string(),
  health: keyStoreHealthSchema,
  /** Non-secret cause, e.g. "key disabled (403 Forbidden)" or "vault not reachable". */
  reason: z.string().optional(),
});

/**
 * A primary key's status in one library, as the vendor's key details page shows it (seed 000): Active,
 * Active: Rotating to (N%), Inactive: Rotating from, No longer in use.
 */
const libraryKeyStatusSchema = z.enum(['Active', 'Active: Rotating to', 'Inactive: Rotating from', 'No longer in use']);

export const libraryKeySchema = z.object({
  libraryId: idSchema,
  libraryName: z.string(),
  status: libraryKeyStatusSchema,
  /** Exactly as the vendor shows it, e.g. "Active: Rotating to (76.54%)". */
  label: z.string(),
  /** Rotation progress towards this key (Active: Rotating to), 0-100 with two decimals. */
  percent: z.number().min(0).max(100).optional(),
  /** When every document this key protected in the library had been re-keyed (No longer in use). */
  noLongerInUseSince: isoTimeSchema.optional(),
});
export type LibraryKey = z.infer<typeof libraryKeySchema>;

export const primaryKeySchema = z.object({
  primaryKeyId: idSchema,
  name: z.string(),
  environmentId: idSchema,
  createdAt: isoTimeSchema,
  status: primaryKeyStatusSchema,
  checkedAt: isoTimeSchema,
  keyStores: z.array(keyStoreStatusSchema).length(2),
  /** Libraries this key was ever applied to, with its status in each. */
  libraries: z.array(libraryKeySchema).optional(),
  /** Set once the key was applied somewhere and is No longer in use in every library it protected: the latest of those dates. */
  noLongerInUseSince: isoTimeSchema.nullable().optional(),
});
export type PrimaryKey = z.infer<typeof primaryKeySchema>;

/** What a holder sees for their environment: the last validation and, once created, the primary key. */
export const environmentStatusSchema = z.object({
  environmentId: idSchema,
  submitted: z.object({ holder1: z.boolean(), holder2: z.boolean() }),
  validation: validationOutcomeSchema,
  primaryKey: primaryKeySchema.nullable(),
  /** Every primary key of the environment, oldest first (the last is `primaryKey`). */
  primaryKeys: z.array(primaryKeySchema).optional(),
  /** The vendor's libraries and which key each uses now ("system" for the vendor's own key). */
  libraries: z.array(z.object({ libraryId: idSchema, name: z.string(), activeKey: z.string(), documentVersions: z.number().int().min(0) })).optional(),
  /** How long the vendor keeps using a cached data key after a key store stops answering (seed 001: up to an hour). */
  dataKeyCacheSeconds: z.number().int().min(0).optional(),
});
export type EnvironmentStatus = z.infer<typeof environmentStatusSchema>;

export const createLibraryRequestSchema = z.object({ name: z.string().min(1).max(120), documentVersions: z.number().int().min(0).max(1e12) }).strict();
export const applyKeyRequestSchema = z.object({ primaryKeyId: z.union([idSchema, z.literal('system')]) }).strict();
export const controlPlaneSettingsSchema = z
  .object({
    /** Re-keying speed in document versions per day (seed 000: about seven million). */
    rotationRatePerDay: z.number().positive().max(1e12).optional(),
    dataKeyCacheSeconds: z.number().int().min(0).max(7 * 86400).optional(),
  })
  .strict();

// ---------------------------------------------------------------- credential update

export const credentialUpdateReceiptSchema = z.object({
  submissionId: idSchema,
  holder: holderSchema,
  receivedAt: isoTimeSchema,
  envelopeSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The new credentials were tried against the vault before being accepted. */
  verified: z.literal(true),
});

// ---------------------------------------------------------------- ceremony records

/**
 * A closed ceremony's final transcript hash, sent by a holder's app so the
 * vendor holds an independent copy: a transcript later cut short no longer
 * ends in the hash the control plane recorded (issue 9).
 */
export const ceremonyRecordRequestSchema = z
  .object({
    ceremonyId: idSchema,
    /** Hex SHA-256 of the transcript's closing entry (docs/formats/transcript-v1.md). */
    finalHash: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hexadecimal characters'),
    /** Number of entries in the closed transcript, the closing entry included. */
    entries: z.number().int().min(1).max(1_000_000),
    closedAt: isoTimeSchema,
  })
  .strict();
export type CeremonyRecordRequest = z.infer<typeof ceremonyRecordRequestSchema>;

export const ceremonyRecordReceiptSchema = z.object({
  recordId: idSchema,
  environmentId: idSchema,
  holder: holderSchema,
  ceremonyId: idSchema,
  finalHash: z.string().regex(/^[0-9a-f]{64}$/),
  receivedAt: isoTimeSchema,
  /** Hex SHA-256 of the canonical body (ceremonyRecordCanonical): both sides compute it the same way. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CeremonyRecordReceipt = z.infer<typeof ceremonyRecordReceiptSchema>;

/** The body's canonical text: fixed key order, no whitespace, so the receipt's hash does not depend on how the body was written. */
export function ceremonyRecordCanonical(r: CeremonyRecordRequest): string {
  return JSON.stringify({ ceremonyId: r.ceremonyId, closedAt: r.closedAt, entries: r.entries, finalHash: r.finalHash });
}

// ---------------------------------------------------------------- ceremony transcripts

/**
 * One ceremony across workstations: a holder's app sends its workstation's
 * signed transcript file (docs/formats/transcript-bundle-v1.md) with the
 * ceremony plan, which the control plane pins per environment, and fetches
 * the other workstations'. The bundle and plan are checked by their own
 * parsers (shared/transcript/bundle.ts, shared/ceremony/plan.ts).
 */
export const ceremonyTranscriptReceiptSchema = z.object({
  workstation: z.string(),
  keyFingerprint: z.string(),
  entries: z.number().int(),
  receivedAt: isoTimeSchema,
  planFingerprint: z.string(),
});
export type CeremonyTranscriptReceipt = z.infer<typeof ceremonyTranscriptReceiptSchema>;

export const ceremonyTranscriptListSchema = z.object({
  planFingerprint: z.string().nullable(),
  transcripts: z.array(z.record(z.string(), z.unknown())).max(64),
});
export type CeremonyTranscriptList = z.infer<typeof ceremonyTranscriptListSchema>;

// ---------------------------------------------------------------- errors

/** Every non-2xx answer carries this body. `failures` lists validation findings when there are any. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    failures: z.array(validationFailureSchema).optional(),
  }),
});
