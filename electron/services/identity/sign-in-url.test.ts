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
