/**
 * Settings of this workstation (the worksheet, preferences): one JSON file in
 * the data folder with a schema version, behind an interface so services and
 * tests run in plain Node. The file is written through `conf` (atomic writes);
 * in Electron main the same options build an `electron-store` instead.
 *
 * A damaged file is never silently reset (electron-store's default would do
 * that): the damaged file is kept aside under a dated name, the store starts
 * empty, and a notice tells the holder where the copy is. A file from a newer
 * Key Holder is opened read-only rather than rewritten in an older format.
 * Nothing whose loss would lose a ceremony may live here; sealed secrets do,
 * because a lost secret can be re-entered from Azure.
 */
import Conf from 'conf';
import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';

const SETTINGS_VERSION = 1;

export interface StorageNotice {
  code: 'storage.damaged' | 'storage.damaged_section' | 'storage.migrated' | 'storage.newer_version';
  message: string;
  keptAt?: string;
}

export interface SettingsStore {
  readonly path: string;
  /** Things the holder must be told about the file (damage, migration). */
  readonly notices: readonly StorageNotice[];
  /** A section's value if present and valid; an invalid one is kept aside and reported, then treated as absent. */
  read<T>(section: string, schema: z.ZodType<T>): T | undefined;
  write(section: string, value: unknown): void;
}

/** The part of conf / electron-store this store uses. */
export interface ConfLike {
  readonly path: string;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface ConfOptions {
  cwd: string;
  configName: string;
  clearInvalidConfig: false;
  accessPropertiesByDotNotation: false;
  watch: false;
  configFileMode: number;
}

export type ConfFactory = (options: ConfOptions) => ConfLike;

const plainConf: ConfFactory = (options) => new Conf<Record<string, unknown>>(options);

/** Upgrades a document from version `to - 1` to `to`. */
export interface Migration {
  to: number;
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

/** Version 1 is the first format; later formats add their upgrade here. */
const SETTINGS_MIGRATIONS: Migration[] = [];

export interface OpenSettingsOptions {
  dir: string;
  clock: Clock;
  log: Logger;
  name?: string;
  version?: number;
  migrations?: Migration[];
  conf?: ConfFactory;
}

function stamp(clock: Clock): string {
  return clock.now().toISOString().replace(/[:.]/g, '-');
}

export function openSettingsStore(o: OpenSettingsOptions): SettingsStore {
  const name = o.name ?? 'settings';
  const version = o.version ?? SETTINGS_VERSION;
  const migrations = o.migrations ?? SETTINGS_MIGRATIONS;
  const file = path.join(o.dir, `${name}.json`);
  const notices: StorageNotice[] = [];
  let readOnly = false;
  let migrated: Record<string, unknown> | null = null;

  const keepAside = (why: string): string => {
    const kept = path.join(o.dir, `${name}.damaged-${stamp(o.clock)}.json`);
    renameSync(file, kept);
    o.log.warn('settings file damaged, kept aside', { keptAt: kept, why });
    return kept;
  };

  if (existsSync(file)) {
    const raw = readFileSync(file, 'utf8');
    let doc: unknown;
    let damage: string | null = null;
    try {
      doc = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      damage = 'it is not valid JSON';
    }
    if (!damage && (typeof doc !== 'object' || doc === null || Array.isArray(doc))) damage = 'it does not hold settings';
    const obj = (doc ?? {}) as Record<string, unknown>;
    const v = obj.schemaVersion;
    if (!damage && Object.keys(obj).length > 0 && !(Number.isInteger(v) && (v as number) >= 1)) damage = 'it has no valid format version';
    if (damage) {
      const kept = keepAside(damage);
      notices.push({
        code: 'storage.damaged',
        keptAt: kept,
        message: `Key Holder's settings file could not be read (${damage}). It was kept as ${kept} and Key Holder started with empty settings: re-enter your worksheet, or ask support to recover values from that copy.`,
      });
    } else if (typeof v === 'number' && v > version) {
      readOnly = true;
      notices.push({
        code: 'storage.newer_version',
        message: `The settings file was written by a newer Key Holder (format ${v}; this one understands ${version}). It is shown read-only and will not be changed: update Key Holder to edit it.`,
      });
    } else if (typeof v === 'number' && v < version) {
      const backup = path.join(o.dir, `${name}.v${v}.json`);
      copyFileSync(file, backup);
      let next = obj;
      for (let to = v + 1; to <= version; to++) {
        const m = migrations.find((x) => x.to === to);
        if (!m) throw new Error(`no settings migration to version ${to}`);
        next = m.migrate(next);
      }
      migrated = { ...next, schemaVersion: version };
      notices.push({ code: 'storage.migrated', keptAt: backup, message: `Settings were upgraded from format ${v} to ${version}; the previous file was kept as ${backup}.` });
    }
  }

  const conf = (o.conf ?? plainConf)({
    cwd: o.dir,
    configName: name,
    clearInvalidConfig: false,
    accessPropertiesByDotNotation: false,
    watch: false,
    configFileMode: 0o600,
  });
  if (migrated) for (const [k, val] of Object.entries(migrated)) conf.set(k, val);
  else if (!readOnly && conf.get('schemaVersion') === undefined) conf.set('schemaVersion', version);

  const damagedSections = new Set<string>();
  return {
    path: conf.path,
    notices,
    read<T>(section: string, schema: z.ZodType<T>): T | undefined {
      const value = conf.get(section);
      if (value === undefined) return undefined;
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data;
      if (!damagedSections.has(section)) {
        damagedSections.add(section);
        const kept = path.join(o.dir, `${name}.damaged-${section}-${stamp(o.clock)}.json`);
        copyFileSync(conf.path, kept);
        o.log.warn('settings section damaged, copy kept', { section, keptAt: kept });
        notices.push({
          code: 'storage.damaged_section',
          keptAt: kept,
          message: `The saved ${section} could not be read back (the file was changed outside Key Holder or is damaged). A copy of the file was kept as ${kept}; the ${section} starts empty and your next save replaces it.`,
        });
      }
      return undefined;
    },
    write(section: string, value: unknown): void {
      if (readOnly) {
        throw new KeyholderError('storage.newer_version', 'These settings were written by a newer Key Holder and are read-only here. Update Key Holder to make changes.');
      }
      if (section === 'schemaVersion') throw new Error('schemaVersion is managed by the store');
      conf.set(section, value);
    },
  };
}
