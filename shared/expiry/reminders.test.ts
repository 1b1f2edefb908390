import { describe, expect, it } from 'vitest';
import { KeyholderError } from '../errors/index';
import type { TrackedItem } from './model';
import { trackedItemId } from './model';
import { dueReminders, emptyRecord, markFired, reachedThreshold, reminderRecordSchema, snooze, thresholds, type ReminderRecord } from './reminders';

const DAY = 86_400_000;
const tz = 'Europe/London';

function secret(expiresAt: string, subject = 'key-1'): TrackedItem {
  return { kind: 'client-secret', ceremony: 'cer-1', holder: 'holder-1', subject, label: 'Client secret', source: 'worksheet', expiresAt };
}

/** What a restart does to the record: write it out and read it back. */
function restart(r: ReminderRecord): ReminderRecord {
  return reminderRecordSchema.parse(JSON.parse(JSON.stringify(r)));
}

describe('reminder thresholds', () => {
  it('fires each threshold exactly once while the app runs hourly, across restarts', () => {
    const item = secret('2027-03-01T09:00:00Z');
    let record = emptyRecord();
    const fired: Array<string | number> = [];
    // Every hour from 100 days before to 2 days after expiry, with a restart every 25 hours.
    const start = new Date(item.expiresAt).getTime() - 100 * DAY;
    for (let t = start, n = 0; t < new Date(item.expiresAt).getTime() + 2 * DAY; t += 3_600_000, n++) {
      const due = dueReminders([item], new Date(t), record, { timeZone: tz });
      for (const d of due) fired.push(d.threshold);
      record = markFired(record, due);
      if (n % 25 === 0) record = restart(record);
    }
    expect(fired).toEqual([...thresholds, 'expired']);
  });

  it('does not fire again after a restart when nothing new was reached', () => {
    const item = secret('2027-01-10T09:00:00Z');
    const now = new Date('2026-12-20T10:00:00Z'); // 21 days left: the 30-day threshold
    const first = dueReminders([item], now, emptyRecord(), { timeZone: tz });
    expect(first.map((d) => d.threshold)).toEqual([30]);
    const record = restart(markFired(emptyRecord(), first));
    expect(dueReminders([item], new Date(now.getTime() + 5 * 3_600_000), record, { timeZone: tz })).toEqual([]);
  });

  it('an app closed across thresholds fires only the most severe one at next start', () => {
    const item = secret('2027-01-10T09:00:00Z');
    let record = markFired(emptyRecord(), dueReminders([item], new Date('2026-12-01T09:00:00Z'), emptyRecord(), { timeZone: tz })); // 30 fired
    record = restart(record);
    // Closed until 5 days before expiry: 14 and 7 were passed while closed.
    const due = dueReminders([item], new Date('2027-01-05T08:00:00Z'), record, { timeZone: tz });
    expect(due.map((d) => d.threshold)).toEqual([7]);
    record = restart(markFired(record, due));
    // 14 never fires late after 7.
    expect(dueReminders([item], new Date('2027-01-05T20:00:00Z'), record, { timeZone: tz })).toEqual([]);
    // 3 still fires when reached.
    expect(dueReminders([item], new Date('2027-01-07T00:30:00Z'), record, { timeZone: tz }).map((d) => d.threshold)).toEqual([3]);
  });

  it('an app closed across the expiry says "expired" at next start', () => {
    const item = secret('2027-01-10T09:00:00Z');
    const due = dueReminders([item], new Date('2027-02-01T09:00:00Z'), emptyRecord(), { timeZone: tz });
    expect(due.map((d) => [d.threshold, d.daysLeft])).toEqual([['expired', -22]]);
  });

  it('a new expiry date (after a rotation) resets the item’s reminders', () => {
    const old = secret('2027-01-10T09:00:00Z');
    const record = markFired(emptyRecord(), dueReminders([old], new Date('2027-01-09T09:00:00Z'), emptyRecord(), { timeZone: tz }));
    const rotated = { ...old, expiresAt: '2027-04-01T09:00:00Z' };
    expect(dueReminders([rotated], new Date('2027-01-09T10:00:00Z'), record, { timeZone: tz }).map((d) => d.threshold)).toEqual([90]);
  });

  it('the same instant written differently is the same expiry', () => {
    const a = secret('2027-01-10T09:00:00Z');
    const record = markFired(emptyRecord(), dueReminders([a], new Date('2027-01-01T09:00:00Z'), emptyRecord(), { timeZone: tz }));
    expect(dueReminders([{ ...a, expiresAt: '2027-01-10T10:00:00+01:00' }], new Date('2027-01-01T10:00:00Z'), record, { timeZone: tz })).toEqual([]);
  });

  it('counts thresholds in the holder’s calendar days, so zones differ near midnight', () => {
    const item = secret('2026-12-03T02:00:00Z'); // 07:30 on 3 Dec in Kolkata; 21:00 on 2 Dec in New York
    const now = new Date('2026-12-01T12:00:00Z'); // 17:30 on 1 Dec in Kolkata; 07:00 on 1 Dec in New York
    expect(reachedThreshold(item, now, 'Asia/Kolkata')).toBe(3); // 2 calendar days
    expect(reachedThreshold(item, now, 'America/New_York')).toBe(1); // 1 calendar day
    expect(reachedThreshold(item, now, 'Australia/Sydney')).toBe(3); // 23:00 on 1 Dec -> 13:00 on 3 Dec
    expect(reachedThreshold(item, now, 'Europe/London')).toBe(3); // 12:00 on 1 Dec -> 02:00 on 3 Dec
  });

  it('a DST change does not make a threshold fire twice or be skipped (Sydney, New York)', () => {
    for (const zone of ['Australia/Sydney', 'America/New_York', 'Europe/London', 'Asia/Kolkata']) {
      const item = secret('2026-11-10T00:00:00Z'); // several zones change between Oct and Nov
      let record = emptyRecord();
      const fired: Array<string | number> = [];
      for (let t = new Date('2026-09-01T00:00:00Z').getTime(); t < new Date('2026-11-12T00:00:00Z').getTime(); t += 1_800_000) {
        const due = dueReminders([item], new Date(t), record, { timeZone: zone });
        fired.push(...due.map((d) => d.threshold));
        record = markFired(record, due);
      }
      expect(fired, zone).toEqual([...thresholds, 'expired']);
    }
  });
});

