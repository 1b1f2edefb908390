import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-expiry-'));
  fs.mkdirSync(path.join(dir, 'data', 'expiry'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'data', 'expiry', 'worksheet-values.json'),
    JSON.stringify({
      version: 1,
      entries: [
        { ceremony: 'contoso', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-01-10T09:00:00Z' },
        { ceremony: 'contoso', holder: 'holder-2', appId: 'app-2', clientSecretExpiresAt: '2027-06-10T09:00:00Z' },
      ],
    }),
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    promptHidden: async () => {
      throw new Error('no terminal');
    },
    env: { KEYHOLDER_DATA_DIR: 'data', KEYHOLDER_TIME_ZONE: 'Europe/London', ...env },
    cwd: dir,
  };
  return { io, out, err };
}

describe('keyholder expiry list', () => {
  it('exits 0 when nothing falls within DAYS and 3 when something does', async () => {
    const a = fakeIo();
    expect(await main(['expiry', 'list', '--within', '30', '--now', '2026-11-27T12:00:00Z'], a.io)).toBe(0);
    expect(a.out.at(-1)).toBe('Nothing expires within 30 days.');
    const b = fakeIo();
    expect(await main(['expiry', 'list', '--within', '45', '--now', '2026-11-27T12:00:00Z'], b.io)).toBe(3);
    expect(b.out.join('\n')).toMatch(/! 2027-01-10 +44 days left +contoso \/ holder-1/);
    expect(b.out.join('\n')).toMatch(/do this: +Rotate the client secret/);
  });

  it('counts an expired item as within any window', async () => {
    const { io, out } = fakeIo();
    expect(await main(['expiry', 'list', '--within', '0', '--now', '2027-02-01T00:00:00Z'], io)).toBe(3);
    expect(out.join('\n')).toMatch(/expired 22 days ago/);
  });

  it('prints JSON for machines, most urgent first', async () => {
    const { io, out } = fakeIo();
    expect(await main(['expiry', 'list', '--json', '--within', '60', '--now', '2026-11-27T12:00:00Z', '--time-zone', 'Asia/Kolkata'], io)).toBe(3);
    const j = JSON.parse(out.join('\n'));
    expect(j.timeZone).toBe('Asia/Kolkata');
    expect(j.due).toBe(1);
    expect(j.items.map((i: { item: { holder: string }; daysLeft: number }) => [i.item.holder, i.daysLeft])).toEqual([
      ['holder-1', 44],
      ['holder-2', 195],
    ]);
  });

  it('refuses bad arguments with exit 2 and says why', async () => {
    for (const argv of [
      ['expiry', 'list', '--within', 'soon'],
      ['expiry', 'list', '--frobnicate'],
      ['expiry', 'ics'],
    ]) {
      const { io, err } = fakeIo();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(err.join('\n')).toMatch(/keyholder expiry: /);
    }
    const bad = fakeIo();
    expect(await main(['expiry', 'list', '--now', 'yesterday'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/expiry.bad_now/);
    const tz = fakeIo();
    expect(await main(['expiry', 'list', '--time-zone', 'Nowhere/Land'], tz.io)).toBe(1);
    expect(tz.err.join('\n')).toMatch(/IANA/);
  });

  it('says so when nothing is tracked (exit 0)', async () => {
    const { io, out } = fakeIo({ KEYHOLDER_DATA_DIR: 'empty' });
    expect(await main(['expiry', 'list'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/No expiries are tracked/);
  });
});

describe('keyholder expiry ics', () => {
  it('writes a calendar whose UIDs stay the same on re-export', async () => {
    const a = fakeIo();
    expect(await main(['expiry', 'ics', '--out', 'cal.ics', '--now', '2026-11-27T12:00:00Z'], a.io)).toBe(0);
    const first = fs.readFileSync(path.join(dir, 'cal.ics'), 'utf8');
    expect(first.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    const b = fakeIo();
    expect(await main(['expiry', 'ics', '--out', 'cal.ics', '--now', '2026-12-27T12:00:00Z'], b.io)).toBe(0);
    const second = fs.readFileSync(path.join(dir, 'cal.ics'), 'utf8');
    const uids = (t: string) => t.split('\r\n').filter((l) => l.startsWith('UID:'));
    expect(uids(second)).toEqual(uids(first));
    expect(a.out.join('')).toMatch(/Wrote 2 events/);
  });

  it('refuses an empty calendar with an actionable message', async () => {
    const { io, err } = fakeIo({ KEYHOLDER_DATA_DIR: 'empty' });
    expect(await main(['expiry', 'ics', '--out', 'x.ics'], io)).toBe(1);
    expect(err.join('')).toMatch(/nothing to put in a calendar/);
  });
});
