import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOLLOW_MS, Slew } from './clock-slew.ts';

test('slew follows a lateness more than FOLLOW_MS past the slew in force, up to max', () => {
  const slew = new Slew(20, 0.5);
  slew.follow(FOLLOW_MS);
  assert.equal(slew.ms, 0, 'at the threshold: left as it is');
  slew.follow(6);
  assert.equal(slew.ms, 6);
  slew.follow(6.8);
  assert.equal(slew.ms, 6, 'within FOLLOW_MS of the slew in force');
  slew.follow(25);
  assert.equal(slew.ms, 6, 'beyond max: a missed tick, not a slew');
  assert.equal(slew.follows, 1);
});

test('slew decays by its step to zero, and a clock restart resets it', () => {
  const slew = new Slew(20, 0.5);
  slew.follow(1.2 + FOLLOW_MS);
  for (let i = 0; i < 4; i++) slew.decay();
  assert.ok(Math.abs(slew.ms - 0.2) < 1e-9, String(slew.ms));
  slew.decay();
  assert.equal(slew.ms, 0);
  slew.follow(10);
  slew.reset();
  assert.equal(slew.ms, 0);
});

test('a stall in a send phase is followed when most streams went out after it', () => {
  const slew = new Slew(20, 0.5);
  slew.afterSends(0.5, { ms: 4, before: 300, of: 600, prepareMs: 1 });
  assert.equal(slew.ms, 0, 'half before, half after: stays');
  slew.afterSends(0.5, { ms: 4, before: 100, of: 600, prepareMs: 1 });
  assert.equal(slew.ms, 4.5, 'start lateness plus the stall');
  slew.afterSends(0, { ms: FOLLOW_MS, before: 0, of: 600, prepareMs: 1 });
  assert.equal(slew.ms, 4.5, 'a pause within FOLLOW_MS is no stall');
  assert.equal(new Slew(0, 0.5).follows, 0);
  const off = new Slew(0, 0.5);
  off.afterSends(0, { ms: 5, before: 0, of: 600, prepareMs: 1 });
  assert.equal(off.ms, 0, 'max 0: never slews');
});

test('a prepare phase longer than usual counts as a late start; the usual follows load, not a stall', () => {
  const slew = new Slew(20, 0.5);
  const sends = { ms: 0, before: 0, of: 600 };
  for (let i = 0; i < 20; i++) slew.afterSends(0, { ...sends, prepareMs: 1.5 });
  assert.equal(slew.ms, 0, 'a steady prepare phase');
  slew.afterSends(0, { ...sends, prepareMs: 5.5 });
  assert.equal(slew.ms, 4, 'every send came 4 ms late: followed');
  slew.reset();
  // The stall moved the usual by at most a tenth of FOLLOW_MS: the same phase is still steady.
  slew.afterSends(0, { ...sends, prepareMs: 1.5 });
  assert.equal(slew.ms, 0);
  // Load doubles for good: a few follows at first, then the usual catches up and none.
  let follows = slew.follows;
  for (let i = 0; i < 60; i++) {
    slew.afterSends(0, { ...sends, prepareMs: 3 });
    slew.decay();
  }
  assert.ok(slew.follows - follows <= 3, `follows while tracking the load: ${slew.follows - follows}`);
  follows = slew.follows;
  slew.afterSends(0, { ...sends, prepareMs: 3 });
  assert.equal(slew.follows, follows);
});

test('ticks that always start a little late are not followed once that is the usual', () => {
  const slew = new Slew(20, 0.5);
  let follows = 0;
  for (let i = 0; i < 200; i++) {
    if (i === 100) follows = slew.follows;
    slew.onStart(slew.ms + 3); // every tick 3 ms behind the schedule, whatever the schedule
    slew.decay();
  }
  assert.equal(slew.follows, follows, 'no follow in the last 100 ticks');
  assert.ok(slew.ms < 1, `back near the grid: ${slew.ms}`);
  // A stall on top of that is still followed, less the usual lateness.
  slew.onStart(slew.ms + 3 + 6);
  assert.equal(slew.follows, follows + 1);
  assert.ok(Math.abs(slew.ms - 6) < 0.5, `${slew.ms}`);
});
