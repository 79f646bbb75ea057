import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalConcurrencyLimiter } from './concurrency.ts';

describe('concurrency limiter', () => {
  it('enforces the per-agent limit and counts all calls', () => {
    const lim = new LocalConcurrencyLimiter();
    const r1 = lim.tryAcquire('a', 2);
    const r2 = lim.tryAcquire('a', 2);
    assert.ok(r1 && r2);
    assert.equal(lim.tryAcquire('a', 2), null);
    const b = lim.tryAcquire('b', 1);
    assert.ok(b);
    assert.equal(lim.activeFor('a'), 2);
    assert.equal(lim.activeCalls, 3);
    r1();
    assert.equal(lim.activeFor('a'), 1);
    assert.ok(lim.tryAcquire('a', 2));
  });

  it('treats 0 as unlimited', () => {
    const lim = new LocalConcurrencyLimiter();
    for (let i = 0; i < 1000; i++) assert.ok(lim.tryAcquire('a', 0));
    assert.equal(lim.activeCalls, 1000);
  });

  it('releases idempotently', () => {
    const lim = new LocalConcurrencyLimiter();
    const r = lim.tryAcquire('a', 1);
    const other = lim.tryAcquire('b', 1);
    assert.ok(r && other);
    r();
    r();
    r();
    assert.equal(lim.activeFor('a'), 0);
    assert.equal(lim.activeFor('b'), 1);
    assert.equal(lim.activeCalls, 1);
  });
});
