import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOLLOW_MS, Slew, usual } from './clock-slew.ts';

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
  slew.afterSends(0, { ms: 4, before: 300, of: 600 });
  assert.equal(slew.ms, 0, 'half before, half after: stays');
  slew.afterSends(0.5, { ms: 4, before: 100, of: 600 });
  assert.equal(slew.ms, 4.5, 'start lateness plus the stall');
  slew.afterSends(4.5, { ms: FOLLOW_MS, before: 0, of: 600 });
  assert.equal(slew.ms, 4.5, 'a pause within FOLLOW_MS is no stall');
  assert.equal(new Slew(0, 0.5).follows, 0);
  const off = new Slew(0, 0.5);
  off.afterSends(0, { ms: 5, before: 0, of: 600 });
  assert.equal(off.ms, 0, 'max 0: never slews');
});

const NO_STALL = { ms: 0, before: 0, of: 600 };

test('send phases that always start a little late are not followed once that is the usual', () => {
  const slew = new Slew(20, 0.5);
  let follows = 0;
  for (let i = 0; i < 200; i++) {
    if (i === 100) follows = slew.follows;
    // Every send phase 3 ms behind the schedule (a prepare phase run in the tick, a busy loop).
    slew.afterSends(slew.ms + 3, NO_STALL);
    slew.decay();
  }
  assert.equal(slew.follows, follows, 'no follow in the last 100 ticks');
  assert.ok(slew.ms < 1, `back near the grid: ${slew.ms}`);
  // A stall on top of that is still followed, less the usual lateness.
  slew.afterSends(slew.ms + 3 + 6, NO_STALL);
  assert.equal(slew.follows, follows + 1);
  assert.ok(Math.abs(slew.ms - 6) < 0.5, `${slew.ms}`);
});

test('the usual lateness follows load, not a stall', () => {
  const slew = new Slew(20, 0.5);
  for (let i = 0; i < 20; i++) slew.afterSends(0.1, NO_STALL);
  slew.afterSends(5.1, NO_STALL);
  assert.ok(Math.abs(slew.ms - 5) < 0.05, `every send came 5 ms late: followed (${slew.ms})`);
  slew.reset();
  // The stall moved the usual by at most a tenth of FOLLOW_MS: 2 ms late is still out of the ordinary.
  slew.afterSends(2.2, NO_STALL);
  assert.equal(slew.follows, 2);
  slew.reset();
  // Sends start 3 ms later for good: followed while the usual learns it (a tenth of FOLLOW_MS
  // a tick), then no more, and the schedule is back on its grid.
  let follows = slew.follows;
  for (let i = 0; i < 60; i++) {
    slew.afterSends(slew.ms + 3, NO_STALL);
    slew.decay();
  }
  assert.ok(slew.follows - follows <= 20, `follows while learning the load: ${slew.follows - follows}`);
  follows = slew.follows;
  for (let i = 0; i < 20; i++) {
    slew.afterSends(slew.ms + 3, NO_STALL);
    slew.decay();
  }
  assert.equal(slew.follows, follows);
  assert.equal(slew.ms, 0);
});

test('usual() learns a tenth of a sample, at most FOLLOW_MS above the average', () => {
  assert.equal(usual(1, 2), 1.1);
  assert.equal(usual(1, 10), 1 + FOLLOW_MS * 0.1);
  assert.equal(usual(1, 0), 0.9);
});
