/**
 * Where this workstation's tracked items come from. Until the worksheet store
 * (electron/services/worksheet) is wired in, the file-backed source reads the
 * documented JSON files below; the integrator swaps in a source built on the
 * worksheet store and the Graph refresh without touching the reminder rules.
 *
 * `<dataDir>/expiry/worksheet-values.json` (what the holder wrote down):
 * ```json
 * { "version": 1, "entries": [ {
 *   "ceremony": "contoso-2026", "holder": "holder-1",
 *   "appId": "11111111-…",                      // worksheet line 3
 *   "clientSecretExpiresAt": "2027-05-01T00:00:00Z", // expiry of the line-4 secret
 *   "clientSecretKeyId": "…", "clientSecretHint": "xCG",   // optional: to match Graph's passwordCredentials
 *   "keyIdentifier": "https://…/keys/name/version", "keyExpiresAt": "…",  // optional: the key's `exp`
 *   "enrolmentTokenId": "…", "enrolmentTokenExpiresAt": "…"              // optional
 * } ] }
 * ```
 * `<dataDir>/expiry/graph-items.json` (the last Graph refresh, written by
 * `saveGraphItems`): `{ "version": 1, "refreshedAt": "…", "items": TrackedItem[] }`.
 * Graph's dates win over the worksheet's for the same item.
 */
import path from 'node:path';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { trackedItemId, trackedItemSchema, type TrackedItem } from '../../../shared/expiry/model';
import { readFileOrNull, writeFileAtomic } from './atomic-file';

export interface TrackedItemsSource {
  items(): Promise<TrackedItem[]>;
}

const iso = z.string().datetime({ offset: true });
export const worksheetExpiryEntrySchema = z.object({
  ceremony: z.string().min(1),
  holder: z.string().min(1),
  appId: z.string().min(1),
  clientSecretExpiresAt: iso,
  clientSecretKeyId: z.string().optional(),
  clientSecretHint: z.string().optional(),
  keyIdentifier: z.string().optional(),
  keyExpiresAt: iso.optional(),
  enrolmentTokenId: z.string().optional(),
  enrolmentTokenExpiresAt: iso.optional(),
});
export type WorksheetExpiryEntry = z.infer<typeof worksheetExpiryEntrySchema>;

const worksheetValuesFileSchema = z.object({ version: z.literal(1), entries: z.array(worksheetExpiryEntrySchema) });
export const graphItemsFileSchema = z.object({ version: z.literal(1), refreshedAt: iso, items: z.array(trackedItemSchema) });

/**
 * The line-4 secret's subject does not depend on where its date came from, so
 * signing in (Graph replaces the worksheet date) never resets its reminders.
 */
export function lineFourSubject(appId: string): string {
  return `line-4:${appId}`;
}

/** Tracked items from what the holder wrote on the worksheet. */
export function itemsFromWorksheet(entries: readonly WorksheetExpiryEntry[]): TrackedItem[] {
  const items: TrackedItem[] = [];
  for (const e of entries) {
    items.push({
      kind: 'client-secret',
      ceremony: e.ceremony,
      holder: e.holder,
      subject: lineFourSubject(e.appId),
      label: `Client secret on worksheet line 4 (application ${e.appId})`,
      source: 'worksheet',
      expiresAt: e.clientSecretExpiresAt,
    });
    if (e.keyIdentifier && e.keyExpiresAt) {
      items.push({ kind: 'vault-key-exp', ceremony: e.ceremony, holder: e.holder, subject: e.keyIdentifier, label: `Key expiry in the vault (${e.keyIdentifier})`, source: 'vault', expiresAt: e.keyExpiresAt });
    }
    if (e.enrolmentTokenExpiresAt) {
      items.push({
        kind: 'enrolment-token',
        ceremony: e.ceremony,
        holder: e.holder,
        subject: e.enrolmentTokenId ?? `enrolment:${e.ceremony}:${e.holder}`,
        label: 'Control-plane enrolment token',
        source: 'worksheet',
        expiresAt: e.enrolmentTokenExpiresAt,
      });
    }
  }
  return items;
}

/** Graph's items replace the worksheet's for the same identity and add the rest. */
function mergeItems(worksheet: readonly TrackedItem[], graph: readonly TrackedItem[]): TrackedItem[] {
  const byId = new Map<string, TrackedItem>();
  for (const i of worksheet) byId.set(trackedItemId(i), i);
  for (const i of graph) byId.set(trackedItemId(i), i);
  return [...byId.values()];
}

function parseFile<T>(file: string, schema: z.ZodType<T>, what: string): T | null {
  const text = readFileOrNull(file);
  if (text === null) return null;
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    throw new KeyholderError('expiry.bad_items_file', `${what} (${file}) could not be read. Fix or remove the file; nothing else was changed.`, { file: path.basename(file) });
  }
}

export function expiryFiles(dataDir: string) {
  return { worksheetValues: path.join(dataDir, 'expiry', 'worksheet-values.json'), graphItems: path.join(dataDir, 'expiry', 'graph-items.json') };
}

