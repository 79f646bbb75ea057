import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualMediaClock, TICK_CHANNEL, TimerMediaClock } from './clock.ts';
import type { MediaClock, TickTiming } from './clock.ts';
import { BusyFakeTimers, FakeTimers, SleepingFakeTimers } from '../../test/support/clock-timers.ts';

/** Records when (on the fake time) each tick's listeners run. */
function dispatchTimes(clock: TimerMediaClock, timers: FakeTimers): number[] {
  const at: number[] = [];
  clock.add(() => void at.push(timers.time));
  return at;
}

test('manual clock dispatches ticks to every listener', () => {
  const clock = new ManualMediaClock();
  const seen: string[] = [];
  const a = (t: number): void => void seen.push(`a${t}`);
  const b = (t: number): void => void seen.push(`b${t}`);
  clock.add(a);
  clock.add(a);
  clock.add(b);
  clock.tick(2);
  clock.remove(a);
  clock.tick();
  assert.deepEqual(seen, ['a0', 'b0', 'a1', 'b1', 'b2']);
  assert.equal(clock.currentTick, 2);
  assert.equal(clock.nowMs, 60);
  assert.equal(clock.now(), 60);
});

test('prepare listeners of every stream run first, then send, then work, each phase in order of registration', () => {
  const clock = new ManualMediaClock();
  const seen: string[] = [];
  const work = (name: string) => (t: number): void => void seen.push(`${name}${t}`);
  const a = work('a');
  const aSend = work('A');
  const aPrepare = work('pa');
  const b = work('b');
  const bSend = work('B');
  const bPrepare = work('pb');
  clock.add(a);
  clock.add(aSend, 'send');
  clock.add(b, 'work');
  clock.add(bPrepare, 'prepare');
  clock.add(bSend, 'send');
  clock.add(aPrepare, 'prepare');
  clock.add(bSend); // already registered (as send): no effect
  clock.add(bPrepare, 'work'); // already registered (as prepare): no effect
  assert.equal(clock.size, 6);
  clock.tick();
  assert.deepEqual(seen, ['pb0', 'pa0', 'A0', 'B0', 'a0', 'b0']);
  clock.remove(aSend, 'send');
  clock.remove(b, 'prepare'); // a wrong phase: found where it is
  clock.remove(bPrepare);
  clock.remove(bPrepare, 'prepare'); // gone already: no effect
  assert.equal(clock.size, 3);
  clock.tick();
  assert.deepEqual(seen.slice(6), ['pa1', 'B1', 'a1']);
});

test('timer clock reports the end of the send phase on its diagnostics channel', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const seen: TickTiming[] = [];
  const onTick = (m: unknown): void => void seen.push(m as TickTiming);
  subscribe(TICK_CHANNEL, onTick);
  try {
    clock.add(() => void (timers.time += 0.5)); // work
    clock.add(() => void (timers.time += 0.125), 'send');
    timers.advanceTo(1000);
  } finally {
    unsubscribe(TICK_CHANNEL, onTick);
  }
  assert.deepEqual(seen, [{ tick: 0, dueMs: 1000, startMs: 1000, sendStartMs: 1000, sendEndMs: 1000.125, endMs: 1000.625 }]);
  assert.equal(clock.size, 2);
});

test('a throwing listener does not stop the others', () => {
  const errors: unknown[] = [];
  const clock = new ManualMediaClock({ onError: (e) => errors.push(e) });
  let ran = 0;
  clock.add(() => {
    throw new Error('boom');
  });
  clock.add(() => void ran++);
  clock.tick();
  assert.equal(ran, 1);
  assert.equal(errors.length, 1);
});

test('listeners may remove themselves during a tick', () => {
  const clock = new ManualMediaClock();
  let calls = 0;
  const once = (): void => {
    calls++;
    clock.remove(once);
  };
  clock.add(once);
  clock.add(() => undefined);
  clock.tick(3);
  assert.equal(calls, 1);
});

