import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { openSettingsStore, type Migration } from './settings-store';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';

let dir: string;
const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
const open = (extra: Partial<Parameters<typeof openSettingsStore>[0]> = {}) => openSettingsStore({ dir, clock, log: silentLogger, ...extra });
const file = () => path.join(dir, 'settings.json');
const section = z.object({ a: z.number() });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kh-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('settings store', () => {
  it('writes a versioned file and reads sections back after reopening', () => {
    open().write('thing', { a: 1 });
    const doc = JSON.parse(readFileSync(file(), 'utf8'));
    expect(doc).toEqual({ schemaVersion: 1, thing: { a: 1 } });
    expect(open().read('thing', section)).toEqual({ a: 1 });
    expect(open().notices).toEqual([]);
  });

  it('keeps the file private to the user', () => {
    open().write('thing', { a: 1 });
    expect(statSync(file()).mode & 0o077).toBe(0);
  });

  it('never silently resets a damaged file: keeps it aside and says where', () => {
    writeFileSync(file(), '{"schemaVersion":1,"thing":{"a":1');
    const s = open();
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]!.code).toBe('storage.damaged');
    const kept = s.notices[0]!.keptAt!;
    expect(readFileSync(kept, 'utf8')).toBe('{"schemaVersion":1,"thing":{"a":1');
    expect(s.notices[0]!.message).toContain(kept);
    expect(s.read('thing', section)).toBeUndefined();
    s.write('thing', { a: 2 });
    expect(open().read('thing', section)).toEqual({ a: 2 });
  });

  it('treats a file without a format version as damaged', () => {
    writeFileSync(file(), '{"thing":{"a":1}}');
    expect(open().notices.map((n) => n.code)).toEqual(['storage.damaged']);
  });

  it('keeps a copy when one section fails its schema, and reports it once', () => {
    writeFileSync(file(), JSON.stringify({ schemaVersion: 1, thing: { a: 'not a number' } }));
    const s = open();
    expect(s.read('thing', section)).toBeUndefined();
    expect(s.read('thing', section)).toBeUndefined();
    expect(s.notices.map((n) => n.code)).toEqual(['storage.damaged_section']);
    expect(existsSync(s.notices[0]!.keptAt!)).toBe(true);
  });

  it('opens a newer format read-only instead of rewriting it', () => {
    const newer = JSON.stringify({ schemaVersion: 9, thing: { a: 1 } });
    writeFileSync(file(), newer);
    const s = open();
    expect(s.notices.map((n) => n.code)).toEqual(['storage.newer_version']);
    expect(s.read('thing', section)).toEqual({ a: 1 });
    expect(() => s.write('thing', { a: 2 })).toThrow(expect.objectContaining({ code: 'storage.newer_version' }));
    expect(readFileSync(file(), 'utf8')).toBe(newer);
  });

  it('migrates an older format step by step and keeps the old file', () => {
    writeFileSync(file(), JSON.stringify({ schemaVersion: 1, thing: { value: 3 } }));
    const migrations: Migration[] = [
      { to: 2, migrate: (d) => ({ ...d, thing: { a: (d.thing as { value: number }).value } }) },
      { to: 3, migrate: (d) => ({ ...d, extra: true }) },
    ];
    const s = open({ version: 3, migrations });
    expect(s.notices.map((n) => n.code)).toEqual(['storage.migrated']);
    expect(s.read('thing', section)).toEqual({ a: 3 });
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toMatchObject({ schemaVersion: 3, extra: true });
    expect(JSON.parse(readFileSync(path.join(dir, 'settings.v1.json'), 'utf8'))).toEqual({ schemaVersion: 1, thing: { value: 3 } });
    expect(readdirSync(dir).sort()).toEqual(['settings.json', 'settings.v1.json']);
  });
});
