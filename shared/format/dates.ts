/**
 * The one way Key Holder shows a date or a time to a person: in the holder's
 * own locale and time zone, never ISO UTC or a browser default. Every screen
 * uses these (a test in electron/lint/one-date-format.test.ts finds any other
 * date formatting in renderer/). Where the moment matters to the minute
 * (deadlines, expiries, transcript times) the zone is shown too, so two people
 * in different offices read the same instant.
 *
 * `locale` and `timeZone` are left to the system unless given (tests pin them).
 */

export interface DateFormatContext {
  /** BCP 47 tag; the holder's system locale when absent. */
  locale?: string;
  /** IANA zone; the holder's system zone when absent. */
  timeZone?: string;
}

const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Intl formatters are costly to build; screens format the same few styles again and again. */
const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(ctx: DateFormatContext, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify([ctx.locale ?? '', ctx.timeZone ?? '', options]);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(ctx.locale, { ...options, ...(ctx.timeZone ? { timeZone: ctx.timeZone } : {}) });
    cache.set(key, f);
  }
  return f;
}

function instant(value: string | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * A calendar day ("Dec 6, 2026"). A bare `YYYY-MM-DD` (a worksheet date, a
 * dashboard's expiry day) is a day on the holder's calendar and is shown as
 * that same day in every zone; an instant is shown as the day it falls on in
 * the holder's zone. Something that is not a date is returned as it came.
 */
export function formatDay(value: string | Date, ctx: DateFormatContext = {}): string {
  if (typeof value === 'string') {
    const m = CALENDAR_DAY.exec(value);
    if (m) {
      const utc = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return formatter({ ...ctx, timeZone: 'UTC' }, { dateStyle: 'medium' }).format(utc);
    }
  }
  const d = instant(value);
  return d ? formatter(ctx, { dateStyle: 'medium' }).format(d) : String(value);
}

/**
 * A moment ("Dec 6, 2026, 1:08 PM"); with `zone` the holder's zone is named
 * ("Dec 6, 2026, 1:08 PM GMT+1"): use it for deadlines, expiries and
 * transcript times. Something that is not a date is returned as it came.
 */
export function formatMoment(value: string | Date, o: DateFormatContext & { zone?: boolean } = {}): string {
  const d = instant(value);
  if (!d) return String(value);
  const { zone, ...ctx } = o;
  if (!zone) return formatter(ctx, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  // dateStyle/timeStyle cannot be combined with timeZoneName: the same fields spelled out.
  return formatter(ctx, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(d);
}
