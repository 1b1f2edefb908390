/**
 * Rehearsal and live keep separate data folders under the app's base folder
 * (userData), so a rehearsal's escrow files, tokens and worksheet can never be
 * picked up by a live ceremony, and switching modes never mixes the two. The
 * base folder itself holds only workstation.json (the mode and live settings).
 */
import path from 'node:path';
import type { WorkstationMode } from '../../shared/settings/live-settings';

export function dataFolderFor(baseDir: string, mode: WorkstationMode): string {
  return path.join(baseDir, mode === 'live' ? 'live' : 'rehearsal');
}