test('timer clock schedules against the absolute start: lateness does not drift', () => {
  const timers = new FakeTimers();
  // Without the slew: the grid alone (the slew has its own tests below).
  const clock = new TimerMediaClock({ timers, maxSlewMs: 0 });
  const ticks: number[] = [];
  clock.add((t) => ticks.push(t));
  // Each timer fires 3 ms late; after 1 s there are still 50 ticks, not 1000/23.
  timers.advanceTo(1000 + 1000, 3);
  assert.equal(ticks.length, 50);
  assert.deepEqual(ticks.slice(0, 3), [0, 1, 2]);
  assert.equal(clock.stats.skipped, 0);
  assert.ok(clock.stats.maxLateMs <= 3);
  assert.equal(clock.now(), timers.time);
});

test('timer clock catches up at most maxCatchUp ticks after a stall and skips the rest', () => {
  const timers = new FakeTimers();
  const clock = new TimerMediaClock({ timers, maxCatchUp: 3 });
  const ticks: number[] = [];
  clock.add((t) => ticks.push(t));
  timers.advanceTo(1000 + 40); // ticks 0, 1, 2
  assert.deepEqual(ticks, [0, 1, 2]);
  // The event loop stalls for 200 ms: tick 3 fires at 1260, when ticks 3..13 are due.
  timers.advanceTo(1260, 200);
  assert.deepEqual(ticks.slice(3), [3, 4, 5]);
  assert.equal(clock.stats.skipped, 8);
  timers.advanceTo(1280);
  assert.equal(ticks.at(-1), 14);
});

/** Differences between consecutive entries. */
function gaps(at: readonly number[]): number[] {
  return at.slice(1).map((t, i) => Math.round((t - at[i]!) * 1e6) / 1e6);
}

test('a late tick moves the schedule, which slews back: one long spacing and no short one', () => {
  for (const maxSlewMs of [20, 0]) {
    const timers = new SleepingFakeTimers();
    const clock = new TimerMediaClock({ timers, leadMs: 2, maxSlewMs });
    const at = dispatchTimes(clock, timers);
    const ticks: number[] = [];
    clock.add((t) => ticks.push(t));
    timers.advanceTo(1040); // ticks 0-2 on time
    timers.advanceTo(1066, 8); // tick 3's timer (set for 1058) runs 8 ms late: the tick starts 6 ms late
    timers.advanceTo(1400);
    if (maxSlewMs === 0) {
      // The grid: tick 4 comes 6 ms early, a second spacing off by as much.
      assert.deepEqual(gaps(at).slice(2, 5), [26, 14, 20]);
      assert.equal(clock.stats.slews, 0);
      continue;
    }
    // 26 ms, then 19.5 ms apart until the schedule is back on its grid (tick 15 at 1300).
    assert.deepEqual(gaps(at).slice(2, 16), [26, ...Array<number>(12).fill(19.5), 20]);
    assert.equal(at[15], 1300);
    assert.deepEqual(ticks, Array.from({ length: 21 }, (_, i) => i), 'no tick skipped or repeated');
    assert.equal(clock.stats.slews, 1);
    assert.equal(clock.stats.skipped, 0);
    assert.equal(clock.stats.maxLateMs, 6, 'lateness is still counted against the grid');
  }
});

test('a tick less than 1 ms late, or later than maxSlewMs, leaves the schedule on its grid', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2, maxSlewMs: 10 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1020);
  timers.advanceTo(1040.8, 2.8); // tick 2 starts 0.8 ms late
  timers.advanceTo(1080, 17); // tick 3's timer (set at 1040.8 for 18 ms) runs at 1075.8: 15.8 ms late, beyond maxSlewMs
  timers.advanceTo(1120);
  assert.deepEqual(gaps(at), [20, 20.8, 35, 4.2, 20, 20]);
  assert.equal(clock.stats.slews, 0);
});

