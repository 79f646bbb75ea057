import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerMediaClock, type TickTiming } from '../src/media/clock.ts';
import { tickSpans, watchTicks, type ProbePercentiles } from './tick-probe.ts';

describe('tick probe', () => {
  it('takes every span of a tick on the clock\'s own time base', () => {
    const t: TickTiming = { tick: 7, dueMs: 1000, startMs: 998.5, sendStartMs: 1000.25, sendEndMs: 1001.5, endMs: 1004 };
    assert.deepEqual(tickSpans(t), { lateMs: 0.25, sendPhaseMs: 1.5, passMs: 4, workMs: 2.5 });
  });

  it('reports figures of a real clock\'s ticks within two periods (no mixed time bases)', async () => {
    const probe = watchTicks();
    const clock = new TimerMediaClock();
    const busy = (ms: number) => () => { const end = performance.now() + ms; while (performance.now() < end); };
    const send = busy(0.3);
    const work = busy(0.5);
    clock.add(send, 'send');
    clock.add(work, 'work');
    try {
      await new Promise((r) => setTimeout(r, 130));
    } finally {
      clock.remove(send);
      clock.remove(work);
    }
    const stats = probe.take();
    probe.stop();
    assert.ok(stats.ticks >= 3, `ticks: ${stats.ticks}`);
    const spans: Record<string, ProbePercentiles> = { late: stats.late, sendPhase: stats.sendPhase, pass: stats.pass, work: stats.work };
    // Spans count from the tick's place on the grid, and after a late tick the clock's schedule
    // runs up to a period behind it (src/media/clock-slew.ts): within two periods, where a mixed
    // time base (epoch against monotonic ms) would be off by years.
    for (const [name, p] of Object.entries(spans)) {
      for (const [q, ms] of Object.entries(p)) assert.ok(ms >= 0 && ms < 40, `${name}.${q} = ${ms} ms, not within two 20 ms periods`);
    }
    assert.ok(stats.sendPhase.p50 >= 0.3, `the send phase includes the send listener: ${stats.sendPhase.p50} ms`);
    assert.ok(stats.work.p50 >= 0.5, `the work phase includes the work listener: ${stats.work.p50} ms`);
    assert.ok(stats.pass.p50 >= stats.sendPhase.p50);
  });

  it('reads no ticks as "no figure", and stops idempotently', () => {
    const probe = watchTicks();
    const stats = probe.take();
    probe.stop();
    probe.stop();
    assert.equal(stats.ticks, 0);
    assert.ok(Number.isNaN(stats.pass.p99));
  });
});
