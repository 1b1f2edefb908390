import { describe, expect, it } from 'vitest';
import { effectiveKeyStore, keyStoreChangesToManaged, keyStorePolicySchema, keyStoreProblems, keyStoreSettingsSchema } from './key-store';
import { checkPolicy, effectiveConfiguration } from './policy';

const IC = { method: 'identity-center', startUrl: 'https://d-1234567890.awsapps.com/start', ssoRegion: 'eu-west-2' } as const;

describe('key-store settings', () => {
  it('defaults to Azure Key Vault when nothing is set', () => {
    expect(effectiveKeyStore(undefined, undefined)).toMatchObject({ value: { provider: 'azure-key-vault' }, providerSource: 'default', managed: [] });
  });

  it('AWS KMS needs a Region and a sign-in; China Regions, bad start URLs, endpoints with paths and odd profile names are refused in the field’s words', () => {
    const bad = keyStoreSettingsSchema.safeParse({ provider: 'aws-kms' });
    expect(bad.success).toBe(false);
    expect(keyStoreProblems(bad.error!)[0]!.message).toMatch(/Region and how you sign in/);
    const china = keyStoreSettingsSchema.safeParse({ provider: 'aws-kms', aws: { region: 'cn-north-1', signIn: IC } });
    expect(keyStoreProblems(china.error!).map((p) => p.message).join(' ')).toMatch(/China/);
    const url = keyStoreSettingsSchema.safeParse({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { ...IC, startUrl: 'http://d-1.awsapps.com/start' } } });
    expect(keyStoreProblems(url.error!)).toEqual([expect.objectContaining({ field: 'startUrl', message: expect.stringMatching(/^AWS access portal URL/) as string })]);
    const ep = keyStoreSettingsSchema.safeParse({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: IC, kmsEndpoint: 'https://kms.example/path' } });
    expect(keyStoreProblems(ep.error!)[0]).toMatchObject({ field: 'kmsEndpoint' });
    const profile = keyStoreSettingsSchema.safeParse({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'a b' } } });
    expect(keyStoreProblems(profile.error!)[0]).toMatchObject({ field: 'profile' });
    expect(keyStoreSettingsSchema.safeParse({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'holder1' }, kmsEndpoint: 'https://kms-fips.eu-west-2.amazonaws.com' } }).success).toBe(true);
  });

  it('IT’s policy pins fields over the holder’s settings, and a save that changes a pinned field is caught', () => {
    const policy = keyStorePolicySchema.parse({ provider: 'aws-kms', aws: { signIn: IC } });
    const saved = keyStoreSettingsSchema.parse({ provider: 'azure-key-vault', aws: { region: 'eu-west-1', signIn: { method: 'profile', profile: 'mine' } } });
    const eff = effectiveKeyStore(policy, saved);
    expect(eff.value).toEqual({ provider: 'aws-kms', aws: { region: 'eu-west-1', signIn: IC } });
    expect(eff.managed).toEqual(['provider', 'signIn']);
    expect(eff.providerSource).toBe('policy');
    const next = keyStoreSettingsSchema.parse({ provider: 'aws-kms', aws: { region: 'eu-central-1', signIn: { method: 'profile', profile: 'mine' } } });
    expect(keyStoreChangesToManaged(eff, next)).toEqual(['signIn']);
    expect(keyStoreChangesToManaged(eff, { provider: 'aws-kms', aws: { region: 'eu-central-1', signIn: IC } })).toEqual([]);
  });

  it('a managed policy file with a key store reads through the same precedence (and a wrong one is refused)', () => {
    const p = checkPolicy({ keyStore: { provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: IC } } }, '/etc/keyholder/policy.json');
    expect(p.problems).toEqual([]);
    const cfg = effectiveConfiguration({ policy: p, saved: {}, env: {} });
    expect(cfg.keyStore.value?.provider).toBe('aws-kms');
    expect(checkPolicy({ keyStore: { provider: 'gcp-kms' } }, 'p').problems).not.toEqual([]);
  });
});
