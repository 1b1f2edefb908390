/**
 * The worksheet's rules, pure: the renderer runs them as the holder types,
 * the Node side runs them again (with the stored secrets) on save and export.
 * Empty fields are "not filled in yet", never an error: `missingFields` says
 * what is left. Every message says what is wrong and what to do.
 */
import { FIELDS, HOLDERS, LINE_OF, type FieldId, type HolderNo, type HolderWorksheet, type RuleContext, type Severity, type WorksheetIssue } from './model';

/** DNS suffixes of Azure Key Vault (and Managed HSM) in Azure's clouds. */
const AZURE_VAULT_SUFFIXES = [
  { suffix: 'vault.azure.net', cloud: 'Azure (global)' },
  { suffix: 'vault.azure.cn', cloud: 'Azure operated by 21Vianet (China)' },
  { suffix: 'vault.usgovcloudapi.net', cloud: 'Azure Government (US)' },
  { suffix: 'vault.microsoftazure.de', cloud: 'Microsoft Cloud Deutschland' },
  { suffix: 'managedhsm.azure.net', cloud: 'Azure Managed HSM (global)' },
] as const;

/** Where the rehearsal cloud serves vaults; accepted in rehearsal mode only. */
const REHEARSAL_VAULT_SUFFIX = 'vault.rehearsal.localhost';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';
const KEY_VERSION = /^[0-9a-f]{32}$/i;
const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const DAY = 24 * 60 * 60 * 1000;
const SECRET_MAX_LIFETIME_YEARS = 2;
const SECRET_WARN_DAYS = 30;

type Emit = (field: FieldId, severity: Severity, code: string, message: string) => void;

function issueMaker(holder: HolderNo, out: WorksheetIssue[]): Emit {
  return (field, severity, code, message) => {
    const line = LINE_OF[field];
    out.push(line ? { holder, field, line, severity, code, message } : { holder, field, severity, code, message });
  };
}

/** Azure's vault-name rules (the same for Managed HSM pools). Returns a message or null. */
export function vaultNameProblem(name: string): { code: string; message: string } | null {
  if (name.length < 3 || name.length > 24) {
    return { code: 'vault_name_length', message: `The vault name "${name}" has ${name.length} characters; Azure vault names have 3 to 24.` };
  }
  if (!/^[a-zA-Z0-9-]+$/.test(name)) {
    return { code: 'vault_name_chars', message: `The vault name "${name}" may contain only letters, digits and hyphens.` };
  }
  if (!/^[a-zA-Z]/.test(name)) {
    return { code: 'vault_name_start', message: `The vault name "${name}" must start with a letter.` };
  }
  if (name.includes('--')) {
    return { code: 'vault_name_double_hyphen', message: `The vault name "${name}" has two hyphens in a row, which Azure does not allow.` };
  }
  if (name.endsWith('-')) {
    return { code: 'vault_name_trailing_hyphen', message: `The vault name "${name}" must not end with a hyphen.` };
  }
  return null;
}

export interface ParsedVaultHost {
  host: string;
  name: string;
  suffix: string;
  rehearsal: boolean;
}

/** Splits a host into vault name and cloud suffix, or null when it is not in any Azure cloud (nor the rehearsal one). */
export function parseVaultHost(value: string, customSuffixes: readonly string[] = []): ParsedVaultHost | null {
  const host = value.trim().toLowerCase();
  // A custom cloud's suffix is IT's deliberate choice: checked first, so it wins even over the rehearsal suffix; a private cloud may use a port.
  for (const s of customSuffixes) {
    const suffix = s.replace(/^\./, '').toLowerCase();
    const m = new RegExp(`^([^.:]+)\\.${suffix.replace(/\./g, '\\.')}(:\\d{1,5})?$`).exec(host);
    if (m) return { host, name: m[1]!, suffix, rehearsal: false };
  }
  const rehearsal = new RegExp(`^([^.:]+)\\.${REHEARSAL_VAULT_SUFFIX.replace(/\./g, '\\.')}(:\\d{1,5})?$`).exec(host);
  if (rehearsal) return { host, name: rehearsal[1]!, suffix: REHEARSAL_VAULT_SUFFIX, rehearsal: true };
  for (const { suffix } of AZURE_VAULT_SUFFIXES) {
    if (host.endsWith('.' + suffix)) return { host, name: host.slice(0, -suffix.length - 1), suffix, rehearsal: false };
  }
  return null;
}

