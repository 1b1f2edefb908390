import { describe, expect, it } from 'vitest';
import { emptyHolder, type HolderWorksheet, type RuleContext } from './model';
import { clientSecretRefusal, missingFields, parseVaultHost, validateAcrossHolders, validateHolder, validateWorksheet, vaultNameProblem } from './rules';

const now = new Date('2026-11-27T10:00:00Z');
const live: RuleContext = { mode: 'live', now };
const rehearsal: RuleContext = { mode: 'rehearsal', now };

const V1 = '7668e37b63f6433fa285434f23a58b1b';
const V2 = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
function holder(over: Partial<HolderWorksheet> = {}): HolderWorksheet {
  return {
    vaultHost: 'azurevault1.vault.azure.net',
    keyIdentifier: `https://azurevault1.vault.azure.net/keys/ajubalaw-2/${V1}`,
    clientId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    keyName: 'ajubalaw-2',
    secretCreatedOn: '2026-06-01',
    secretExpiresOn: '2027-06-01',
    clientSecret: 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46',
    ...over,
  };
}
function holder2(over: Partial<HolderWorksheet> = {}): HolderWorksheet {
  return holder({
    vaultHost: 'azurevault2.vault.azure.net',
    keyIdentifier: `https://azurevault2.vault.azure.net/keys/ajubalaw-2/${V2}`,
    clientId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    clientSecret: 'Zq8~other.secret_value-for-holder2',
    ...over,
  });
}
const codes = (h: HolderWorksheet, ctx: RuleContext = live) => validateHolder(1, h, ctx).filter((i) => i.severity !== 'info').map((i) => `${i.field}:${i.code}`);

describe('a complete, correct worksheet', () => {
  it('has no issues for either holder, live', () => {
    expect(validateWorksheet(holder(), holder2(), live)).toEqual([]);
  });
  it('has nothing missing', () => {
    expect(missingFields(holder(), false)).toEqual([]);
    expect(missingFields(emptyHolder(), false)).toHaveLength(8);
    expect(missingFields({ ...holder(), clientSecret: undefined }, true)).toEqual([]);
  });
  it('treats empty fields as not yet filled, not as errors', () => {
    expect(validateHolder(1, emptyHolder(), live)).toEqual([]);
  });
});

describe('line 1: key vault DNS name', () => {
  it.each([
    ['azurevault1.vault.azure.net'],
    ['contoso-kv.vault.azure.cn'],
    ['contoso-kv.vault.usgovcloudapi.net'],
    ['contoso-kv.vault.microsoftazure.de'],
    ['contosohsm.managedhsm.azure.net'],
    ['AzureVault1.Vault.Azure.Net'],
  ])('accepts %s', (host) => {
    expect(codes(holder({ vaultHost: host, keyIdentifier: '' })).filter((c) => !c.endsWith('closed_cloud'))).toEqual([]);
  });
  it('warns that the German cloud closed', () => {
    expect(codes(holder({ vaultHost: 'kv1.vault.microsoftazure.de', keyIdentifier: '' }))).toEqual(['vaultHost:vault_host_closed_cloud']);
  });
  it.each([
    ['https://azurevault1.vault.azure.net/', 'vault_host_not_dns_name'],
    ['azurevault1.vault.azure.net/keys', 'vault_host_not_dns_name'],
    ['azure vault.vault.azure.net', 'vault_host_spaces'],
    ['azurevault1.blob.core.windows.net', 'vault_host_not_azure'],
    ['vault.azure.net', 'vault_host_not_azure'],
    ['azurevault1.vault.azure.net:443', 'vault_host_port'],
    ['kv.vault.azure.net', 'vault_name_length'],
    ['a123456789012345678901234.vault.azure.net', 'vault_name_length'],
    ['kv_1.vault.azure.net', 'vault_name_chars'],
    ['a.b.vault.azure.net', 'vault_name_chars'],
    ['1vault.vault.azure.net', 'vault_name_start'],
    ['-vault.vault.azure.net', 'vault_name_start'],
    ['my--vault.vault.azure.net', 'vault_name_double_hyphen'],
    ['myvault-.vault.azure.net', 'vault_name_trailing_hyphen'],
  ])('refuses %s (%s)', (host, code) => {
    expect(codes(holder({ vaultHost: host, keyIdentifier: '' }))).toEqual([`vaultHost:${code}`]);
  });
  it('vault-name rules accept the limits (3 and 24 characters)', () => {
    expect(vaultNameProblem('abc')).toBeNull();
    expect(vaultNameProblem('a' + '1'.repeat(23))).toBeNull();
    expect(vaultNameProblem('a-b-c')).toBeNull();
  });
  it('the message names the vault and the rule', () => {
    const [i] = validateHolder(1, holder({ vaultHost: 'my--vault.vault.azure.net', keyIdentifier: '' }), live);
    expect(i).toMatchObject({ holder: 1, line: 1, severity: 'error' });
    expect(i!.message).toContain('my--vault');
    expect(i!.message).toContain('two hyphens');
  });
});

