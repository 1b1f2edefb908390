/**
 * What `npm run package` can sign and notarise with the credentials in the
 * environment, and what it must say when it cannot. Pure (the environment is
 * passed in), so every combination is tested; package.ts applies the plan.
 *
 * The variable names are electron-builder's own (docs/release.md lists them).
 */
export type Os = 'win' | 'mac' | 'linux';

export interface SigningPlan {
  sign: boolean;
  notarize: boolean;
  /** Printed before packaging; with --require-signing each one stops the build. */
  warnings: string[];
  /** Merged over electron-builder.yml for this run. */
  config: Record<string, unknown>;
  /** Set in the environment electron-builder runs with. */
  env: Record<string, string>;
}

const set = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? '').trim() !== '';

/** Apple's three accepted credential sets for notarisation (electron-builder reads them itself). */
export function notarisationCredentials(env: NodeJS.ProcessEnv): string | null {
  if (['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'].every((n) => set(env, n))) return 'App Store Connect API key';
  if (['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'].every((n) => set(env, n))) return 'Apple ID';
  if (['APPLE_KEYCHAIN', 'APPLE_KEYCHAIN_PROFILE'].every((n) => set(env, n))) return 'keychain profile';
  return null;
}

export function signingPlan(os: Os, env: NodeJS.ProcessEnv): SigningPlan {
  if (os === 'win') {
    const sign = set(env, 'WIN_CSC_LINK') || set(env, 'CSC_LINK');
    return {
      sign,
      notarize: false,
      warnings: sign
        ? []
        : ['Windows installers will be UNSIGNED: SmartScreen warns whoever runs them and IT cannot allow them by publisher. Set WIN_CSC_LINK (the .pfx file, or its base64) and WIN_CSC_KEY_PASSWORD to sign.'],
      config: {},
      env: {},
    };
  }
  if (os === 'mac') {
    const sign = set(env, 'CSC_LINK') || set(env, 'CSC_NAME');
    const creds = notarisationCredentials(env);
    const warnings: string[] = [];
    if (!sign) warnings.push('The macOS app will be UNSIGNED (and so not notarised): Gatekeeper refuses to open it on other Macs. Set CSC_LINK (Developer ID Application certificate, .p12 or base64) and CSC_KEY_PASSWORD to sign.');
    else if (!creds)
      warnings.push('The macOS app will be signed but NOT notarised: Gatekeeper blocks it on first open. Set APPLE_API_KEY, APPLE_API_KEY_ID and APPLE_API_ISSUER (or APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID) to notarise.');
    return {
      sign,
      notarize: sign && creds !== null,
      warnings,
      // Unsigned: say so explicitly instead of letting electron-builder pick whatever identity the keychain holds.
      config: { mac: { notarize: sign && creds !== null, ...(sign ? {} : { identity: null }) } },
      env: sign ? {} : { CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
    };
  }
  // AppImage and deb carry no signature of their own here: the release publishes SHA256SUMS beside them.
  return { sign: false, notarize: false, warnings: [], config: {}, env: {} };
}
