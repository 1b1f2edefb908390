/**
 * What each state means for documents and what to do (seed 000, "Key
 * health"), and the typed confirmations. A confirmation names the
 * consequence, so typing it is reading it.
 */
import type { PrimaryKeyStatus } from '../../../shared/control-plane/api';

export type Holder = 1 | 2;
export type KeyStoreState = 'Available' | 'Unavailable' | 'Revoked';
export type KeyStoreKind = 'azure-key-vault' | 'aws-kms';

export function other(h: Holder): Holder {
  return h === 1 ? 2 : 1;
}

/**
 * What the vendor answered when it holds no primary key with this key store yet: which key stores it has received and
 * where their validation stands. Null when no answer is at hand (not connected, or the vendor could not be asked).
 */
export interface VendorSeen {
  submitted: { holder1: boolean; holder2: boolean };
  validation: 'waiting_for_other_holder' | 'validated' | 'failed';
}

/** Why the vendor cannot say whether key store `o` is revoked, in words a key holder can act on. */
function vendorSilence(o: Holder, vendor: VendorSeen | null): { why: string; ask: string } {
  if (!vendor) return { why: 'no status from the vendor', ask: `Ask key holder ${o} whether key store ${o} is available, or connect to the vendor to read the primary key’s status.` };
  const otherIn = o === 1 ? vendor.submitted.holder1 : vendor.submitted.holder2;
  if (!otherIn) {
    return {
      why: `the vendor is connected but has no primary key yet: it waits for key store ${o}’s submission`,
      ask: `Ask key holder ${o} whether key store ${o} is available and when they submit it to the vendor; the vendor reports both key stores once it has both.`,
    };
  }
  if (vendor.validation === 'failed') {
    return { why: 'the vendor is connected but its validation of the two key stores failed, so it has no primary key', ask: `Ask key holder ${o} whether key store ${o} is available, and see the Submission screen for why the vendor’s validation failed.` };
  }
  if (vendor.validation === 'validated') {
    return { why: `the vendor reports key store ${o} as unreachable`, ask: `Ask key holder ${o} whether key store ${o} is available: the vendor cannot reach it now.` };
  }
  return { why: 'the vendor is connected but has no primary key yet: it is still validating both key stores', ask: `Ask key holder ${o} whether key store ${o} is available, and look again once the vendor has validated both key stores.` };
}

/** Where to look when a key cannot be reached: the Azure vault's client secret and access settings, or the AWS sign-in, key policy and key material. */
const UNREACHABLE_WHAT_TO_DO: Record<KeyStoreKind, string> = {
  'azure-key-vault': 'Check your network and sign in again. If the vendor also reports it unavailable, check the client secret’s expiry (worksheet line 4) and the vault’s access settings.',
  'aws-kms':
    'Check your network and your AWS sign-in, then look again. If the vendor also reports it unavailable, check that the key policy still grants the vendor’s role and that the imported key material has not expired (Expiry dates).',
};


export function meaningOf(
  state: KeyStoreState,
  holder: Holder,
  otherRevoked: boolean | null,
  seen: { keyStore?: KeyStoreKind; vendor?: VendorSeen | null } = {},
): { meaning: string; whatToDo: string } {
  const o = other(holder);
  if (state === 'Available') {
    return {
      meaning: 'The key can be reached and used for encryption and decryption.',
      whatToDo: otherRevoked ? `Key store ${o} is revoked: documents depend on this key store alone. Keep it available.` : 'Nothing to do.',
    };
  }
  if (state === 'Unavailable') {
    return {
      meaning:
        'The key cannot be reached with your sign-in, so its state cannot be assessed. It has NOT been revoked: only access to it is hindered (network, DNS, an expired or refused sign-in, a missing role).',
      whatToDo: UNREACHABLE_WHAT_TO_DO[seen.keyStore ?? 'azure-key-vault'],
    };
  }
  if (otherRevoked) {
    return {
      meaning: 'Both key stores are revoked: documents cannot be uploaded, viewed or downloaded. Encryption and decryption have stopped.',
      whatToDo: 'If this was not intended, unrevoke one key store at once. Either key store alone restores access.',
    };
  }
  if (otherRevoked === null) {
    // Without the vendor's status this workstation cannot see the other key store: saying documents still work would be a guess.
    const silence = vendorSilence(o, seen.vendor ?? null);
    return {
      meaning: `This key store is revoked (its key is disabled or removed). Whether documents still work depends on key store ${o}, whose state this workstation cannot see now (${silence.why}).`,
      whatToDo: `${silence.ask} If the revocation was not intended, unrevoke.`,
    };
  }
  return {
    meaning: `This key store is revoked (its key is disabled or removed). Documents still work: key store ${o} alone encrypts and decrypts.`,
    whatToDo: 'If the revocation was not intended, find out why quickly, then unrevoke. Keys can be unrevoked at any time.',
  };
}

export function vendorMeaning(status: PrimaryKeyStatus): string {
  switch (status) {
    case 'Available':
      return 'Both key stores are healthy: documents are encrypted and decrypted as usual.';
    case 'Key Store 1 Revoked':
    case 'Key Store 2 Revoked':
      return `${status.slice(0, 11)} is revoked. Documents still work through the other key store; if this was not intended, find the cause quickly.`;
    case 'Both Key Stores Revoked':
      return 'Both key stores are revoked: no document can be uploaded, viewed or downloaded until one is unrevoked.';
    case 'Unavailable':
      return 'The vendor cannot reach a key store (network, DNS or an expired client secret). It has not been revoked.';
  }
}

export type ConfirmAction = 'revoke' | 'revoke-both' | 'unrevoke' | 'pull' | 'pull-both' | 'restore' | 'disable-old';

/** The exact words to type (compared case-insensitively, spaces collapsed). */
export function confirmationText(action: ConfirmAction, holder: Holder, extra: { retentionDays?: number | null; keyName?: string; kmsKeyId?: string } = {}): string {
  const o = other(holder);
  switch (action) {
    case 'revoke':
      return `revoke key store ${holder}, documents depend on key store ${o} alone`;
    case 'revoke-both':
      return `revoke key store ${holder}, stop all encryption and decryption`;
    case 'unrevoke':
      return `unrevoke key store ${holder}`;
    case 'pull':
      return `pull key store ${holder}, restorable for ${extra.retentionDays ?? 90} days`;
    case 'pull-both':
      return `pull key store ${holder}, stop all encryption and decryption`;
    case 'restore':
      return `restore key store ${holder}`;
    case 'disable-old':
      // A KMS key has no versions: it is named by its key ID.
      if (extra.kmsKeyId) return `disable old KMS key ${extra.kmsKeyId} in key store ${holder}`;
      return `disable old key ${extra.keyName ?? ''} in key store ${holder}`.replace(/\s+/g, ' ');
  }
}

export function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}
