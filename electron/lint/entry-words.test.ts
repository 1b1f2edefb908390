/**
 * Every transcript entry kind the app records has words in the one table
 * (shared/ceremony/entry-words.ts): a missing kind would reach the Ceremony
 * screen and the printed report as "Other recorded entry".
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { ENTRY_WORDS } from '../../shared/ceremony/entry-words';

describe('entry words cover what is recorded', () => {
  it('every kind the app records anywhere has words (read from the code that appends entries)', () => {
    // A kind missing here would reach the Ceremony screen and the printed report as "Other recorded entry".
    const root = path.join(__dirname, '../..');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) files.push(f);
      }
    };
    for (const d of ['electron/services', 'electron/ipc', 'electron/ceremony-script', 'shared/ceremony']) walk(path.join(root, d));
    const recorded = new Set<string>();
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:kind: |append\([\w.]+, |recordIn\([\w.]+, |record\()'([a-z-]+\.[a-z-]+)'/g)) recorded.add(m[1]!);
    }
    expect(recorded.size).toBeGreaterThan(20);
    expect([...recorded].filter((k) => !ENTRY_WORDS[k]).sort()).toEqual([]);
  });

});
