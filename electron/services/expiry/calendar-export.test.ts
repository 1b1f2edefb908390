import { describe, expect, it } from 'vitest';
import type { TrackedItem } from '../../../shared/expiry/model';
import { expiryCalendar, icsUid } from './calendar-export';

const item: TrackedItem = {
  kind: 'client-secret',
  ceremony: 'contoso-2026',
  holder: 'holder-1',
  subject: 'line-4:app-1',
  label: 'Client secret on worksheet line 4',
  source: 'worksheet',
  expiresAt: '2027-03-01T09:00:00Z',
};

function events(ics: string): string[][] {
  return ics.split('BEGIN:VEVENT').slice(1).map((e) => e.split('END:VEVENT')[0]!.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean));
}

describe('calendar export', () => {
  it('writes one event per expiry at the expiry instant with an alarm per threshold and one at expiry', () => {
    const ics = expiryCalendar([item, { ...item, holder: 'holder-2', subject: 'line-4:app-2' }], new Date('2026-11-27T12:00:00Z'));
    const evs = events(ics);
    expect(evs).toHaveLength(2);
    const first = evs[0]!;
    expect(first).toContain('DTSTART:20270301T090000Z');
    const triggers = first.filter((l) => l.startsWith('TRIGGER'));
    expect(triggers).toEqual([
      'TRIGGER:-PT2160H',
      'TRIGGER:-PT1440H',
      'TRIGGER:-PT720H',
      'TRIGGER:-PT336H',
      'TRIGGER:-PT168H',
      'TRIGGER:-PT72H',
      'TRIGGER:-PT24H',
      'TRIGGER;VALUE=DATE-TIME:20270301T090000Z',
    ]);
    // Every relative trigger is a valid RFC 5545 duration (the library's "-P3DT" form is not).
    for (const t of triggers.filter((l) => l.startsWith('TRIGGER:'))) expect(t).toMatch(/^TRIGGER:-P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$/);
    expect(first.join('\n')).not.toMatch(/-P\d*[DW]?T(\r?\n|$)/);
  });

  it('leaves out alarms already in the past', () => {
    const evs = events(expiryCalendar([item], new Date('2027-02-25T12:00:00Z')));
    expect(evs[0]!.filter((l) => l.startsWith('TRIGGER'))).toEqual(['TRIGGER:-PT72H', 'TRIGGER:-PT24H', 'TRIGGER;VALUE=DATE-TIME:20270301T090000Z']);
  });

  it('keeps the UID when the date moves, so a re-export updates the event, with a higher SEQUENCE', () => {
    const a = events(expiryCalendar([item], new Date('2026-11-27T12:00:00Z')))[0]!;
    const rotated = { ...item, expiresAt: '2027-11-01T09:00:00Z', source: 'graph' as const, label: 'renamed' };
    const b = events(expiryCalendar([rotated], new Date('2026-12-01T12:00:00Z')))[0]!;
    const uid = (e: string[]) => e.find((l) => l.startsWith('UID:'));
    const seq = (e: string[]) => Number(e.find((l) => l.startsWith('SEQUENCE:'))!.slice(9));
    expect(uid(a)).toBe(uid(b));
    expect(uid(a)).toBe(`UID:${icsUid(item)}`);
    expect(seq(b)).toBeGreaterThan(seq(a));
  });

  it('gives different items different UIDs', () => {
    expect(icsUid(item)).not.toBe(icsUid({ ...item, holder: 'holder-2' }));
    expect(icsUid(item)).not.toBe(icsUid({ ...item, kind: 'app-credential' }));
  });

  it('refuses to write an empty calendar', () => {
    expect(() => expiryCalendar([], new Date())).toThrowError(expect.objectContaining({ code: 'expiry.nothing_to_export' }));
  });
});

describe('calendar export: lines folded by octets (RFC 5545 3.1, issue 16)', () => {
  it('no line exceeds 75 octets, no UTF-8 sequence is split, and unfolding gives back the text', () => {
    const quoted = { ...item, label: 'Client secret on worksheet line 4 (the holder’s “primary” app, Zürich – 東京 ✓ 𝄞)', ceremony: 'contoso’s-2026' };
    const ics = expiryCalendar([quoted], new Date('2026-11-27T12:00:00Z'));
    const lines = ics.split('\r\n');
    const long = lines.filter((l) => Buffer.byteLength(l, 'utf8') > 75);
    expect(long).toEqual([]);
    // A fold inside a character would leave half of it (a lone surrogate) at a line's end or start.
    for (const l of lines) expect(l).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    const summary = events(ics)[0]!.find((l) => l.startsWith('SUMMARY:'))!;
    expect(summary).toContain('the holder’s “primary” app\\, Zürich – 東京 ✓ 𝄞');
    expect(lines.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(0);
  });
});
