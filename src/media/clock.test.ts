import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualMediaClock, TimerMediaClock } from './clock.ts';
import type { ClockTimers } from './clock.ts';

/** Fake timers: time moves only when the test says so. */
class FakeTimers implements ClockTimers {
  time = 1000;
  pending: { at: number; fn: () => void; id: number } | undefined;
  private ids = 0;
  now(): number {
    return this.time;
  }
  set(fn: () => void, ms: number): unknown {
    assert.equal(this.pending, undefined, 'one timer at a time');
    this.pending = { at: this.time + ms, fn, id: ++this.ids };
    return this.pending.id;
  }
  clear(handle: unknown): void {
    if (this.pending?.id === handle) this.pending = undefined;
  }
  /** Advances to `t`, firing the timer when due; `lateBy` simulates event-loop lateness. */
  advanceTo(t: number, lateBy = 0): void {
    while (this.pending && this.pending.at + lateBy <= t) {
      const p = this.pending;
      this.pending = undefined;
      this.time = p.at + lateBy;
      p.fn();
    }
    this.time = t;
  }
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
  const clock = new TimerMediaClock({ timers });
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
