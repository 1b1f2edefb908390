import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thresholds } from '../../../shared/expiry/reminders';
import { trackedItemId, type TrackedItem } from '../../../shared/expiry/model';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { createExpiryService } from './expiry-service';
import { fileReminderStore, reminderFile } from './reminder-store';
import { expiryFiles, fileTrackedItemsSource, lastGraphRead, worksheetTrackedItemsSource } from './tracked-items-source';
import { KeyholderError } from '../../../shared/errors/index';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-expiry-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeWorksheet(entries: unknown[]) {
  const f = expiryFiles(dir).worksheetValues;
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, JSON.stringify({ version: 1, entries }));
}

/** A fresh service over the same data folder: what a restart of the app is. */
function boot(clock: ReturnType<typeof fixedClock>, timeZone = 'Europe/London') {
  return createExpiryService({ source: fileTrackedItemsSource(dir), store: fileReminderStore(dir, silentLogger), clock, timeZone: () => timeZone, log: silentLogger });
}

describe('expiry service over the data folder', () => {
  it('fires each threshold exactly once across real restarts (record persisted and reloaded)', async () => {
    writeWorksheet([{ ceremony: 'c1', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-03-01T09:00:00Z' }]);
    const clock = fixedClock(new Date('2026-11-20T09:00:00Z'));
    const fired: Array<number | string> = [];
    // Evaluate every 6 hours, restarting the service (new store, new source) every time.
    while (clock.now() < new Date('2027-03-03T00:00:00Z')) {
      fired.push(...(await boot(clock).evaluate('start')).map((d) => d.threshold));
      clock.advance(6 * 3_600_000);
    }
    expect(fired).toEqual([...thresholds, 'expired']);
  });

  it('an app closed across a threshold fires it at the next start, once', async () => {
    writeWorksheet([{ ceremony: 'c1', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-01-10T09:00:00Z' }]);
    const clock = fixedClock(new Date('2026-12-05T09:00:00Z'));
    expect((await boot(clock).evaluate('start')).map((d) => d.threshold)).toEqual([60]); // 36 days left
    clock.set(new Date('2027-01-04T12:00:00Z')); // closed for a month: 30, 14 and 7 passed
    expect((await boot(clock).evaluate('start')).map((d) => d.threshold)).toEqual([7]);
    expect(await boot(clock).evaluate('start')).toEqual([]);
  });

  it('a snooze survives a restart and never reaches past the expiry', async () => {
    writeWorksheet([{ ceremony: 'c1', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-01-10T09:00:00Z' }]);
    const clock = fixedClock(new Date('2027-01-05T09:00:00Z'));
    const svc = boot(clock);
    await svc.evaluate('start');
    const [row] = (await svc.dashboard()).rows;
    const { until } = await svc.snooze(row!.id, 'week');
    expect(until).toBe('2027-01-10T09:00:00.000Z');
    clock.set(new Date('2027-01-09T09:00:00Z'));
    expect(await boot(clock).evaluate('hourly')).toEqual([]);
    expect((await boot(clock).dashboard()).rows[0]!.snoozedUntil).toBe(until);
    clock.set(new Date('2027-01-10T09:00:00Z'));
    expect((await boot(clock).evaluate('hourly')).map((d) => [d.reason, d.threshold])).toEqual([['snooze-ended', 'expired']]);
  });

  it('refuses to snooze an unknown item', async () => {
    writeWorksheet([]);
    await expect(boot(fixedClock(new Date())).snooze('nope', 'day')).rejects.toMatchObject({ code: 'expiry.unknown_item' });
  });

  it('sets a damaged reminder record aside instead of failing or silently losing it', async () => {
    writeWorksheet([{ ceremony: 'c1', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-01-10T09:00:00Z' }]);
    fs.mkdirSync(path.dirname(reminderFile(dir)), { recursive: true });
    fs.writeFileSync(reminderFile(dir), '{"version":1,"items":{"x":{"expiresAt":');
    const due = await boot(fixedClock(new Date('2027-01-05T09:00:00Z'))).evaluate('start');
    expect(due).toHaveLength(1);
    expect(fs.readdirSync(path.dirname(reminderFile(dir))).some((f) => f.startsWith('reminders.json.damaged-'))).toBe(true);
  });

  it('refuses a damaged worksheet-values file with an actionable error', async () => {
    const f = expiryFiles(dir).worksheetValues;
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, JSON.stringify({ version: 1, entries: [{ ceremony: 'c', holder: 'h', appId: 'a', clientSecretExpiresAt: 'next tuesday' }] }));
    await expect(boot(fixedClock(new Date())).dashboard()).rejects.toMatchObject({ code: 'expiry.bad_items_file' });
  });

  it('Graph’s date replaces the worksheet’s without resetting the item’s reminders', async () => {
    writeWorksheet([{ ceremony: 'c1', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-01-10T09:00:00Z' }]);
    const clock = fixedClock(new Date('2027-01-05T09:00:00Z'));
    expect(await boot(clock).evaluate('start')).toHaveLength(1);
    const src = fileTrackedItemsSource(dir);
    const [worksheetItem] = await src.items();
    const graphItem: TrackedItem = { ...worksheetItem!, source: 'graph', expiresAt: '2027-01-10T09:00:00.000Z', label: 'from Graph' };
    src.saveGraphItems([graphItem], clock.now());
    const svc = boot(clock);
    expect(await svc.evaluate('start')).toEqual([]);
    const rows = (await svc.dashboard()).rows;
    expect(rows.map((r) => [r.id, r.item.source])).toEqual([[trackedItemId(worksheetItem!), 'graph']]);
  });

  it('orders the dashboard most urgent first with days in the holder’s zone', async () => {
    writeWorksheet([
      { ceremony: 'c1', holder: 'holder-1', appId: 'app-1', clientSecretExpiresAt: '2027-06-01T00:00:00Z', keyIdentifier: 'https://v1/keys/k/1', keyExpiresAt: '2026-11-26T00:00:00Z' },
      { ceremony: 'c1', holder: 'holder-2', appId: 'app-2', clientSecretExpiresAt: '2026-11-28T20:00:00Z', enrolmentTokenExpiresAt: '2026-12-20T00:00:00Z' },
    ]);
    const d = await boot(fixedClock(new Date('2026-11-27T21:00:00Z')), 'Australia/Sydney').dashboard();
    expect(d.rows.map((r) => [r.item.kind, r.daysLeft, r.urgency])).toEqual([
      ['vault-key-exp', -2, 'expired'],
      ['client-secret', 1, 'critical'], // 08:00 on 28 Nov -> 07:00 on 29 Nov in Sydney
      ['enrolment-token', 22, 'warning'],
      ['client-secret', 185, 'ok'], // 28 Nov -> 1 Jun
    ]);
    expect(d.worst).toBe('expired');
    expect(d.rows[1]!.breaks).toMatch(/cannot be decrypted/);
    expect(d.rows[1]!.action).toMatch(/credential rotation/);
  });
});

describe('worksheet service as a source', () => {
  const holder = (clientId: string, secretExpiresOn: string) => ({ clientId, keyIdentifier: '', keyName: 'ajubalaw-2', secretExpiresOn });
  it('tracks each holder’s line-4 expiry date, and the same item keeps its identity when Graph refreshes it', async () => {
    const view = { holder1: holder('app-1', '2027-01-10'), holder2: holder('app-2', '') };
    const svc = createExpiryService({
      source: worksheetTrackedItemsSource({ get: async () => view }, dir),
      store: fileReminderStore(dir, silentLogger),
      clock: fixedClock(new Date('2027-01-05T09:00:00Z')),
      timeZone: () => 'America/New_York',
      log: silentLogger,
    });
    const rows = (await svc.dashboard()).rows;
    expect(rows.map((r) => [r.item.ceremony, r.item.holder, r.item.expiresAt, r.daysLeft])).toEqual([['ajubalaw-2', 'holder-1', '2027-01-10T00:00:00Z', 4]]);
    // New York sees 00:00 UTC as the evening before: it reminds a day early rather than late.
    const src = fileTrackedItemsSource(dir);
    src.saveGraphItems([{ ...rows[0]!.item, source: 'graph', expiresAt: '2027-01-10T15:00:00Z' }], new Date());
    const after = (await svc.dashboard()).rows;
    expect(after.map((r) => [r.id, r.item.source, r.daysLeft])).toEqual([[rows[0]!.id, 'graph', 5]]);
  });
});

describe('the dashboard reads Graph’s end dates when signed in (one source of truth with credential rotation)', () => {
  const APP = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
  // The worksheet's date is long past; Graph knows the secret's real end.
  const worksheetEntry = { ceremony: 'contoso', holder: 'holder-1', appId: APP, clientSecretExpiresAt: '2025-01-10T00:00:00Z' };
  const graphItem: TrackedItem = { kind: 'client-secret', ceremony: 'contoso', holder: 'holder-1', subject: `line-4:${APP}`, label: 'Client secret on worksheet line 4 (“kh-2027”)', source: 'graph', expiresAt: '2027-12-06T10:00:00Z' };
  const withGraphFile = () =>
    createExpiryService({
      source: fileTrackedItemsSource(dir),
      store: fileReminderStore(dir, silentLogger),
      clock: fixedClock(new Date('2026-12-06T12:00:00Z')),
      timeZone: () => 'UTC',
      log: silentLogger,
      graphReadAt: () => lastGraphRead(dir),
    });
  const line4 = (rows: { item: TrackedItem }[]) => rows.find((r) => r.item.kind === 'client-secret')!.item;

  it('signed in: Graph is read first and its date shown, and the dashboard says so', async () => {
    writeWorksheet([worksheetEntry]);
    const svc = withGraphFile();
    const board = await svc.dashboardReadingGraph(async () => {
      fileTrackedItemsSource(dir).saveGraphItems([graphItem], new Date('2026-12-06T12:00:00Z'));
      return { refreshed: true, account: 'alice@holder1.rehearsal.example' };
    });
    expect(line4(board.rows)).toMatchObject({ source: 'graph', expiresAt: '2027-12-06T10:00:00Z' });
    expect(board.dates).toEqual({ from: 'graph', account: 'alice@holder1.rehearsal.example', readAt: '2026-12-06T12:00:00.000Z' });
    // The reload that the read's own change notice causes does not ask Graph again, and still says where the dates come from.
    const reload = await svc.dashboardReadingGraph(null);
    expect(reload.dates).toEqual(board.dates);
  });

  it('not signed in and never read: the worksheet’s date, said to be the worksheet’s', async () => {
    writeWorksheet([worksheetEntry]);
    const board = await withGraphFile().dashboardReadingGraph(async () => ({ refreshed: false }));
    expect(line4(board.rows)).toMatchObject({ source: 'worksheet', expiresAt: '2025-01-10T00:00:00Z' });
    expect(board.dates).toEqual({ from: 'worksheet' });
  });

  it('not signed in after an earlier read, or Graph failing: Graph’s last date still wins, with when it was read and why not now', async () => {
    writeWorksheet([worksheetEntry]);
    fileTrackedItemsSource(dir).saveGraphItems([graphItem], new Date('2026-12-01T08:00:00Z'));
    const out = await withGraphFile().dashboardReadingGraph(async () => ({ refreshed: false }));
    expect(line4(out.rows).source).toBe('graph');
    expect(out.dates).toEqual({ from: 'graph-earlier', readAt: '2026-12-01T08:00:00.000Z' });
    const failing = await withGraphFile().dashboardReadingGraph(async () => {
      throw new KeyholderError('identity.interaction_required', 'Sign in again: your session has ended.');
    });
    expect(line4(failing.rows).expiresAt).toBe('2027-12-06T10:00:00Z');
    expect(failing.dates).toEqual({ from: 'graph-earlier', readAt: '2026-12-01T08:00:00.000Z', problem: 'Sign in again: your session has ended.' });
  });
});
