/**
 * The transcript as a service of the app: the workstation's ceremony key is
 * loaded (or made) on first use, so a workstation without a SecretBox can
 * still start and verify transcripts; it only refuses to sign.
 */
import type { Clock } from '../platform/clock';
import type { SecretBox } from '../platform/secret-box';
import { loadOrCreateCeremonyKey, type CeremonyKey } from './ceremony-key';
import { createTranscriptService, verifyTranscriptFile, type TranscriptService } from './transcript-service';
import { ceremonyProgress, type Receipt, type StepProgress } from '../../../shared/ceremony/steps';
import type { VerifyOptions, VerifyResult } from '../../../shared/transcript/verify';

export interface CeremonyTranscripts extends TranscriptService {
  verify(file: string, options?: VerifyOptions): VerifyResult;
  /** Where the ceremony stands, from its receipts. */
  progress(ceremony: string): StepProgress[];
  /** This workstation's ceremony key (the ceremony plan and activation requests are signed with it). */
  ceremonyKey(): CeremonyKey;
}

export function createCeremonyTranscripts(deps: { dataDir: string; secretBox: SecretBox; clock: Clock; others?: () => Receipt[] }): CeremonyTranscripts {
  let key: CeremonyKey | null = null;
  const ceremonyKey = () => (key ??= loadOrCreateCeremonyKey(deps.dataDir, deps.secretBox));
  const svc = createTranscriptService({ dataDir: deps.dataDir, clock: deps.clock, key: ceremonyKey, ...(deps.others ? { others: deps.others } : {}) });
  return { ...svc, verify: verifyTranscriptFile, progress: (ceremony) => ceremonyProgress(svc.receipts(ceremony)), ceremonyKey };
}

export { verifyTranscriptFile };
