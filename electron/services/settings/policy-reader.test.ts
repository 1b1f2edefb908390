import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filePolicyReader, macPolicyReader, parseRegQuery, platformPolicyReader, windowsPolicyReader, type RunCommand } from './policy-reader';

const here = path.dirname(fileURLToPath(import.meta.url));
const FP = `sha256:${'ab'.repeat(32)}`;

describe('Linux and tests: a JSON policy file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-policy-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('no file is no policy', async () => {
    expect(await filePolicyReader(path.join(dir, 'absent.json')).read()).toEqual({ policy: {}, origin: null, problems: [] });
  });

  it('reads tenant, control plane and whether rehearsal is allowed', async () => {
    const p = file('ok.json', JSON.stringify({ tenant: 'contoso.com', allowRehearsal: false, controlPlane: { url: 'https://cp.vendor.example', fingerprint: FP } }));
    const r = await filePolicyReader(p).read();
    expect(r).toEqual({ policy: { tenant: 'contoso.com', allowRehearsal: false, controlPlane: { url: 'https://cp.vendor.example', fingerprint: FP } }, origin: p, problems: [] });
  });

  it('fails closed on a damaged file, a wrong value or an unknown key, saying what IT must fix', async () => {
    const damaged = await filePolicyReader(file('bad.json', '{ tenant: ')).read();
    expect(damaged.problems[0]?.message).toMatch(/could not be read: it is not valid JSON.*IT department/);
    const wrong = await filePolicyReader(file('wrong.json', JSON.stringify({ clientId: 'nope' }))).read();
    expect(wrong.problems[0]).toMatchObject({ field: 'clientId' });
    expect(wrong.problems[0]!.message).toMatch(/^Your organisation’s policy .* is invalid: Application \(client\) ID: /);
    const unknown = await filePolicyReader(file('unknown.json', JSON.stringify({ tenantt: 'contoso.com' }))).read();
    expect(unknown.problems).toHaveLength(1);
    const denied = await filePolicyReader('/x', () => Promise.reject(Object.assign(new Error('no'), { code: 'EACCES' }))).read();
    expect(denied.problems[0]!.message).toMatch(/permission denied/);
  });
});

