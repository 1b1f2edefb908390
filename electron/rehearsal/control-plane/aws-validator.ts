/**
 * Pair validation for AWS KMS key stores (seed 002, docs/aws-kms.md): each
 * key store's location registered, the vendor's own role named, the two keys
 * in two different accounts and new to the control plane, both keys
 * symmetric and enabled for the vendor's role, and the pair proven the same
 * key by the companion HMAC keys' GenerateMac answers (KMS ciphertexts are
 * bound to the key that made them, so the Azure pair's cross-unwrap is
 * impossible here). Each failure names the holder and the field to look at.
 */
import { awsLocationOfKeyArn, keyIdentifierOf, keyStoreNameOf, type AwsKeyStoreRecord, type KeyStoreHealth, type ValidationFailure } from '../../../shared/control-plane/api';
import type { AwsKeyStoreAccess, AwsPairProof } from './aws-probe';
import type { ControlPlaneState } from './store';
import { dedupe, failure, registrationFailure, sameText } from './validator';

/** What the control plane asks of KMS with the vendor role's credentials (AwsKmsSamenessProbe). */
export interface AwsPairProbe {
  provePair(a: AwsKeyStoreAccess, b: AwsKeyStoreAccess): Promise<AwsPairProof>;
  describe(keyArn: string): Promise<{ ok: true; state: string; keySpec: string; origin: string } | { ok: false; error: string }>;
}

const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/** One holder's checks that need no network: registration of the location, vendor role, reuse. */
export function awsHolderChecks(state: ControlPlaneState, environmentId: string, r: AwsKeyStoreRecord, vendorRoleArn: string | undefined): ValidationFailure[] {
  const h = r.holder;
  const out: ValidationFailure[] = [];
  const location = awsLocationOfKeyArn(r.keyArn);
  const reg = registrationFailure(state, environmentId, h, location, 'keyArn', 'the AWS account and Region');
  if (reg) out.push(reg);
  if (awsLocationOfKeyArn(r.companionKeyArn) !== location) {
    out.push(failure('key_identifier_wrong_vault', h, 'companionKeyArn', `Key holder ${h}: the companion key is not in the same account and Region as the key (${location}). Submit the companion key Key Holder created beside your key.`));
  }
  if (vendorRoleArn && r.vendorRoleArn !== vendorRoleArn) {
    out.push(failure('vendor_role_not_ours', h, 'vendorRoleArn', `Key holder ${h}: the role ${r.vendorRoleArn} is not the vendor's role (${vendorRoleArn}). Grant the role the vendor gave you in the key policy and submit again.`));
  }
  for (const env of Object.values(state.environments)) {
    for (const pk of env.primaryKeys) {
      for (const used of [pk.records[1], pk.records[2]]) {
        if (sameText(keyIdentifierOf(used), r.keyArn)) {
          out.push(failure('key_identifier_used_before', h, 'keyArn', `Key holder ${h}: this key ARN was already used for a primary key. A new primary key needs a new KMS key: import the escrowed key into a new key and submit its ARN.`));
        }
        if (env.environmentId !== environmentId && sameText(keyStoreNameOf(used), location)) {
          out.push(failure('vault_used_by_other_environment', h, 'keyArn', `Key holder ${h}: ${location} already serves another environment. Each environment needs its own account or Region.`));
        }
      }
    }
  }
  return dedupe(out);
}

/** Checks that need no network: each holder's, then the pair's distinctness (reported on holder 2, as for Azure). */
export function awsStaticChecks(state: ControlPlaneState, environmentId: string, r1: AwsKeyStoreRecord, r2: AwsKeyStoreRecord, vendorRoleArn: string | undefined): ValidationFailure[] {
  const out = [...awsHolderChecks(state, environmentId, r1, vendorRoleArn), ...awsHolderChecks(state, environmentId, r2, vendorRoleArn)];
  if (accountOf(r1.keyArn) === accountOf(r2.keyArn)) {
    out.push(failure('accounts_same', 2, 'keyArn', 'Both key holders’ keys are in the same AWS account. Dual-party control needs each key holder’s key in their own account.'));
  }
  if (sameText(r1.keyArn, r2.keyArn)) out.push(failure('key_identifiers_same', 2, 'keyArn', 'Both key holders gave the same key ARN. Each key holder submits the key in their own account.'));
  if (sameText(r1.companionKeyArn, r2.companionKeyArn)) out.push(failure('key_identifiers_same', 2, 'companionKeyArn', 'Both key holders gave the same companion key ARN.'));
  if (r1.cacheMinutes !== r2.cacheMinutes) {
    out.push(failure('cache_times_differ', 2, 'cacheMinutes', `The key holders gave different cache times (${r1.cacheMinutes} and ${r2.cacheMinutes} minutes). The vendor keeps one cache time for the primary key: agree on one and submit again.`));
  }
  return dedupe(out);
}

