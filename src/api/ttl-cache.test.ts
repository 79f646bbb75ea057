import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MISS, TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('answers a loaded value synchronously until it expires; a rejected load is not kept', async () => {
    let now = 0;
    const cache = new TtlCache<string>({ ttlMs: 100, now: () => now });
    assert.equal(cache.peek('a'), MISS);
    assert.equal(await cache.get('a', () => Promise.resolve('A')), 'A');
    assert.equal(cache.peek('a'), 'A');
    now = 100;
    assert.equal(cache.peek('a'), MISS, 'expired');
    await assert.rejects(cache.get('b', () => Promise.reject(new Error('store down'))));
    assert.equal(await cache.get('b', () => Promise.resolve('B')), 'B');
  });

  it('when full, evicts the oldest eighth at once, then holds again up to maxEntries', async () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 16, now: () => 0 });
    for (let i = 0; i < 17; i++) await cache.get(`k${i}`, () => Promise.resolve(i));
    assert.equal(cache.peek('k0'), MISS);
    assert.equal(cache.peek('k1'), MISS, 'k0 and k1 went together');
    assert.equal(cache.peek('k2'), 2);
    assert.equal(cache.peek('k16'), 16);
    await cache.get('k17', () => Promise.resolve(17));
    assert.equal(cache.peek('k2'), 2, 'room again: nothing more evicted');
  });
});
