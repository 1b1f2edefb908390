/**
 * Libraries and key rotation as the vendor reports them (seed 000): applying
 * a primary key to a library makes it the library key at once and starts
 * re-keying the existing documents at a steady rate (about seven million
 * document versions a day); the key it replaces is "Inactive: Rotating from"
 * until then and "No longer in use" after. Applying a third key while a
 * rotation runs stops it and moves everything to the third key.
 *
 * Progress is computed from the clock, never stored, so a rehearsal can move
 * the clock and watch a months-long rotation finish.
 */
import type { LibraryKey } from '../../../shared/control-plane/api';
import type { StoredLibrary } from './store';

const DAY_MS = 86_400_000;
export const SYSTEM_KEY = 'system';
export const DEFAULT_ROTATION_RATE_PER_DAY = 7_000_000;

/** Fraction (0..1) of the library's documents re-keyed to its current key. */
function rotationFraction(lib: StoredLibrary, now: Date, ratePerDay: number): number {
  const current = lib.applications.at(-1);
  if (!current) return 1;
  if (lib.documentVersions === 0) return 1;
  const elapsed = Math.max(0, now.getTime() - Date.parse(current.appliedAt));
  return Math.min(1, (elapsed / DAY_MS) * (ratePerDay / lib.documentVersions));
}

/** When the current rotation finishes (or finished). */
function rotationDoneAt(lib: StoredLibrary, ratePerDay: number): Date | null {
  const current = lib.applications.at(-1);
  if (!current) return null;
  return new Date(Date.parse(current.appliedAt) + (lib.documentVersions / ratePerDay) * DAY_MS);
}

function percentOf(f: number): number {
  // Rounded down, so 99.999% never shows as 100% before the last document moved.
  return Math.floor(f * 10_000) / 100;
}

/** The key's status in one library, or null if it was never applied there. */
export function libraryKeyStatus(lib: StoredLibrary, primaryKeyId: string, now: Date, ratePerDay: number): LibraryKey | null {
  const idx = lib.applications.map((a) => a.primaryKeyId).lastIndexOf(primaryKeyId);
  if (idx < 0) return null;
  const f = rotationFraction(lib, now, ratePerDay);
  const base = { libraryId: lib.libraryId, libraryName: lib.name };
  if (idx === lib.applications.length - 1) {
    if (f >= 1) return { ...base, status: 'Active', label: 'Active' };
    const percent = percentOf(f);
    return { ...base, status: 'Active: Rotating to', label: `Active: Rotating to (${percent.toFixed(2)}%)`, percent };
  }
  if (f < 1) return { ...base, status: 'Inactive: Rotating from', label: 'Inactive: Rotating from' };
  return { ...base, status: 'No longer in use', label: 'No longer in use', noLongerInUseSince: rotationDoneAt(lib, ratePerDay)!.toISOString() };
}

/** The latest "No longer in use" date over every library the key protected, or null while any still uses it (or it was never applied). */
export function noLongerInUseSince(statuses: LibraryKey[]): string | null {
  if (!statuses.length || statuses.some((s) => s.status !== 'No longer in use')) return null;
  return statuses.map((s) => s.noLongerInUseSince!).sort().at(-1)!;
}
