/**
 * Reading the organisation's managed configuration (see shared/settings/policy.ts
 * for what it may set). One small interface, one reader per platform:
 *
 * - Linux (and the tests): a JSON file, /etc/keyholder/policy.json, in the
 *   schema's own camelCase keys.
 * - Windows: the policy registry key HKLM\Software\Policies\KeyHolder, read
 *   with `reg query` (no native module), values and subkeys in PascalCase.
 * - macOS: the configuration profile's managed preferences for the app's
 *   bundle ID, /Library/Managed Preferences/<bundle ID>.plist (binary or XML),
 *   parsed with @plist/parse, keys in PascalCase as on Windows.
 *
 * No policy deployed is normal (an empty policy). A policy that exists but
 * cannot be read or is invalid fails closed: it is reported with what IT must
 * fix, and live mode and rehearsal are both refused until it is corrected.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parsePlist } from '@plist/parse';
import { checkPolicy, NO_POLICY, type PolicySource } from '../../../shared/settings/policy';

export interface PolicyReader {
  /** Where this reader looks (for the settings screen and messages). */
  readonly origin: string;
  read(): Promise<PolicySource>;
}

/** The app's bundle ID on macOS: the managed preferences domain a configuration profile targets. */
export const MAC_BUNDLE_ID = 'org.keyholder.desktop';
const LINUX_POLICY_FILE = '/etc/keyholder/policy.json';
const WINDOWS_POLICY_KEY = 'HKLM\\Software\\Policies\\KeyHolder';
const macPolicyFile = (bundleId = MAC_BUNDLE_ID): string => path.join('/Library/Managed Preferences', `${bundleId}.plist`);

function unreadable(origin: string, why: string): PolicySource {
  return {
    policy: {},
    origin,
    problems: [
      {
        field: 'form',
        message: `Your organisation’s policy (${origin}) could not be read: ${why}. Key Holder will not run until your IT department corrects it.`,
        help: { href: 'docs/live-mode.md#managed-configuration-for-it', label: 'Managed configuration (for IT)' },
      },
    ],
  };
}

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

type ReadBytes = (file: string) => Promise<Buffer>;

