import { describe, expect, it } from 'vitest';
import { notarisationCredentials, signingPlan } from './signing';

describe('signing plan', () => {
  it('Windows: signs with a certificate from the environment, warns clearly without one', () => {
    expect(signingPlan('win', { WIN_CSC_LINK: 'cert.pfx', WIN_CSC_KEY_PASSWORD: 'x' })).toMatchObject({ sign: true, warnings: [] });
    expect(signingPlan('win', { CSC_LINK: 'cert.pfx' }).sign).toBe(true);
    const none = signingPlan('win', { WIN_CSC_LINK: '  ' });
    expect(none.sign).toBe(false);
    expect(none.warnings.join(' ')).toMatch(/UNSIGNED.*WIN_CSC_LINK/);
  });

  it('macOS without a certificate: unsigned on purpose (no keychain guess), not notarised, and says so', () => {
    const p = signingPlan('mac', { APPLE_ID: 'a', APPLE_APP_SPECIFIC_PASSWORD: 'b', APPLE_TEAM_ID: 'c' });
    expect(p).toMatchObject({ sign: false, notarize: false, config: { mac: { notarize: false, identity: null } }, env: { CSC_IDENTITY_AUTO_DISCOVERY: 'false' } });
    expect(p.warnings.join(' ')).toMatch(/UNSIGNED.*CSC_LINK/);
  });

  it('macOS signed without Apple credentials: signed, not notarised, and says how to notarise', () => {
    const p = signingPlan('mac', { CSC_LINK: 'dev-id.p12', CSC_KEY_PASSWORD: 'x' });
    expect(p).toMatchObject({ sign: true, notarize: false, config: { mac: { notarize: false } }, env: {} });
    expect(p.warnings.join(' ')).toMatch(/NOT notarised.*APPLE_API_KEY/);
  });

  it('macOS with certificate and any complete Apple credential set: signed and notarised, no warning', () => {
    for (const creds of [
      { APPLE_API_KEY: 'k.p8', APPLE_API_KEY_ID: 'id', APPLE_API_ISSUER: 'iss' },
      { APPLE_ID: 'a@b', APPLE_APP_SPECIFIC_PASSWORD: 'p', APPLE_TEAM_ID: 't' },
      { APPLE_KEYCHAIN: 'k', APPLE_KEYCHAIN_PROFILE: 'p' },
    ]) {
      const p = signingPlan('mac', { CSC_LINK: 'dev-id.p12', ...creds });
      expect(p).toMatchObject({ sign: true, notarize: true, warnings: [], config: { mac: { notarize: true } } });
    }
  });

  it('an incomplete Apple credential set does not count', () => {
    expect(notarisationCredentials({ APPLE_API_KEY: 'k', APPLE_API_KEY_ID: 'id' })).toBeNull();
    expect(notarisationCredentials({ APPLE_ID: 'a', APPLE_TEAM_ID: 't', APPLE_APP_SPECIFIC_PASSWORD: '' })).toBeNull();
  });

  it('Linux has nothing to sign and nothing to warn about', () => {
    expect(signingPlan('linux', {})).toMatchObject({ sign: false, warnings: [] });
  });
});