/** The live part: both keys usable by the vendor's role and symmetric, and the companions' MACs equal. */
export async function awsProvePair(probe: AwsPairProbe, r1: AwsKeyStoreRecord, r2: AwsKeyStoreRecord): Promise<ValidationFailure[]> {
  const failures: ValidationFailure[] = [];
  for (const r of [r1, r2]) {
    const h = r.holder;
    const d = await probe.describe(r.keyArn);
    if (!d.ok) {
      failures.push(
        d.error === 'NotFoundException'
          ? failure('key_not_found', h, 'keyArn', `Key holder ${h}: KMS has no key ${r.keyArn}. Check the key ARN.`)
          : d.error === 'AccessDeniedException'
            ? failure('key_access_denied', h, 'keyArn', `Key holder ${h}: the vendor's role may not use ${r.keyArn}. Apply the key policy Key Holder proposed (it grants the vendor's role Encrypt, Decrypt, GenerateDataKey and DescribeKey).`)
            : failure('vault_unreachable', h, 'keyArn', `Key holder ${h}: KMS could not be asked about ${r.keyArn} (${d.error}). Try again later.`),
      );
      continue;
    }
    if (d.keySpec !== 'SYMMETRIC_DEFAULT') failures.push(failure('key_not_symmetric', h, 'keyArn', `Key holder ${h}: ${r.keyArn} is a ${d.keySpec} key; the vendor needs a symmetric encryption key.`));
    else if (d.state !== 'Enabled') failures.push(failure('key_access_denied', h, 'keyArn', `Key holder ${h}: the key ${r.keyArn} is ${d.state}. Enable it (and finish its import) before submitting.`));
  }
  if (failures.length) return failures;
  const proof = await probe.provePair({ keyArn: r1.keyArn, companionArn: r1.companionKeyArn }, { keyArn: r2.keyArn, companionArn: r2.companionKeyArn });
  if (proof.same) return [];
  if (proof.reason === 'macs_differ') {
    const msg = 'The companion keys answer with different MACs: the two accounts do not hold the same escrowed key. Each key holder must import the same escrowed key.';
    return [failure('companion_macs_differ', 1, 'companionKeyArn', `Key holder 1: ${msg}`), failure('companion_macs_differ', 2, 'companionKeyArn', `Key holder 2: ${msg}`)];
  }
  const at = proof.detail.startsWith(r2.companionKeyArn) ? r2 : r1;
  if (proof.reason === 'not_companion') return [failure('companion_not_hmac', at.holder, 'companionKeyArn', `Key holder ${at.holder}: ${proof.detail} Submit the companion HMAC key Key Holder created beside your key.`)];
  return [failure('key_access_denied', at.holder, 'companionKeyArn', `Key holder ${at.holder}: the vendor's role may not compute MACs with the companion key (${proof.detail}). Apply the companion key's policy Key Holder proposed.`)];
}

/** An AWS key store's health for the status check, from the key's state as the vendor's role sees it. */
export async function awsKeyStoreHealth(probe: AwsPairProbe, r: AwsKeyStoreRecord): Promise<{ health: KeyStoreHealth; reason?: string }> {
  const d = await probe.describe(r.keyArn);
  if (d.ok) {
    if (d.state === 'Enabled') return { health: 'healthy' };
    const why: Record<string, string> = { Disabled: 'key disabled', PendingDeletion: 'key scheduled for deletion', PendingImport: 'key material expired or deleted' };
    return { health: 'revoked', reason: why[d.state] ?? `key ${d.state}` };
  }
  if (d.error === 'AccessDeniedException') return { health: 'revoked', reason: 'the vendor’s role may no longer use the key (key policy changed)' };
  if (d.error === 'NotFoundException') return { health: 'revoked', reason: 'key no longer in KMS' };
  return { health: 'unreachable', reason: `KMS not reachable (${d.error})` };
}
