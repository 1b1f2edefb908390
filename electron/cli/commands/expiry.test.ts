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

  it('includes AWS KMS key material imported with an expiry, so a monitoring job sees it (issue 17)', async () => {
    const arn = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    fs.mkdirSync(path.join(dir, 'data', 'aws-kms'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'data', 'aws-kms', 'key-store.json'),
      JSON.stringify({ state: 'done', updatedAt: '2026-11-01T00:00:00Z', draft: { holder: 1, accountId: '111122223333', region: 'eu-west-2', vendorRoleArn: 'arn:aws:iam::444455556666:role/vendor', cacheMinutes: 5, validTo: '2026-12-07T09:00:00Z' }, outcome: { keyArn: arn } }),
    );
    const { io, out } = fakeIo();
    expect(await main(['expiry', 'list', '--within', '30', '--now', '2026-11-27T12:00:00Z'], io)).toBe(3);
    expect(out.join('\n')).toMatch(/! 2026-12-07 +10 days left +this workstation \/ holder-1/);
    expect(out.join('\n')).toContain(`Imported key material in AWS KMS (${arn})`);
  });

  it('a damaged AWS key-store record is reported (which file, what to do) with exit 1, never taken for none; the rest is still listed and nothing is changed (issue 17)', async () => {
    const file = path.join(dir, 'data', 'aws-kms', 'key-store.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const damaged of ['{"state":"done","draft":{"holder":1,"validTo":"2026-12-', JSON.stringify({ state: 'done', draft: { holder: 3 } }), '[]']) {
      fs.writeFileSync(file, damaged);
      const { io, out, err } = fakeIo();
      expect(await main(['expiry', 'list', '--within', '45', '--now', '2026-11-27T12:00:00Z'], io), damaged).toBe(1);
      expect(out.join('\n')).toMatch(/! 2027-01-10 +44 days left +contoso \/ holder-1/);
      expect(err.join('\n')).toContain(`record of your AWS key store (${file}) is damaged`);
      expect(err.join('\n')).toMatch(/Run the import into AWS KMS again .* \[aws\.key_store_damaged\]$/);
      // A listing only reads: the app sets the file aside, not a monitoring job.
      expect(fs.readFileSync(file, 'utf8')).toBe(damaged);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['key-store.json']);
    }
    const j = fakeIo();
    expect(await main(['expiry', 'list', '--json', '--now', '2026-11-27T12:00:00Z'], j.io)).toBe(1);
    expect(JSON.parse(j.out.join('\n')).problems).toEqual([expect.objectContaining({ code: 'aws.key_store_damaged' })]);
    const cal = fakeIo();
    expect(await main(['expiry', 'ics', '--out', 'x.ics', '--now', '2026-11-27T12:00:00Z'], cal.io)).toBe(1);
    expect(cal.err.join('\n')).toMatch(/\[aws\.key_store_damaged\]/);
    expect(fs.existsSync(path.join(dir, 'x.ics')), 'no calendar that looks complete').toBe(false);

    // Once the app has set it aside, the state stays unknown until the holder imports again: still reported, with where the copy is.
    const kept = path.join(path.dirname(file), 'key-store.damaged-2026-11-27T10-00-00-000Z.json');
    fs.renameSync(file, kept);
    const after = fakeIo();
    expect(await main(['expiry', 'list', '--now', '2026-11-27T12:00:00Z'], after.io)).toBe(1);
    expect(after.err.join('\n')).toContain(`It was kept as ${kept}`);
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
      expect(err.join('\n')).toMatch(/keyholder expiry (list|ics): /);
      expect(err.join('\n')).toMatch(/--help/);
    }
    // docs/expiry.md: a bad --now is a bad argument, exit 2.
    const bad = fakeIo();
    expect(await main(['expiry', 'list', '--now', 'yesterday'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--now takes an ISO date-time/);
    const tz = fakeIo();
    expect(await main(['expiry', 'list', '--time-zone', 'Nowhere/Land'], tz.io)).toBe(2);
    expect(tz.err.join('\n')).toMatch(/IANA/);
  });

  it('says so when nothing is tracked (exit 0)', async () => {
    fs.mkdirSync(path.join(dir, 'empty'));
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
    fs.mkdirSync(path.join(dir, 'empty'));
    const { io, err } = fakeIo({ KEYHOLDER_DATA_DIR: 'empty' });
    expect(await main(['expiry', 'ics', '--out', 'x.ics'], io)).toBe(1);
    expect(err.join('')).toMatch(/nothing to put in a calendar/);
  });
});

