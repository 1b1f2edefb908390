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

/**
 * The IAM Identity Center approval page Key Holder may open: https on AWS's
 * device page for the Identity Center Region (device.sso.REGION.amazonaws.com),
 * or on the host of the configured OIDC endpoint override (the rehearsal's).
 * The address comes from StartDeviceAuthorization's answer: an endpoint that
 * answered with another site must not get it opened under Key Holder's name.
 */
export function isAwsApprovalUrl(url: string, o: { ssoRegion: string; oidcEndpoint?: string }): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '') return false;
  if (o.oidcEndpoint) {
    try {
      return u.host === new URL(o.oidcEndpoint).host;
    } catch {
      return false;
    }
  }
  return u.port === '' && u.hostname === `device.sso.${o.ssoRegion}.amazonaws.com`;
}
