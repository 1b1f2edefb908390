import { describe, expect, it } from 'vitest';
import { checkField, checkLiveSettings, endpointsOf, FIELD_HELP, type SettingsField } from './live-settings';
import { CLOUD_PRESETS } from './clouds';
import { checkPolicy, changesToManaged, effectiveConfiguration, NO_POLICY } from './policy';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const CUSTOM = {
  authorityHost: 'https://login.local.azurestack.external',
  keyVaultDnsSuffix: '.vault.local.azurestack.external',
  managedHsmDnsSuffix: '.managedhsm.local.azurestack.external',
  keyVaultScope: 'https://vault.local.azurestack.external/.default',
  graphEndpoint: 'https://graph.local.azurestack.external',
  graphScope: 'https://graph.local.azurestack.external/.default',
  resourceManagerEndpoint: 'https://management.local.azurestack.external',
  resourceManagerScope: 'https://management.local.azurestack.external/.default',
};

describe('live settings: each field checked as typed', () => {
  const bad: [SettingsField, unknown, RegExp][] = [
    ['tenant', 'not a tenant', /^Tenant: .*GUID.*domain/],
    ['tenant', '', /^Tenant: /],
    ['tenant', 'contoso', /^Tenant: /],
    ['clientId', 'abc', /^Application \(client\) ID: .*GUID/],
    ['clientId', `${CLIENT}x`, /^Application \(client\) ID: /],
    ['cloud', 'mars', /^Cloud: choose/],
    ['authorityHost', 'http://login.example.com', /^Sign-in \(authority\) host: .*https/],
    ['authorityHost', 'https://login.example.com/tenant', /without a path/],
    ['authorityHost', 'https://user:pw@login.example.com', /^Sign-in/],
    ['keyVaultDnsSuffix', 'vault.azure.net', /starting with a dot/],
    ['keyVaultDnsSuffix', '.Vault.Azure.Net', /lower case/],
    ['keyVaultDnsSuffix', '.net', /^Key Vault DNS suffix/],
    ['managedHsmDnsSuffix', '.managed hsm.net', /^Managed HSM DNS suffix/],
    ['keyVaultScope', 'https://vault.azure.net', /\/\.default/],
    ['graphEndpoint', 'https://graph.microsoft.com/v1.0', /without a path/],
    ['graphScope', 'graph', /^Microsoft Graph token scope/],
    ['resourceManagerEndpoint', 'ftp://management.azure.com', /^Resource Manager endpoint/],
    ['resourceManagerScope', 'https://management.azure.com/', /^Resource Manager token scope/],
    ['vaultUrl', 'contoso.vault.azure.net', /^Your vault: /],
    ['controlPlaneFingerprint', 'sha256:ABC', /^Control plane key fingerprint/],
  ];
  it.each(bad)('%s = %j is refused, naming the field and what to enter, with its doc step', (field, value, message) => {
    const p = checkField(field, value);
    expect(p?.field).toBe(field);
    expect(p?.message).toMatch(message);
    expect(p?.help).toEqual(FIELD_HELP[field]);
    expect(p?.help.href).toMatch(/^docs\/live-mode\.md#step-|^docs\/live-mode\.md#managed/);
  });

  it('accepts good values, GUID or verified domain for the tenant', () => {
    for (const [f, v] of [
      ['tenant', TENANT],
      ['tenant', 'contoso.onmicrosoft.com'],
      ['tenant', ' contoso.com '],
      ['clientId', CLIENT],
      ['authorityHost', 'https://localhost:8443'],
      ['keyVaultDnsSuffix', '.vault.rehearsal.localhost'],
      ['keyVaultScope', 'https://vault.rehearsal.localhost/.default'],
      ['controlPlaneFingerprint', `sha256:${'a'.repeat(64)}`],
    ] as [SettingsField, string][]) {
      expect(checkField(f, v), `${f}=${v}`).toBeNull();
    }
  });
});

describe('live settings as a whole', () => {
  it('a preset cloud needs tenant and client ID; its endpoints come from the preset', () => {
    const r = checkLiveSettings({ tenant: TENANT, clientId: CLIENT, cloud: 'usgov' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(endpointsOf(r.value)).toEqual(CLOUD_PRESETS.usgov);
  });

  it('a custom cloud needs all of its endpoints, and names each one that is wrong', () => {
    const none = checkLiveSettings({ tenant: TENANT, clientId: CLIENT, cloud: 'custom' });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.problems.map((p) => p.field)).toEqual(['custom']);
    const bad = checkLiveSettings({ tenant: TENANT, clientId: CLIENT, cloud: 'custom', custom: { ...CUSTOM, graphScope: 'x', authorityHost: 'http://a.b' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.field).sort()).toEqual(['authorityHost', 'graphScope']);
    const ok = checkLiveSettings({ tenant: 'contoso.com', clientId: CLIENT, cloud: 'custom', custom: CUSTOM, expiryTracking: true });
    expect(ok.ok && endpointsOf(ok.value).graphEndpoint).toBe(CUSTOM.graphEndpoint);
  });

  it('missing fields are named in plain words, and unknown fields are refused', () => {
    const r = checkLiveSettings({ cloud: 'public' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.find((p) => p.field === 'tenant')?.message).toBe('Tenant: fill this in.');
      expect(r.problems.find((p) => p.field === 'clientId')?.message).toMatch(/^Application \(client\) ID: fill this in/);
    }
    expect(checkLiveSettings({ tenant: TENANT, clientId: CLIENT, cloud: 'public', clientSecret: 'x' }).ok).toBe(false);
  });
});

describe('precedence: policy, then settings, then the environment', () => {
  const env = { KEYHOLDER_LIVE_CLIENT_ID: CLIENT, KEYHOLDER_LIVE_TENANT_ID: 'env.example.com', KEYHOLDER_LIVE_CLOUD: 'china' };

  it('with nothing set it is the first run, in rehearsal', () => {
    const c = effectiveConfiguration({ policy: NO_POLICY, saved: {}, env: {} });
    expect(c).toMatchObject({ mode: 'rehearsal', modeChosen: false, rehearsalAllowed: true, live: null, managed: [] });
  });

  it('the environment alone makes a live workstation (the old way still works)', () => {
    const c = effectiveConfiguration({ policy: NO_POLICY, saved: {}, env });
    expect(c.mode).toBe('live');
    expect(c.live).toMatchObject({ clientId: CLIENT, tenant: 'env.example.com', cloud: 'china' });
    expect(c.sources).toMatchObject({ clientId: 'environment', tenant: 'environment' });
  });

  it('saved settings beat the environment, policy beats both and is reported managed', () => {
    const saved = { mode: 'live' as const, live: { tenant: 'saved.example.com', clientId: CLIENT, cloud: 'public' as const, expiryTracking: false } };
    const policy = checkPolicy({ tenant: TENANT, controlPlane: { url: 'https://cp.vendor.example', fingerprint: `sha256:${'b'.repeat(64)}` } }, '/etc/keyholder/policy.json');
    const c = effectiveConfiguration({ policy, saved, env });
    expect(c.live).toMatchObject({ tenant: TENANT, cloud: 'public', clientId: CLIENT });
    expect(c.sources).toMatchObject({ tenant: 'policy', cloud: 'settings' });
    expect(c.managed).toEqual(['tenant']);
    expect(c.controlPlane?.url).toBe('https://cp.vendor.example');
    expect(changesToManaged(c, { ...saved.live, tenant: 'other.example.com' })).toEqual(['tenant']);
    expect(changesToManaged(c, { ...saved.live, tenant: TENANT, cloud: 'usgov' })).toEqual([]);
  });

  it('policy can forbid rehearsal: the workstation is live even before anything is configured', () => {
    const c = effectiveConfiguration({ policy: checkPolicy({ allowRehearsal: false }, 'HKLM\\Software\\Policies\\KeyHolder'), saved: { mode: 'rehearsal' }, env: {} });
    expect(c).toMatchObject({ mode: 'live', rehearsalAllowed: false, live: null });
    expect(c.problems.map((p) => p.field)).toContain('clientId');
  });

  it('an invalid policy fails closed: no live settings, no rehearsal, and a message for IT', () => {
    const policy = checkPolicy({ tenant: 'nope', allowRehearsal: true }, '/etc/keyholder/policy.json');
    expect(policy.problems[0]?.message).toMatch(/policy \(\/etc\/keyholder\/policy\.json\) is invalid: Tenant: .*IT department/);
    const c = effectiveConfiguration({ policy, saved: { mode: 'live', live: { tenant: TENANT, clientId: CLIENT, cloud: 'public', expiryTracking: false } }, env: {} });
    expect(c.live).toBeNull();
    expect(c.rehearsalAllowed).toBe(false);
    expect(checkPolicy({ unknownKey: 1 }, 'x').problems).toHaveLength(1);
  });

  it('a preset cloud chosen above a custom one drops the custom endpoints', () => {
    const c = effectiveConfiguration({ policy: checkPolicy({ cloud: 'public' }, 'p'), saved: { mode: 'live', live: { tenant: TENANT, clientId: CLIENT, cloud: 'custom', custom: CUSTOM, expiryTracking: false } }, env: {} });
    expect(c.live?.custom).toBeUndefined();
    expect(c.live?.cloud).toBe('public');
  });
});
