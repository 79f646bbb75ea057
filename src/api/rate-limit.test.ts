import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBuckets } from './rate-limit.ts';

test('a key gets its burst, then one request per 1/rate seconds', () => {
  let now = 1_000_000;
  const b = new TokenBuckets({ perSec: 2, burst: 3, now: () => now });
  assert.deepEqual([b.take('k'), b.take('k'), b.take('k')], [0, 0, 0]);
  assert.equal(b.take('k'), 1); // empty: Retry-After 1 s (a token every 500 ms)
  now += 499;
  assert.equal(b.take('k'), 1);
  now += 1;
  assert.equal(b.take('k'), 0);
  assert.equal(b.take('k'), 1);
});

test('keys are independent', () => {
  const now = 0;
  const b = new TokenBuckets({ perSec: 1, burst: 1, now: () => now });
  assert.equal(b.take('a'), 0);
  assert.equal(b.take('a'), 1);
  assert.equal(b.take('b'), 0);
});

test('Retry-After rounds up to whole seconds at slow rates', () => {
  const b = new TokenBuckets({ perSec: 0.1, burst: 1, now: () => 0 });
  assert.equal(b.take('a'), 0);
  assert.equal(b.take('a'), 10);
});

test('idle (refilled) buckets are swept when the map is full', () => {
  let now = 0;
  const b = new TokenBuckets({ perSec: 10, burst: 1, now: () => now, maxKeys: 2 });
  b.take('a');
  b.take('b');
  now += 1000;
  b.take('c');
  assert.equal(b.size, 1);
});
