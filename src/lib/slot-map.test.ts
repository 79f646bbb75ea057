import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SlotMap } from './slot-map.ts';

test('set, get, has, delete and size behave as a Map', () => {
  const m = new SlotMap<{ n: number }>();
  const a = { n: 1 };
  assert.equal(m.set('a', a), m);
  m.set('b', { n: 2 });
  assert.equal(m.size, 2);
  assert.equal(m.get('a'), a);
  assert.equal(m.has('b'), true);
  assert.equal(m.get('zz'), undefined);
  assert.equal(m.delete('a'), true);
  assert.equal(m.delete('a'), false);
  assert.equal(m.has('a'), false);
  assert.equal(m.get('a'), undefined);
  assert.equal(m.size, 1);
});

test('values come in first-set order; replacing a value keeps its place', () => {
  const m = new SlotMap<string>();
  m.set('x', 'x1').set('y', 'y1').set('z', 'z1');
  m.set('x', 'x2');
  m.delete('y');
  m.set('w', 'w1'); // reuses the slot y left, but iterates last
  assert.deepEqual([...m.values()], ['x2', 'z1', 'w1']);
});

test('a freed slot is reused, so the table does not grow with churn', () => {
  const m = new SlotMap<number>();
  for (let i = 0; i < 10_000; i++) {
    m.set(`k${i}`, i);
    if (i >= 3) m.delete(`k${i - 3}`);
  }
  assert.equal(m.size, 3);
  assert.deepEqual([...m.values()], [9997, 9998, 9999]);
  assert.equal(m.capacity, 4); // three held, plus the one set before the oldest went
});

test('a value deleted during iteration is not visited; one set during it is', () => {
  const m = new SlotMap<string>();
  m.set('a', 'a').set('b', 'b').set('c', 'c');
  const seen: string[] = [];
  for (const v of m.values()) {
    seen.push(v);
    if (v === 'a') {
      m.delete('b');
      m.set('d', 'd');
    }
  }
  assert.deepEqual(seen, ['a', 'c', 'd']);
});

test('a deleted value is let go at once, its slot left empty until reused', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const m = new SlotMap<object>();
  let ref: WeakRef<object> | undefined;
  (() => {
    const value = { payload: 'x'.repeat(64) };
    ref = new WeakRef(value);
    m.set('k', value);
  })();
  m.set('other', {});
  m.delete('k');
  await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets are kept to the end of the job
  gc();
  assert.equal(ref?.deref(), undefined);
  assert.equal(m.capacity, 2);
  m.clear();
  assert.equal(m.size, 0);
  assert.equal(m.capacity, 0);
  assert.deepEqual([...m.values()], []);
});
