/**
 * The expiry service: the dashboard, reminder evaluation (persisting what
 * fired), snoozes and the calendar export, over whichever TrackedItemsSource
 * the composition root gives it. All rules live in shared/expiry.
 */
import { KeyholderError } from '../../../shared/errors/index';
import { dashboardRows, worstUrgency, type DashboardRow, type Urgency } from '../../../shared/expiry/dashboard';
import { isValidTimeZone } from '../../../shared/expiry/calendar';
import { trackedItemId, type TrackedItem } from '../../../shared/expiry/model';
import { dueReminders, markFired, pruneRecord, resetItem, snooze, type DueReminder, type SnoozePeriod } from '../../../shared/expiry/reminders';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import { expiryCalendar } from './calendar-export';
import { fileReminderStore, type ReminderStore } from './reminder-store';
import type { EvaluationReason } from './scheduler';
import { fileTrackedItemsSource, lastGraphRead, withAwsKeyMaterial, worksheetTrackedItemsSource, type AwsKeyMaterialLike, type TrackedItemsSource, type WorksheetViewLike } from './tracked-items-source';

export interface ExpiryServiceDeps {
  source: TrackedItemsSource;
  store: ReminderStore;
  clock: Clock;
  /** The holder's IANA zone; read on every call so a zone change while running is honoured. */
  timeZone(): string;
  log: Logger;
  /** Told when the dashboard changed (a snooze, a fired reminder). */
  changed?(): void;
  /** When Graph's dates were last read into the tracked items (null: never). */
  graphReadAt?(): string | null;
}

export interface Dashboard {
  now: string;
  timeZone: string;
  worst: Urgency;
  rows: DashboardRow[];
}

/**
 * Where the client-secret dates on the dashboard come from, said to the holder:
 * Graph just now (signed in), Graph's last read (not signed in, or Graph could
 * not be asked), or the worksheet (never read from Graph).
 */
export interface DashboardDates {
  from: 'graph' | 'graph-earlier' | 'worksheet';
  /** The signed-in account Graph was (or would have been) read as. */
  account?: string;
  /** When Graph was read. */
  readAt?: string;
  /** Why Graph was not read just now although the holder is signed in. */
  problem?: string;
}

/** Reads Graph's end dates into the tracked items when signed in (the credential-rotation service's refresh). */
export type GraphRefresh = () => Promise<{ refreshed: boolean; account?: string }>;

export interface ExpiryService {
  dashboard(at?: Date): Promise<Dashboard>;
  /**
   * The dashboard the screen shows: Graph's end dates first (one source of
   * truth with the credential-rotation screen) when the holder is signed in,
   * the worksheet's only when Graph was never read, and which of them it is.
   * Without `refresh` (a reload after a change the last read itself caused)
   * Graph is not asked again and the last answer about the source stands.
   */
  dashboardReadingGraph(refresh: GraphRefresh | null): Promise<Dashboard & { dates: DashboardDates }>;
  /** What is due now; records it as fired, so the caller shows each reminder exactly once. */
  evaluate(reason: EvaluationReason, at?: Date): Promise<DueReminder[]>;
  snooze(itemId: string, period: SnoozePeriod): Promise<{ until: string }>;
  /** Forgets an item's reminders (the rotation wizard's last step). */
  resetReminders(itemId: string): Promise<void>;
  calendar(): Promise<{ ics: string; events: number }>;
  items(): Promise<TrackedItem[]>;
}

export function createExpiryService(deps: ExpiryServiceDeps): ExpiryService {
  const zone = () => {
    const z = deps.timeZone();
    return isValidTimeZone(z) ? z : 'UTC';
  };
  let lastDates: DashboardDates | null = null;
  const earlier = (): DashboardDates => {
    const readAt = deps.graphReadAt?.() ?? null;
    return readAt ? { from: 'graph-earlier', readAt } : { from: 'worksheet' };
  };
  return {
    items: () => deps.source.items(),
    async dashboard(at) {
      const now = at ?? deps.clock.now();
      const items = await deps.source.items();
      const rows = dashboardRows(items, now, zone(), deps.store.load());
      return { now: now.toISOString(), timeZone: zone(), worst: worstUrgency(rows), rows };
    },
    async dashboardReadingGraph(refresh) {
      if (!refresh) return { ...(await this.dashboard()), dates: lastDates ?? earlier() };
      let dates: DashboardDates;
      try {
        const r = await refresh();
        const account = r.account ? { account: r.account } : {};
        if (r.refreshed) dates = { from: 'graph', ...account, readAt: deps.clock.now().toISOString() };
        else if (r.account) dates = { ...earlier(), ...account, problem: 'No application (client) ID on the worksheet belongs to the tenant you are signed in to.' };
        else dates = earlier();
      } catch (e) {
        // Graph could not be asked now: the last read (or the worksheet) still counts, and the holder is told why.
        dates = { ...earlier(), problem: e instanceof KeyholderError ? e.message : 'Microsoft Graph could not be read just now.' };
        deps.log.warn('Graph read for the expiry dashboard failed', { code: e instanceof KeyholderError ? e.code : 'unknown' });
      }
      lastDates = dates;
      return { ...(await this.dashboard()), dates };
    },
    async evaluate(reason, at) {
      const now = at ?? deps.clock.now();
      const items = await deps.source.items();
      const record = deps.store.load();
      const due = dueReminders(items, now, record, { timeZone: zone() });
      const next = pruneRecord(markFired(record, due), items);
      if (due.length > 0 || Object.keys(next.items).length !== Object.keys(record.items).length) deps.store.save(next);
      if (due.length > 0) {
        deps.log.info('reminders due', { reason, count: due.length });
        deps.changed?.();
      }
      return due;
    },
    async snooze(itemId, period) {
      const items = await deps.source.items();
      const item = items.find((i) => trackedItemId(i) === itemId);
      if (!item) throw new KeyholderError('expiry.unknown_item', 'That item is no longer tracked on this workstation. Refresh the dashboard.');
      const { record, until } = snooze(deps.store.load(), item, period, deps.clock.now(), { timeZone: zone() });
      deps.store.save(record);
      deps.changed?.();
      return { until: until.toISOString() };
    },
    async resetReminders(itemId) {
      deps.store.save(resetItem(deps.store.load(), itemId));
      deps.changed?.();
    },
    async calendar() {
      const items = await deps.source.items();
      return { ics: expiryCalendar(items, deps.clock.now()), events: items.length };
    },
  };
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The service as the composition root builds it: files in the data folder, the holder's system time zone. */
export function createExpiryServiceInDataDir(deps: {
  dataDir: string;
  clock: Clock;
  log: Logger;
  changed?(): void;
  timeZone?(): string;
  /** The worksheet service: its line-4 expiry dates are tracked too. */
  worksheet?: { get(): Promise<WorksheetViewLike> };
  /** The AWS KMS key store's record: expiring imported material is tracked too. */
  awsKeyMaterial?(): AwsKeyMaterialLike | null;
}): ExpiryService {
  const base = deps.worksheet ? worksheetTrackedItemsSource(deps.worksheet, deps.dataDir) : fileTrackedItemsSource(deps.dataDir);
  return createExpiryService({
    source: deps.awsKeyMaterial ? withAwsKeyMaterial(base, deps.awsKeyMaterial) : base,
    store: fileReminderStore(deps.dataDir, deps.log),
    clock: deps.clock,
    timeZone: deps.timeZone ?? systemTimeZone,
    log: deps.log,
    ...(deps.changed ? { changed: deps.changed } : {}),
    graphReadAt: () => lastGraphRead(deps.dataDir),
  });
}
