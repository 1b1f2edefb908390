/**
 * The tenant's lifetime rule for new client secrets. Tools that assume every
 * secret may live two years break under a tenant's app-management policy, so
 * the rotation wizard asks this module what Entra will accept before it calls
 * addPassword.
 *
 * Graph shapes read here (only the fields used):
 * - `GET /policies/defaultAppManagementPolicy` (tenantAppManagementPolicy):
 *   `{ isEnabled, applicationRestrictions: { passwordCredentials: [...] } }`
 * - `GET /applications/{id}/appManagementPolicies` (appManagementPolicy[]):
 *   `{ isEnabled, restrictions: { passwordCredentials: [...] } }`
 * where each passwordCredentialConfiguration is
 * `{ restrictionType, maxLifetime (ISO-8601 duration), restrictForAppsCreatedAfterDateTime, state }`.
 * An app-specific policy includes or excludes the app from the tenant
 * default, so when an enabled one applies it decides, else the default does.
 */
import { KeyholderError } from '../errors/index';

export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION = /^P(?!$)(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?=\d)(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/** Parses an ISO-8601 duration such as `P365D`, `P1Y6M` or `P4DT12H30M5S`. */
export function parseIsoDuration(text: string): IsoDuration {
  const m = DURATION.exec(text.trim().toUpperCase());
  if (!m) throw new KeyholderError('expiry.bad_duration', `"${text}" is not an ISO-8601 duration (such as P365D or P1Y).`);
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s.replace(',', '.')));
  const d = { years: n(m[1]), months: n(m[2]), weeks: n(m[3]), days: n(m[4]), hours: n(m[5]), minutes: n(m[6]), seconds: n(m[7]) };
  // Fractions only make sense on the smallest unit, and calendar units cannot be split exactly.
  if (!Number.isInteger(d.years) || !Number.isInteger(d.months)) {
    throw new KeyholderError('expiry.bad_duration', `"${text}" has a fractional year or month, which has no exact length. Use days instead.`);
  }
  return d;
}

export function formatIsoDuration(d: IsoDuration): string {
  const date = `${d.years ? `${d.years}Y` : ''}${d.months ? `${d.months}M` : ''}${d.weeks ? `${d.weeks}W` : ''}${d.days ? `${d.days}D` : ''}`;
  const time = `${d.hours ? `${d.hours}H` : ''}${d.minutes ? `${d.minutes}M` : ''}${d.seconds ? `${d.seconds}S` : ''}`;
  const text = `P${date}${time ? `T${time}` : ''}`;
  return text === 'P' ? 'PT0S' : text;
}

/** `start` plus the duration, calendar units in UTC (as Entra computes endDateTime), clamping 31 Jan + 1 month to 28/29 Feb. */
export function addIsoDuration(start: Date, d: IsoDuration): Date {
  const y = start.getUTCFullYear() + d.years;
  const monthIndex = start.getUTCMonth() + d.months;
  const targetYear = y + Math.floor(monthIndex / 12);
  const targetMonth = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const base = Date.UTC(
    targetYear,
    targetMonth,
    Math.min(start.getUTCDate(), lastDay),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
    start.getUTCMilliseconds(),
  );
  const fixedMs = ((d.weeks * 7 + d.days) * 24 * 3600 + d.hours * 3600 + d.minutes * 60 + d.seconds) * 1000;
  return new Date(base + Math.round(fixedMs));
}

const AZURE_MAX_LIFETIME = 'P2Y';
const PREFERRED_LIFETIME = 'P12M';

export interface PasswordCredentialConfiguration {
  restrictionType?: string | null;
  maxLifetime?: string | null;
  restrictForAppsCreatedAfterDateTime?: string | null;
  state?: string | null;
}

export interface TenantAppManagementPolicy {
  isEnabled?: boolean | null;
  applicationRestrictions?: { passwordCredentials?: PasswordCredentialConfiguration[] | null } | null;
}

export interface AppManagementPolicy {
  isEnabled?: boolean | null;
  restrictions?: { passwordCredentials?: PasswordCredentialConfiguration[] | null } | null;
}

export interface LifetimePolicyInput {
  /** Null or absent when Graph would not let this holder read it. */
  tenantDefault?: TenantAppManagementPolicy | null;
  appPolicies?: AppManagementPolicy[] | null;
  /** The application's createdDateTime; restrictions can be limited to apps created after a date. */
  appCreatedAt?: string | null;
}

