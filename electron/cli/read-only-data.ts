/**
 * The workstation's data folder as the CLI's listings see it: read-only.
 * A listing (a monitoring job's `expiry list`) must never change what the app
 * keeps: no damaged file set aside, no settings file created, no schema
 * version stamped. What cannot be read is reported in plain words, and a
 * missing or mistyped data folder is an error, not an empty list.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { KeyholderError } from '../../shared/errors/index';
import { emptyRecord, reminderRecordSchema } from '../../shared/expiry/reminders';
import type { ReminderStore } from '../services/expiry/reminder-store';
import { reminderFile } from '../services/expiry/reminder-store';
import type { SettingsStore, StorageNotice } from '../services/storage/settings-store';

/** A file-system error in words a key holder can act on (never a bare EISDIR). */
export function plainReadError(e: unknown, file: string): KeyholderError {
  if (e instanceof KeyholderError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EISDIR'
      ? 'it is a folder, where Key Holder keeps a file'
      : code === 'ENOTDIR'
        ? 'a part of its path is a file, where Key Holder keeps a folder'
        : code === 'EACCES' || code === 'EPERM'
          ? 'this account may not read it'
          : code === 'ENOENT'
            ? 'it does not exist'
            : `the system said ${code ?? 'no'}`;
  return new KeyholderError('cli.data_unreadable', `Key Holder cannot read ${file}: ${why}. Check the data folder (--data-dir); nothing was changed.`);
}

/** The data folder must exist and be a folder: a mistyped path is an error a monitoring job can see. */
export function requireDataDir(dir: string, how: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new KeyholderError('cli.no_data_dir', `There is no Key Holder data folder at ${dir} (${how}). Give the app's data folder with --data-dir DIR, or start Key Holder once to create it.`);
    }
    throw plainReadError(e, dir);
  }
  if (!st.isDirectory()) throw new KeyholderError('cli.no_data_dir', `${dir} (${how}) is a file, not Key Holder's data folder. Give the folder with --data-dir DIR.`);
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw plainReadError(e, file);
  }
}

/** The settings file, read once; sections that do not parse are absent and reported, never copied or rewritten. */
export function readOnlySettingsStore(dir: string, name = 'settings'): SettingsStore {
  const file = path.join(dir, `${name}.json`);
  const notices: StorageNotice[] = [];
  const text = readText(file);
  let doc: Record<string, unknown> = {};
  if (text !== null && text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) doc = parsed as Record<string, unknown>;
      else throw new Error('not settings');
    } catch {
      notices.push({ code: 'storage.damaged', message: `The settings file ${file} could not be read; its values are left out. Key Holder sets it aside when it next starts.` });
    }
  }
  return {
    path: file,
    notices,
    read<T>(section: string, schema: z.ZodType<T>): T | undefined {
      const parsed = schema.safeParse(doc[section]);
      if (doc[section] !== undefined && !parsed.success) notices.push({ code: 'storage.damaged_section', message: `The saved ${section} in ${file} could not be read; it is left out.` });
      return parsed.success ? parsed.data : undefined;
    },
    write() {
      throw new KeyholderError('cli.read_only', 'This command only reads the data folder.');
    },
  };
}

/** Which reminders fired and the snoozes; a damaged record is read as empty (and said), never set aside. */
export function readOnlyReminderStore(dataDir: string, warn: (line: string) => void): ReminderStore {
  const file = reminderFile(dataDir);
  return {
    load() {
      const text = readText(file);
      if (text === null) return emptyRecord();
      try {
        return reminderRecordSchema.parse(JSON.parse(text));
      } catch {
        warn(`Note: ${file} is damaged; snoozes are left out of this listing. Key Holder sets the file aside when it next runs.`);
        return emptyRecord();
      }
    },
    save() {
      throw new KeyholderError('cli.read_only', 'This command only reads the data folder.');
    },
  };
}
