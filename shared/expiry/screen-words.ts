/**
 * The Expiry dates screen's explanatory text, in the words of the key store
 * the settings choose: on Azure the client secret, certificates and the
 * vault key's date (dates read from Microsoft Graph or the worksheet); on AWS
 * the imported KMS key material's expiry, and no client secret at all (the
 * vendor reaches the KMS key through its role, which does not expire).
 * Pure, so the screen's wording is tested without a page.
 */
import type { KeyStoreProvider } from '../settings/key-store';
import type { TrackedKind } from './model';
import { formatMoment } from '../format/dates';

export interface DatesFrom {
  from: 'graph' | 'graph-earlier' | 'worksheet';
  account?: string | undefined;
  readAt?: string | undefined;
  problem?: string | undefined;
}

/** The paragraph above the list: what is tracked and why it matters. */
export function expiryIntro(keyStore: KeyStoreProvider): string {
  const what =
    keyStore === 'aws-kms'
      ? 'The expiry of the key material imported into your AWS KMS key, and every other date that keeps the vendor able to use your key store (the vendor reaches the KMS key through its role; there is no client secret to expire)'
      : 'Every secret, certificate, key date and token that keeps the vendor able to reach your vault';
  return `${what}, most urgent first.`;
}

/** Said when nothing is tracked: where the dates come from for this key store. */
export function nothingTrackedText(keyStore: KeyStoreProvider): string {
  return keyStore === 'aws-kms'
    ? 'Nothing is tracked yet. The key material’s expiry is listed once it is imported into AWS KMS with an expiry date (Import into AWS KMS, or Extend the expiry on the Key store lifecycle screen); material that does not expire has no date to track.'
    : 'Nothing is tracked yet. Fill in the worksheet (line 4 and its expiry date), or sign in so Key Holder can read the dates from Microsoft Graph.';
}

/**
 * Where the client-secret dates come from, said once above the list: the same Graph dates as Credential rotation
 * when signed in. Null on AWS unless a client secret is listed anyway (kept from before the settings chose AWS).
 */
export function datesSourceText(keyStore: KeyStoreProvider, dates: DatesFrom, listedKinds: readonly TrackedKind[]): { tone: 'info' | 'warning'; text: string } | null {
  if (keyStore === 'aws-kms' && !listedKinds.includes('client-secret')) return null;
  const problem = dates.problem ? ` Microsoft Graph was not read just now: ${dates.problem}` : '';
  const text =
    dates.from === 'graph'
      ? `Client-secret dates read from Microsoft Graph just now${dates.account ? `, signed in as ${dates.account}` : ''}: the same dates the Credential rotation screen shows.`
      : dates.from === 'graph-earlier'
        ? `Client-secret dates as Microsoft Graph listed them on ${formatMoment(dates.readAt ?? '', { zone: true })}.${problem}${dates.account ? '' : ' Sign in on the Credential rotation screen to read them again.'}`
        : `Client-secret dates as written on the worksheet, which may be out of date.${problem} Sign in on the Credential rotation screen so Key Holder reads them from Microsoft Graph.`;
  return { tone: dates.from === 'graph' ? 'info' : 'warning', text };
}
