/**
 * One date format on every screen: dates and times reach a holder only through
 * shared/format/dates.ts (their locale and zone, the zone named where it
 * matters). This reads every renderer source and fails on any other way of
 * turning a date into text (ISO UTC, the browser's default toLocaleString, a
 * screen's own Intl.DateTimeFormat), naming the file and line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

const FORBIDDEN: { pattern: RegExp; why: string }[] = [
  { pattern: /Intl\.DateTimeFormat/, why: 'a screen’s own date formatter' },
  { pattern: /\.toLocale(Date|Time)String\(/, why: 'the browser’s default date format' },
  { pattern: /\bDate\([^)]*\)\s*\.toLocaleString\(/, why: 'the browser’s default date format' },
  // A number's toLocaleString names its locale; a date's is called bare or with (undefined, {dateStyle…}).
  { pattern: /\.toLocaleString\(\s*(\)|undefined|\{)/, why: 'the browser’s default date format' },
  { pattern: /\.toISOString\(\)/, why: 'ISO UTC shown to a person' },
  { pattern: /\.to(UTC|GMT|Date|Time)String\(\)/, why: 'a fixed English date format' },
];

function problems(source: string, file: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const f = FORBIDDEN.find((x) => x.pattern.test(line));
    if (f) out.push(`${file}:${i + 1}: ${f.why}: ${line.trim()}`);
  });
  return out;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('one date format on every screen', () => {
  it('finds the ways dates were shown before (three formats in one ceremony)', () => {
    const before = [
      "{dirty ? 'Unsaved changes' : `Saved ${new Date(view.updatedAt).toLocaleString()}`}",
      "return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));",
      "<p>Last checked {new Date(pk.checkedAt).toLocaleString()}.</p>",
      "const local = (iso: string) => when.toLocaleString(undefined, { dateStyle: 'medium' });",
      'since {opened.toISOString()}',
    ].join('\n');
    expect(problems(before, 'before.tsx')).toHaveLength(5);
    // A count in a named locale is not a date.
    expect(problems("about {w.weakest.gpuGuessesPerSecond.toLocaleString('en')} guesses", 'count.tsx')).toEqual([]);
  });

  it('no screen formats a date any other way than shared/format/dates.ts', () => {
    const files = sources(path.join(ROOT, 'renderer'));
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((f) => problems(fs.readFileSync(f, 'utf8'), path.relative(ROOT, f)));
    expect(found).toEqual([]);
  });
});
