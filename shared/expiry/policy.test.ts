import { describe, expect, it } from 'vitest';
import { addIsoDuration, checkRequestedEnd, formatIsoDuration, lifetimeRule, parseIsoDuration } from './policy';

const now = new Date('2026-11-27T12:00:00Z');

describe('ISO-8601 durations', () => {
  it('parses the forms Graph uses', () => {
    expect(parseIsoDuration('P365D')).toMatchObject({ days: 365 });
    expect(parseIsoDuration('P4DT12H30M5S')).toMatchObject({ days: 4, hours: 12, minutes: 30, seconds: 5 });
    expect(parseIsoDuration('P1Y6M')).toMatchObject({ years: 1, months: 6 });
    expect(parseIsoDuration('P2W')).toMatchObject({ weeks: 2 });
    expect(parseIsoDuration('PT36H')).toMatchObject({ hours: 36 });
    expect(formatIsoDuration(parseIsoDuration('P4DT12H30M5S'))).toBe('P4DT12H30M5S');
  });
  it('refuses what is not a duration', () => {
    for (const bad of ['', 'P', 'PT', '365D', 'P1.5Y', 'P-1D', 'P1DT', 'one year']) expect(() => parseIsoDuration(bad), bad).toThrowError(/ISO-8601|fractional/);
  });
  it('adds months by the calendar and clamps to month ends', () => {
    expect(addIsoDuration(new Date('2027-01-31T10:00:00Z'), parseIsoDuration('P1M')).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(addIsoDuration(new Date('2028-02-29T00:00:00Z'), parseIsoDuration('P1Y')).toISOString()).toBe('2029-02-28T00:00:00.000Z');
    expect(addIsoDuration(now, parseIsoDuration('P1DT1H')).toISOString()).toBe('2026-11-28T13:00:00.000Z');
  });
});

describe('the tenant lifetime rule', () => {
  it('is 2 years with 12 months suggested when no policy is readable', () => {
    const r = lifetimeRule({}, now);
    expect([r.maxLifetimeText, r.suggestedText, r.source, r.additionAllowed]).toEqual(['P2Y', 'P12M', 'azure-default', true]);
  });

  it('takes the tenant default’s passwordLifetime when enabled', () => {
    const r = lifetimeRule(
      { tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }] } } },
      now,
    );
    expect([r.maxLifetimeText, r.suggestedText, r.source]).toEqual(['P90D', 'P90D', 'tenant-default']);
  });

  it('ignores a disabled tenant default and a disabled restriction', () => {
    const restr = { restrictionType: 'passwordLifetime', maxLifetime: 'P30D' };
    expect(lifetimeRule({ tenantDefault: { isEnabled: false, applicationRestrictions: { passwordCredentials: [restr] } } }, now).maxLifetimeText).toBe('P2Y');
    expect(lifetimeRule({ tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ ...restr, state: 'disabled' }] } } }, now).maxLifetimeText).toBe('P2Y');
  });

  it('lets an app-specific policy override the tenant default', () => {
    const r = lifetimeRule(
      {
        tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30D' }] } },
        appPolicies: [{ isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P18M' }] } }],
      },
      now,
    );
    expect([r.maxLifetimeText, r.suggestedText, r.source]).toEqual(['P18M', 'P12M', 'app-policy']);
  });

  it('never allows more than Azure’s 2 years', () => {
    const r = lifetimeRule({ tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P5Y' }] } } }, now);
    expect(r.maxLifetimeText).toBe('P2Y');
  });

  it('applies a restriction only to apps created after its date, when the creation date is known', () => {
    const policy = {
      tenantDefault: {
        isEnabled: true,
        applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P6M', restrictForAppsCreatedAfterDateTime: '2025-01-01T00:00:00Z' }] },
      },
    };
    expect(lifetimeRule({ ...policy, appCreatedAt: '2024-06-01T00:00:00Z' }, now).maxLifetimeText).toBe('P2Y');
    expect(lifetimeRule({ ...policy, appCreatedAt: '2025-06-01T00:00:00Z' }, now).maxLifetimeText).toBe('P6M');
    expect(lifetimeRule(policy, now).maxLifetimeText).toBe('P6M');
  });

  it('says so when new secrets are blocked altogether', () => {
    const r = lifetimeRule({ tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordAddition' }] } } }, now);
    expect(r.additionAllowed).toBe(false);
    expect(() => checkRequestedEnd(r, now, new Date('2027-01-01T00:00:00Z'))).toThrowError(expect.objectContaining({ code: 'expiry.secret_addition_blocked' }));
  });

  it('refuses a requested end beyond the maximum, and accepts one at it', () => {
    const r = lifetimeRule({ tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P180D' }] } } }, now);
    expect(() => checkRequestedEnd(r, now, addIsoDuration(now, parseIsoDuration('P181D')))).toThrowError(expect.objectContaining({ code: 'expiry.lifetime_refused' }));
    expect(() => checkRequestedEnd(r, now, addIsoDuration(now, parseIsoDuration('P180D')))).not.toThrow();
    expect(() => checkRequestedEnd(r, now, new Date(now.getTime() - 1))).toThrowError(expect.objectContaining({ code: 'expiry.lifetime_refused' }));
  });

  it('compares months and days by where they end: P12M is longer than P365D from a leap-year start', () => {
    const from = new Date('2027-06-01T00:00:00Z'); // the next 12 months include 29 Feb 2028
    const r = lifetimeRule({ tenantDefault: { isEnabled: true, applicationRestrictions: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P365D' }] } } }, from);
    expect(r.suggestedText).toBe('P365D');
  });
});
