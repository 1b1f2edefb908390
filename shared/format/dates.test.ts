import { describe, expect, it } from 'vitest';
import { formatDay, formatMoment } from './dates';

const AT = '2026-12-06T12:08:36.000Z';

describe('one date format, in the holder’s locale and zone', () => {
  it('shows a moment in the holder’s zone, not UTC, and names the zone where asked', () => {
    expect(formatMoment(AT, { locale: 'en-US', timeZone: 'Europe/Berlin' })).toBe('Dec 6, 2026, 1:08 PM');
    expect(formatMoment(AT, { locale: 'en-US', timeZone: 'Europe/Berlin', zone: true })).toBe('Dec 6, 2026, 1:08 PM GMT+1');
    expect(formatMoment(AT, { locale: 'en-US', timeZone: 'America/New_York', zone: true })).toBe('Dec 6, 2026, 7:08 AM EST');
  });

  it('follows the holder’s locale', () => {
    expect(formatMoment(AT, { locale: 'en-GB', timeZone: 'Europe/London' })).toBe('6 Dec 2026, 12:08');
    expect(formatDay(AT, { locale: 'de-DE', timeZone: 'Europe/Berlin' })).toBe('06.12.2026');
  });

  it('shows a calendar day as that day in every zone, and an instant as the day it falls on where the holder is', () => {
    for (const timeZone of ['Pacific/Kiritimati', 'UTC', 'Pacific/Pago_Pago']) expect(formatDay('2027-12-06', { locale: 'en-US', timeZone })).toBe('Dec 6, 2027');
    // 23:30 UTC on 6 Dec is already 7 Dec in Tokyo.
    expect(formatDay('2026-12-06T23:30:00Z', { locale: 'en-US', timeZone: 'Asia/Tokyo' })).toBe('Dec 7, 2026');
    expect(formatDay(new Date('2026-12-06T23:30:00Z'), { locale: 'en-US', timeZone: 'UTC' })).toBe('Dec 6, 2026');
  });

  it('gives back what is not a date rather than "Invalid Date"', () => {
    expect(formatMoment('not recorded')).toBe('not recorded');
    expect(formatDay('its scheduled date')).toBe('its scheduled date');
  });
});
