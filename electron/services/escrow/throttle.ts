/**
 * Passphrase attempts, one at a time per artifact, with a growing pause
 * after each failure. The KDF already costs an attacker a second a guess;
 * this keeps a scripted renderer (or a stuck key) from queueing thousands
 * of attempts against the app itself, and says how long to wait.
 */
import { KeyholderError } from '../../../shared/errors/index';
import type { Clock } from '../platform/clock';

export interface ThrottleOptions {
  clock: Clock;
  /** Pause after the first failure; doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface State {
  failures: number;
  notBefore: number;
  busy: boolean;
}

export class PassphraseThrottle {
  private readonly states = new Map<string, State>();
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly opts: ThrottleOptions) {
    this.base = opts.baseDelayMs ?? 1000;
    this.max = opts.maxDelayMs ?? 60_000;
  }

  /** Runs `attempt`; a thrown `*wrong_passphrase` counts as a failure, success resets the count. */
  async run<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    const s = this.states.get(key) ?? { failures: 0, notBefore: 0, busy: false };
    this.states.set(key, s);
    if (s.busy) {
      throw new KeyholderError('escrow.attempt_in_progress', 'A passphrase for this file is already being checked. Wait for the answer before trying again.');
    }
    const now = this.opts.clock.now().getTime();
    if (now < s.notBefore) {
      const seconds = Math.ceil((s.notBefore - now) / 1000);
      throw new KeyholderError('escrow.throttled', `Too many wrong passphrases in a row. Wait ${seconds} s before the next attempt.`, { retryAfterSeconds: seconds });
    }
    s.busy = true;
    try {
      const result = await attempt();
      s.failures = 0;
      s.notBefore = 0;
      return result;
    } catch (e) {
      if ((e as { code?: string }).code?.endsWith('wrong_passphrase')) {
        s.failures += 1;
        s.notBefore = this.opts.clock.now().getTime() + Math.min(this.max, this.base * 2 ** (s.failures - 1));
      }
      throw e;
    } finally {
      s.busy = false;
    }
  }

  failures(key: string): number {
    return this.states.get(key)?.failures ?? 0;
  }
}