function checkVaultHost(raw: string, ctx: RuleContext, emit: Emit): ParsedVaultHost | null {
  const value = raw.trim();
  if (/^[a-z]+:\/\//i.test(value) || value.includes('/')) {
    const host = value.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
    emit('vaultHost', 'error', 'vault_host_not_dns_name', `Enter the DNS name only, without "https://" or slashes: ${host || 'name.vault.azure.net'}.`);
    return null;
  }
  if (/\s/.test(value)) {
    emit('vaultHost', 'error', 'vault_host_spaces', 'The DNS name must not contain spaces.');
    return null;
  }
  const custom = ctx.mode === 'live' ? (ctx.customVaultSuffixes ?? []) : [];
  const parsed = parseVaultHost(value, custom);
  if (!parsed) {
    if (/:\d+$/.test(value) && parseVaultHost(value.replace(/:\d+$/, '')) && !value.toLowerCase().includes(REHEARSAL_VAULT_SUFFIX)) {
      emit('vaultHost', 'error', 'vault_host_port', 'Azure vault DNS names have no port: remove the ":" and the number after it.');
      return null;
    }
    emit(
      'vaultHost',
      'error',
      'vault_host_not_azure',
      `"${value}" is not a Key Vault DNS name. It must end in ${[...custom, ...AZURE_VAULT_SUFFIXES.map((s) => '.' + s.suffix)].join(', ')} (copy "Vault URI" from the vault's Overview page, without https://).`,
    );
    return null;
  }
  const problem = vaultNameProblem(parsed.name);
  if (problem) {
    emit('vaultHost', 'error', problem.code, problem.message);
    return null;
  }
  if (parsed.rehearsal) {
    const port = /:(\d+)$/.exec(parsed.host)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
      emit('vaultHost', 'error', 'vault_host_port', `Port ${port} is not a valid port number (1-65535).`);
      return null;
    }
    if (ctx.mode !== 'rehearsal') {
      emit('vaultHost', 'error', 'vault_host_rehearsal_in_live', `"${parsed.host}" is a rehearsal vault. A live worksheet needs your real Azure vault (e.g. name.vault.azure.net).`);
      return null;
    }
    emit('vaultHost', 'info', 'vault_host_rehearsal', `Rehearsal vault host: accepted in rehearsal only. The live worksheet needs your real Azure vault DNS name.`);
    return parsed;
  }
  if (parsed.suffix === 'vault.microsoftazure.de') {
    emit('vaultHost', 'warning', 'vault_host_closed_cloud', 'Microsoft Cloud Deutschland closed in 2021; check that this vault still exists.');
  }
  return parsed;
}

export interface ParsedKeyIdentifier {
  host: string;
  keyName: string;
  version: string;
}

function checkKeyIdentifier(raw: string, line1Raw: string, emit: Emit): ParsedKeyIdentifier | null {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    emit('keyIdentifier', 'error', 'key_id_not_url', 'Line 2 must be the key version\'s full identifier, starting with https:// (copy "Key Identifier" from the key version\'s page).');
    return null;
  }
  if (url.protocol !== 'https:') {
    emit('keyIdentifier', 'error', 'key_id_not_https', 'Line 2 must start with https://.');
    return null;
  }
  if (url.search || url.hash || url.username || url.password) {
    emit('keyIdentifier', 'error', 'key_id_extra', 'Line 2 must end with the key version: remove anything after it ("?" or "#" parts).');
    return null;
  }
  const host = url.host.toLowerCase();
  const segs = url.pathname.replace(/^\//, '').replace(/\/$/, '').split('/');
  if (segs[0] !== 'keys') {
    emit('keyIdentifier', 'error', 'key_id_not_key', 'Line 2 must be a key identifier: https://{line 1}/keys/{key name}/{version}. This one has no "/keys/" part (is it a secret or the vault URI?).');
    return null;
  }
  if (segs.length === 2) {
    emit('keyIdentifier', 'error', 'key_id_no_version', 'Line 2 ends at the key name: open the key\'s current version in Azure and copy its "Key Identifier", which ends in a 32-character version.');
    return null;
  }
  if (segs.length !== 3) {
    emit('keyIdentifier', 'error', 'key_id_shape', 'Line 2 must have exactly the form https://{line 1}/keys/{key name}/{32-character version}.');
    return null;
  }
  const keyName = segs[1]!;
  const version = segs[2]!;
  if (!KEY_NAME.test(keyName)) {
    emit('keyIdentifier', 'error', 'key_id_key_name', `The key name "${keyName}" in line 2 is not a valid Key Vault key name (1-127 letters, digits and hyphens).`);
  }
  if (!KEY_VERSION.test(version)) {
    emit('keyIdentifier', 'error', 'key_id_version', `The key version "${version}" must be 32 hexadecimal characters (0-9, a-f); it has ${version.length}.`);
  }
  // Compare with line 1's host even when line 1 was pasted as a URL (line 1 reports that itself).
  const line1Host = line1Raw.trim().replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
  if (line1Host !== '' && host !== line1Host) {
    emit('keyIdentifier', 'error', 'key_id_host_mismatch', `Line 2 points at "${host}" but line 1 is "${line1Host}": the key must be in the vault named on line 1.`);
  } else if (line1Host === '' && !parseVaultHost(host)) {
    emit('keyIdentifier', 'error', 'key_id_host_not_azure', `Line 2 points at "${host}", which is not a Key Vault DNS name.`);
  }
  // The key name is still compared with the key-name field when only the host or version is wrong.
  return KEY_NAME.test(keyName) ? { host, keyName, version: version.toLowerCase() } : null;
}

