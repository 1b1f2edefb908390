/**
 * For the tests that compare what the app and `keyholder rehearse` record:
 * a transcript's entries, and each step kind's field names (a deviation counts
 * as the step it carries).
 */
import fs from 'node:fs';
import { DEVIATION_KINDS } from '../../services/ceremony/index';
import type { TranscriptEntry } from '../../../shared/transcript/entry';

export const deviationKinds = new Set<string>(Object.values(DEVIATION_KINDS));

export const readEntries = (file: string): TranscriptEntry[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TranscriptEntry);

export function fieldsByKind(entries: TranscriptEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const kind = deviationKinds.has(e.kind) ? String(e.data.step) : e.kind;
    const data = deviationKinds.has(e.kind) ? (e.data.entry as Record<string, unknown>) : e.data;
    if (!out.has(kind)) out.set(kind, Object.keys(data).sort());
  }
  return out;
}
