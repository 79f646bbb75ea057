/** The named timers of a transaction (`TimerSet`), on a `ManualClock`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './clock.ts';
import { TimerSet } from './context.ts';

const NAMES = ['A', 'B'] as const;

describe('TimerSet', () => {
  it('restarts a timer by name: only the last start fires', () => {
    const clock = new ManualClock();
    const timers = new TimerSet(clock, NAMES);
    const fired: string[] = [];
    timers.start('A', 100, () => fired.push('A1'));
    timers.start('A', 200, () => fired.push('A2'));
    timers.start('B', 150, () => fired.push('B'));
    clock.advance(300);
    assert.deepEqual(fired, ['B', 'A2']);
  });

  it('restarts a timer that already fired, and stops or clears what runs', () => {
    const clock = new ManualClock();
    const timers = new TimerSet(clock, NAMES);
    let a = 0;
    timers.start('A', 10, () => { a++; timers.start('A', 10, () => { a++; }); });
    clock.advance(10);
    clock.advance(10);
    assert.equal(a, 2);
    timers.start('A', 10, () => { a++; });
    timers.start('B', 10, () => { a++; });
    timers.stop('A');
    timers.stop('A');
    assert.equal(clock.scheduled, 1);
    timers.clear();
    timers.clear();
    assert.equal(clock.scheduled, 0);
    clock.advance(100);
    assert.equal(a, 2);
  });

  it('refuses a name the machine does not have', () => {
    const timers = new TimerSet<string>(new ManualClock(), NAMES);
    assert.throws(() => timers.start('Z', 1, () => {}), /unknown timer \[Z\]/);
  });
});
