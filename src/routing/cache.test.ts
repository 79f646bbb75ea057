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