describe('rehearsal vault hosts', () => {
  const host = 'holder1.vault.rehearsal.localhost:8443';
  const id = `https://${host}/keys/ajubalaw-2/${V1}`;
  it('are accepted in rehearsal mode, with a note saying rehearsal only', () => {
    const issues = validateHolder(1, holder({ vaultHost: host, keyIdentifier: id }), rehearsal);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'info', code: 'vault_host_rehearsal', line: 1 });
    expect(issues[0]!.message).toMatch(/rehearsal only/);
    expect(validateHolder(1, holder({ vaultHost: 'holder1.vault.rehearsal.localhost', keyIdentifier: '' }), rehearsal).map((i) => i.severity)).toEqual(['info']);
  });
  it('are refused in live mode', () => {
    expect(codes(holder({ vaultHost: host, keyIdentifier: '' }), live)).toEqual(['vaultHost:vault_host_rehearsal_in_live']);
  });
  it('still follow the vault-name rules and port range', () => {
    expect(codes(holder({ vaultHost: 'h1.vault.rehearsal.localhost', keyIdentifier: '' }), rehearsal)).toEqual(['vaultHost:vault_name_length']);
    expect(codes(holder({ vaultHost: 'holder1.vault.rehearsal.localhost:70000', keyIdentifier: '' }), rehearsal)).toEqual(['vaultHost:vault_host_port']);
  });
  it('parseVaultHost splits name and suffix', () => {
    expect(parseVaultHost(host)).toMatchObject({ name: 'holder1', rehearsal: true });
    expect(parseVaultHost('kv1.managedhsm.azure.net')).toMatchObject({ name: 'kv1', suffix: 'managedhsm.azure.net', rehearsal: false });
    expect(parseVaultHost('kv1.example.com')).toBeNull();
  });
});

describe('line 2: key version key identifier', () => {
  it.each([
    ['azurevault1.vault.azure.net/keys/k/' + V1, 'key_id_not_url'],
    ['http://azurevault1.vault.azure.net/keys/k/' + V1, 'key_id_not_https'],
    [`https://azurevault1.vault.azure.net/keys/ajubalaw-2/${V1}?api-version=7.5`, 'key_id_extra'],
    [`https://azurevault1.vault.azure.net/secrets/ajubalaw-2/${V1}`, 'key_id_not_key'],
    ['https://azurevault1.vault.azure.net/keys/ajubalaw-2', 'key_id_no_version'],
    [`https://azurevault1.vault.azure.net/keys/ajubalaw-2/${V1}/extra`, 'key_id_shape'],
    ['https://azurevault1.vault.azure.net/keys/ajubalaw-2/7668e37b63f6433f', 'key_id_version'],
    ['https://azurevault1.vault.azure.net/keys/ajubalaw-2/7668e37b63f6433fa285434f23a58b1z', 'key_id_version'],
    [`https://azurevault1.vault.azure.net/keys/bad_name/${V1}`, 'key_id_key_name'],
    [`https://azurevault9.vault.azure.net/keys/ajubalaw-2/${V1}`, 'key_id_host_mismatch'],
  ])('refuses %s (%s)', (keyIdentifier, code) => {
    expect(codes(holder({ keyIdentifier, keyName: '' }))).toEqual([`keyIdentifier:${code}`]);
  });
  it('accepts the seed example and a trailing slash, case-insensitive host', () => {
    expect(codes(holder({ keyIdentifier: `https://AzureVault1.vault.azure.net/keys/ajubalaw-2/${V1}` }))).toEqual([]);
    expect(codes(holder({ keyIdentifier: `https://azurevault1.vault.azure.net/keys/ajubalaw-2/${V1}/` }))).toEqual([]);
  });
  it('with line 1 empty, still requires an Azure vault host', () => {
    expect(codes(holder({ vaultHost: '', keyIdentifier: `https://example.com/keys/ajubalaw-2/${V1}`, keyName: '' }))).toEqual(['keyIdentifier:key_id_host_not_azure']);
    expect(codes(holder({ vaultHost: '', keyName: '' }))).toEqual([]);
  });
  it('compares with line 1 even when line 1 was pasted as a URL', () => {
    const issues = validateHolder(1, holder({ vaultHost: 'https://azurevault1.vault.azure.net/' }), live);
    expect(issues.map((i) => i.code)).toEqual(['vault_host_not_dns_name']);
    const other = validateHolder(1, holder({ vaultHost: 'https://azurevault2.vault.azure.net/' }), live);
    expect(other.map((i) => i.code)).toEqual(['vault_host_not_dns_name', 'key_id_host_mismatch']);
    expect(other[1]!.message).toContain('line 1 is "azurevault2.vault.azure.net"');
  });
  it('names both hosts when they differ', () => {
    const i = validateHolder(1, holder({ keyIdentifier: `https://azurevault9.vault.azure.net/keys/ajubalaw-2/${V1}` }), live)[0]!;
    expect(i.message).toContain('azurevault9.vault.azure.net');
    expect(i.message).toContain('azurevault1.vault.azure.net');
  });
});

