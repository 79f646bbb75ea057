import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LookupCache } from './cache.ts';

describe('lookup cache', () => {
  it('evicts the oldest entry beyond maxEntries', async () => {
    const cache = new LookupCache<number>({ maxEntries: 2, now: () => 0 });
    let loads = 0;
    const load = (v: number) => () => { loads++; return Promise.resolve(v); };
    await cache.get('a', load(1));
    await cache.get('b', load(2));
    await cache.get('c', load(3));
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('a', load(10)), 10);
    assert.equal(await cache.get('c', load(30)), 3);
    assert.equal(loads, 4);
  });

  it('when full, evicts the oldest eighth at once, then holds again up to maxEntries', async () => {
    const cache = new LookupCache<number>({ maxEntries: 16, now: () => 0 });
    for (let i = 0; i < 17; i++) await cache.get(`k${i}`, () => Promise.resolve(i));
    assert.equal(cache.size, 15, 'k0 and k1 went together');
    assert.equal(await cache.get('k1', () => Promise.resolve(-1)), -1, 'k1 was evicted');
    assert.equal(await cache.get('k2', () => Promise.resolve(-1)), 2, 'k2 was kept');
    assert.equal(cache.size, 16);
  });

  it('does not cache with ttlMs 0, and forgets rejected loads', async () => {
    const off = new LookupCache<number>({ ttlMs: 0 });
    await off.get('a', () => Promise.resolve(1));
    assert.equal(off.size, 0);
    const cache = new LookupCache<number>({ now: () => 0 });
    await assert.rejects(cache.get('a', () => Promise.reject(new Error('x'))));
    assert.equal(await cache.get('a', () => Promise.resolve(2)), 2);
    cache.invalidate('a');
    assert.equal(cache.size, 0);
  });
});
