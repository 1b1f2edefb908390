/**
 * AWS sign-in from the shared config and credentials files (the AWS CLI's
 * named profiles, including IAM Identity Center profiles after `aws sso
 * login`), through the SDK's own resolver: Key Holder reads the files, never
 * writes them, and keeps the resolved credentials in memory only. The KMS
 * endpoint can be overridden as the AWS CLI does (AWS_ENDPOINT_URL_KMS, then
 * AWS_ENDPOINT_URL), so any KMS-compatible endpoint can be used.
 */
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { KeyholderError } from '../../../shared/errors/index';

export interface AwsFiles {
  /** Default ~/.aws/config (or AWS_CONFIG_FILE). */
  configFile?: string;
  /** Default ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE). */
  credentialsFile?: string;
}

export interface AwsProfileInfo {
  name: string;
  region?: string;
  /** Signs in through IAM Identity Center (sso_session or sso_start_url). */
  sso: boolean;
  /** Has long-term keys in the credentials file (prefer Identity Center for people). */
  staticKeys: boolean;
}

export interface AwsSessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export async function listAwsProfiles(files: AwsFiles = {}): Promise<AwsProfileInfo[]> {
  const { configFile, credentialsFile } = await loadSharedConfigFiles({
    ...(files.configFile ? { configFilepath: files.configFile } : {}),
    ...(files.credentialsFile ? { filepath: files.credentialsFile } : {}),
    ignoreCache: true,
  });
  const names = [...new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)])].sort();
  return names.map((name) => {
    const c = { ...(credentialsFile[name] ?? {}), ...(configFile[name] ?? {}) };
    return { name, ...(c.region ? { region: c.region } : {}), sso: Boolean(c.sso_session || c.sso_start_url), staticKeys: Boolean(credentialsFile[name]?.aws_access_key_id) };
  });
}

/** Resolves a profile's credentials (memory only); a holder-actionable error when it cannot. */
export async function credentialsFromProfile(profile: string, files: AwsFiles = {}): Promise<AwsSessionCredentials> {
  const known = await listAwsProfiles(files);
  const info = known.find((p) => p.name === profile);
  if (!info) {
    throw new KeyholderError('aws.profile_not_found', `There is no AWS profile "${profile}" in your AWS config or credentials file. Known profiles: ${known.map((p) => p.name).join(', ') || 'none'}. Create it with "aws configure sso" or choose another.`);
  }
  try {
    const c = await fromIni({
      profile,
      ...(files.configFile ? { configFilepath: files.configFile } : {}),
      ...(files.credentialsFile ? { filepath: files.credentialsFile } : {}),
      ignoreCache: true,
    })();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}), ...(c.expiration ? { expiration: c.expiration } : {}) };
  } catch {
    throw new KeyholderError(
      'aws.profile_unusable',
      info.sso
        ? `The IAM Identity Center session of profile "${profile}" is missing or expired. Sign in again ("aws sso login --profile ${profile}") and retry.`
        : `Profile "${profile}" has no usable credentials. Check it with "aws sts get-caller-identity --profile ${profile}".`,
    );
  }
}

/** The KMS endpoint override as the AWS CLI reads it; undefined means AWS's own endpoint for the Region. */
export function kmsEndpointFromEnv(env: Record<string, string | undefined>): string | undefined {
  const raw = env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL;
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new KeyholderError('aws.bad_endpoint', `AWS_ENDPOINT_URL_KMS is not a URL ("${raw}"). Set it to https://host[:port] or unset it.`);
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.search || u.hash) {
    throw new KeyholderError('aws.bad_endpoint', 'The KMS endpoint override must be a plain https:// URL (no credentials, query or fragment): key material travels through it.');
  }
  return u.origin + (u.pathname === '/' ? '' : u.pathname.replace(/\/$/, ''));
}
