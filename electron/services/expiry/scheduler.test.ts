import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger';
import { createReminderScheduler, HOUR_MS, TICK_MS, type EvaluationReason } from './scheduler';

function harness() {
  let wall = Date.UTC(2026, 10, 27, 9);
  let mono = 1_000;
  const reasons: EvaluationReason[] = [];
  const intervals: Array<{ fn: () => void; ms: number }> = [];
  const s = createReminderScheduler({
    evaluate: async (r) => {
      reasons.push(r);
    },
    timers: { setInterval: (fn, ms) => intervals.push({ fn, ms }), clearInterval: () => intervals.splice(0) },
    wallNow: () => wall,
    monotonicNow: () => mono,
    log: silentLogger,
  });
  const pass = async (ms: number) => {
    for (let t = 0; t < ms; t += TICK_MS) {
      wall += TICK_MS;
      mono += TICK_MS;
      await s.tick();
    }
  };
  return { s, reasons, intervals, pass, jumpWall: (ms: number) => (wall += ms), sleep: (ms: number) => (wall += ms) };
}

describe('reminder scheduler', () => {
  it('evaluates at start and then hourly, on a one-minute tick', async () => {
    const h = harness();
    await h.s.start();
    expect(h.intervals.map((i) => i.ms)).toEqual([TICK_MS]);
    await h.pass(3 * HOUR_MS);
    expect(h.reasons).toEqual(['start', 'hourly', 'hourly', 'hourly']);
  });

  it('treats a wall-clock jump (forwards or back) as a clock change, once', async () => {
    const h = harness();
    await h.s.start();
    await h.pass(10 * TICK_MS);
    h.jumpWall(3 * 86_400_000);
    await h.pass(TICK_MS);
    h.jumpWall(-86_400_000);
    await h.pass(5 * TICK_MS);
    expect(h.reasons).toEqual(['start', 'clock-change', 'clock-change']);
  });

  it('does not mistake ordinary timer jitter for a clock change', async () => {
    const h = harness();
    await h.s.start();
    h.jumpWall(30_000);
    await h.pass(30 * TICK_MS);
    expect(h.reasons).toEqual(['start']);
  });

  it('re-evaluates on resume and never runs two evaluations at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const order: string[] = [];
    const s = createReminderScheduler({
      evaluate: async (r) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((res) => setTimeout(res, 5));
        order.push(r);
        running--;
      },
      timers: { setInterval: () => 0, clearInterval: () => {} },
      wallNow: () => 0,
      monotonicNow: () => 0,
      log: silentLogger,
    });
    await Promise.all([s.start(), s.onResume(), s.onClockChange()]);
    expect(order).toEqual(['start', 'resume', 'clock-change']);
    expect(maxRunning).toBe(1);
  });

  it('keeps going after an evaluation fails', async () => {
    let calls = 0;
    const s = createReminderScheduler({
      evaluate: async () => {
        if (++calls === 1) throw new Error('disk full');
      },
      timers: { setInterval: () => 0, clearInterval: () => {} },
      wallNow: () => 0,
      monotonicNow: () => 0,
      log: silentLogger,
    });
    await s.start();
    await s.onResume();
    expect(calls).toBe(2);
  });
});