test('a stall inside a send phase moves the schedule when most streams went out after it', () => {
  for (const stallAt of [10, 50]) {
    const timers = new SleepingFakeTimers();
    const clock = new TimerMediaClock({ timers, leadMs: 2 });
    // 64 streams, 10 µs each; on tick 3, the CPU is taken for 5 ms after stream `stallAt`.
    const sent: number[][] = Array.from({ length: 64 }, () => []);
    for (let i = 0; i < 64; i++) {
      clock.add((tick) => {
        sent[i]!.push(timers.time);
        timers.time += 0.01;
        if (i === stallAt && tick === 3) timers.time += 5;
      }, 'send');
    }
    timers.advanceTo(1200);
    const early = gaps(sent[5]!).slice(2, 4);
    const late = gaps(sent[60]!).slice(2, 4);
    if (stallAt === 10) {
      // 54 streams were delayed: the schedule follows them (19.5 ms, slewing back); the 10
      // before the stall take the one long spacing.
      assert.deepEqual(late, [25, 19.5]);
      assert.deepEqual(early, [20, 24.5]);
      assert.equal(clock.stats.slews, 1);
    } else {
      // 14 streams were delayed: the schedule stays on its grid, they take both spacings.
      assert.deepEqual(late, [25, 15]);
      assert.deepEqual(early, [20, 20]);
      assert.equal(clock.stats.slews, 0);
    }
  }
});

/** 64 streams, each 5 µs to prepare and 10 µs to send; stream 3's prepare phase of tick 6 stalls `stallMs`. */
function prepareStall(timers: FakeTimers, stallMs: number): { clock: TimerMediaClock; sent: number[][] } {
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const sent: number[][] = Array.from({ length: 64 }, () => []);
  for (let i = 0; i < 64; i++) {
    clock.add((tick) => {
      timers.time += 0.005;
      if (i === 3 && tick === 6) timers.time += stallMs;
    }, 'prepare');
    clock.add(() => {
      sent[i]!.push(timers.time);
      timers.time += 0.01;
    }, 'send');
  }
  timers.advanceTo(1300);
  return { clock, sent };
}

test('a stall in a prepare phase run in the tick delays every send: followed like a late start', () => {
  // No blocking sleep: the clock cannot wake early, so each tick prepares, then sends.
  const { clock, sent } = prepareStall(new FakeTimers(), 5);
  // Ticks 0-5 teach the clock what a prepare phase takes; tick 6's took 5 ms more. The next
  // tick follows (on the grid it would come 5 ms early: a spacing of 15).
  for (const i of [0, 63]) {
    const [long, next] = gaps(sent[i]!).slice(5, 7);
    assert.ok(long! > 24.5 && long! < 25.5, `stream ${i}: ${long}`);
    assert.ok(next! > 19 && next! < 20.5, `stream ${i}: ${next}`);
  }
  // (Node's whole-millisecond timers, without the sleep, make ticks up to 1 ms late: one more may be followed.)
  assert.ok(clock.stats.slews >= 1);
});

test('the prepare phase runs ahead of the due time: a stall there within the margin delays no send', () => {
  const timers = new SleepingFakeTimers();
  const { clock, sent } = prepareStall(timers, 1);
  // The timer wakes 2 ms (the lead) plus the usual 0.32 ms of preparing before the due time,
  // up to 1 ms later on whole-millisecond timers: a 1 ms stall still ends before it.
  // (Tick 0 is due when the clock starts: it prepares in the tick.)
  for (const i of [0, 3, 63]) {
    const later = gaps(sent[i]!).slice(1);
    assert.equal(later.length, 14);
    assert.deepEqual(later, Array(14).fill(20), `stream ${i}`);
  }
  assert.equal(clock.stats.slews, 0);
  assert.equal(timers.sleeps.length, 15);
});

