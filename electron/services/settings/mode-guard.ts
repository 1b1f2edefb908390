/**
 * The seam where a live ceremony refuses rehearsal artifacts. The `trust`
 * work marks every rehearsal escrow file in its authenticated header and
 * provides the predicate that reads the mark; whoever opens an escrow file or
 * a key-holder copy calls this with the session's mode
 * (`services.deps.environment.mode`) and that predicate's answer. Until the
 * marker lands, nothing is recognised as a rehearsal artifact and this guard
 * is not yet called from the import (see the report of the live-settings work).
 */
import { KeyholderError } from '../../../shared/errors/index';
import type { WorkstationMode } from '../../../shared/settings/live-settings';

export function refuseRehearsalArtifactInLive(mode: WorkstationMode, artifact: { file: string; rehearsal: boolean }): void {
  if (mode === 'live' && artifact.rehearsal) {
    throw new KeyholderError(
      'escrow.rehearsal_artifact',
      `${artifact.file} was made in a rehearsal: its key is not a real one and must never reach a live vault. Use the key-holder copy from the real ceremony.`,
    );
  }
}