describe('snooze', () => {
  const item = secret('2027-01-10T09:00:00Z');
  it('a day: quiet until the same wall time tomorrow, then the reminder comes back once', () => {
    const now = new Date('2027-01-05T09:00:00Z'); // 5 days left: threshold 7
    let record = markFired(emptyRecord(), dueReminders([item], now, emptyRecord(), { timeZone: tz }));
    const s = snooze(record, item, 'day', now, { timeZone: tz });
    expect(s.until.toISOString()).toBe('2027-01-06T09:00:00.000Z');
    record = restart(s.record);
    expect(dueReminders([item], new Date('2027-01-06T08:59:00Z'), record, { timeZone: tz })).toEqual([]);
    const back = dueReminders([item], new Date('2027-01-06T09:00:00Z'), record, { timeZone: tz });
    expect(back.map((d) => [d.reason, d.threshold])).toEqual([['snooze-ended', 7]]);
    record = markFired(record, back);
    expect(dueReminders([item], new Date('2027-01-06T12:00:00Z'), record, { timeZone: tz })).toEqual([]);
  });

  it('a week never runs past the expiry, and a threshold passed while snoozed shows when it ends', () => {
    const now = new Date('2027-01-05T09:00:00Z');
    const s = snooze(emptyRecord(), item, 'week', now, { timeZone: tz });
    expect(s.until.toISOString()).toBe(item.expiresAt.replace('Z', '.000Z'));
    // The 3-day and 1-day thresholds pass inside the snooze: silent.
    expect(dueReminders([item], new Date('2027-01-09T12:00:00Z'), s.record, { timeZone: tz })).toEqual([]);
    const atExpiry = dueReminders([item], new Date(item.expiresAt), s.record, { timeZone: tz });
    expect(atExpiry.map((d) => [d.reason, d.threshold])).toEqual([['snooze-ended', 'expired']]);
  });

  it('a day across London’s spring change lasts 23 hours', () => {
    const later = secret('2027-06-01T09:00:00Z');
    const s = snooze(emptyRecord(), later, 'day', new Date('2027-03-27T10:00:00Z'), { timeZone: tz });
    expect(s.until.getTime() - new Date('2027-03-27T10:00:00Z').getTime()).toBe(23 * 3_600_000);
  });

  it('refuses to snooze an expired item', () => {
    expect(() => snooze(emptyRecord(), item, 'day', new Date('2027-01-10T09:00:00Z'), { timeZone: tz })).toThrow(KeyholderError);
  });

  it('a snooze belongs to one item only', () => {
    const other = secret('2027-01-10T09:00:00Z', 'key-2');
    const now = new Date('2027-01-05T09:00:00Z');
    const s = snooze(emptyRecord(), item, 'day', now, { timeZone: tz });
    expect(dueReminders([item, other], now, s.record, { timeZone: tz }).map((d) => d.itemId)).toEqual([trackedItemId(other)]);
  });
});
