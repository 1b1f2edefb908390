/**
 * Passphrase attempts, one at a time per secret, with a growing pause
 * after each failure. The KDF already costs an attacker a second a guess;
 * this keeps a scripted renderer (or a stuck key) from queueing thousands
 * of attempts against the app itself, and says how long to wait.
 *
 * Attempts are keyed by WHAT is being guessed (the file's content hash and
 * the slot), never by the path the caller gave: a renderer controls paths,
 * and one file has endless names (`/proc/self/cwd/...`, symlinks, hard
 * links, `..`), each of which would otherwise start a fresh count.
 */
import { createHash } from 'node:crypto';
import { KeyholderError } from '../../../shared/errors/index';
import { systemClock, type Clock } from '../platform/clock';

export interface ThrottleOptions {
  clock: Clock;
  /** Pause after the first counted failure; doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Failures allowed before any pause (a typo or two at the hand-over desk
   * should not make people wait; the activation session already stops after
   * three). Every failure after these is paused, growing to `maxDelayMs`.
   */
  freeFailures?: number;
}

interface State {
  failures: number;
  notBefore: number;
  busy: boolean;
}

/** The throttle key for one secret of one file: its bytes' SHA-256 and the slot (custodian, holder, participant). */
export function attemptKey(bytes: Uint8Array, slot: string | number): string {
  return `${createHash('sha256').update(bytes).digest('hex')}#${slot}`;
}

export class PassphraseThrottle {
  private readonly states = new Map<string, State>();
  private readonly base: number;
  private readonly max: number;
  private readonly free: number;

  constructor(private readonly opts: ThrottleOptions) {
    this.base = opts.baseDelayMs ?? 1000;
    this.max = opts.maxDelayMs ?? 60_000;
    this.free = opts.freeFailures ?? 0;
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
        const counted = s.failures - this.free;
        if (counted > 0) s.notBefore = this.opts.clock.now().getTime() + Math.min(this.max, this.base * 2 ** Math.min(counted - 1, 30));
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

/**
 * The process's throttle for passphrases typed at the activation desk and
 * for participant keys: every path into the same secret shares one count,
 * whichever service or session the attempt came through.
 */
export const processPassphraseThrottle = new PassphraseThrottle({ clock: systemClock, freeFailures: 3 });
