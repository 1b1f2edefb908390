/**
 * The reminder rules: given the tracked items, the time now and what already
 * fired, say what is due. Pure, so the main process, the CLI, the bench and
 * the tests all share one truth, and a restart loses nothing as long as the
 * caller persists the record this module returns.
 */
import { z } from 'zod';
import { KeyholderError } from '../errors/index';
import { addCalendarDays, calendarDaysBetween } from './calendar';
import { trackedItemId, type TrackedItem } from './model';

/** Days before expiry at which a holder is reminded; `expired` is the last word. */
export const thresholds = [90, 60, 30, 14, 7, 3, 1] as const;
export type DayThreshold = (typeof thresholds)[number];
export type Threshold = DayThreshold | 'expired';

/** Severity order: higher is worse. */
export function severity(t: Threshold | null): number {
  if (t === null) return 0;
  if (t === 'expired') return thresholds.length + 1;
  return thresholds.indexOf(t) + 1;
}

const itemRecordSchema = z.object({
  /** The expiry these entries belong to: a new date (after a rotation) resets the item's reminders. */
  expiresAt: z.string(),
  fired: z.array(z.union([z.literal('expired'), z.number().int()])),
  snoozedUntil: z.string().optional(),
});

export const reminderRecordSchema = z.object({
  version: z.literal(1),
  items: z.record(z.string(), itemRecordSchema),
});
export type ReminderRecord = z.infer<typeof reminderRecordSchema>;
type ItemRecord = z.infer<typeof itemRecordSchema>;

export function emptyRecord(): ReminderRecord {
  return { version: 1, items: {} };
}

export interface EvaluateOptions {
  /** The holder's IANA time zone: days left are counted on their wall calendar. */
  timeZone: string;
}

/** The most severe threshold this item has reached at `now`, or null when it is more than 90 days out. */
export function reachedThreshold(item: TrackedItem, now: Date, timeZone: string): Threshold | null {
  const expiresAt = new Date(item.expiresAt);
  if (now.getTime() >= expiresAt.getTime()) return 'expired';
  return thresholdForDaysLeft(calendarDaysBetween(now, expiresAt, timeZone));
}

/** The most severe day threshold a count of calendar days has reached (the caller handles "expired"). */
export function thresholdForDaysLeft(daysLeft: number): DayThreshold | null {
  let reached: DayThreshold | null = null;
  for (const t of thresholds) if (daysLeft <= t) reached = t;
  return reached;
}

export interface DueReminder {
  itemId: string;
  item: TrackedItem;
  threshold: Threshold;
  /** `snooze-ended` when a snoozed reminder comes back. */
  reason: 'threshold' | 'snooze-ended';
  daysLeft: number;
}

function currentRecord(record: ReminderRecord, id: string, item: TrackedItem): ItemRecord | undefined {
  const r = record.items[id];
  // Compare instants, not strings: the same date may arrive as "Z" from Graph and "+00:00" from the worksheet.
  if (!r || new Date(r.expiresAt).getTime() !== new Date(item.expiresAt).getTime()) return undefined;
  return r;
}

/**
 * What should be shown now. Only the most severe threshold reached is ever
 * due for an item: an app that was closed across 30 and 14 days says "14
 * days" once at the next start, not both.
 */
export function dueReminders(items: readonly TrackedItem[], now: Date, record: ReminderRecord, opts: EvaluateOptions): DueReminder[] {
  const due: DueReminder[] = [];
  for (const item of items) {
    const level = reachedThreshold(item, now, opts.timeZone);
    if (level === null) continue;
    const id = trackedItemId(item);
    const r = currentRecord(record, id, item);
    const daysLeft = calendarDaysBetween(now, new Date(item.expiresAt), opts.timeZone);
    if (r?.snoozedUntil) {
      if (now.getTime() < new Date(r.snoozedUntil).getTime()) continue;
      due.push({ itemId: id, item, threshold: level, reason: 'snooze-ended', daysLeft });
      continue;
    }
    if (r?.fired.includes(level)) continue;
    due.push({ itemId: id, item, threshold: level, reason: 'threshold', daysLeft });
  }
  return due.sort((a, b) => severity(b.threshold) - severity(a.threshold) || a.daysLeft - b.daysLeft);
}

/**
 * Records that these reminders were shown. Every milder threshold is marked
 * too, so a threshold that was skipped while the app was closed never fires
 * late after a more severe one. A shown snooze is cleared.
 */
export function markFired(record: ReminderRecord, shown: readonly DueReminder[]): ReminderRecord {
  const items = { ...record.items };
  for (const d of shown) {
    const prior = currentRecord(record, d.itemId, d.item);
    const fired = new Set<Threshold>((prior?.fired ?? []) as Threshold[]);
    for (const t of [...thresholds, 'expired' as const]) if (severity(t) <= severity(d.threshold)) fired.add(t);
    items[d.itemId] = { expiresAt: d.item.expiresAt, fired: [...fired] };
  }
  return { version: 1, items };
}

export type SnoozePeriod = 'day' | 'week';

/**
 * Snoozes an item's reminder for a calendar day or week in the holder's zone,
 * never past its expiry: at the expiry the "expired" reminder must be seen.
 */
export function snooze(record: ReminderRecord, item: TrackedItem, period: SnoozePeriod, now: Date, opts: EvaluateOptions): { record: ReminderRecord; until: Date } {
  const expiresAt = new Date(item.expiresAt);
  if (now.getTime() >= expiresAt.getTime()) {
    throw new KeyholderError('expiry.snooze_expired', `${item.label} has already expired; it cannot be snoozed. Take the action shown to restore access.`);
  }
  const wanted = addCalendarDays(now, period === 'day' ? 1 : 7, opts.timeZone);
  const until = wanted.getTime() > expiresAt.getTime() ? expiresAt : wanted;
  const id = trackedItemId(item);
  const prior = currentRecord(record, id, item);
  // Snoozing counts as having seen the current reminder: it must not fire again before the snooze ends.
  const level = reachedThreshold(item, now, opts.timeZone);
  const fired = new Set<Threshold>((prior?.fired ?? []) as Threshold[]);
  if (level !== null) for (const t of thresholds) if (severity(t) <= severity(level)) fired.add(t);
  return {
    record: { version: 1, items: { ...record.items, [id]: { expiresAt: item.expiresAt, fired: [...fired], snoozedUntil: until.toISOString() } } },
    until,
  };
}

/** Forgets an item's reminders (after its credential was rotated under the same identity). */
export function resetItem(record: ReminderRecord, itemId: string): ReminderRecord {
  const items = { ...record.items };
  delete items[itemId];
  return { version: 1, items };
}

/** Drops entries for items no longer tracked, so the record does not grow forever. */
export function pruneRecord(record: ReminderRecord, items: readonly TrackedItem[]): ReminderRecord {
  const live = new Set(items.map(trackedItemId));
  return { version: 1, items: Object.fromEntries(Object.entries(record.items).filter(([id]) => live.has(id))) };
}
