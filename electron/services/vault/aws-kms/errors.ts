/**
 * AWS KMS's answers, turned into errors a key holder can act on. SDK errors
 * carry request IDs and ARNs of callers; only a code, a message written for
 * the holder and small facts leave this function.
 */
import { KeyholderError, isKeyholderError } from '../../../../shared/errors/index';

export type KmsOperation =
  | 'find'
  | 'create'
  | 'describe'
  | 'parameters'
  | 'import'
  | 'self-test'
  | 'policy-read'
  | 'policy-write'
  | 'enable'
  | 'disable'
  | 'schedule-deletion'
  | 'cancel-deletion';

/** The KMS action each step needs (named in the no-permission message). */
const ACTION_FOR: Record<KmsOperation, string> = {
  find: 'kms:ListKeys and kms:ListResourceTags',
  create: 'kms:CreateKey and kms:TagResource',
  describe: 'kms:DescribeKey',
  parameters: 'kms:GetParametersForImport',
  import: 'kms:ImportKeyMaterial',
  'self-test': 'kms:Encrypt, kms:Decrypt, kms:GenerateDataKey, kms:GenerateMac and kms:VerifyMac',
  'policy-read': 'kms:GetKeyPolicy',
  'policy-write': 'kms:PutKeyPolicy',
  enable: 'kms:EnableKey',
  disable: 'kms:DisableKey',
  'schedule-deletion': 'kms:ScheduleKeyDeletion',
  'cancel-deletion': 'kms:CancelKeyDeletion',
};

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const NETWORK = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENETDOWN|ENOTFOUND|EAI_AGAIN|TimeoutError|CERT_\w+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/;

export function kmsError(e: unknown, ctx: { op: KmsOperation; key?: string; region?: string }): KeyholderError {
  if (isKeyholderError(e)) return e as KeyholderError;
  const err = (e ?? {}) as SdkErrorLike;
  const name = err.name ?? '';
  const code = err.code ?? '';
  const msg = String(err.message ?? '');
  const what = ctx.key ? `the key ${ctx.key}` : `KMS${ctx.region ? ` in ${ctx.region}` : ''}`;
  const detail = { operation: ctx.op, ...(ctx.key ? { key: ctx.key } : {}), ...(name ? { awsError: name } : {}) };
  switch (name) {
    case 'AccessDeniedException':
      return new KeyholderError(
        'aws.access_denied',
        `AWS refused this step on ${what}: the identity you signed in with lacks ${ACTION_FOR[ctx.op]} (by its IAM policy or the key policy). Ask your AWS administrator for the permissions listed in the IAM steps of the AWS guide, then try again.`,
        detail,
      );
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return new KeyholderError('aws.bad_credentials', 'AWS did not recognise your access key or session. Sign in again (choose your profile or IAM Identity Center) and retry.', detail);
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return new KeyholderError('aws.session_expired', 'Your AWS session has expired. Sign in again (for IAM Identity Center, as "aws sso login" does) and retry; nothing was lost.', detail);
    case 'InvalidSignatureException':
      if (/expired|not yet current/i.test(msg)) {
        return new KeyholderError('aws.clock_skew', 'AWS refused the request because this computer\u2019s clock is more than 5 minutes off. Set the clock to the correct time (automatic time) and retry.', detail);
      }
      return new KeyholderError('aws.bad_credentials', 'AWS did not accept the signature: the secret access key does not belong to this access key. Check the profile you chose, or sign in again.', detail);
    case 'NotFoundException':
      return new KeyholderError('aws.key_not_found', `AWS has no ${ctx.key ? `key ${ctx.key}` : 'such key'} visible to you. Check the ARN (Region and account) against the AWS console, and that you signed in to that account.`, detail);
    case 'DisabledException':
      return new KeyholderError('aws.key_disabled', `${ctx.key ?? 'The key'} is disabled. Enable it (unrevoke) before this step, with the same guard rails as a revoke.`, detail);
    case 'KMSInvalidStateException':
      return new KeyholderError('aws.key_state', `${ctx.key ?? 'The key'} is not in a state that allows this step (for example pending deletion or waiting for key material). Check its status first.`, detail);
    case 'IncorrectKeyMaterialException':
      return new KeyholderError(
        'aws.other_material',
        `${ctx.key ?? 'This key'} already holds (or held) different key material than your escrowed key. A KMS key accepts only its first material ever again: use a new key (Key Holder can create one) and keep this one out of the ceremony.`,
        detail,
      );
    case 'ExpiredImportTokenException':
      return new KeyholderError('aws.parameters_expired', 'The wrapping key and import token from AWS are valid for 24 hours and have expired. Start the import again: Key Holder fetches new ones; nothing was imported.', detail);
    case 'InvalidImportTokenException':
    case 'InvalidCiphertextException':
      return new KeyholderError('aws.wrap_refused', 'AWS could not unwrap the key material with this import token. Start the import again (new parameters are fetched); if it happens twice, stop and contact the supervisor.', detail);
    case 'ValidationException':
      // A value the holder chose that AWS refuses: retrying the same value cannot help, so say which value and what AWS allows.
      if (ctx.op === 'import' && /ValidTo/i.test(msg)) {
        return new KeyholderError(
          'aws.bad_valid_to',
          `AWS refused the expiry date of the key material (${msg.slice(0, 120)}): it must be in the future and at most 365 days ahead. Choose another date, or "does not expire", and import again; no key material was imported.`,
          detail,
        );
      }
      return new KeyholderError('aws.invalid_input', `AWS KMS refused a value sent for this step on ${what}: ${msg.slice(0, 200)} Check what you entered for this step and retry; if it is right, note the time and contact the supervisor.`, detail);
    case 'MalformedPolicyDocumentException':
      return new KeyholderError('aws.policy_refused', `AWS refused the key policy: ${msg.slice(0, 200)}`, detail);
    case 'UnsupportedOperationException':
      return new KeyholderError('aws.unsupported', `AWS does not support this step on ${what}. For imported material the key must be a symmetric (or HMAC) key created with key material origin "External".`, detail);
    case 'LimitExceededException':
    case 'ThrottlingException':
      return new KeyholderError('aws.throttled', 'AWS is throttling requests from your account. Wait a minute and retry: Key Holder finds the keys it already made and carries on where it stopped.', detail);
    case 'KMSInternalException':
    case 'DependencyTimeoutException':
    case 'ServiceUnavailableException':
    case 'InternalFailure':
      return new KeyholderError('aws.service_error', `AWS KMS${ctx.region ? ` in ${ctx.region}` : ''} had an internal error and could not finish this step. Wait a few minutes and retry: nothing was lost, and Key Holder carries on where it stopped.`, detail);
    default:
      break;
  }
  if (NETWORK.test(code) || NETWORK.test(name) || /ECONNREFUSED|ENOTFOUND|certificate/i.test(msg)) {
    return new KeyholderError('aws.unreachable', `Key Holder could not reach AWS KMS${ctx.region ? ` in ${ctx.region}` : ''}. Check the network (and the endpoint, if one is set), then retry.`, detail);
  }
  return new KeyholderError('aws.failed', `AWS KMS refused this step on ${what}${name ? ` (${name})` : ''}. Retry; if it persists, note the time and contact the supervisor.`, detail);
}
