/**
 * `keyholder expiry list` and `keyholder expiry ics`: the workstation's
 * tracked expiries for a scheduler or monitoring agent (exit status 3 when
 * something falls within the window) and for a calendar.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKeyholderError, type KeyholderError } from '../../../shared/errors/index';
import { describeDaysLeft, within } from '../../../shared/expiry/dashboard';
import { isValidTimeZone } from '../../../shared/expiry/calendar';
import { createExpiryService, systemTimeZone, type ExpiryService } from '../../services/expiry/expiry-service';
import { withAwsKeyMaterial, worksheetTrackedItemsSource } from '../../services/expiry/tracked-items-source';
import { awsKeyStoreDamage, readAwsKeyStoreRecord } from '../../services/vault/aws-kms/key-store-service';
import { createWorksheetService } from '../../services/worksheet/service';
import { writeFileAtomic } from '../../services/expiry/atomic-file';
import { fixedClock, systemClock, type Clock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import type { CliCommand, CliIo, CliOption } from '../io';
import { defineCommand, usageError, type CliValues } from '../command';
import { plainReadError, readOnlyReminderStore, readOnlySettingsStore, requireDataDir } from '../read-only-data';
import { terminalSecretBox } from './store-session';

const EXIT_NOTHING_DUE = 0;
const EXIT_SOMETHING_DUE = 3;
const EXIT_FAILED = 1;
const DEFAULT_WITHIN_DAYS = 30;

/**
 * The app's data folder, where Electron keeps `userData` for "Key Holder":
 * --data-dir, else $KEYHOLDER_DATA_DIR, else the platform's default.
 */
