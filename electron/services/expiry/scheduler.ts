/**
 * When the main process evaluates reminders: at start, every hour, after the
 * computer wakes (powerMonitor 'resume') and after the wall clock jumps. No
 * OS event reports a clock change everywhere, so a one-minute tick compares
 * the wall clock with a monotonic one and treats a jump as a change.
 * Timers and both clocks are injected so tests can drive hours in a moment.
 */
import type { Logger } from '../log/logger';

export type EvaluationReason = 'start' | 'hourly' | 'resume' | 'clock-change' | 'manual';

export interface SchedulerTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface SchedulerDeps {
  evaluate(reason: EvaluationReason): Promise<void>;
  timers?: SchedulerTimers;
  /** Wall clock in ms (Date.now, or the rehearsal clock). */
  wallNow(): number;
  /** Monotonic ms (performance.now): unaffected by clock changes. */
  monotonicNow(): number;
  log: Logger;
}

export const HOUR_MS = 3_600_000;
export const TICK_MS = 60_000;
/** A drift of the wall clock against the monotonic one larger than this is a clock change. */
const CLOCK_JUMP_MS = 2 * 60_000;

export interface ReminderScheduler {
  start(): Promise<void>;
  stop(): void;
  onResume(): Promise<void>;
  onClockChange(): Promise<void>;
  /** What the interval runs; exposed for tests. */
  tick(): Promise<void>;
  /** Resolves when the evaluation in flight (if any) is done. */
  idle(): Promise<void>;
}

const nodeTimers: SchedulerTimers = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    // Reminders must never keep a CLI or test process alive on their own.
    (h as { unref?: () => void }).unref?.();
    return h;
  },
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

export function createReminderScheduler(deps: SchedulerDeps): ReminderScheduler {
  const timers = deps.timers ?? nodeTimers;
  let handle: unknown = null;
  let chain: Promise<void> = Promise.resolve();
  let lastEvalMono = 0;
  let offset = 0; // wall - monotonic at the last look

  const run = (reason: EvaluationReason): Promise<void> => {
    // One evaluation at a time, in order: two overlapping ones could both fire the same threshold.
    chain = chain.then(async () => {
      lastEvalMono = deps.monotonicNow();
      offset = deps.wallNow() - lastEvalMono;
      try {
        await deps.evaluate(reason);
      } catch (e) {
        deps.log.error('reminder evaluation failed', { reason, error: e });
      }
    });
    return chain;
  };

  const scheduler: ReminderScheduler = {
    async start() {
      if (handle === null) handle = timers.setInterval(() => void scheduler.tick(), TICK_MS);
      await run('start');
    },
    stop() {
      if (handle !== null) timers.clearInterval(handle);
      handle = null;
    },
    onResume: () => run('resume'),
    onClockChange: () => run('clock-change'),
    async tick() {
      const mono = deps.monotonicNow();
      const drift = deps.wallNow() - mono - offset;
      if (Math.abs(drift) > CLOCK_JUMP_MS) {
        deps.log.info('wall clock moved; re-evaluating reminders', { driftMinutes: Math.round(drift / 60_000) });
        await run('clock-change');
      } else if (mono - lastEvalMono >= HOUR_MS) {
        await run('hourly');
      }
    },
    idle: () => chain,
  };
  return scheduler;
}
