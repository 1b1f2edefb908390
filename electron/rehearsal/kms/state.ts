/**
 * The AWS KMS double's memory: accounts, the IAM principals whose access keys
 * sign requests, KMS keys (with their key policies, fake material in the
 * clear and import parameters) and aliases. Kept inside the rehearsal cloud's
 * one state file under `kms`; a state file written before the double existed
 * gets its seed on first use.
 */
import crypto from 'node:crypto';

export const KMS_HOST = 'kms.rehearsal.localhost';
export const KMS_SERVICE = 'kms';
export const DEFAULT_REGION = 'eu-west-2';

export type KeySpec = 'SYMMETRIC_DEFAULT' | 'HMAC_256';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';
export type Origin = 'AWS_KMS' | 'EXTERNAL';
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';
export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

export interface KmsAccount {
  id: string;
  name: string;
}

/**
 * An IAM identity with an access key. `identityAllows` stands for the
 * identity's IAM policy (actions it may call on any key, subject to the key
 * policy); a role's access key is temporary (session token) and its caller
 * ARN is the assumed-role session, as STS would give it.
 */
export interface KmsPrincipal {
  /** The ARN a key policy names: arn:aws:iam::{account}:user/{name} or :role/{name}. */
  arn: string;
  /** The ARN requests run as (for a role: arn:aws:sts::{account}:assumed-role/{role}/{session}). */
  callerArn: string;
  accountId: string;
  label: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  identityAllows: string[];
  /** Temporary credentials (IAM Identity Center role credentials) stop working at this instant (epoch ms). */
  expiresAt?: number;
}

export interface ImportParameters {
  /** SHA-256 (hex) of the import token; the token itself is handed out once. */
  tokenHash: string;
  wrappingAlgorithm: string;
  wrappingKeySpec: string;
  /** PKCS#8 PEM of the wrapping private key: stays inside the double. */
  privateKeyPem: string;
  /** Epoch ms. */
  validTo: number;
}

export interface KmsKey {
  keyId: string;
  accountId: string;
  region: string;
  arn: string;
  description: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: Origin;
  /** Stored state; material expiry and deletion are applied on read (see effectiveState in kms.ts). */
  keyState: KeyState;
  creationDate: number;
  policy: string;
  tags: { TagKey: string; TagValue: string }[];
  /** Base64 of the key material (rehearsal only: fake material in the clear). */
  material?: string;
  /** SHA-256 (hex) of the first material imported: a re-import must bring the same. */
  materialHash?: string;
  expirationModel?: ExpirationModel;
  /** Epoch ms when imported material expires. */
  validTo?: number;
  importParameters: ImportParameters[];
  deletionDate?: number;
  pendingWindowInDays?: number;
}

export interface KmsAlias {
  aliasName: string;
  accountId: string;
  region: string;
  targetKeyId: string;
  creationDate: number;
}

export interface KmsState {
  accounts: KmsAccount[];
  principals: KmsPrincipal[];
  keys: KmsKey[];
  aliases: KmsAlias[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function accessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  const bytes = crypto.randomBytes(16);
  return prefix + Array.from(bytes, (b) => ALNUM[b % 32]).join('');
}

function secret(): string {
  return crypto.randomBytes(30).toString('base64').replace(/[+/]/g, 'K');
}

export const HOLDER_ACCOUNTS = ['111122223333', '444455556666'] as const;
const VENDOR_ACCOUNT = '777788889999';
const VENDOR_ROLE_NAME = 'vendor-kms-access';

export function seedKmsState(): KmsState {
  const holders = [
    { n: 1, account: HOLDER_ACCOUNTS[0], user: 'alice' },
    { n: 2, account: HOLDER_ACCOUNTS[1], user: 'bob' },
  ];
  const principals: KmsPrincipal[] = holders.map((h) => ({
    arn: `arn:aws:iam::${h.account}:user/${h.user}`,
    callerArn: `arn:aws:iam::${h.account}:user/${h.user}`,
    accountId: h.account,
    label: `key holder ${h.n}`,
    accessKeyId: accessKeyId('AKIA'),
    secretAccessKey: secret(),
    // The holder administers KMS in their own account (AWS managed policy AWSKeyManagementServicePowerUser and more).
    identityAllows: ['kms:*'],
  }));
  principals.push({
    arn: `arn:aws:iam::${VENDOR_ACCOUNT}:role/${VENDOR_ROLE_NAME}`,
    callerArn: `arn:aws:sts::${VENDOR_ACCOUNT}:assumed-role/${VENDOR_ROLE_NAME}/rehearsal-vendor`,
    accountId: VENDOR_ACCOUNT,
    label: 'vendor role',
    accessKeyId: accessKeyId('ASIA'),
    secretAccessKey: secret(),
    sessionToken: crypto.randomBytes(48).toString('base64'),
    // The vendor's own IAM policy is broad; what it may do with a holder's key is decided by that key's policy.
    identityAllows: ['kms:*'],
  });
  return {
    accounts: [
      { id: HOLDER_ACCOUNTS[0], name: 'Key holder 1 rehearsal account' },
      { id: HOLDER_ACCOUNTS[1], name: 'Key holder 2 rehearsal account' },
      { id: VENDOR_ACCOUNT, name: 'Vendor rehearsal account' },
    ],
    principals,
    keys: [],
    aliases: [],
  };
}

/** AWS's default key policy: the account (through IAM) may do everything. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
    },
    null,
    2,
  );
}
