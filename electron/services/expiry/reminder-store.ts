/**
 * Which reminders already fired, and the snoozes, in
 * `<dataDir>/expiry/reminders.json`. This is what makes "each threshold fires
 * once" hold across restarts, so it is written atomically after every change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { emptyRecord, reminderRecordSchema, type ReminderRecord } from '../../../shared/expiry/reminders';
import type { Logger } from '../log/logger';
import { readFileOrNull, writeFileAtomic } from './atomic-file';

export interface ReminderStore {
  load(): ReminderRecord;
  save(record: ReminderRecord): void;
}

export function reminderFile(dataDir: string): string {
  return path.join(dataDir, 'expiry', 'reminders.json');
}

export function fileReminderStore(dataDir: string, log: Logger): ReminderStore {
  const file = reminderFile(dataDir);
  return {
    load() {
      const text = readFileOrNull(file);
      if (text === null) return emptyRecord();
      try {
        return reminderRecordSchema.parse(JSON.parse(text));
      } catch {
        // A damaged record is set aside, not silently overwritten: starting empty can only repeat
        // a reminder, never lose one, and the old file stays for anyone who wants to look.
        const aside = `${file}.damaged-${Date.now()}`;
        fs.renameSync(file, aside);
        log.warn('reminder record was unreadable; set aside and started afresh', { file: path.basename(aside) });
        return emptyRecord();
      }
    },
    save(record) {
      writeFileAtomic(file, JSON.stringify(reminderRecordSchema.parse(record), null, 2) + '\n');
    },
  };
}
