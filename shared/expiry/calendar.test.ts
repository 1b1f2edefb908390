import { describe, expect, it } from 'vitest';
import { addCalendarDays, calendarDaysBetween, formatCalendarDate, instantOfWallTime, zoneOffsetMs } from './calendar';

describe('calendar days in the holder’s zone', () => {
  it('counts wall-calendar days, not 24-hour blocks', () => {
    // 23:30 in London on 27 Nov; expiry 00:30 on 28 Nov London: one calendar day, only an hour away.
    expect(calendarDaysBetween(new Date('2026-11-27T23:30:00Z'), new Date('2026-11-28T00:30:00Z'), 'Europe/London')).toBe(1);
    // The same two instants in Kolkata (+05:30) fall on the same date: 0 days.
    expect(calendarDaysBetween(new Date('2026-11-27T23:30:00Z'), new Date('2026-11-28T00:30:00Z'), 'Asia/Kolkata')).toBe(0);
    // In New York (-05:00) both are on 27 Nov... 18:30 and 19:30: 0 days.
    expect(calendarDaysBetween(new Date('2026-11-27T23:30:00Z'), new Date('2026-11-28T00:30:00Z'), 'America/New_York')).toBe(0);
    // Sydney (+11:00 in summer): 10:30 and 11:30 on 28 Nov.
    expect(calendarDaysBetween(new Date('2026-11-27T23:30:00Z'), new Date('2026-11-28T00:30:00Z'), 'Australia/Sydney')).toBe(0);
  });

  it('is negative after the expiry day', () => {
    expect(calendarDaysBetween(new Date('2026-12-03T12:00:00Z'), new Date('2026-12-01T12:00:00Z'), 'Europe/London')).toBe(-2);
  });

  const dstCases: Array<{ zone: string; before: string; after: string; name: string }> = [
    // London springs forward 2027-03-28 01:00 UTC; falls back 2026-10-25 01:00 UTC.
    { zone: 'Europe/London', name: 'spring', before: '2027-03-27T12:00:00Z', after: '2027-03-29T12:00:00Z' },
    { zone: 'Europe/London', name: 'autumn', before: '2026-10-24T12:00:00Z', after: '2026-10-26T12:00:00Z' },
    // New York: 2027-03-14 and 2026-11-01.
    { zone: 'America/New_York', name: 'spring', before: '2027-03-13T17:00:00Z', after: '2027-03-15T16:00:00Z' },
    { zone: 'America/New_York', name: 'autumn', before: '2026-10-31T16:00:00Z', after: '2026-11-02T17:00:00Z' },
    // Sydney: forward 2026-10-04, back 2027-04-04.
    { zone: 'Australia/Sydney', name: 'spring', before: '2026-10-03T01:00:00Z', after: '2026-10-05T00:00:00Z' },
    { zone: 'Australia/Sydney', name: 'autumn', before: '2027-04-03T00:00:00Z', after: '2027-04-05T01:00:00Z' },
  ];
  for (const c of dstCases) {
    it(`two calendar days across ${c.zone}'s ${c.name} change are still 2 days`, () => {
      expect(calendarDaysBetween(new Date(c.before), new Date(c.after), c.zone)).toBe(2);
    });
  }

  it('adds a calendar day as 23 hours across London’s spring change and 25 across autumn', () => {
    const spring = addCalendarDays(new Date('2027-03-27T09:00:00Z'), 1, 'Europe/London'); // 09:00 GMT
    expect(spring.toISOString()).toBe('2027-03-28T08:00:00.000Z'); // 09:00 BST
    const autumn = addCalendarDays(new Date('2026-10-24T08:00:00Z'), 1, 'Europe/London'); // 09:00 BST
    expect(autumn.toISOString()).toBe('2026-10-25T09:00:00.000Z'); // 09:00 GMT
  });

  it('keeps wall time across New York and Sydney changes, and Kolkata has none', () => {
    expect(addCalendarDays(new Date('2027-03-13T14:00:00Z'), 7, 'America/New_York').toISOString()).toBe('2027-03-20T13:00:00.000Z');
    // Sydney moves to +11:00 at 02:00 on 4 Oct 2026: 09:00 on 3 Oct (+10) to 09:00 on 4 Oct (+11) is 23 hours.
    expect(addCalendarDays(new Date('2026-10-02T23:00:00Z'), 1, 'Australia/Sydney').toISOString()).toBe('2026-10-03T22:00:00.000Z');
    // After the change, a day is 24 hours again.
    expect(addCalendarDays(new Date('2026-10-03T23:00:00Z'), 1, 'Australia/Sydney').toISOString()).toBe('2026-10-04T23:00:00.000Z');
    // Back to +10:00 at 03:00 on 4 Apr 2027: 10:00 on 3 Apr to 10:00 on 4 Apr is 25 hours.
    expect(addCalendarDays(new Date('2027-04-02T23:00:00Z'), 1, 'Australia/Sydney').toISOString()).toBe('2027-04-04T00:00:00.000Z');
    expect(addCalendarDays(new Date('2026-11-27T10:00:00Z'), 7, 'Asia/Kolkata').toISOString()).toBe('2026-12-04T10:00:00.000Z');
  });

  it('maps a wall time inside the spring-forward gap to just after it', () => {
    // 01:30 on 2027-03-28 never happens in London.
    const t = instantOfWallTime({ year: 2027, month: 3, day: 28, hour: 1, minute: 30, second: 0 }, 'Europe/London');
    expect(t.toISOString()).toBe('2027-03-28T01:30:00.000Z'); // shown as 02:30 BST
  });

  it('knows Kolkata’s half-hour offset', () => {
    expect(zoneOffsetMs(new Date('2026-06-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(formatCalendarDate(new Date('2026-11-27T19:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-28');
  });

  it('refuses an unknown zone with an actionable error', () => {
    expect(() => calendarDaysBetween(new Date(), new Date(), 'Mars/Olympus')).toThrowError(/IANA/);
  });
});