function checkGuid(field: 'clientId' | 'tenantId', raw: string, emit: Emit): boolean {
  const value = raw.trim();
  const what = field === 'clientId' ? 'The application (client) ID' : 'The directory (tenant) ID';
  if (!GUID.test(value)) {
    emit(field, 'error', 'not_guid', `${what} must be a GUID like 1b4e28ba-2fa1-11d2-883f-0016d3cca427 (copy it from the app registration's Overview page).`);
    return false;
  }
  if (value === NIL_GUID) {
    emit(field, 'error', 'nil_guid', `${what} cannot be all zeros.`);
    return false;
  }
  return true;
}

function parseDay(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(value + 'T00:00:00Z');
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? null : d;
}

function utcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

function addYears(d: Date, years: number): Date {
  const r = new Date(d.getTime());
  r.setUTCFullYear(r.getUTCFullYear() + years);
  return r;
}

function checkSecretDates(h: HolderWorksheet, ctx: RuleContext, emit: Emit): void {
  const created = h.secretCreatedOn ? parseDay(h.secretCreatedOn) : null;
  const expires = h.secretExpiresOn ? parseDay(h.secretExpiresOn) : null;
  const today = utcDay(ctx.now);
  if (h.secretCreatedOn && !created) emit('secretCreatedOn', 'error', 'bad_date', 'Enter the date as YYYY-MM-DD.');
  if (h.secretExpiresOn && !expires) emit('secretExpiresOn', 'error', 'bad_date', 'Enter the date as YYYY-MM-DD.');
  if (created && created.getTime() > today.getTime()) {
    emit('secretCreatedOn', 'error', 'created_in_future', 'The client secret cannot have been created in the future: check the date.');
  }
  if (!expires) return;
  if (expires.getTime() <= today.getTime()) {
    emit('secretExpiresOn', 'error', 'secret_expired', 'This client secret has expired (or expires today): create a new secret in the app registration and record it here.');
    return;
  }
  if (created && expires.getTime() <= created.getTime()) {
    emit('secretExpiresOn', 'error', 'expires_before_created', 'The expiry date must be after the creation date.');
    return;
  }
  if (created && expires.getTime() > addYears(created, SECRET_MAX_LIFETIME_YEARS).getTime()) {
    emit('secretExpiresOn', 'error', 'lifetime_too_long', `Azure client secrets last at most ${SECRET_MAX_LIFETIME_YEARS} years: an expiry after ${addYears(created, SECRET_MAX_LIFETIME_YEARS).toISOString().slice(0, 10)} cannot be right for a secret created on ${h.secretCreatedOn}.`);
    return;
  }
  const days = Math.round((expires.getTime() - today.getTime()) / DAY);
  if (days <= SECRET_WARN_DAYS) {
    emit('secretExpiresOn', 'warning', 'expires_soon', `This client secret expires in ${days} day${days === 1 ? '' : 's'}: create its successor now and update it with the vendor before then.`);
  }
}

/**
 * Why a typed client secret must not be stored at all (null when it may be).
 * Azure never puts spaces around a secret's Value, so surrounding whitespace is
 * a copying slip that would make the vendor's sign-in fail: the worksheet
 * service refuses to store it and the screen says so beside the field.
 */
export function clientSecretRefusal(secret: string): { code: 'secret_whitespace'; message: string } | null {
  if (secret !== '' && secret.trim() !== secret) {
    return {
      code: 'secret_whitespace',
      message: 'The client secret starts or ends with a space, and Key Holder does not store it so: remove the space, or copy its Value again in Azure (Certificates & secrets) and paste it here.',
    };
  }
  return null;
}

