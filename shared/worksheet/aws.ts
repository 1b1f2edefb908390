/**
 * The worksheet's rules for an AWS KMS key store (seed 002): the key ARN
 * (partition, region, account, key ID), the vendor's role ARN, the cache time
 * (1 minute to 24 hours, 5 minutes recommended) and the region advice (the
 * vendor's instance region). Pure: the renderer, the CLI and the provider
 * check the same way.
 */
import { KeyholderError } from '../errors/index';

export interface KeyArn {
  arn: string;
  partition: 'aws' | 'aws-us-gov';
  region: string;
  accountId: string;
  keyId: string;
}

export interface RoleArn {
  arn: string;
  partition: string;
  accountId: string;
  roleName: string;
}

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function isChina(partition: string, region: string): boolean {
  return partition === 'aws-cn' || region.startsWith('cn-');
}

const china = () =>
  new KeyholderError('aws.china_region', 'The vendor does not support AWS China Regions (cn-north-1, cn-northwest-1). Create the key in another Region; the vendor recommends the Region of your instance.');

/** Checks a KMS key ARN: arn:aws:kms:{region}:{12-digit account}:key/{key ID}. Aliases are refused (the vendor needs the key itself). */
export function parseKeyArn(input: string): KeyArn {
  const arn = input.trim();
  const m = /^arn:([a-z-]+):kms:([a-z0-9-]*):(\d*):(.*)$/.exec(arn);
  if (!m) {
    throw new KeyholderError('aws.bad_key_arn', 'That is not a KMS key ARN. Copy it from the AWS console (Key Management Service > Customer managed keys > your key > ARN), e.g. arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab.');
  }
  const [, partition, region, accountId, resource] = m as unknown as [string, string, string, string, string];
  if (isChina(partition, region)) throw china();
  if (partition !== 'aws' && partition !== 'aws-us-gov') throw new KeyholderError('aws.bad_key_arn', `The partition "${partition}" in the ARN is not one the vendor serves; it should begin arn:aws:kms:.`);
  if (!REGION.test(region)) throw new KeyholderError('aws.bad_key_arn', `"${region}" is not an AWS Region code (e.g. eu-west-2). Check the ARN you copied.`);
  if (!/^\d{12}$/.test(accountId)) throw new KeyholderError('aws.bad_key_arn', 'The account in the ARN must be your 12-digit AWS account ID.');
  if (resource.startsWith('alias/')) throw new KeyholderError('aws.alias_not_key', 'This is an alias ARN. Give the key ARN (…:key/<key ID>): an alias can be moved to another key without the vendor noticing.');
  const keyId = resource.startsWith('key/') ? resource.slice(4) : '';
  // Before the GUID check: a multi-Region key ID (mrk-…) is not a GUID, and the holder needs the real reason.
  if (keyId.startsWith('mrk-')) throw new KeyholderError('aws.bad_key_arn', 'This is a multi-Region key (its ID starts with mrk-). The ceremony imports into single-Region keys only: create a single-Region key with key material origin External.');
  if (!KEY_ID.test(keyId)) throw new KeyholderError('aws.bad_key_arn', 'The ARN must end in key/ and the key ID (a GUID, lower case), e.g. key/1234abcd-12ab-34cd-56ef-1234567890ab.');
  return { arn, partition: partition as KeyArn['partition'], region, accountId, keyId };
}

/** Checks the vendor's IAM role ARN (arn:aws:iam::{account}:role/{path/name}). */
export function parseRoleArn(input: string): RoleArn {
  const arn = input.trim();
  const m = /^arn:(aws|aws-us-gov):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/.exec(arn);
  if (!m) {
    if (/^arn:aws-cn:/.test(arn)) throw china();
    throw new KeyholderError('aws.bad_role_arn', 'That is not an IAM role ARN. Your vendor sends it, e.g. arn:aws:iam::777788889999:role/vendor-kms-access; ask your engagement manager for it if you do not have it.');
  }
  return { arn, partition: m[1]!, accountId: m[2]!, roleName: m[4]! };
}

export const CACHE_TIME = { minMinutes: 1, maxMinutes: 24 * 60, defaultMinutes: 5 } as const;

/** The vendor's data-key cache time in minutes: how long a revoke takes to bite. */
export function checkCacheTime(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < CACHE_TIME.minMinutes || minutes > CACHE_TIME.maxMinutes) {
    throw new KeyholderError('aws.bad_cache_time', `The cache time is whole minutes from 1 to ${CACHE_TIME.maxMinutes} (24 hours); the vendor recommends ${CACHE_TIME.defaultMinutes}.`);
  }
  return minutes;
}

/** Advice, never a refusal: the vendor recommends the Region of its instance for latency. */
export function regionAdvice(keyRegion: string, vendorRegion: string | undefined): string | null {
  if (isChina('aws', keyRegion)) throw china();
  if (!vendorRegion || vendorRegion === keyRegion) return null;
  return `Your key is in ${keyRegion} and the vendor's instance in ${vendorRegion}. The vendor recommends the same Region to reduce latency; another Region is allowed (for example for regulatory reasons).`;
}

/** Dual party: two holders' keys must be in two different accounts. */
export function checkDualParty(a: Pick<KeyArn, 'accountId'>, b: Pick<KeyArn, 'accountId'>): void {
  if (a.accountId === b.accountId) {
    throw new KeyholderError('aws.same_account', 'Both key stores are in the same AWS account. Dual-party control needs each key holder\u2019s key in their own account.');
  }
}

/**
 * Where an AWS key store lives, as the vendor registers it before the import:
 * the KMS ARN prefix of the holder's account in the key's Region
 * (arn:aws:kms:{region}:{account}). It plays the part of the Azure vault's DNS
 * name (worksheet line 1): the vendor allows its role to use keys there.
 */
export function awsKeyLocation(k: { partition?: string; region: string; accountId: string }): string {
  const partition = k.partition ?? 'aws';
  if (isChina(partition, k.region)) throw china();
  if (!REGION.test(k.region)) throw new KeyholderError('aws.bad_region', `"${k.region}" is not an AWS Region code (e.g. eu-west-2).`);
  if (!/^\d{12}$/.test(k.accountId)) throw new KeyholderError('aws.bad_account', 'The AWS account ID is 12 digits (AWS console: your name, top right > Account ID).');
  return `arn:${partition}:kms:${k.region}:${k.accountId}`;
}

/** The key store's location (arn:aws:kms:{region}:{account}) that a key ARN names: what the vendor registers. */
export function keyLocationOf(keyArn: string): string {
  return awsKeyLocation(parseKeyArn(keyArn));
}
