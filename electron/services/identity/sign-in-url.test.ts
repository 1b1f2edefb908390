import { describe, expect, it } from 'vitest';
import { assertSignInUrl, isSignInUrl } from './sign-in-url';

describe('the browser opens only the configured authority', () => {
  const live = 'https://login.microsoftonline.com';
  const rehearsal = 'https://localhost:8443';
  it('accepts the authority’s own sign-in pages', () => {
    expect(isSignInUrl('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize?client_id=x', live)).toBe(true);
    expect(isSignInUrl('https://LOGIN.microsoftonline.com/common/oauth2/v2.0/authorize', `${live}/`)).toBe(true);
    expect(isSignInUrl('https://localhost:8443/t/oauth2/v2.0/authorize', rehearsal)).toBe(true);
  });
  it('refuses any other https site, look-alikes, user info, other ports and schemes', () => {
    for (const bad of [
      'https://evil.example/login',
      'https://login.microsoftonline.com.evil.example/x',
      'https://login.microsoftonline.com@evil.example/x',
      'https://user:pw@login.microsoftonline.com/x',
      'https://login.microsoftonline.com:444/x',
      'http://login.microsoftonline.com/x',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isSignInUrl(bad, live), bad).toBe(false);
    }
    expect(isSignInUrl('https://localhost:9999/x', rehearsal)).toBe(false);
    expect(isSignInUrl('https://login.microsoftonline.com/x', undefined)).toBe(false);
    expect(() => assertSignInUrl('https://evil.example/', live)).toThrow(expect.objectContaining({ code: 'identity.browser_url_refused' }));
  });
});

describe('the browser opens only AWS’s device approval page', () => {
  it('accepts the Identity Center Region’s device page, or the override’s host', async () => {
    const { isAwsApprovalUrl } = await import('./sign-in-url');
    expect(isAwsApprovalUrl('https://device.sso.eu-west-2.amazonaws.com/?user_code=ABCD-EFGH', { ssoRegion: 'eu-west-2' })).toBe(true);
    expect(isAwsApprovalUrl('https://oidc.rehearsal.localhost:8443/device?user_code=X', { ssoRegion: 'eu-west-2', oidcEndpoint: 'https://oidc.rehearsal.localhost:8443' })).toBe(true);
    for (const bad of [
      'https://device.sso.us-east-1.amazonaws.com/',
      'https://device.sso.eu-west-2.amazonaws.com.evil.example/',
      'https://x@device.sso.eu-west-2.amazonaws.com/',
      'https://device.sso.eu-west-2.amazonaws.com:444/',
      'http://device.sso.eu-west-2.amazonaws.com/',
      'javascript:alert(1)',
    ]) {
      expect(isAwsApprovalUrl(bad, { ssoRegion: 'eu-west-2' }), bad).toBe(false);
    }
    expect(isAwsApprovalUrl('https://evil.example/device', { ssoRegion: 'eu-west-2', oidcEndpoint: 'https://oidc.rehearsal.localhost:8443' })).toBe(false);
  });
});