test('a prepare phase run ahead sees its own tick as the current one (a recording files frames under it)', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const seen: string[] = [];
  clock.add((tick) => void seen.push(`prepare ${tick} at ${clock.currentTick}`), 'prepare');
  clock.add((tick) => void seen.push(`work ${tick} at ${clock.currentTick}`));
  timers.advanceTo(1040);
  assert.deepEqual(seen, ['prepare 0 at 0', 'work 0 at 0', 'prepare 1 at 1', 'work 1 at 1', 'prepare 2 at 2', 'work 2 at 2']);
  assert.equal(timers.sleeps.length, 2, 'ticks 1 and 2 prepared ahead');
});

test('a stall in a prepare phase run ahead delays the sends by what ran past the due time, followed', () => {
  const { clock, sent } = prepareStall(new SleepingFakeTimers(), 5);
  for (const i of [0, 63]) {
    const [long, next] = gaps(sent[i]!).slice(5, 7);
    // 5 ms stalled, of which the margin (1.32-2.32 ms) absorbed some: one long spacing, then the slew back.
    assert.ok(long! > 22.5 && long! < 24, `stream ${i}: ${long}`);
    assert.ok(Math.abs(next! - 19.5) < 0.05, `stream ${i}: ${next}`);
  }
  // And 0.5 ms closer a tick until the grid (a due time met exactly is due: no tick left for a later turn).
  assert.deepEqual(gaps(sent[0]!).slice(7, 12), [19.5, 19.5, 19.5, 19.5, 19.5]);
  assert.equal(clock.stats.slews, 1);
});

test('timer clock under constant lateness: no skipped tick, schedule at most maxSlewMs behind', () => {
  const timers = new FakeTimers();
  const clock = new TimerMediaClock({ timers, maxSlewMs: 10 });
  const at = dispatchTimes(clock, timers);
  // Every timer fires 3 ms after what it was set for: each tick is late against its due
  // time, and each following moves the schedule further back, up to maxSlewMs.
  timers.advanceTo(3000, 3);
  const ticks = at.length;
  assert.ok(ticks >= 99 && ticks <= 100, `ticks ${ticks}`);
  assert.equal(clock.stats.skipped, 0);
  assert.ok(clock.stats.maxLateMs <= 10 + 3 + 1, `maxLateMs ${clock.stats.maxLateMs}`);
  for (const gap of gaps(at)) assert.ok(gap >= 19 - 1e-9 && gap <= 24, `gap ${gap}`);
});

test('timer clock stops with its last listener and keeps tick numbers monotonic', () => {
  const timers = new FakeTimers();
  const clock = new TimerMediaClock({ timers });
  const ticks: number[] = [];
  const l = (t: number): void => void ticks.push(t);
  clock.add(l);
  timers.advanceTo(1050);
  clock.remove(l);
  assert.equal(timers.pending, undefined);
  timers.advanceTo(5000);
  clock.add(l);
  timers.advanceTo(5000);
  assert.deepEqual(ticks, [0, 1, 2, 3]);
  clock.remove(l);
});

test('timer clock runs on real timers (smoke: ticks arrive, no assertion on timing)', async () => {
  const clock = new TimerMediaClock({ periodMs: 1 });
  await new Promise<void>((resolve) => {
    const l = (t: number): void => {
      if (t >= 2) {
        clock.remove(l);
        resolve();
      }
    };
    clock.add(l);
  });
  assert.ok(clock.stats.ticks >= 3);
});

test('timer clock wakes leadMs early and sleeps the rest: ticks start exactly when due', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1000); // tick 0, due at the start
  // Tick k is due at 1000 + 20k; each timer fires 1.5 ms late, inside the lead.
  timers.advanceTo(1100, 1.5);
  assert.deepEqual(at, [1000, 1020, 1040, 1060, 1080, 1100]);
  // Each timer is set for 20 - 2 = 18 ms; the 0.5 ms left after its lateness is slept.
  assert.deepEqual(timers.sets, [0, 18, 18, 18, 18, 18, 18]);
  assert.deepEqual(timers.sleeps, [0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(clock.stats, { ticks: 6, skipped: 0, maxLateMs: 0, sleeps: 5, sleptMs: 2.5, polled: 0, busy: 0, slews: 0 });
});

