/**
 * What Key Holder tracks so that no key store silently loses its access:
 * every credential and date that keeps the vendor able to reach a holder's
 * vault, per key store of every ceremony on this workstation.
 */
import { z } from 'zod';

export const trackedKinds = ['client-secret', 'app-credential', 'certificate', 'vault-key-exp', 'kms-key-material', 'enrolment-token'] as const;
export type TrackedKind = (typeof trackedKinds)[number];

/** Where the date came from: Graph when signed in, else what the holder wrote on the worksheet, the vault's own `exp`, or the `ValidTo` an AWS KMS import was made with. */
const trackedSources = ['graph', 'worksheet', 'vault', 'kms'] as const;

export const trackedItemSchema = z.object({
  kind: z.enum(trackedKinds),
  /** The ceremony this key store belongs to (its id or name on this workstation). */
  ceremony: z.string().min(1),
  /** Which key holder's key store ("holder-1", "holder-2"). */
  holder: z.string().min(1),
  /**
   * What exactly expires, stable across refreshes: the secret's Graph keyId,
   * a certificate's keyId, the vault key identifier, the enrolment token id.
   * With kind, ceremony and holder it forms the item's identity.
   */
  subject: z.string().min(1),
  /** Short human label, e.g. "Client secret (worksheet line 4) ‘kh-2026’". */
  label: z.string().min(1),
  source: z.enum(trackedSources),
  /** ISO-8601 instant. */
  expiresAt: z.string().datetime({ offset: true }),
  /** Overrides the kind's default consequence when something more specific is known. */
  breaks: z.string().optional(),
  /** Overrides the kind's default action. */
  action: z.string().optional(),
});
export type TrackedItem = z.infer<typeof trackedItemSchema>;

/**
 * The item's identity. Fired reminders, snoozes and calendar UIDs hang off
 * this, so it must not contain anything that changes when the date is
 * refreshed (the label, the source, the date itself).
 */
export function trackedItemId(item: Pick<TrackedItem, 'kind' | 'ceremony' | 'holder' | 'subject'>): string {
  return [item.kind, item.ceremony, item.holder, item.subject].map((p) => encodeURIComponent(p)).join('/');
}

const defaultBreaks: Record<TrackedKind, string> = {
  'client-secret':
    'The vendor can no longer sign in to your vault: existing documents cannot be decrypted and nothing new can be uploaded or encrypted.',
  'app-credential':
    'One of the credentials that keeps the key store’s application able to sign in stops working; if it is the one the vendor uses, the vendor loses access to your vault.',
  certificate: 'The application can no longer sign in with this certificate; if the vendor relies on it, the vendor loses access to your vault.',
  'vault-key-exp': 'The key in your vault stops wrapping: the vendor cannot protect new content with it.',
  'kms-key-material':
    'AWS KMS deletes the imported key material and refuses every use of the key: the vendor can no longer decrypt your data, which hides every matter and blocks SSO log-ins.',
  'enrolment-token': 'This workstation can no longer send sealed updates (such as new credentials) to the vendor’s control plane.',
};

const defaultActions: Record<TrackedKind, string> = {
  'client-secret': 'Rotate the client secret with Key Holder’s credential rotation, then keep the old one for 24 hours.',
  'app-credential': 'Check whether anything still uses this credential; rotate it or remove it on purpose.',
  certificate: 'Renew the certificate and upload the new one to the application before this date.',
  'vault-key-exp': 'Extend the key’s expiry date in your vault (a key holder with Key Vault Crypto Officer can do it).',
  'kms-key-material':
    'Before this date, on the Key store lifecycle screen choose “Extend the expiry”: the same key material is imported into the same KMS key again, from your key-holder copy under a supervised activation, with a later expiry or none (AWS KMS accepts the same material again).',
  'enrolment-token': 'Ask the vendor’s administrator for a new enrolment and enrol this workstation again.',
};

export function breaksWhenLapsed(item: TrackedItem): string {
  return item.breaks ?? defaultBreaks[item.kind];
}

export function actionFor(item: TrackedItem): string {
  return item.action ?? defaultActions[item.kind];
}