export function fileTrackedItemsSource(dataDir: string): TrackedItemsSource & { saveGraphItems(items: TrackedItem[], refreshedAt: Date): void } {
  const files = expiryFiles(dataDir);
  return {
    async items() {
      const ws = parseFile(files.worksheetValues, worksheetValuesFileSchema, 'The worksheet expiry values');
      const graph = parseFile(files.graphItems, graphItemsFileSchema, 'The last Graph refresh');
      return mergeItems(itemsFromWorksheet(ws?.entries ?? []), graph?.items ?? []);
    },
    saveGraphItems(items, refreshedAt) {
      writeFileAtomic(files.graphItems, JSON.stringify({ version: 1, refreshedAt: refreshedAt.toISOString(), items }, null, 2) + '\n');
    },
  };
}

/** When Graph's dates were last read into this data folder (null: never, or the file cannot be read). */
export function lastGraphRead(dataDir: string): string | null {
  const text = readFileOrNull(expiryFiles(dataDir).graphItems);
  if (text === null) return null;
  try {
    const parsed = graphItemsFileSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.items.length > 0 ? parsed.data.refreshedAt : null;
  } catch {
    return null;
  }
}

/** The part of the worksheet service's view this module reads (structural, so either side can change independently). */
export interface WorksheetHolderLike {
  clientId: string;
  keyIdentifier: string;
  keyName: string;
  /** YYYY-MM-DD or '' */
  secretExpiresOn: string;
}
export interface WorksheetViewLike {
  holder1: WorksheetHolderLike;
  holder2: WorksheetHolderLike;
}

/**
 * Entries from the worksheet service's view. The worksheet holds a date, not
 * an instant: it is read as 00:00 UTC of that date, which is never later than
 * the real expiry on that date anywhere from UTC-12 to UTC+14 by more than a
 * day, and errs towards reminding early.
 */
export function entriesFromWorksheetView(view: WorksheetViewLike, ceremony?: string): WorksheetExpiryEntry[] {
  const out: WorksheetExpiryEntry[] = [];
  for (const [holder, h] of [
    ['holder-1', view.holder1],
    ['holder-2', view.holder2],
  ] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h.secretExpiresOn) || !h.clientId.trim()) continue;
    out.push({
      ceremony: ceremony ?? (h.keyName.trim() || 'this workstation'),
      holder,
      appId: h.clientId.trim(),
      clientSecretExpiresAt: `${h.secretExpiresOn}T00:00:00Z`,
    });
  }
  return out;
}

/** The part of an AWS KMS key store's record this module reads (structural: the AWS service stays free to change). */
export interface AwsKeyMaterialLike {
  state: string;
  draft: { holder: number; validTo?: string };
  outcome?: { keyArn?: string };
}

/**
 * The imported key material's `ValidTo`, tracked like a client secret: KMS
 * deletes expiring material at that instant and the key stops working for the
 * vendor. Only a finished import counts (a draft's date is only an intention),
 * and material imported without an expiry tracks nothing.
 */
export function itemsFromAwsKeyMaterial(record: AwsKeyMaterialLike | null, ceremony = 'this workstation'): TrackedItem[] {
  if (!record || record.state !== 'done' || !record.draft.validTo || !record.outcome?.keyArn) return [];
  const expiresAt = new Date(record.draft.validTo);
  if (Number.isNaN(expiresAt.getTime())) return [];
  return [
    {
      kind: 'kms-key-material',
      ceremony,
      holder: `holder-${record.draft.holder}`,
      subject: record.outcome.keyArn,
      label: `Imported key material in AWS KMS (${record.outcome.keyArn})`,
      source: 'kms',
      expiresAt: expiresAt.toISOString(),
    },
  ];
}

/** Adds the AWS key material's expiry (when this workstation imported expiring material) to another source. */
export function withAwsKeyMaterial(base: TrackedItemsSource, record: () => AwsKeyMaterialLike | null): TrackedItemsSource {
  return {
    async items() {
      return mergeItems(await base.items(), itemsFromAwsKeyMaterial(record()));
    },
  };
}

/**
 * The source the app uses once the worksheet service exists: the worksheet's
 * line-4 dates, plus the documented files (other ceremonies' values, key and
 * token dates) and the last Graph refresh, Graph winning for the same item.
 */
export function worksheetTrackedItemsSource(worksheet: { get(): Promise<WorksheetViewLike> }, dataDir: string): TrackedItemsSource {
  const files = fileTrackedItemsSource(dataDir);
  const graphFile = expiryFiles(dataDir).graphItems;
  return {
    async items() {
      const fromFiles = await files.items();
      const fromWorksheet = itemsFromWorksheet(entriesFromWorksheetView(await worksheet.get()));
      const graph = parseFile(graphFile, graphItemsFileSchema, 'The last Graph refresh')?.items ?? [];
      return mergeItems(mergeItems(fromWorksheet, fromFiles), graph);
    },
  };
}
