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
