import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LookupCache, MISS } from './cache.ts';

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

  it('peek gives a settled, unexpired value (a cached miss too), and MISS for what is pending, expired, failed or dropped', async () => {
    let now = 0;
    const cache = new LookupCache<number | undefined>({ ttlMs: 100, now: () => now });
    assert.equal(cache.peek('a'), MISS);
    let resolve: (v: number) => void = () => undefined;
    const pending = cache.get('a', () => new Promise((r) => { resolve = r; }));
    assert.equal(cache.peek('a'), MISS, 'pending');
    resolve(7);
    await pending;
    assert.equal(cache.peek('a'), 7);
    await cache.get('none', () => Promise.resolve(undefined));
    assert.equal(cache.peek('none'), undefined, 'a cached miss is a value');
    now = 100;
    assert.equal(cache.peek('a'), MISS, 'expired');
    await assert.rejects(cache.get('bad', () => Promise.reject(new Error('down'))));
    assert.equal(cache.peek('bad'), MISS, 'failed');
    now = 150;
    await cache.get('b', () => Promise.resolve(1));
    cache.invalidate('b');
    assert.equal(cache.peek('b'), MISS, 'dropped');
  });
});
