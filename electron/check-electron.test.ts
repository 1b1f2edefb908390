import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.join(import.meta.dirname, 'check-electron.mjs');
const dirs: string[] = [];

/** A fake node_modules/electron: package.json, and optionally path.txt and the program it names. */
function fakeElectron(o: { pathTxt?: string; program?: boolean }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-electron-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"electron","version":"0.0.0"}');
  if (o.pathTxt !== undefined) fs.writeFileSync(path.join(dir, 'path.txt'), o.pathTxt);
  if (o.program) {
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist', o.pathTxt!), '');
  }
  return dir;
}

function run(dir: string) {
  const env = { ...process.env };
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return spawnSync(process.execPath, [script, dir], { encoding: 'utf8', env });
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('npm start: the check for Electron’s program', () => {
  it('without the download: three lines (why, dev:web, rehearse), exit 1, no stack trace', () => {
    const r = run(fakeElectron({}));
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/never downloaded/);
    expect(lines[1]).toMatch(/npm run dev:web/);
    expect(lines[2]).toMatch(/npx keyholder rehearse/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
  });

  it('path.txt names a program that is not there: says so, exit 1', () => {
    const r = run(fakeElectron({ pathTxt: 'electron' }));
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(3);
    expect(r.stderr).toMatch(/missing from/);
  });

  it('no electron package at all: says to run npm ci, exit 1', () => {
    const r = run(path.join(os.tmpdir(), 'kh-no-such-electron-package'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/npm ci/);
  });

  it('with the program in place: silent, exit 0', () => {
    const r = run(fakeElectron({ pathTxt: 'electron', program: true }));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
