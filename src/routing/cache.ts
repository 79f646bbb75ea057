/**
 * A small TTL cache of directory lookups, for the INVITE hot path. It caches
 * the lookup promise itself, so a burst of INVITEs for one agent costs one
 * store read; misses are cached too (a flood of one bad token stays cheap).
 */

/** Options of {@link LookupCache}. */
export interface LookupCacheOptions {
  /** Entry lifetime, ms; default 5000. 0 disables caching. */
  ttlMs?: number;
  /** Entries kept before the oldest is evicted; default 10000. */
  maxEntries?: number;
  /** Clock, epoch ms; default `Date.now`. */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
  /** The lookup has resolved, to `result`. */
  settled: boolean;
  result: V | undefined;
}

/** {@link LookupCache.peek}'s answer when it has no settled value to give (the Handoff API's TtlCache uses it too). */
export const MISS: unique symbol = Symbol('miss');

/**
 * Drops the oldest eighth of a full, insertion-ordered cache of `max` entries at once (also
 * the Handoff API's key cache). A Map walked from its front for one eviction at a time passes
 * every earlier eviction's hole (about 6 µs an insert at 10,000 entries, under a flood of
 * distinct bad tokens); see src/store/sqlite/document-cache.ts.
 */
export function evictOldest(entries: Map<string, unknown>, max: number): void {
  let n = Math.max(1, max >> 3);
  for (const key of entries.keys()) {
    entries.delete(key);
    if (--n === 0) return;
  }
}

/** A bounded map of key → pending or settled lookup, with expiry. */
export class LookupCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  /** @param options TTL, size bound and clock */
  constructor(options: LookupCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5000;
    this.#max = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /** Entries held (settled or pending, expired or not). */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached value for `key`, else `load()` (cached unless it rejects). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.#entries.delete(key);
    const value = load();
    if (this.#ttlMs <= 0) return value;
    if (this.#entries.size >= this.#max) evictOldest(this.#entries, this.#max);
    const entry: Entry<V> = { value, expiresAt: now + this.#ttlMs, settled: false, result: undefined };
    this.#entries.set(key, entry);
    value.then((result) => {
      entry.settled = true;
      entry.result = result;
    }, () => {
      // A failed lookup is not remembered; the next INVITE retries the store.
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }

  /**
   * The value cached for `key` when its lookup has resolved and has not expired, else
   * {@link MISS}: the hot path's hit without a promise (then `get` for the rest).
   */
  peek(key: string): V | typeof MISS {
    const hit = this.#entries.get(key);
    if (hit === undefined || !hit.settled || hit.expiresAt <= this.#now()) return MISS;
    return hit.result as V;
  }

  /** Drops one key, or everything when `key` is omitted. */
  invalidate(key?: string): void {
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }
}