/** Linux and tests: a JSON file whose path is injectable. */
export function filePolicyReader(file: string = LINUX_POLICY_FILE, read: ReadBytes = (f) => readFile(f)): PolicyReader {
  return {
    origin: file,
    async read() {
      let raw: Buffer;
      try {
        raw = await read(file);
      } catch (e) {
        if (isNotFound(e)) return NO_POLICY;
        return unreadable(file, (e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'it could not be opened');
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        return unreadable(file, 'it is not valid JSON');
      }
      return checkPolicy(json, file);
    },
  };
}

/**
 * PascalCase names IT uses in the registry and in profiles, mapped to the
 * schema's keys. Anything else is passed through unchanged, so the schema
 * refuses it by name instead of it being silently ignored.
 */
const TOP: Record<string, string> = {
  Mode: 'mode',
  AllowRehearsal: 'allowRehearsal',
  Tenant: 'tenant',
  ClientId: 'clientId',
  Cloud: 'cloud',
  ExpiryTracking: 'expiryTracking',
  Custom: 'custom',
  ControlPlane: 'controlPlane',
  KeyStore: 'keyStore',
};
const CUSTOM: Record<string, string> = {
  AuthorityHost: 'authorityHost',
  KeyVaultDnsSuffix: 'keyVaultDnsSuffix',
  ManagedHsmDnsSuffix: 'managedHsmDnsSuffix',
  KeyVaultScope: 'keyVaultScope',
  GraphEndpoint: 'graphEndpoint',
  GraphScope: 'graphScope',
  ResourceManagerEndpoint: 'resourceManagerEndpoint',
  ResourceManagerScope: 'resourceManagerScope',
};
const CONTROL_PLANE: Record<string, string> = { Url: 'url', Fingerprint: 'fingerprint' };
const KEY_STORE: Record<string, string> = { Provider: 'provider', Aws: 'aws' };
const AWS: Record<string, string> = { Region: 'region', SignIn: 'signIn', KmsEndpoint: 'kmsEndpoint' };
const AWS_SIGN_IN: Record<string, string> = { Method: 'method', StartUrl: 'startUrl', SsoRegion: 'ssoRegion', Profile: 'profile' };
const BOOLEANS = new Set(['allowRehearsal', 'expiryTracking']);

function rename(o: Record<string, unknown>, names: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[names[k] ?? k] = v;
  return out;
}

/** Registry and plist values to the schema's shape: PascalCase names, DWORD 0/1 as booleans. */
export function fromManagedNames(raw: Record<string, unknown>): Record<string, unknown> {
  const top = rename(raw, TOP);
  for (const b of BOOLEANS) if (top[b] === 0 || top[b] === 1) top[b] = top[b] === 1;
  if (top.custom && typeof top.custom === 'object') top.custom = rename(top.custom as Record<string, unknown>, CUSTOM);
  if (top.controlPlane && typeof top.controlPlane === 'object') top.controlPlane = rename(top.controlPlane as Record<string, unknown>, CONTROL_PLANE);
  if (top.keyStore && typeof top.keyStore === 'object') {
    const ks = rename(top.keyStore as Record<string, unknown>, KEY_STORE);
    if (ks.aws && typeof ks.aws === 'object') {
      const aws = rename(ks.aws as Record<string, unknown>, AWS);
      if (aws.signIn && typeof aws.signIn === 'object') aws.signIn = rename(aws.signIn as Record<string, unknown>, AWS_SIGN_IN);
      ks.aws = aws;
    }
    top.keyStore = ks;
  }
  return top;
}

export type RunCommand = (file: string, args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

const runCommand: RunCommand = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { windowsHide: true, timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });

/**
 * `reg query <key> /s` output: a line per key (`HKEY_LOCAL_MACHINE\...`),
 * then its values indented by four spaces as `name    REG_TYPE    data`.
 * Values of the policy key itself go to the top level, a subkey's into an
 * object of its name (Custom, ControlPlane).
 */
export function parseRegQuery(output: string, root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rootTail = root.replace(/^HKLM\\/i, '').toLowerCase();
  let target: Record<string, unknown> | null = null;
  for (const line of output.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (/^HKEY_/i.test(line)) {
      const key = line.trim();
      const at = key.toLowerCase().indexOf(rootTail);
      const rest = at >= 0 ? key.slice(at + rootTail.length).replace(/^\\/, '') : null;
      if (rest === null) target = null;
      else if (rest === '') target = out;
      else {
        const name = rest.split('\\')[0]!;
        target = (out[name] ??= {}) as Record<string, unknown>;
      }
      continue;
    }
    const m = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (!m || !target) continue;
    const [, name, type, data = ''] = m;
    if (type === 'REG_DWORD' || type === 'REG_QWORD') target[name!] = Number.parseInt(data, 16);
    else if (type === 'REG_SZ' || type === 'REG_EXPAND_SZ') target[name!] = data;
    else target[name!] = { unsupportedType: type };
  }
  return out;
}

/** Windows: the machine-wide policy key (64-bit view), read with reg.exe. */
export function windowsPolicyReader(run: RunCommand = runCommand, key = WINDOWS_POLICY_KEY): PolicyReader {
  return {
    origin: key,
    async read() {
      const r = await run('reg.exe', ['query', key, '/s', '/reg:64']);
      // reg.exe exits 1 with "unable to find the specified registry key" when no policy is deployed.
      if (r.code !== 0) {
        if (/unable to find/i.test(r.stderr + r.stdout)) return NO_POLICY;
        return unreadable(key, 'reg.exe could not read it');
      }
      return checkPolicy(fromManagedNames(parseRegQuery(r.stdout, key)), key);
    },
  };
}

/** macOS: the managed preferences a configuration profile installs for the app's bundle ID. */
export function macPolicyReader(file: string = macPolicyFile(), read: ReadBytes = (f) => readFile(f)): PolicyReader {
  return {
    origin: file,
    async read() {
      let raw: Buffer;
      try {
        raw = await read(file);
      } catch (e) {
        if (isNotFound(e)) return NO_POLICY;
        return unreadable(file, 'it could not be opened');
      }
      let parsed: unknown;
      try {
        parsed = parsePlist(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer);
      } catch {
        return unreadable(file, 'it is not a property list');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return unreadable(file, 'it does not hold a dictionary');
      // Profiles add their own bookkeeping keys; they are not Key Holder's settings.
      const own = Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter(([k]) => !k.startsWith('PayloadContent') && !/^(PayloadUUID|PayloadIdentifier|PayloadType|PayloadVersion|PayloadDisplayName)$/.test(k)));
      return checkPolicy(fromManagedNames(own), file);
    },
  };
}

/**
 * The reader for this computer's platform. `testPolicyFile` reads a JSON file
 * instead; the composition root passes it only for unpackaged builds, or a
 * user could point a managed installation away from IT's policy.
 */
export function platformPolicyReader(platform: NodeJS.Platform = process.platform, testPolicyFile?: string): PolicyReader {
  if (testPolicyFile) return filePolicyReader(testPolicyFile);
  if (platform === 'win32') return windowsPolicyReader();
  if (platform === 'darwin') return macPolicyReader();
  return filePolicyReader(LINUX_POLICY_FILE);
}