export function resolveDataDir(flag: string | undefined, io: CliIo): string {
  if (flag) return path.resolve(io.cwd, flag);
  if (io.env.KEYHOLDER_DATA_DIR) return path.resolve(io.cwd, io.env.KEYHOLDER_DATA_DIR);
  const home = io.env.HOME ?? io.env.USERPROFILE ?? os.homedir();
  if (process.platform === 'win32') return path.join(io.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Key Holder');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Key Holder');
  return path.join(io.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Key Holder');
}

/** --now as the docs promise: an ISO date-time, else a usage error (exit 2). */
function clockFrom(now: string | undefined): Clock | string {
  if (now === undefined) return systemClock;
  const t = new Date(now);
  if (Number.isNaN(t.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(now)) return `--now takes an ISO date-time such as 2027-01-01T09:00:00Z, not "${now}".`;
  return fixedClock(t);
}

const COMMON: Record<string, CliOption> = {
  'data-dir': { type: 'string', value: 'DIR', help: "Key Holder's data folder (default $KEYHOLDER_DATA_DIR, else the app's own); it must exist" },
  now: { type: 'string', value: 'ISO-TIME', help: 'count days from this instant instead of now (for checks and tests)' },
  'time-zone': { type: 'string', value: 'ZONE', help: 'IANA zone days are counted in (default $KEYHOLDER_TIME_ZONE, else the system’s)' },
};

/**
 * The expiry service as the app builds it (the worksheet's line-4 dates, the
 * documented files, the last Graph refresh), over read-only stores: a
 * listing never writes to the data folder. A string is a usage error.
 * `problems` collects what could not be read but must not pass as "nothing
 * tracked" (a damaged AWS key-store record hides its material's expiry).
 */
function service(values: CliValues, io: CliIo, problems: KeyholderError[]): ExpiryService | string {
  const clock = clockFrom(values.now as string | undefined);
  if (typeof clock === 'string') return clock;
  const tz = (values['time-zone'] as string | undefined) ?? io.env.KEYHOLDER_TIME_ZONE ?? systemTimeZone();
  if (!isValidTimeZone(tz)) return `"${tz}" is not a time zone Key Holder knows. Use an IANA name such as Europe/London.`;
  const flag = values['data-dir'] as string | undefined;
  const dataDir = resolveDataDir(flag, io);
  requireDataDir(dataDir, flag ? 'from --data-dir' : io.env.KEYHOLDER_DATA_DIR ? 'from $KEYHOLDER_DATA_DIR' : "the app's default");
  const worksheet = createWorksheetService(
    { dataDir, secretBox: terminalSecretBox, clock, log: silentLogger, environment: { mode: 'rehearsal', description: 'terminal' }, appVersion: 'cli', emit: () => {} },
    readOnlySettingsStore(dataDir),
  );
  return createExpiryService({
    source: withAwsKeyMaterial(worksheetTrackedItemsSource(worksheet, dataDir), () => {
      const damage = awsKeyStoreDamage(dataDir);
      if (!damage) return readAwsKeyStoreRecord(dataDir);
      if (!problems.some((p) => p.code === damage.code)) problems.push(damage);
      return null;
    }),
    store: readOnlyReminderStore(dataDir, (l) => io.err(l)),
    clock,
    timeZone: () => tz,
    log: silentLogger,
  });
}

/** Failures reading the data folder: one plain line, exit 1. */
async function guarded(io: CliIo, name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    const err = isKeyholderError(e) ? e : plainReadError(e, (e as NodeJS.ErrnoException).path ?? 'the data folder');
    io.err(`keyholder ${name}: ${err.message} [${err.code}]`);
    return EXIT_FAILED;
  }
}

const list: CliCommand = defineCommand(
  {
    name: 'expiry list',
    summary: 'List tracked expiries, most urgent first (exit 3 if any falls within --within DAYS, default 30)',
    options: { within: { type: 'string', value: 'DAYS', help: `a whole number of days ahead that counts as due (default ${DEFAULT_WITHIN_DAYS}; expired items always count)` }, ...COMMON },
    json: '{ now, timeZone, withinDays, due, items }',
    example: 'keyholder expiry list --within 45 --data-dir "$HOME/.config/Key Holder"',
    exits: {
      [EXIT_NOTHING_DUE]: 'nothing falls within DAYS',
      [EXIT_FAILED]: 'the data folder is missing, mistyped or cannot be read, or the AWS key-store record is damaged (the rest is still listed)',
      [EXIT_SOMETHING_DUE]: 'something falls within DAYS or has expired',
    },
  },
  async ({ values, json }, io) => {
    const withinText = (values.within as string | undefined) ?? String(DEFAULT_WITHIN_DAYS);
    if (!/^\d{1,5}$/.test(withinText)) return usageError(io, 'expiry list', `--within takes a whole number of days (0 or more), not "${withinText}".`);
    const days = Number(withinText);
    return guarded(io, 'expiry list', async () => {
      const problems: KeyholderError[] = [];
      const svc = service(values, io, problems);
      if (typeof svc === 'string') return usageError(io, 'expiry list', svc);
      const board = await svc.dashboard();
      const soon = within(board.rows, days);
      if (json) {
        io.out(JSON.stringify({ now: board.now, timeZone: board.timeZone, withinDays: days, due: soon.length, items: board.rows, ...(problems.length ? { problems: problems.map((p) => ({ code: p.code, message: p.message })) } : {}) }, null, 2));
      } else if (board.rows.length === 0) {
        io.out('No expiries are tracked on this workstation yet (fill in the worksheet, or sign in so Key Holder can read them from Microsoft Graph).');
      } else {
        io.out(`Expiries on this workstation (days counted in ${board.timeZone}), most urgent first:`);
        for (const r of board.rows) {
          const mark = soon.includes(r) ? '!' : ' ';
          io.out(`${mark} ${r.expiresOn}  ${describeDaysLeft(r.daysLeft, r.expired).padEnd(20)} ${r.item.ceremony} / ${r.item.holder}: ${r.item.label} [${r.item.source}]`);
          if (soon.includes(r)) {
            io.out(`      if it lapses: ${r.breaks}`);
            io.out(`      do this:      ${r.action}`);
          }
        }
        io.out(soon.length === 0 ? `Nothing expires within ${days} days.` : `${soon.length} item${soon.length === 1 ? '' : 's'} expire${soon.length === 1 ? 's' : ''} within ${days} days or already expired.`);
      }
      // What could not be read is never "nothing due": the listing above is incomplete, and says so.
      for (const p of problems) io.err(`keyholder expiry list: ${p.message} [${p.code}]`);
      if (problems.length) return EXIT_FAILED;
      return soon.length > 0 ? EXIT_SOMETHING_DUE : EXIT_NOTHING_DUE;
    });
  },
);

const ics: CliCommand = defineCommand(
  {
    name: 'expiry ics',
    summary: 'Write every expiry to a calendar file (.ics) with alarms at the reminder thresholds',
    options: { out: { type: 'string', value: 'FILE', help: 'the calendar file to write (required)' }, ...COMMON },
    json: '{ ok, file, events }',
    example: 'keyholder expiry ics --out keyholder-expiries.ics',
    exits: { 0: 'the calendar was written', 1: 'nothing to put in a calendar, the data folder cannot be read, or the AWS key-store record is damaged (no calendar written)' },
  },
  async ({ values, json }, io) => {
    if (!values.out) return usageError(io, 'expiry ics', '--out FILE is required (for example --out keyholder-expiries.ics).');
    const out = path.resolve(io.cwd, values.out as string);
    if (fs.existsSync(out) && fs.statSync(out).isDirectory()) return usageError(io, 'expiry ics', `${out} is a folder; give a file name.`);
    return guarded(io, 'expiry ics', async () => {
      const problems: KeyholderError[] = [];
      const svc = service(values, io, problems);
      if (typeof svc === 'string') return usageError(io, 'expiry ics', svc);
      const { ics: text, events } = await svc.calendar();
      // A calendar without the imported material's expiry would look complete: none is written.
      if (problems.length) {
        for (const p of problems) io.err(`keyholder expiry ics: ${p.message} [${p.code}]`);
        return EXIT_FAILED;
      }
      writeFileAtomic(out, text);
      if (json) io.out(JSON.stringify({ ok: true, file: out, events }));
      else io.out(`Wrote ${events} event${events === 1 ? '' : 's'} to ${out}. Importing it again later updates these events instead of adding copies.`);
      return 0;
    });
  },
);

export const expiryCommands: CliCommand[] = [list, ics];