describe('Windows: HKLM\\Software\\Policies\\KeyHolder through reg.exe (faked)', () => {
  const output = [
    '',
    'HKEY_LOCAL_MACHINE\\Software\\Policies\\KeyHolder',
    '    Tenant    REG_SZ    72f988bf-86f1-41af-91ab-2d7cd011db47',
    '    AllowRehearsal    REG_DWORD    0x0',
    '    Mode    REG_SZ    live',
    '',
    'HKEY_LOCAL_MACHINE\\Software\\Policies\\KeyHolder\\ControlPlane',
    '    Url    REG_SZ    https://cp.vendor.example',
    `    Fingerprint    REG_SZ    ${FP}`,
    '',
  ].join('\r\n');

  it('parses values and subkeys', () => {
    expect(parseRegQuery(output, 'HKLM\\Software\\Policies\\KeyHolder')).toEqual({
      Tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      AllowRehearsal: 0,
      Mode: 'live',
      ControlPlane: { Url: 'https://cp.vendor.example', Fingerprint: FP },
    });
  });

  it('asks reg.exe for the 64-bit view and maps names and DWORD booleans', async () => {
    const calls: string[][] = [];
    const run: RunCommand = async (file, args) => {
      calls.push([file, ...args]);
      return { code: 0, stdout: output, stderr: '' };
    };
    const r = await windowsPolicyReader(run).read();
    expect(calls).toEqual([['reg.exe', 'query', 'HKLM\\Software\\Policies\\KeyHolder', '/s', '/reg:64']]);
    expect(r.problems).toEqual([]);
    expect(r.policy).toEqual({ tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47', allowRehearsal: false, mode: 'live', controlPlane: { url: 'https://cp.vendor.example', fingerprint: FP } });
  });

  it('no key is no policy; another failure, a wrong type or a wrong value fails closed', async () => {
    const missing = await windowsPolicyReader(async () => ({ code: 1, stdout: '', stderr: 'ERROR: The system was unable to find the specified registry key or value.' })).read();
    expect(missing.origin).toBeNull();
    const broken = await windowsPolicyReader(async () => ({ code: 5, stdout: '', stderr: 'ERROR: Access is denied.' })).read();
    expect(broken.problems[0]!.message).toMatch(/could not be read/);
    const binary = await windowsPolicyReader(async () => ({ code: 0, stdout: 'HKEY_LOCAL_MACHINE\\Software\\Policies\\KeyHolder\r\n    Tenant    REG_BINARY    00ff\r\n', stderr: '' })).read();
    expect(binary.problems[0]).toMatchObject({ field: 'tenant' });
    const twoDword = await windowsPolicyReader(async () => ({ code: 0, stdout: 'HKEY_LOCAL_MACHINE\\Software\\Policies\\KeyHolder\r\n    AllowRehearsal    REG_DWORD    0x2\r\n', stderr: '' })).read();
    expect(twoDword.problems).toHaveLength(1);
  });
});

describe('macOS: managed preferences for the bundle ID (binary and XML plists)', () => {
  const readFixture = (name: string) => async () => fs.readFileSync(path.join(here, 'testdata', name));

  it('reads a binary plist from a configuration profile, ignoring the profile’s own keys', async () => {
    const r = await macPolicyReader('/Library/Managed Preferences/org.keyholder.desktop.plist', readFixture('managed-binary.plist')).read();
    expect(r.problems).toEqual([]);
    expect(r.policy).toMatchObject({ tenant: 'contoso.com', cloud: 'custom', allowRehearsal: false, mode: 'live', controlPlane: { url: 'https://cp.vendor.example', fingerprint: FP } });
    expect(r.policy.custom?.keyVaultDnsSuffix).toBe('.vault.local.azurestack.external');
  });

  it('reads an XML plist; refuses what is not a plist', async () => {
    expect((await macPolicyReader('/p.plist', readFixture('managed-xml.plist')).read()).policy).toMatchObject({ tenant: 'contoso.com', allowRehearsal: true });
    const junk = await macPolicyReader('/p.plist', async () => Buffer.from('not a plist at all')).read();
    expect(junk.problems[0]!.message).toMatch(/could not be read/);
    const none = await macPolicyReader('/p.plist', () => Promise.reject(Object.assign(new Error(), { code: 'ENOENT' }))).read();
    expect(none.origin).toBeNull();
  });
});

it('picks the platform’s reader; a test policy file only when the composition root passes one', () => {
  expect(platformPolicyReader('win32').origin).toBe('HKLM\\Software\\Policies\\KeyHolder');
  expect(platformPolicyReader('darwin').origin).toBe('/Library/Managed Preferences/org.keyholder.desktop.plist');
  expect(platformPolicyReader('linux').origin).toBe('/etc/keyholder/policy.json');
  expect(platformPolicyReader('win32', '/tmp/p.json').origin).toBe('/tmp/p.json');
});

describe('the key store in IT’s registry and profile names', () => {
  it('maps KeyStore\\Provider, KeyStore\\Aws\\… and the sign-in’s names to the schema, and the schema checks them', async () => {
    const { fromManagedNames } = await import('./policy-reader');
    const { checkPolicy } = await import('../../../shared/settings/policy');
    const raw = { KeyStore: { Provider: 'aws-kms', Aws: { Region: 'eu-west-2', SignIn: { Method: 'identity-center', StartUrl: 'https://d-1234567890.awsapps.com/start', SsoRegion: 'eu-west-2' }, KmsEndpoint: 'https://kms-fips.eu-west-2.amazonaws.com' } } };
    const p = checkPolicy(fromManagedNames(raw), 'HKLM\\Software\\Policies\\KeyHolder');
    expect(p.problems).toEqual([]);
    expect(p.policy.keyStore).toEqual({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'identity-center', startUrl: 'https://d-1234567890.awsapps.com/start', ssoRegion: 'eu-west-2' }, kmsEndpoint: 'https://kms-fips.eu-west-2.amazonaws.com' } });
    // A China Region pinned by IT is as wrong as one typed by the holder: the policy is refused, fail closed.
    const china = checkPolicy(fromManagedNames({ KeyStore: { Provider: 'aws-kms', Aws: { Region: 'cn-north-1' } } }), 'p');
    expect(china.problems.map((x) => x.message).join(' ')).toMatch(/China/);
  });
});