export interface LifetimeRule {
  /** Whether new secrets may be added at all (a `passwordAddition` restriction forbids it). */
  additionAllowed: boolean;
  maxLifetime: IsoDuration;
  maxLifetimeText: string;
  /** Where the maximum came from. */
  source: 'app-policy' | 'tenant-default' | 'azure-default';
  /** The shorter of 12 months and the maximum. */
  suggested: IsoDuration;
  suggestedText: string;
}

function applies(c: PasswordCredentialConfiguration, appCreatedAt: string | null | undefined): boolean {
  if (c.state && c.state.toLowerCase() === 'disabled') return false;
  if (c.restrictForAppsCreatedAfterDateTime && appCreatedAt) {
    return new Date(appCreatedAt).getTime() > new Date(c.restrictForAppsCreatedAfterDateTime).getTime();
  }
  // Without the app's creation date, assume the restriction applies: suggesting a lifetime Entra refuses is worse than one too short.
  return true;
}

/** Orders durations by where they end from the same start, since months and years have no fixed length. */
function shorterDuration(a: IsoDuration, b: IsoDuration, from: Date): IsoDuration {
  return addIsoDuration(from, a).getTime() <= addIsoDuration(from, b).getTime() ? a : b;
}

function restrictionsOf(configs: PasswordCredentialConfiguration[], appCreatedAt: string | null | undefined, from: Date): { max?: IsoDuration; blocked: boolean } {
  let max: IsoDuration | undefined;
  let blocked = false;
  for (const c of configs) {
    if (!applies(c, appCreatedAt)) continue;
    if (c.restrictionType === 'passwordAddition') blocked = true;
    if (c.restrictionType === 'passwordLifetime' && c.maxLifetime) {
      const d = parseIsoDuration(c.maxLifetime);
      max = max ? shorterDuration(max, d, from) : d;
    }
  }
  return { ...(max ? { max } : {}), blocked };
}

/** The lifetime rule for a new secret on this application, as of `now`. */
export function lifetimeRule(input: LifetimePolicyInput, now: Date): LifetimeRule {
  const azure = parseIsoDuration(AZURE_MAX_LIFETIME);
  let source: LifetimeRule['source'] = 'azure-default';
  let found: { max?: IsoDuration; blocked: boolean } = { blocked: false };
  const appConfigs = (input.appPolicies ?? []).filter((p) => p.isEnabled !== false).flatMap((p) => p.restrictions?.passwordCredentials ?? []);
  if (appConfigs.length > 0) {
    found = restrictionsOf(appConfigs, input.appCreatedAt, now);
    source = 'app-policy';
  } else if (input.tenantDefault?.isEnabled) {
    found = restrictionsOf(input.tenantDefault.applicationRestrictions?.passwordCredentials ?? [], input.appCreatedAt, now);
    if (found.max || found.blocked) source = 'tenant-default';
  }
  const max = found.max ? shorterDuration(found.max, azure, now) : azure;
  if (!found.max && source === 'app-policy' && !found.blocked) source = 'azure-default';
  const suggested = shorterDuration(parseIsoDuration(PREFERRED_LIFETIME), max, now);
  return {
    additionAllowed: !found.blocked,
    maxLifetime: max,
    maxLifetimeText: formatIsoDuration(max),
    source,
    suggested,
    suggestedText: formatIsoDuration(suggested),
  };
}

/** Refuses an end date the rule does not allow, before Graph does, with words the holder can act on. */
export function checkRequestedEnd(rule: LifetimeRule, start: Date, requestedEnd: Date): void {
  if (!rule.additionAllowed) {
    throw new KeyholderError(
      'expiry.secret_addition_blocked',
      'Your tenant’s app-management policy does not allow new client secrets for this application. Ask an Entra administrator to exempt it, or use a certificate.',
    );
  }
  if (requestedEnd.getTime() <= start.getTime()) {
    throw new KeyholderError('expiry.lifetime_refused', 'The new secret’s end date must be in the future.');
  }
  const maxEnd = addIsoDuration(start, rule.maxLifetime);
  if (requestedEnd.getTime() > maxEnd.getTime()) {
    const from = rule.source === 'azure-default' ? 'Azure' : rule.source === 'app-policy' ? 'this application’s management policy' : 'your tenant’s default app-management policy';
    throw new KeyholderError(
      'expiry.lifetime_refused',
      `A secret ending ${requestedEnd.toISOString().slice(0, 10)} lives longer than ${from} allows (${rule.maxLifetimeText}, so ${maxEnd.toISOString().slice(0, 10)} at the latest). Pick a shorter lifetime.`,
      { maxLifetime: rule.maxLifetimeText },
    );
  }
}
