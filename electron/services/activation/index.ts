/**
 * Activations of this workstation: starts sessions bound to the ceremony's
 * transcript and keeps them by ID, so hand-over screens (and a second call
 * over IPC) reach the same session. Only non-secret state leaves here.
 */
import { KeyholderError } from '../../../shared/errors/index';
import type { Purpose } from '../../../shared/ceremony/activation';
import type { CeremonyPlan } from '../../../shared/ceremony/plan';
import type { WorkstationKey } from '../participants/plan-store';
import type { Clock } from '../platform/clock';
import type { TranscriptService } from '../transcript/transcript-service';
import type { ComponentSource } from './component-source';
import { ActivationSession, type PurposeResult, type RewrapPassphrases, type Timers } from './session';

export interface ActivationService {
  /** `plan`: the ceremony plan whose participants (and only those, in their roles) may join. */
  start(opts: { ceremony: string; purpose: Purpose; source: ComponentSource; plan: CeremonyPlan; onPurpose(material: Uint8Array, purpose: Purpose, passphrases?: RewrapPassphrases): Promise<PurposeResult> }): ActivationSession;
  get(session: string): ActivationSession;
  /** Wipes every open session (app quit, lock screen). */
  wipeAll(): void;
}

export function createActivationService(deps: {
  transcript: Pick<TranscriptService, 'append'>;
  clock: Clock;
  /** This workstation's ceremony key, which signs requests to remote participants. */
  workstation?: () => Pick<WorkstationKey, 'publicKey' | 'sign'>;
  timers?: Timers;
  timeoutMs?: number;
}): ActivationService {
  const sessions = new Map<string, ActivationSession>();
  return {
    start(opts) {
      const s = new ActivationSession({
        ...opts,
        clock: deps.clock,
        ...(deps.workstation ? { workstation: deps.workstation } : {}),
        ...(deps.timers ? { timers: deps.timers } : {}),
        ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
        record: (kind, data, attestations) => deps.transcript.append(opts.ceremony, kind, data, attestations),
      });
      sessions.set(s.id, s);
      return s;
    },
    get(id) {
      const s = sessions.get(id);
      if (!s) throw new KeyholderError('activation.not_found', 'That activation is no longer open on this workstation. Start a new one.');
      return s;
    },
    wipeAll() {
      for (const s of sessions.values()) void s.cancel('The app closed the activation; the key material was wiped.');
      sessions.clear();
    },
  };
}
