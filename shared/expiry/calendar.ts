/**
 * Calendar arithmetic in the holder's own time zone, with nothing but Intl.
 * "Days left" is counted in calendar days where the holder lives, not in
 * 24-hour blocks: a secret that expires tomorrow at 09:00 has 1 day left
 * whether it is 08:00 or 23:00 today, and a daylight-saving change never
 * turns "3 days" into "2 days" in the middle of an afternoon.
 */
import { KeyholderError } from '../errors/index';

export interface CalendarDate {
  year: number;
  month: number; // 1-12
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new KeyholderError('expiry.bad_time_zone', `"${timeZone}" is not a time zone Key Holder knows. Use an IANA name such as Europe/London.`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)?.value ?? NaN);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
}

/** The date on the holder's wall calendar at this instant. */
function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  const { year, month, day } = wallClock(instant, timeZone);
  return { year, month, day };
}

function dayNumber(d: CalendarDate): number {
  return Math.round(Date.UTC(d.year, d.month - 1, d.day) / 86_400_000);
}

/**
 * Calendar days from `now` to `expiresAt` in `timeZone`: 0 on the day it
 * expires, negative once that day has passed.
 */
export function calendarDaysBetween(now: Date, expiresAt: Date, timeZone: string): number {
  return calendarDayNumber(expiresAt, timeZone) - calendarDayNumber(now, timeZone);
}

/*
 * Intl's formatToParts costs tens of microseconds; the hourly evaluation of a
 * thousand key stores asks about the same expiry instants again and again, so
 * answers are remembered (bounded, and keyed by zone and exact instant, so a
 * cached answer is never wrong).
 */
const dayCache = new Map<string, number>();
const DAY_CACHE_LIMIT = 50_000;

/** Days since 1970-01-01 of the holder's wall-calendar date at this instant. */
function calendarDayNumber(instant: Date, timeZone: string): number {
  const key = `${timeZone}|${instant.getTime()}`;
  const hit = dayCache.get(key);
  if (hit !== undefined) return hit;
  const n = dayNumber(calendarDateIn(instant, timeZone));
  if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
  dayCache.set(key, n);
  return n;
}

/** Offset of the zone from UTC at this instant, in milliseconds (London in summer: +3,600,000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the holder's wall clock shows this local time. In a
 * spring-forward gap (a time that never happens) it gives the instant just
 * after the gap; in an autumn overlap, the earlier of the two.
 */
export function instantOfWallTime(local: WallClock, timeZone: string): Date {
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Two passes settle the offset except inside a gap, where both candidates are checked.
  const first = naive - zoneOffsetMs(new Date(naive), timeZone);
  const second = naive - zoneOffsetMs(new Date(first), timeZone);
  const candidates = [first, second].sort((a, b) => a - b);
  for (const c of candidates) {
    const w = wallClock(new Date(c), timeZone);
    if (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) === naive) return new Date(c);
  }
  return new Date(Math.max(first, second));
}

/** Same wall-clock time `days` calendar days later in `timeZone` (23 or 25 hours across a DST change). */
export function addCalendarDays(instant: Date, days: number, timeZone: string): Date {
  const w = wallClock(instant, timeZone);
  const target = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  const ms = instant.getTime() % 1000;
  const out = instantOfWallTime(
    { year: target.getUTCFullYear(), month: target.getUTCMonth() + 1, day: target.getUTCDate(), hour: w.hour, minute: w.minute, second: w.second },
    timeZone,
  );
  return new Date(out.getTime() + (ms < 0 ? ms + 1000 : ms));
}

/** "2026-11-27" in the holder's zone. */
export function formatCalendarDate(instant: Date, timeZone: string): string {
  return new Date(calendarDayNumber(instant, timeZone) * 86_400_000).toISOString().slice(0, 10);
}

/** Forgets remembered calendar dates (for measurements of a cold start). */
export function clearCalendarCache(): void {
  dayCache.clear();
}
