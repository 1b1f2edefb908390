/**
 * What the app lets `shell.openExternal` open: the sign-in page of the
 * configured authority only. Any https URL would let a bug, or a compromised
 * page reaching the sign-in path, open an arbitrary site in the holder's
 * browser under Key Holder's name (issue 16). Pure: main calls it.
 */
import { KeyholderError } from '../../../shared/errors/index';

/** True when `url` is https on exactly the authority's host and port, without user info. */
export function isSignInUrl(url: string, authorityHost: string | undefined): boolean {
  if (!authorityHost) return false;
  let u: URL;
  let a: URL;
  try {
    u = new URL(url);
    a = new URL(authorityHost);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && a.protocol === 'https:' && u.username === '' && u.password === '' && u.host === a.host;
}

export function assertSignInUrl(url: string, authorityHost: string | undefined): void {
  if (!isSignInUrl(url, authorityHost)) {
    throw new KeyholderError('identity.browser_url_refused', 'Key Holder opens only the sign-in page of the configured Microsoft Entra authority in your browser, and this address is not one. Nothing was opened.');
  }
}