/** The rules for one holder's worksheet on its own. */
export function validateHolder(holder: HolderNo, h: HolderWorksheet, ctx: RuleContext): WorksheetIssue[] {
  const out: WorksheetIssue[] = [];
  const emit = issueMaker(holder, out);
  if (h.vaultHost.trim()) checkVaultHost(h.vaultHost, ctx, emit);
  const line2 = h.keyIdentifier.trim() ? checkKeyIdentifier(h.keyIdentifier, h.vaultHost, emit) : null;
  if (h.clientId.trim()) checkGuid('clientId', h.clientId, emit);
  if (h.tenantId.trim()) checkGuid('tenantId', h.tenantId, emit);
  if (h.clientId.trim() && h.tenantId.trim() && h.clientId.trim().toLowerCase() === h.tenantId.trim().toLowerCase()) {
    emit('tenantId', 'error', 'tenant_equals_client', 'The tenant ID is the same as the application (client) ID on line 3: one of them was pasted twice. Both are on the app registration\'s Overview page.');
  }
  if (h.keyName.trim()) {
    const name = h.keyName.trim();
    if (!KEY_NAME.test(name)) {
      emit('keyName', 'error', 'key_name_invalid', 'A Key Vault key name has 1 to 127 characters: letters, digits and hyphens only.');
    } else if (line2 && line2.keyName.toLowerCase() !== name.toLowerCase()) {
      emit('keyName', 'error', 'key_name_mismatch', `The key name "${name}" differs from the one in line 2 ("${line2.keyName}"): they must be the same key.`);
    }
  }
  if (h.clientSecret !== undefined && h.clientSecret !== '') {
    const s = h.clientSecret;
    const refused = clientSecretRefusal(s);
    if (refused) {
      emit('clientSecret', 'error', refused.code, refused.message);
    } else if (GUID.test(s)) {
      emit('clientSecret', 'error', 'secret_is_secret_id', 'This looks like the secret\'s "Secret ID" (a GUID). Line 4 needs its "Value", shown only once when the secret is created.');
    }
  }
  checkSecretDates(h, ctx, emit);
  return out;
}

const LINE_FIELDS: { field: FieldId; line: 1 | 2 | 3 | 4; same: (a: string, b: string) => boolean }[] = [
  { field: 'vaultHost', line: 1, same: (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase() },
  { field: 'keyIdentifier', line: 2, same: (a, b) => a.trim().replace(/\/$/, '').toLowerCase() === b.trim().replace(/\/$/, '').toLowerCase() },
  { field: 'clientId', line: 3, same: (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase() },
  { field: 'clientSecret', line: 4, same: (a, b) => a === b },
];

/** Across holders: lines 1-4 must all differ (each holder has their own vault, key version, app and secret). */
export function validateAcrossHolders(h1: HolderWorksheet, h2: HolderWorksheet): WorksheetIssue[] {
  const out: WorksheetIssue[] = [];
  for (const { field, line, same } of LINE_FIELDS) {
    const a = (h1 as Record<string, string | undefined>)[field];
    const b = (h2 as Record<string, string | undefined>)[field];
    if (!a || !b || !same(a, b)) continue;
    for (const holder of HOLDERS) {
      const other = holder === 1 ? 2 : 1;
      out.push({
        holder,
        field,
        line,
        severity: 'error',
        code: 'same_as_other_holder',
        message: `Line ${line} is the same for key holder 1 and key holder 2. Each holder must have their own ${line === 1 ? 'key vault' : line === 2 ? 'key version in their own vault' : line === 3 ? 'application registration' : 'client secret'}: check key holder ${other}'s line ${line}.`,
      });
    }
  }
  const v1 = /\/([0-9a-f]{32})\/?$/i.exec(h1.keyIdentifier.trim())?.[1]?.toLowerCase();
  const v2 = /\/([0-9a-f]{32})\/?$/i.exec(h2.keyIdentifier.trim())?.[1]?.toLowerCase();
  if (v1 && v2 && v1 === v2 && !out.some((i) => i.line === 2)) {
    for (const holder of HOLDERS) {
      out.push({ holder, field: 'keyIdentifier', line: 2, severity: 'error', code: 'same_key_version', message: 'Both holders\' line 2 end in the same key version. Each import into a vault gives a new version: copy the identifier from your own vault.' });
    }
  }
  return out;
}

export function validateWorksheet(h1: HolderWorksheet, h2: HolderWorksheet, ctx: RuleContext): WorksheetIssue[] {
  return [...validateHolder(1, h1, ctx), ...validateHolder(2, h2, ctx), ...validateAcrossHolders(h1, h2)];
}

/** Fields not yet filled in (the secret counts as filled when it is stored). */
export function missingFields(h: HolderWorksheet, secretStored: boolean): FieldId[] {
  return FIELDS.filter((f) => {
    if (f === 'clientSecret') return !secretStored && !h.clientSecret;
    return !(h as Record<string, string | undefined>)[f]?.trim();
  });
}