test('timer clock sets whole-millisecond timers and sleeps the fraction', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const at = dispatchTimes(clock, timers);
  clock.add(() => void (timers.time += 0.4)); // a pass of 0.4 ms
  timers.advanceTo(1000);
  // 20 - 2 - 0.4 = 17.6 ms to the wake-up, set as 18: the sleep covers the 1.6 ms left.
  timers.advanceTo(1020);
  assert.deepEqual(at, [1000, 1020]);
  assert.deepEqual(timers.sets, [0, 18, 18]);
  assert.deepEqual(timers.sleeps.map((ms) => Math.round(ms * 1000) / 1000), [1.6]);
});

test('timer clock does not sleep when the timer fires after the due time (busy loop): late as before', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1000);
  timers.advanceTo(1041, 3); // each timer fires 3 ms after its wake-up: 1 ms after the due time
  assert.deepEqual(at, [1000, 1021, 1041]);
  assert.equal(timers.sleeps.length, 0);
  assert.equal(clock.stats.maxLateMs, 1);
  assert.equal(clock.stats.skipped, 0);
});

test('timer clock waits again, without blocking, when the timer fires long before the due time', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1000);
  // Node's millisecond clock can fire a timer early: fire the 18 ms timer after 10 ms.
  const p = timers.pending!;
  timers.pending = undefined;
  timers.time = 1010;
  p.fn();
  assert.equal(timers.sleeps.length, 0, 'no 10 ms blocking sleep');
  assert.deepEqual(timers.sets, [0, 18, 8]);
  timers.advanceTo(1020);
  assert.deepEqual(at, [1000, 1020]);
  assert.deepEqual(timers.sleeps, [2]);
});

test('timer clock dispatches the tick it slept for even when the sleep ends a hair early', () => {
  const timers = new SleepingFakeTimers();
  timers.shortBy = 0.01;
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const ticks: number[] = [];
  clock.add((t) => ticks.push(t));
  timers.advanceTo(1000 + 60);
  assert.deepEqual(ticks, [0, 1, 2, 3]);
  assert.equal(clock.stats.skipped, 0);
  assert.equal(clock.stats.maxLateMs, 0);
});

test('timer clock without a lead dispatches when the timer fires', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 0 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1000);
  timers.advanceTo(1041, 0.6);
  // 20 ms, then ceil(19.4) = 20 ms (a whole-ms timer never fires before the due time).
  assert.deepEqual(at, [1000, 1020.6]);
  assert.deepEqual(timers.sets, [0, 20, 20]);
  assert.equal(timers.sleeps.length, 0);
});

test('timer clock caps the lead at a quarter period', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, periodMs: 4, leadMs: 3 });
  clock.add(() => undefined);
  timers.advanceTo(1004);
  // Lead 1 (4 / 4): the timer is set for 3 ms, then 1 ms of sleep.
  assert.deepEqual(timers.sets, [0, 3, 3]);
  assert.deepEqual(timers.sleeps, [1]);
});

test('timer clock publishes each tick timing on its diagnostics channel', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const seen: TickTiming[] = [];
  const onTick = (m: unknown): void => void seen.push(m as TickTiming);
  subscribe(TICK_CHANNEL, onTick);
  try {
    clock.add(() => void (timers.time += 0.25)); // a listener pass of 0.25 ms
    timers.advanceTo(1000);
    timers.advanceTo(1022, 3); // tick 1's timer fires 1.25 ms after the due time
  } finally {
    unsubscribe(TICK_CHANNEL, onTick);
  }
  assert.deepEqual(seen, [
    { tick: 0, dueMs: 1000, startMs: 1000, sendStartMs: 1000, sendEndMs: 1000, endMs: 1000.25 },
    { tick: 1, dueMs: 1020, startMs: 1021.25, sendStartMs: 1021.25, sendEndMs: 1021.25, endMs: 1021.5 },
  ]);
});

