/**
 * Calendar export (.ics): one event per expiry, alarms at the reminder
 * thresholds, and a UID derived from the item's identity so importing a newer
 * export updates the event instead of adding a second one.
 */
import { createHash } from 'node:crypto';
import { createEvents, type EventAttributes } from 'ics';
import { KeyholderError } from '../../../shared/errors/index';
import { actionFor, breaksWhenLapsed, trackedItemId, type TrackedItem } from '../../../shared/expiry/model';
import { thresholds } from '../../../shared/expiry/reminders';

const ICS_UID_DOMAIN = 'expiry.keyholder.invalid';

export function icsUid(item: TrackedItem): string {
  return `${createHash('sha256').update(trackedItemId(item)).digest('hex').slice(0, 32)}@${ICS_UID_DOMAIN}`;
}

/**
 * Calendar clients take the copy with the higher SEQUENCE as the update.
 * Minutes since 2020 grow with every export, so a re-export always wins
 * without a counter to keep anywhere.
 */
function sequenceAt(now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.UTC(2020, 0, 1)) / 60_000));
}

/** RFC 5545 3.1: a content line is at most 75 octets, the line break excluded. */
const ICS_MAX_LINE_OCTETS = 75;

const octets = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/**
 * Folds one content line at 75 octets (a continuation's leading space counts),
 * between characters, so a UTF-8 sequence is never split. The ics library
 * folds by UTF-16 units, which lets lines with "’" (three octets) run long.
 */
function foldContentLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const n = octets(ch.codePointAt(0)!);
    if (size + n > ICS_MAX_LINE_OCTETS) {
      parts.push(current);
      current = ' ';
      size = 1;
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join('\r\n');
}

/** Unfolds the library's output and folds every line again by octets. */
function refoldIcs(text: string): string {
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
  return lines.map((l) => (l === '' ? l : foldContentLine(l))).join('\r\n');
}

export function expiryCalendar(items: readonly TrackedItem[], now: Date): string {
  const events: EventAttributes[] = items.map((item) => {
    const at = new Date(item.expiresAt).getTime();
    return {
      uid: icsUid(item),
      start: at,
      startInputType: 'utc',
      startOutputType: 'utc',
      duration: { minutes: 30 },
      title: `Expires: ${item.label} (${item.ceremony}, ${item.holder})`,
      description: `When it lapses: ${breaksWhenLapsed(item)}\n\nWhat to do: ${actionFor(item)}`,
      categories: ['Key Holder'],
      status: 'CONFIRMED',
      busyStatus: 'FREE',
      sequence: sequenceAt(now),
      lastModified: now.getTime(),
      alarms: [
        ...thresholds
          .filter((d) => at - d * 86_400_000 > now.getTime())
          // In hours: the ics library writes `{ days }` as "-P3DT", which RFC 5545's grammar does not allow.
          .map((d) => ({ action: 'display' as const, description: `${item.label} expires in ${d} day${d === 1 ? '' : 's'}`, trigger: { hours: d * 24, before: true } })),
        // At the expiry itself; an absolute time, since the library writes a zero duration as "-PT".
        { action: 'display' as const, description: `${item.label} has expired`, trigger: at },
      ],
    };
  });
  if (events.length === 0) {
    throw new KeyholderError('expiry.nothing_to_export', 'There is nothing to put in a calendar yet: no key store on this workstation has an expiry date.');
  }
  const { error, value } = createEvents(events, { productId: 'keyholder/expiry', calName: 'Key Holder expiries', method: 'PUBLISH' });
  if (error || !value) throw new KeyholderError('expiry.calendar_failed', `The calendar file could not be written (${error?.message ?? 'unknown reason'}).`);
  return refoldIcs(value);
}