/** Every file under a folder with its bytes, to prove a command wrote nothing. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    out[path.relative(root, p)] = e.isFile() ? fs.readFileSync(p, 'base64') : '<dir>';
  }
  return out;
}

describe('keyholder expiry list: read-only, plain, honest (issue 16)', () => {
  it('never writes: a damaged reminders.json is left where it is, and the listing still runs', async () => {
    const data = path.join(dir, 'data');
    fs.writeFileSync(path.join(data, 'expiry', 'reminders.json'), '{ damaged');
    const before = snapshot(data);
    const { io, out, err } = fakeIo();
    expect(await main(['expiry', 'list', '--within', '30', '--now', '2026-11-27T12:00:00Z'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/Nothing expires within 30 days/);
    expect(err.join('\n')).toMatch(/reminders\.json is damaged/);
    expect(snapshot(data)).toEqual(before);
  });

  it('a missing or mistyped --data-dir is an error (exit 1), not an empty list', async () => {
    for (const argv of [
      ['expiry', 'list', '--data-dir', 'no-such-folder'],
      ['expiry', 'list', '--data-dir', 'data/expiry/worksheet-values.json'],
    ]) {
      const { io, out, err } = fakeIo();
      expect(await main(argv, io), argv.join(' ')).toBe(1);
      expect(out).toEqual([]);
      expect(err.join('\n')).toMatch(/data folder/);
    }
  });

  it('plain words instead of [EISDIR] or [ENOTDIR]', async () => {
    const a = path.join(dir, 'a');
    fs.mkdirSync(path.join(a, 'expiry', 'worksheet-values.json'), { recursive: true });
    const b = path.join(dir, 'b');
    fs.mkdirSync(b);
    fs.writeFileSync(path.join(b, 'expiry'), 'a file where a folder belongs');
    for (const [d, words] of [
      ['a', /is a folder, where Key Holder keeps a file/],
      ['b', /part of its path is a file/],
    ] as const) {
      const { io, err } = fakeIo({ KEYHOLDER_DATA_DIR: d });
      expect(await main(['expiry', 'list'], io)).toBe(1);
      expect(err.join('\n')).toMatch(words);
      expect(err.join('\n')).not.toMatch(/EISDIR|ENOTDIR/);
    }
  });

  it('tracks the worksheet’s line-4 date (settings.json secretExpiresOn), as the app does', async () => {
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    const holder = (clientId: string, secretExpiresOn: string) => ({ vaultHost: '', keyIdentifier: '', clientId, tenantId: '', keyName: 'contoso-cmk', secretCreatedOn: '', secretExpiresOn });
    fs.writeFileSync(path.join(ws, 'settings.json'), JSON.stringify({ schemaVersion: 1, worksheet: { holder1: holder('app-1', '2026-12-10'), holder2: holder('', ''), updatedAt: '2026-11-01T00:00:00Z' } }));
    const before = snapshot(ws);
    const { io, out } = fakeIo({ KEYHOLDER_DATA_DIR: 'ws' });
    expect(await main(['expiry', 'list', '--now', '2026-11-27T12:00:00Z'], io)).toBe(3);
    expect(out.join('\n')).toMatch(/contoso-cmk \/ holder-1: Client secret on worksheet line 4 \(application app-1\)/);
    expect(snapshot(ws)).toEqual(before);
  });

  it('--within -5 says what it takes in one line (exit 2), not the parser’s text', async () => {
    const { io, err } = fakeIo();
    expect(await main(['expiry', 'list', '--within', '-5'], io)).toBe(2);
    expect(err[0]).toBe('keyholder expiry list: --within takes DAYS, not "-5".');
    expect(err.join('\n')).not.toMatch(/ambiguous|positional/);
  });
});
