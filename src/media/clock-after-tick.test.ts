import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerMediaClock } from './clock.ts';
import { SleepingFakeTimers } from '../../test/support/clock-timers.ts';

test('afterTick runs after every listener of the tick, with the time left before the next wake-up', () => {
  const timers = new SleepingFakeTimers();
  const order: string[] = [];
  const slack: number[] = [];
  const clock = new TimerMediaClock({
    timers,
    leadMs: 2,
    afterTick: (slackMs, periodMs) => {
      order.push('after');
      slack.push(slackMs);
      assert.equal(periodMs, 20);
    },
  });
  clock.add(() => {
    order.push('work');
    timers.time += 3; // a 3 ms tick
  });
  clock.add(() => void order.push('send'), 'send');
  timers.advanceTo(1000);
  timers.advanceTo(1020);
  assert.deepEqual(order, ['send', 'work', 'after', 'send', 'work', 'after']);
  // Tick 1 is due at 1020 and woken 2 ms ahead: 1018 - 1003 = 15 ms after tick 0.
  assert.deepEqual(slack, [15, 15]);
});

test('a throwing afterTick goes to onError and the clock keeps ticking', () => {
  const timers = new SleepingFakeTimers();
  const errors: unknown[] = [];
  const clock = new TimerMediaClock({
    timers,
    leadMs: 2,
    onError: (e) => errors.push(e),
    afterTick: () => {
      throw new Error('hook');
    },
  });
  const ticks: number[] = [];
  clock.add((t) => ticks.push(t));
  timers.advanceTo(1060);
  assert.deepEqual(ticks, [0, 1, 2, 3]);
  assert.equal(errors.length, 4);
});

test('afterTick is not called when the timer fired early and the clock only waits again', () => {
  const timers = new SleepingFakeTimers();
  let calls = 0;
  const clock = new TimerMediaClock({ timers, leadMs: 2, afterTick: () => void calls++ });
  clock.add(() => {});
  timers.advanceTo(1000);
  assert.equal(calls, 1);
  // Fire the 18 ms timer after 10 ms (Node's millisecond clock may): no tick, no hook.
  const p = timers.pending!;
  timers.pending = undefined;
  timers.time = 1010;
  p.fn();
  assert.equal(calls, 1);
  timers.advanceTo(1020);
  assert.equal(calls, 2);
});

test('afterTick is not called once the last listener left', () => {
  const timers = new SleepingFakeTimers();
  let calls = 0;
  const clock = new TimerMediaClock({ timers, leadMs: 2, afterTick: () => void calls++ });
  let ran = 0;
  const once = (): void => {
    ran++;
    clock.remove(once);
  };
  clock.add(once);
  timers.advanceTo(1100);
  assert.equal(ran, 1);
  assert.equal(calls, 0);
});
