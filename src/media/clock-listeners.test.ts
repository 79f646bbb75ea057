import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualMediaClock } from './clock.ts';

test('changes during a tick take effect from the next tick; between ticks they apply at once, in order', () => {
  const clock = new ManualMediaClock();
  const calls: string[] = [];
  const late = (): void => void calls.push('late');
  const added = (): void => void calls.push('added');
  const first = (tick: number): void => {
    calls.push(`first${tick}`);
    if (tick !== 0) return;
    clock.remove(late);
    clock.add(added, 'send');
  };
  clock.add(first);
  clock.add(late);
  clock.tick();
  assert.deepEqual(calls, ['first0', 'late'], 'the tick keeps its snapshot');
  calls.length = 0;
  clock.tick();
  assert.deepEqual(calls, ['added', 'first1']);
  clock.remove(added);
  clock.add(late);
  clock.add(added);
  calls.length = 0;
  clock.tick();
  assert.deepEqual(calls, ['first2', 'late', 'added']);
  assert.equal(clock.size, 3);
});

test('a listener removed may come back in another phase; hundreds keep their order as some leave', () => {
  const clock = new ManualMediaClock();
  const seen: number[] = [];
  const listeners = Array.from({ length: 300 }, (_, i) => (): void => void seen.push(i));
  for (const l of listeners) clock.add(l, 'send');
  for (let i = 0; i < 300; i += 3) clock.remove(listeners[i]!);
  clock.add(listeners[0]!, 'work'); // gone from send: welcome in work
  clock.add(listeners[1]!, 'work'); // still in send: no effect
  assert.equal(clock.size, 201);
  clock.tick();
  const expected = listeners.map((_, i) => i).filter((i) => i % 3 !== 0);
  assert.deepEqual(seen, [...expected, 0]);
});

test('listeners that leave in any order are compacted away; the rest keep their order and can still leave', () => {
  const clock = new ManualMediaClock();
  const seen: number[] = [];
  const listeners = Array.from({ length: 400 }, (_, i) => (): void => void seen.push(i));
  for (const l of listeners) clock.add(l, 'send');
  // A fixed shuffle (multiplication by a unit mod 400): compaction runs many times on the way.
  const gone = new Set<number>();
  for (let k = 0; k < 350; k++) {
    const i = (k * 7) % 400;
    clock.remove(listeners[i]!);
    gone.add(i);
  }
  for (let i = 0; i < 400; i += 50) clock.remove(listeners[i]!); // again, or the first time
  for (let i = 0; i < 400; i += 50) gone.add(i);
  const left = listeners.map((_, i) => i).filter((i) => !gone.has(i));
  assert.equal(clock.size, left.length);
  clock.tick();
  assert.deepEqual(seen, left);
  // Indices stayed right through the compactions: each remaining one leaves exactly itself.
  for (const i of left.slice(0, -1)) clock.remove(listeners[i]!);
  seen.length = 0;
  clock.tick();
  assert.deepEqual(seen, left.slice(-1));
  assert.equal(clock.size, 1);
});

test('a tick keeps its snapshot through many changes and through a nested tick', () => {
  const clock = new ManualMediaClock();
  const calls: string[] = [];
  const named = (name: string) => (): void => void calls.push(name);
  const [a, b, c, d] = [named('a'), named('b'), named('c'), named('d')];
  let nested = true;
  const first = (): void => {
    calls.push('first');
    if (!nested) return;
    nested = false;
    clock.remove(a);
    clock.remove(b);
    clock.add(d);
    clock.tick(); // the nested tick sees the changes at once: no a, no b, with d
    clock.remove(c); // after the nested tick: the outer one still runs c
  };
  for (const l of [first, a, b, c]) clock.add(l);
  clock.tick();
  assert.deepEqual(calls, ['first', 'first', 'c', 'd', 'a', 'b', 'c']);
  calls.length = 0;
  clock.tick();
  assert.deepEqual(calls, ['first', 'd']);
});

test('join hands back a slot that leave takes: in place, through compaction, once, and only on its own clock', () => {
  const clock = new ManualMediaClock();
  const other = new ManualMediaClock();
  const calls: number[] = [];
  const slots = Array.from({ length: 40 }, (_, i) => clock.join(() => void calls.push(i), i % 2 === 0 ? 'work' : 'send'));
  assert.equal(clock.size, 40);
  // Leaving 34 of them compacts both lists (16 vacant slots at least, half of a list): the
  // slots left keep pointing at their listeners.
  for (let i = 0; i < 34; i++) clock.leave(slots[i]!);
  clock.leave(slots[3]!); // twice: nothing
  other.leave(slots[35]!); // not its clock: nothing
  assert.equal(clock.size, 6);
  clock.tick();
  assert.deepEqual(calls, [35, 37, 39, 34, 36, 38], 'send phase first, each in join order');
  clock.leave(slots[34]!);
  clock.leave(slots[37]!);
  calls.length = 0;
  clock.tick();
  assert.deepEqual(calls, [35, 39, 36, 38]);
  // The same listener joined twice runs twice (add would ignore the second).
  const twice = (): void => void calls.push(-1);
  clock.join(twice, 'work');
  clock.join(twice, 'work');
  calls.length = 0;
  clock.tick();
  assert.equal(calls.filter((c) => c === -1).length, 2);
});
