/**
 * The one table of what each recorded transcript entry means in a key
 * holder's words. The printed ceremony report (and any screen that lists
 * entries) says these, never the stored kind such as
 * `ceremony.step-out-of-order`: the kinds stay as they are in the signed
 * record, the words are for people.
 */
import type { JsonObject } from '../transcript/canonical';

export const ENTRY_WORDS: Readonly<Record<string, string>> = {
  'ceremony.opened': 'Ceremony opened',
  'worksheet.saved': 'Azure Information Worksheet saved',
  'key.generated': 'Source key generated',
  'escrow.written': 'Escrow written',
  'escrow.test-restored': 'Escrow test-restored',
  'holder-copy.written': 'Key-holder copy written',
  'activation.joined': 'Participant joined the activation',
  'activation.attested': 'Supervisor attested the activation',
  'vault.imported': 'Key imported into the vault',
  'activation.completed': 'Activation completed, key material wiped',
  'activation.cancelled': 'Activation cancelled',
  'registration.requested': 'Vault registration requested from the vendor',
  'registration.done': 'Vault registration confirmed by the vendor',
  'submission.receipt': 'Sealed submission received by the vendor',
  'status.changed': 'Primary key status received',
  'ceremony.closed': 'Ceremony closed',
  'ceremony.plan': 'Ceremony plan recorded (who takes part, with their keys)',
  'note.added': 'Note added',
  'vault.other-holder-chosen': 'Import for the other key holder chosen, with a warning',
  'aws.key-policy-applied': 'Key policy applied to the AWS KMS keys (the plan shown first)',
  'activation.aborted': 'Activation aborted, key material wiped',
  'activation.ended': 'Activation ended, key material wiped',
  'key-store.revoked': 'Key store revoked',
  'key-store.unrevoked': 'Key store unrevoked',
  'key-store.pulled': 'Key store pulled (deletion scheduled)',
  'key-store.restored': 'Key store restored',
  'key-store.backed-up': 'Vault-side backup taken',
  'rotation.started': 'Key rotation started',
  'rotation.key-added': 'Key rotation: new key generated and escrowed',
  'rotation.key-joined': 'Key rotation: new key found in this holder’s copy (re-sealed on another workstation)',
  'rotation.imported': 'Key rotation: new key imported into the vault',
  'rotation.submitted': 'Key rotation: new key-store values sent to the vendor',
  'rotation.available': 'Key rotation: new primary key Available',
  'rotation.old-key-no-longer-in-use': 'Key rotation: old key no longer in use',
  'rotation.old-key-disabled': 'Key rotation: old key disabled',
  'ceremony.step-out-of-order': 'Recorded out of order',
  'ceremony.step-repeated': 'Recorded again (already done)',
  'ceremony.step-disputed': 'Recorded while the receipts disagree',
};

/**
 * The same steps on an AWS KMS key store (seed 002), said in its words: the
 * entry's own fields show it (the AWS worksheet line, a key ARN, a location
 * arn:aws:kms:{Region}:{account} registered).
 */
const AWS_ENTRY_WORDS: Readonly<Record<string, string>> = {
  'worksheet.saved': 'AWS worksheet saved',
  'vault.imported': 'Key imported into AWS KMS',
  'registration.requested': 'Key store registration requested from the vendor',
  'registration.done': 'Key store registration confirmed by the vendor',
  'rotation.imported': 'Key rotation: new key imported into AWS KMS',
};

const isArn = (v: unknown) => typeof v === 'string' && v.startsWith('arn:');
const saysAws = (data: JsonObject) => data.provider === 'aws-kms' || isArn(data.keyVersionId) || isArn(data.vaultDnsName);

/** Entries that carry another step's entry because it did not count as progress when recorded. */
const isDeviationKind = (kind: string): boolean => kind.startsWith('ceremony.step-');

/**
 * An entry in words. A deviation names the step it carries ("Recorded out of
 * order: Supervisor attested the activation"); a kind this table does not know
 * (a newer app's entry) is said as such, never printed raw.
 */
export function entryWords(kind: string, data: JsonObject = {}): string {
  const own = ENTRY_WORDS[kind];
  if (isDeviationKind(kind)) {
    const c = carriedEntry(kind, data);
    const carried = typeof data.step === 'string' ? ((saysAws(c.data) ? AWS_ENTRY_WORDS[data.step] : undefined) ?? ENTRY_WORDS[data.step]) : undefined;
    return `${own ?? 'Recorded outside the ceremony’s order'}: ${carried ?? 'a ceremony step'}`;
  }
  return (saysAws(data) ? AWS_ENTRY_WORDS[kind] : undefined) ?? own ?? 'Other recorded entry';
}

/** The entry a deviation carries (its own fields), or the entry's own data. */
export function carriedEntry(kind: string, data: JsonObject): { kind: string; data: JsonObject } {
  if (isDeviationKind(kind) && typeof data.step === 'string' && data.entry && typeof data.entry === 'object' && !Array.isArray(data.entry)) {
    return { kind: data.step, data: data.entry as JsonObject };
  }
  return { kind, data };
}
