/**
 * `keyholder expiry list` and `keyholder expiry ics`: the workstation's
 * tracked expiries for a scheduler or monitoring agent (exit status 3 when
 * something falls within the window) and for a calendar.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KeyholderError } from '../../../shared/errors/index';
import { describeDaysLeft, within } from '../../../shared/expiry/dashboard';
import { isValidTimeZone } from '../../../shared/expiry/calendar';
import { createExpiryServiceInDataDir, systemTimeZone } from '../../services/expiry/expiry-service';
import { writeFileAtomic } from '../../services/expiry/atomic-file';
import { fixedClock, systemClock, type Clock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import type { CliCommand, CliIo } from '../io';

export const EXIT_NOTHING_DUE = 0;
export const EXIT_SOMETHING_DUE = 3;
export const EXIT_USAGE = 2;
export const DEFAULT_WITHIN_DAYS = 30;

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

function usageError(io: CliIo, message: string): number {
  io.err(`keyholder expiry: ${message}`);
  return EXIT_USAGE;
}

function clockFrom(now: string | undefined): Clock {
  if (now === undefined) return systemClock;
  const t = new Date(now);
  if (Number.isNaN(t.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(now)) {
    throw new KeyholderError('expiry.bad_now', `--now "${now}" is not an ISO date-time such as 2027-01-01T09:00:00Z.`);
  }
  return fixedClock(t);
}

type Options = Record<string, { type: 'string' | 'boolean' }>;
type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: Options): Values {
  const all: Options = { ...options, 'data-dir': { type: 'string' }, now: { type: 'string' }, 'time-zone': { type: 'string' } };
  return parseArgs({ args, options: all, allowPositionals: false, strict: true }).values as Values;
}

function service(values: Values, io: CliIo) {
  const tz = (values['time-zone'] as string | undefined) ?? io.env.KEYHOLDER_TIME_ZONE ?? systemTimeZone();
  if (!isValidTimeZone(tz)) throw new KeyholderError('expiry.bad_time_zone', `"${tz}" is not a time zone Key Holder knows. Use an IANA name such as Europe/London.`);
  return createExpiryServiceInDataDir({ dataDir: resolveDataDir(values['data-dir'] as string | undefined, io), clock: clockFrom(values.now as string | undefined), log: silentLogger, timeZone: () => tz });
}

const list: CliCommand = {
  name: 'expiry list',
  summary: 'List tracked expiries, most urgent first (exit 3 if any falls within --within DAYS, default 30)',
  async run(args, io) {
    let values;
    try {
      values = parse(args, { json: { type: 'boolean' }, within: { type: 'string' } });
    } catch (e) {
      return usageError(io, (e as Error).message);
    }
    const withinText = (values.within as string | undefined) ?? String(DEFAULT_WITHIN_DAYS);
    if (!/^\d{1,5}$/.test(withinText)) return usageError(io, `--within takes a whole number of days, not "${withinText}".`);
    const days = Number(withinText);
    const board = await service(values, io).dashboard();
    const soon = within(board.rows, days);
    if (values.json) {
      io.out(JSON.stringify({ now: board.now, timeZone: board.timeZone, withinDays: days, due: soon.length, items: board.rows }, null, 2));
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
    return soon.length > 0 ? EXIT_SOMETHING_DUE : EXIT_NOTHING_DUE;
  },
};

const ics: CliCommand = {
  name: 'expiry ics',
  summary: 'Write every expiry to a calendar file (.ics) with alarms at the reminder thresholds',
  async run(args, io) {
    let values;
    try {
      values = parse(args, { out: { type: 'string' } });
    } catch (e) {
      return usageError(io, (e as Error).message);
    }
    if (!values.out) return usageError(io, '--out FILE is required (for example --out keyholder-expiries.ics).');
    const out = path.resolve(io.cwd, values.out as string);
    if (fs.existsSync(out) && fs.statSync(out).isDirectory()) return usageError(io, `${out} is a folder; give a file name.`);
    const { ics: text, events } = await service(values, io).calendar();
    writeFileAtomic(out, text);
    io.out(`Wrote ${events} event${events === 1 ? '' : 's'} to ${out}. Importing it again later updates these events instead of adding copies.`);
    return 0;
  },
};

export const expiryCommands: CliCommand[] = [list, ics];
