/**
 * Two features are "rotation" in everyday speech (docs/architecture.md,
 * "Names"): a new client secret is "credential rotation", a new primary key
 * "key rotation". A screen's menu title or heading that says just "rotation"
 * leaves the key holder to guess which one (issue 14), so it fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : /\.tsx?$/.test(d.name) && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Screen titles in the menu (renderer/app/screens.ts) and the text of every heading the screens render. */
function screenWords(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const file of sources(path.join(ROOT, 'renderer'))) {
    const text = fs.readFileSync(file, 'utf8');
    const where = path.relative(ROOT, file);
    if (where === path.join('renderer', 'app', 'screens.ts')) for (const m of text.matchAll(/title: '([^']+)'/g)) out.push({ where, text: m[1]! });
    for (const m of text.matchAll(/<h[1-6][^>]*>([^<]*)/g)) out.push({ where, text: m[1]!.replace(/\s+/g, ' ').trim() });
  }
  return out;
}

const bareRotation = (text: string) => /\brotation\b/i.test(text.replace(/\b(credential|key) rotation\b/gi, ''));

describe('no screen says just "rotation"', () => {
  it('finds the screens’ titles and headings (the check reads something)', () => {
    const words = screenWords();
    expect(words.map((w) => w.text)).toEqual(expect.arrayContaining(['Credential rotation', 'Key store lifecycle']));
    expect(bareRotation('Expiry and rotation')).toBe(true);
    expect(bareRotation('Credential rotation: the client secret')).toBe(false);
  });

  it('every title and heading says credential rotation or key rotation', () => {
    expect(screenWords().filter((w) => bareRotation(w.text))).toEqual([]);
  });
});
