/**
 * The repository is self-contained: nothing a test or the app reads lives
 * beside the checkout. A clone placed in an empty folder must pass, so no
 * tracked file may name a path that climbs above the repository's root
 * (`../../..` in an import, a `new URL('../..', import.meta.url)`, a
 * `path.join(dir, '..', '..')`), nor the absolute path of the folder the
 * checkout sits in. The second test runs the suite's parts that once read
 * from outside (the Key Vault API description) from a copy of the tracked
 * files alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(root, f)));
}

/** Runs of `..` segments (`..`, `../..`, `..\\..`) standing alone or opening a path. */
const CLIMB = /(?<![\w.\-/\\])\.\.(?:[/\\]+\.\.)*(?=[/\\'"`\s)\]]|$)/g;
/** `'..', '..'` as separate arguments, as path.join/resolve take them. */
const CLIMB_ARGS = /(?:['"]\.\.['"]\s*,\s*)*['"]\.\.['"]/g;

/**
 * Relative paths whose base is not the file's own folder, each checked
 * against the base it is relative to (still inside the checkout).
 */
const OTHER_BASE: { file: string; text: string; base: string }[] = [{ file: 'vite.config.ts', text: "'../dist/renderer'", base: 'renderer' }];

interface Climb {
  file: string;
  line: number;
  text: string;
}

/** Every place in `text` (the content of `file`, relative to the root) that climbs above the root. */
function climbsOutOf(file: string, text: string): Climb[] {
  const depth = path.dirname(file).split('/').filter((s) => s && s !== '.').length;
  const found: Climb[] = [];
  text.split('\n').forEach((line, i) => {
    for (const re of [CLIMB, CLIMB_ARGS]) {
      for (const m of line.matchAll(re)) {
        const ups = m[0].match(/\.\./g)!.length;
        const other = OTHER_BASE.find((o) => o.file === file && line.includes(o.text));
        const baseDepth = other ? other.base.split('/').length : depth;
        if (ups > baseDepth) found.push({ file, line: i + 1, text: line.trim() });
      }
    }
  });
  return found;
}

describe('self-contained repository', () => {
  it('the scan finds what it is meant to find (the old spec path, path.join climbs, Windows separators)', () => {
    // The old spec path, assembled so this file does not itself name the folder beside the checkout.
    expect(climbsOutOf('electron/rehearsal/testing/spec.ts', `new URL('../../../../${'shared'}/specs/x/', import.meta.url)`)).toHaveLength(1);
    expect(climbsOutOf('electron/a/b.ts', "path.join(__dirname, '..', '..', '..', 'seeds')")).toHaveLength(1);
    expect(climbsOutOf('electron/a/b.ts', "readFileSync('..\\\\..\\\\..\\\\x')")).toHaveLength(1);
    expect(climbsOutOf('docs/a.md', 'see [x](../../outside.md)')).toHaveLength(1);
    expect(climbsOutOf('electron/a/b.ts', "new URL('../../x', import.meta.url); path.join(d, '..', '..')")).toEqual([]);
    expect(climbsOutOf('docs/formats/a.md', 'see [x](../../README.md) or ...')).toEqual([]);
  });

  it('no tracked file names a path above the checkout or the folder it sits in', () => {
    const parent = path.dirname(root);
    // What sits beside the checkout, named by absolute path (e.g. `/work/shared/...`). Only real siblings count:
    // a checkout placed in a general folder such as /tmp must not flag every file that mentions `/tmp/`.
    const siblings = fs.existsSync(parent) && parent !== path.parse(parent).root
      ? fs.readdirSync(parent).filter((n) => n !== path.basename(root)).map((n) => parent + path.sep + n)
      : [];
    const climbs: Climb[] = [];
    const absolute: string[] = [];
    for (const file of trackedFiles()) {
      // This file's own fixtures climb on purpose (the first test proves the scan finds them).
      if (file === 'package-lock.json' || file === 'electron/lint/self-contained.test.ts') continue;
      const bytes = fs.readFileSync(path.join(root, file));
      if (bytes.includes(0)) continue; // binary
      const text = bytes.toString('utf8');
      climbs.push(...climbsOutOf(file, text));
      if (siblings.some((sib) => text.includes(sib))) absolute.push(file);
    }
    expect(climbs).toEqual([]);
    expect(absolute).toEqual([]);
  });

  it('the Key Vault specification tests pass from a copy of the tracked files in an empty folder', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-clone-'));
    const clone = path.join(empty, 'keyholder');
    try {
      for (const file of trackedFiles()) {
        fs.mkdirSync(path.join(clone, path.dirname(file)), { recursive: true });
        fs.copyFileSync(path.join(root, file), path.join(clone, file));
      }
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
      expect(fs.readdirSync(empty)).toEqual(['keyholder']);
      const r = spawnSync(
        process.execPath,
        [path.join(clone, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'electron/rehearsal/keyvault/keyvault.contract.test.ts', 'electron/rehearsal/keyvault/keyvault.examples.test.ts'],
        { cwd: clone, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' } },
      );
      expect(r.stdout + r.stderr).toMatch(/Test Files\s+2 passed/);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  }, 240_000); // a nested Vitest run: minutes on a loaded 2-core machine
});