describe('key name', () => {
  it('must be a valid key name', () => {
    expect(codes(holder({ keyName: 'bad name!' }))).toEqual(['keyName:key_name_invalid']);
    expect(codes(holder({ keyName: 'a'.repeat(128) }))).toEqual(['keyName:key_name_invalid']);
  });
  it('must match line 2 (case-insensitively, as Key Vault names are)', () => {
    expect(codes(holder({ keyName: 'other-key' }))).toEqual(['keyName:key_name_mismatch']);
    expect(codes(holder({ keyName: 'AJUBALAW-2' }))).toEqual([]);
  });
  it('is still compared when line 2 has another problem (wrong host)', () => {
    expect(codes(holder({ keyName: 'other-key', keyIdentifier: `https://azurevault9.vault.azure.net/keys/ajubalaw-2/${V1}` }))).toEqual([
      'keyIdentifier:key_id_host_mismatch',
      'keyName:key_name_mismatch',
    ]);
  });
});

describe('line 3 and tenant: GUIDs', () => {
  it.each(['clientId', 'tenantId'] as const)('%s must be a GUID', (field) => {
    expect(codes(holder({ [field]: 'https://azurevault1.vault.azure.net/keys/ajubalaw-2/' + V1 }))).toEqual([`${field}:not_guid`]);
    expect(codes(holder({ [field]: '1b4e28ba2fa111d2883f0016d3cca427' }))).toEqual([`${field}:not_guid`]);
    expect(codes(holder({ [field]: '00000000-0000-0000-0000-000000000000' }))).toEqual([`${field}:nil_guid`]);
    expect(codes(holder({ [field]: ' 1B4E28BA-2FA1-11D2-883F-0016D3CCA420 ' }))).toEqual([]);
  });
  it('tenant and client ID must not be the same value', () => {
    expect(codes(holder({ tenantId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' }))).toEqual(['tenantId:tenant_equals_client']);
  });
});

describe('line 4: client secret', () => {
  it('refuses the Secret ID in place of the Value', () => {
    expect(codes(holder({ clientSecret: '6ba7b811-9dad-11d1-80b4-00c04fd430c8' }))).toEqual(['clientSecret:secret_is_secret_id']);
  });
  it('refuses surrounding spaces', () => {
    expect(codes(holder({ clientSecret: ' abc.def~ghi ' }))).toEqual(['clientSecret:secret_whitespace']);
  });
  it('says a secret with a space, tab or line break around it is refused (not stored), and what to do', () => {
    for (const s of [' Q~8Q~abc', 'Q~8Q~abc ', 'Q~8Q~abc\t', '\nQ~8Q~abc']) {
      const r = clientSecretRefusal(s);
      expect(r?.code).toBe('secret_whitespace');
      expect(r?.message).toMatch(/does not store it so: remove the space, or copy its Value again/);
    }
    // Spaces inside are Azure's business, and an empty field is "not filled in yet".
    expect(clientSecretRefusal('Q~8Q abc')).toBeNull();
    expect(clientSecretRefusal('')).toBeNull();
  });
  it('accepts a typical Azure secret value', () => {
    expect(codes(holder({ clientSecret: 'Q~8Q~abcdefGHIJKLmnopQRSTuvwxYZ0123456789' }))).toEqual([]);
  });
});

describe('client secret expiry', () => {
  it('must be in the future', () => {
    expect(codes(holder({ secretCreatedOn: '2025-01-01', secretExpiresOn: '2026-11-01' }))).toEqual(['secretExpiresOn:secret_expired']);
    expect(codes(holder({ secretCreatedOn: '2025-01-01', secretExpiresOn: '2026-11-27' }))).toEqual(['secretExpiresOn:secret_expired']);
  });
  it('must be at most 2 years after creation', () => {
    expect(codes(holder({ secretCreatedOn: '2026-06-01', secretExpiresOn: '2028-06-02' }))).toEqual(['secretExpiresOn:lifetime_too_long']);
    expect(codes(holder({ secretCreatedOn: '2026-06-01', secretExpiresOn: '2028-06-01' }))).toEqual([]);
  });
  it('must be after creation, and creation not in the future', () => {
    expect(codes(holder({ secretCreatedOn: '2026-11-20', secretExpiresOn: '2026-11-10' }))).toContain('secretExpiresOn:secret_expired');
    expect(codes(holder({ secretCreatedOn: '2027-02-01', secretExpiresOn: '2027-01-01' }))).toEqual(['secretCreatedOn:created_in_future', 'secretExpiresOn:expires_before_created']);
  });
  it('warns inside 30 days, not at 31', () => {
    const soon = validateHolder(1, holder({ secretCreatedOn: '2025-01-01', secretExpiresOn: '2026-12-27' }), live);
    expect(soon.map((i) => [i.code, i.severity])).toEqual([['expires_soon', 'warning']]);
    expect(soon[0]!.message).toContain('30 days');
    expect(codes(holder({ secretCreatedOn: '2025-01-01', secretExpiresOn: '2026-12-28' }))).toEqual([]);
  });
  it('refuses impossible dates', () => {
    expect(codes(holder({ secretExpiresOn: '2027-02-30' }))).toEqual(['secretExpiresOn:bad_date']);
    expect(codes(holder({ secretCreatedOn: '2026-13-01' }))).toEqual(['secretCreatedOn:bad_date']);
  });
});

describe('across holders: lines 1-4 must all differ', () => {
  it.each([
    [1, { vaultHost: 'AZUREVAULT1.vault.azure.net', keyIdentifier: `https://azurevault1.vault.azure.net/keys/ajubalaw-2/${V2}` }],
    [2, { keyIdentifier: `https://azurevault1.vault.azure.net/keys/ajubalaw-2/${V1}`, vaultHost: 'azurevault1.vault.azure.net' }],
    [3, { clientId: '1B4E28BA-2fa1-11d2-883f-0016d3cca427' }],
    [4, { clientSecret: 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46' }],
  ] as const)('names line %i when it collides, for both holders', (line, over) => {
    const issues = validateAcrossHolders(holder(), holder2(over)).filter((i) => i.line === line);
    expect(issues.map((i) => [i.holder, i.code])).toEqual([
      [1, 'same_as_other_holder'],
      [2, 'same_as_other_holder'],
    ]);
    expect(issues[0]!.message).toContain(`Line ${line} is the same for key holder 1 and key holder 2`);
  });
  it('different values pass; an unknown (not loaded) secret is not compared', () => {
    expect(validateAcrossHolders(holder(), holder2())).toEqual([]);
    expect(validateAcrossHolders(holder({ clientSecret: undefined }), holder2({ clientSecret: undefined }))).toEqual([]);
  });
  it('the same key version in two vaults is refused', () => {
    const issues = validateAcrossHolders(holder(), holder2({ keyIdentifier: `https://azurevault2.vault.azure.net/keys/ajubalaw-2/${V1}` }));
    expect(issues.map((i) => i.code)).toEqual(['same_key_version', 'same_key_version']);
  });
  it('the tenant may be shared', () => {
    expect(validateAcrossHolders(holder(), holder2({ tenantId: holder().tenantId }))).toEqual([]);
  });
});

describe('line 1 in a custom cloud (live settings)', () => {
  const custom: RuleContext = { mode: 'live', now, customVaultSuffixes: ['.vault.local.azurestack.external', '.vault.rehearsal.localhost'] };
  it('accepts the configured cloud’s vault hosts in live mode only, a custom suffix winning over the rehearsal one', () => {
    expect(codes(holder({ vaultHost: 'contoso.vault.local.azurestack.external', keyIdentifier: '' }), custom).filter((c) => c.startsWith('vaultHost'))).toEqual([]);
    expect(codes(holder({ vaultHost: 'contoso.vault.rehearsal.localhost:8443', keyIdentifier: '' }), custom).filter((c) => c.startsWith('vaultHost'))).toEqual([]);
    // Without the custom cloud the same hosts are refused in live mode.
    expect(codes(holder({ vaultHost: 'contoso.vault.local.azurestack.external', keyIdentifier: '' }))).toContain('vaultHost:vault_host_not_azure');
    expect(codes(holder({ vaultHost: 'contoso.vault.rehearsal.localhost:8443', keyIdentifier: '' }))).toContain('vaultHost:vault_host_rehearsal_in_live');
    // Suffixes only count in live mode.
    expect(codes(holder({ vaultHost: 'contoso.vault.local.azurestack.external', keyIdentifier: '' }), { ...custom, mode: 'rehearsal' })).toContain('vaultHost:vault_host_not_azure');
    expect(parseVaultHost('x.vault.local.azurestack.external', ['.vault.local.azurestack.external'])).toMatchObject({ name: 'x', rehearsal: false });
  });
});
