/**
 * The key policy Key Holder writes on a holder's KMS key, and its plan
 * against the policy the key has now: which principal gains or loses which
 * action. Pure, so the screen can show the same plan the service applies.
 *
 * The vendor's role gets exactly what the seed lists (Encrypt, Decrypt,
 * GenerateDataKey, DescribeKey); the holder's account keeps administration
 * through its root principal (AWS's default, which delegates to the
 * account's IAM policies and keeps the holder from locking themselves out).
 */
import { KeyholderError } from '../errors/index';

export const VENDOR_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'] as const;
/** On the companion HMAC key the vendor may only compute MACs (the sameness proof) and read the key's state. */
export const COMPANION_VENDOR_ACTIONS = ['kms:GenerateMac', 'kms:DescribeKey'] as const;

/** Every KMS action a key policy can grant (AWS KMS API, 2014-11-01): wildcards are expanded over this list. */
const KMS_ACTIONS = [
  'CancelKeyDeletion', 'ConnectCustomKeyStore', 'CreateAlias', 'CreateCustomKeyStore', 'CreateGrant', 'CreateKey', 'Decrypt', 'DeleteAlias',
  'DeleteCustomKeyStore', 'DeleteImportedKeyMaterial', 'DeriveSharedSecret', 'DescribeCustomKeyStores', 'DescribeKey', 'DisableKey',
  'DisableKeyRotation', 'DisconnectCustomKeyStore', 'EnableKey', 'EnableKeyRotation', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'GenerateRandom', 'GetKeyPolicy',
  'GetKeyRotationStatus', 'GetParametersForImport', 'GetPublicKey', 'ImportKeyMaterial', 'ListAliases', 'ListGrants', 'ListKeyPolicies',
  'ListKeyRotations', 'ListKeys', 'ListResourceTags', 'ListRetirableGrants', 'PutKeyPolicy', 'ReEncryptFrom', 'ReEncryptTo', 'ReplicateKey',
  'RetireGrant', 'RevokeGrant', 'RotateKeyOnDemand', 'ScheduleKeyDeletion', 'Sign', 'TagResource', 'UntagResource', 'UpdateAlias',
  'UpdateCustomKeyStore', 'UpdateKeyDescription', 'UpdatePrimaryRegion', 'Verify', 'VerifyMac',
].map((a) => `kms:${a}`);

export interface KeyPolicyDocument {
  Version: '2012-10-17';
  Id?: string;
  Statement: { Sid?: string; Effect: 'Allow' | 'Deny'; Principal: '*' | { AWS: string | string[] }; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[];
}

export function holderKeyPolicy(o: { accountId: string; partition?: string; vendorRoleArn: string; vendorActions?: readonly string[] }): KeyPolicyDocument {
  const partition = o.partition ?? 'aws';
  return {
    Version: '2012-10-17',
    Id: 'keyholder-key-policy-1',
    Statement: [
      { Sid: 'KeyHolderAccountAdministers', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${o.accountId}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'VendorUsesKey', Effect: 'Allow', Principal: { AWS: o.vendorRoleArn }, Action: [...(o.vendorActions ?? VENDOR_ACTIONS)], Resource: '*' },
    ],
  };
}

/** Who may do what: principal -> set of kms:Action, Allow minus Deny, wildcards expanded. Conditions are reported, not evaluated. */
export interface Grants {
  allows: Map<string, Set<string>>;
  conditional: boolean;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function expand(pattern: string): string[] {
  if (pattern === '*') return [...KMS_ACTIONS];
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return KMS_ACTIONS.filter((a) => re.test(a));
}

export function parseKeyPolicy(text: string): KeyPolicyDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyholderError('aws.policy_unreadable', 'The key\u2019s current policy is not valid JSON; Key Holder will not guess what it grants. Fix it in the AWS console first.');
  }
  const d = doc as Partial<KeyPolicyDocument>;
  if (!d || typeof d !== 'object' || !Array.isArray(d.Statement)) throw new KeyholderError('aws.policy_unreadable', 'The key\u2019s current policy has no Statement list; Key Holder will not guess what it grants.');
  return d as KeyPolicyDocument;
}

export function grantsOf(policy: KeyPolicyDocument): Grants {
  const allows = new Map<string, Set<string>>();
  const denies = new Map<string, Set<string>>();
  let conditional = false;
  for (const s of policy.Statement) {
    if (s.Condition !== undefined) conditional = true;
    const principals = s.Principal === '*' ? ['*'] : list(s.Principal?.AWS);
    const actions = list(s.Action).flatMap(expand);
    const target = s.Effect === 'Deny' ? denies : allows;
    for (const p of principals) {
      const set = target.get(p) ?? new Set<string>();
      for (const a of actions) set.add(a);
      target.set(p, set);
    }
  }
  for (const [p, set] of denies) for (const a of set) allows.get(p)?.delete(a);
  return { allows, conditional };
}

export interface PolicyPlan {
  /** Principal -> actions it gains. */
  added: { principal: string; actions: string[] }[];
  removed: { principal: string; actions: string[] }[];
  /** Principals that already had some grant and would gain more: applying needs the holder's explicit confirmation. */
  widened: string[];
  /** The current policy has conditions Key Holder does not evaluate (shown, never dropped silently). */
  currentHasConditions: boolean;
  unchanged: boolean;
}

export function planKeyPolicy(current: KeyPolicyDocument, proposed: KeyPolicyDocument): PolicyPlan {
  const before = grantsOf(current);
  const after = grantsOf(proposed);
  const principals = [...new Set([...before.allows.keys(), ...after.allows.keys()])].sort();
  const added: PolicyPlan['added'] = [];
  const removed: PolicyPlan['removed'] = [];
  const widened: string[] = [];
  for (const p of principals) {
    const b = before.allows.get(p) ?? new Set<string>();
    const a = after.allows.get(p) ?? new Set<string>();
    const plus = [...a].filter((x) => !b.has(x)).sort();
    const minus = [...b].filter((x) => !a.has(x)).sort();
    if (plus.length) added.push({ principal: p, actions: plus });
    if (minus.length) removed.push({ principal: p, actions: minus });
    if (plus.length && b.size > 0) widened.push(p);
  }
  return { added, removed, widened, currentHasConditions: before.conditional, unchanged: added.length === 0 && removed.length === 0 };
}

/** The plan in a holder's words, one line per change (for the screen, the CLI and the transcript). */
export function describePlan(plan: PolicyPlan): string[] {
  if (plan.unchanged) return ['The key policy already grants exactly this; nothing changes.'];
  const short = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
  return [
    ...plan.added.map((c) => `${plan.widened.includes(c.principal) ? 'WIDENS' : 'grants'} ${c.principal}: ${short(c.actions)}`),
    ...plan.removed.map((c) => `removes from ${c.principal}: ${short(c.actions)}`),
    ...(plan.currentHasConditions ? ['The current policy has conditions; they are replaced, so check the removed lines above.'] : []),
  ];
}