test('poll starts a tick from its wake-up time and resets the timer; before that it does nothing', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const at = dispatchTimes(clock, timers);
  const prepared: number[] = [];
  clock.add(() => void prepared.push(timers.time), 'prepare');
  timers.advanceTo(1000);
  // The loop is busy in I/O callbacks from 1015 to 1030: its timer (set for 1018) cannot fire.
  timers.time = 1017.5;
  clock.poll();
  assert.deepEqual(at, [1000], 'before the wake-up time');
  timers.time = 1019.5;
  clock.poll();
  // Prepared ahead, then slept to the due time: the tick starts on time.
  assert.deepEqual(prepared, [1000, 1019.5]);
  assert.deepEqual(at, [1000, 1020]);
  timers.time = 1021;
  clock.poll();
  assert.deepEqual(at, [1000, 1020], 'one tick per due time');
  assert.equal(clock.stats.polled, 1);
  // The timer was reset for tick 2: wake at 1040 - 2 - 1020 = 18 ms.
  assert.equal(timers.pending!.at, 1038);
  // Busy again past tick 2's due time: a poll dispatches it at once, prepare phase and all.
  timers.time = 1040.25;
  clock.poll();
  assert.deepEqual(at, [1000, 1020, 1040.25]);
  assert.deepEqual(prepared, [1000, 1019.5, 1040.25]);
  assert.equal(clock.stats.polled, 2);
});

test('a listener that polls (its I/O during the tick) does not start the next tick', () => {
  const timers = new SleepingFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2 });
  const ticks: number[] = [];
  clock.add((t) => {
    ticks.push(t);
    timers.time += 25; // a pass longer than a period
    clock.poll();
  });
  timers.advanceTo(1000);
  assert.deepEqual(ticks, [0]);
  assert.equal(clock.stats.polled, 0);
  assert.equal((new ManualMediaClock() as MediaClock).poll, undefined);
});

test('timer clock stops waking early while the loop is saturated, and starts again after', () => {
  const timers = new BusyFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2, maxBusy: 0.7 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1000);
  // 95 % busy: within a few ticks the average passes 0.7 (short sleeps), then 0.9 (none).
  timers.share = 0.95;
  timers.advanceTo(1400, 0.5);
  assert.ok(clock.stats.busy > 0.9, `busy ${clock.stats.busy}`);
  const sleepsWhileBusy = timers.sleeps.length;
  assert.ok(sleepsWhileBusy > 0 && sleepsWhileBusy < 20, `${sleepsWhileBusy} sleeps`);
  timers.advanceTo(1500, 0.5);
  assert.equal(timers.sleeps.length, sleepsWhileBusy);
  // Now set for the due time (19-20 ms after a tick 0.5-1 ms late; 18 with the 1 ms lead):
  // the timer's lateness shows again.
  assert.ok(at.at(-1)! % 20 > 0, `last tick at ${at.at(-1)}`);
  assert.ok(timers.sets.at(-1)! >= 19, `timer set for ${timers.sets.at(-1)} ms`);
  // The loop calms down: the sleeps, and the exact starts, come back.
  timers.share = 0.1;
  timers.advanceTo(1800, 0.5);
  assert.ok(clock.stats.busy < 0.7, `busy ${clock.stats.busy}`);
  assert.ok(timers.sleeps.length > sleepsWhileBusy);
  assert.equal(at.at(-1), 1800);
});

test('the clock does not count its own sleeps as the loop being busy', () => {
  const timers = new BusyFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 5, maxBusy: 0.2 });
  clock.add(() => undefined);
  timers.share = 0; // idle but for the clock's sleeps (5 ms of every 20: 25 % if they counted)
  timers.advanceTo(3000);
  assert.equal(clock.stats.busy, 0);
  assert.equal(clock.stats.sleeps, 100);
});

