/** The table of retired transaction keys: deadlines, one sweep timer, never early. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './clock.ts';
import { RetiredKeys } from './retired.ts';

describe('RetiredKeys', () => {
  it('holds each key until its deadline, dropping it at most slackMs late, with one timer at a time', () => {
    const clock = new ManualClock();
    const keys = new RetiredKeys<string>(clock, 100);
    keys.add('a', 1000, 'tag-a');
    clock.advance(300);
    keys.add('b', 1300, 'tag-b');
    keys.add('c', 1300, 'tag-c');
    assert.equal(clock.scheduled, 1, 'one sweep timer for the table');
    assert.deepEqual([keys.get('a'), keys.get('b'), keys.size], ['tag-a', 'tag-b', 3]);
    clock.advance(799); // 1099: the sweep at 1100 is not due yet
    assert.equal(keys.has('a'), true);
    clock.advance(1); // 1100: a goes; b and c stay, the next sweep at 1400
    assert.deepEqual([keys.has('a'), keys.has('b'), keys.size], [false, true, 2]);
    clock.advance(299);
    assert.equal(keys.size, 2);
    clock.advance(1);
    assert.equal(keys.size, 0);
    assert.equal(clock.scheduled, 0, 'no timer for an empty table');
    keys.add('d', clock.now() + 50, 'tag-d');
    clock.advance(150);
    assert.equal(keys.size, 0, 'the timer starts again with the next key');
  });

  it('a key added again keeps its place with the new deadline; clear drops all and the timer', () => {
    const clock = new ManualClock();
    const keys = new RetiredKeys<undefined>(clock, 0);
    keys.add('x', 100, undefined);
    keys.add('y', 100, undefined);
    keys.add('x', 500, undefined);
    clock.advance(100);
    assert.deepEqual([keys.has('x'), keys.has('y')], [true, true], 'an entry not due stops the sweep: later ones go late, never early');
    clock.advance(400);
    assert.equal(keys.size, 0);
    keys.add('z', 1000, undefined);
    keys.clear();
    assert.deepEqual([keys.size, clock.scheduled], [0, 0]);
  });
});
