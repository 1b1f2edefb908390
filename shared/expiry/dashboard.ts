/** The dashboard's rows: every tracked item, most urgent first, in the holder's own calendar days. */
import { calendarDaysBetween, formatCalendarDate } from './calendar';
import { actionFor, breaksWhenLapsed, trackedItemId, type TrackedItem } from './model';
import { reachedThreshold, severity, type ReminderRecord, type Threshold } from './reminders';

export type Urgency = 'expired' | 'critical' | 'warning' | 'notice' | 'ok';

export interface DashboardRow {
  id: string;
  item: TrackedItem;
  /** Calendar days in the holder's zone: 0 = expires today, negative = expired that many days ago. */
  daysLeft: number;
  expired: boolean;
  /** The expiry date as the holder's calendar shows it. */
  expiresOn: string;
  threshold: Threshold | null;
  urgency: Urgency;
  breaks: string;
  action: string;
  snoozedUntil?: string;
}

function urgencyOf(threshold: Threshold | null): Urgency {
  if (threshold === 'expired') return 'expired';
  if (threshold === null) return 'ok';
  if (threshold <= 7) return 'critical';
  if (threshold <= 30) return 'warning';
  return 'notice';
}

/** "in 3 days", "today", "expired 2 days ago": words for a count of calendar days. */
export function describeDaysLeft(daysLeft: number, expired: boolean): string {
  if (expired) {
    if (daysLeft >= 0) return 'expired today';
    return daysLeft === -1 ? 'expired yesterday' : `expired ${-daysLeft} days ago`;
  }
  if (daysLeft <= 0) return 'expires today';
  if (daysLeft === 1) return 'expires tomorrow';
  return `${daysLeft} days left`;
}

export function dashboardRows(items: readonly TrackedItem[], now: Date, timeZone: string, record?: ReminderRecord): DashboardRow[] {
  const rows = items.map((item): DashboardRow => {
    const expiresAt = new Date(item.expiresAt);
    const threshold = reachedThreshold(item, now, timeZone);
    const id = trackedItemId(item);
    const rec = record?.items[id];
    const snoozed = rec?.snoozedUntil && new Date(rec.expiresAt).getTime() === expiresAt.getTime() && new Date(rec.snoozedUntil) > now ? rec.snoozedUntil : undefined;
    return {
      id,
      item,
      daysLeft: calendarDaysBetween(now, expiresAt, timeZone),
      expired: now.getTime() >= expiresAt.getTime(),
      expiresOn: formatCalendarDate(expiresAt, timeZone),
      threshold,
      urgency: urgencyOf(threshold),
      breaks: breaksWhenLapsed(item),
      action: actionFor(item),
      ...(snoozed ? { snoozedUntil: snoozed } : {}),
    };
  });
  // Most urgent first: by instant of expiry (an expired item is older than any future one), then by severity, then a stable id.
  const at = new Map(rows.map((r) => [r, new Date(r.item.expiresAt).getTime()]));
  return rows.sort((a, b) => at.get(a)! - at.get(b)! || severity(b.threshold) - severity(a.threshold) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The worst state of all items: what the tray icon shows. */
export function worstUrgency(rows: readonly DashboardRow[]): Urgency {
  const order: Urgency[] = ['ok', 'notice', 'warning', 'critical', 'expired'];
  return rows.reduce<Urgency>((w, r) => (order.indexOf(r.urgency) > order.indexOf(w) ? r.urgency : w), 'ok');
}

/** Items whose expiry falls within `days` calendar days (or has passed): what `keyholder expiry list --within` reports. */
export function within(rows: readonly DashboardRow[], days: number): DashboardRow[] {
  return rows.filter((r) => r.expired || r.daysLeft <= days);
}