test('timer clock busier than maxBusy but not saturated wakes 1 ms early and starts ticks on time', () => {
  const timers = new BusyFakeTimers();
  const clock = new TimerMediaClock({ timers, leadMs: 2, maxBusy: 0.7 });
  const at = dispatchTimes(clock, timers);
  timers.advanceTo(1000);
  timers.share = 0.8;
  timers.advanceTo(1400, 0.5);
  assert.ok(clock.stats.busy > 0.7 && clock.stats.busy <= 0.9, `busy ${clock.stats.busy}`);
  const from = timers.sleeps.length;
  timers.advanceTo(1600, 0.5);
  const sleeps = timers.sleeps.slice(from);
  // One short sleep per tick, never the 2 ms lead plus rounding of the quiet loop.
  assert.equal(sleeps.length, 10);
  assert.ok(sleeps.every((ms) => ms > 0 && ms <= 1), `sleeps ${sleeps.join(',')}`);
  assert.deepEqual(at.slice(-10), [1420, 1440, 1460, 1480, 1500, 1520, 1540, 1560, 1580, 1600]);
});

/** A pacer that records when each send phase began (fake time) and for which due time. */
class FakePacer {
  readonly begins: Array<{ at: number; dueMs: number }> = [];
  commits = 0;
  open = false;
  constructor(readonly leadMs: number, private readonly timers: FakeTimers) {}
  begin(dueMs: number): void {
    assert.equal(this.open, false, 'one batch at a time');
    this.open = true;
    this.begins.push({ at: this.timers.time, dueMs });
  }
  commit(): void {
    assert.equal(this.open, true);
    this.open = false;
    this.commits++;
  }
}

test('with a pacer, each tick runs its lead ahead of its due time, whole and without a sleep', () => {
  const timers = new SleepingFakeTimers();
  const pacer = new FakePacer(10, timers);
  const clock = new TimerMediaClock({ timers, pacer });
  const sends: number[] = [];
  clock.add(() => void sends.push(timers.time), 'send');
  const works = dispatchTimes(clock, timers);
  timers.advanceTo(1065);
  assert.deepEqual(pacer.begins, [
    { at: 1000, dueMs: 1000 }, { at: 1010, dueMs: 1020 }, { at: 1030, dueMs: 1040 }, { at: 1050, dueMs: 1060 },
  ]);
  assert.deepEqual(sends, [1000, 1010, 1030, 1050], 'the send phase queues ahead');
  assert.deepEqual(works, [1000, 1010, 1030, 1050]);
  assert.equal(pacer.commits, 4);
  assert.deepEqual(timers.sleeps, [], 'no blocking sleep: the pacer waits for the due time');
  assert.equal(clock.stats.slews, 0);
});

test('with a pacer, a late timer dispatches every tick within the lead of now, and the schedule follows a tick sent late', () => {
  const timers = new SleepingFakeTimers();
  const pacer = new FakePacer(10, timers);
  const clock = new TimerMediaClock({ timers, pacer, maxCatchUp: 5 });
  clock.add(() => undefined, 'send');
  timers.advanceTo(1000);
  timers.advanceTo(1060, 45); // the wake-up at 1010 comes at 1055
  assert.deepEqual(pacer.begins.slice(1).map((b) => b.at), [1055, 1055, 1055], 'the ticks due at 1020, 1040 and 1060');
  assert.deepEqual(pacer.begins.slice(0, 3).map((b) => b.dueMs), [1000, 1020, 1040]);
  // The tick due at 1040 went out at 1055: the schedule follows it (35 ms behind, the one
  // before, is past the slew's reach), and the next tick is due a period after it, less the slew's first step back.
  const last = pacer.begins[3]!.dueMs;
  assert.ok(last > 1070 && last <= 1075, `next due at ${last}`);
  assert.equal(clock.stats.skipped, 0);
  assert.equal(clock.stats.slews, 1);
});
