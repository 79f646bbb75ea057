/**
 * A TTL cache of settled lookups with a synchronous read, for the Handoff API's hot
 * path: a hit costs a Map read and no promise, so the auth hook and the lookup stay
 * synchronous until the one store read that cannot be cached (the record). Misses are
 * cached too (a flood of one bad key stays cheap); failed loads are not. Concurrent
 * loads of one key share one store read.
 */
import { evictOldest, MISS } from '../routing/index.ts';

/** Options of {@link TtlCache}. */
export interface TtlCacheOptions {
  /** Entry lifetime, ms; 0 disables caching. */
  ttlMs: number;
  /** Entries kept; the oldest goes first. Default 10000. */
  maxEntries?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** What {@link TtlCache.peek} returns for a key it does not hold: the routing cache's own. */
export { MISS };

/** Key → settled value, with expiry. */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Promise<V>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  #generation = 0;

  /** @param options TTL, size bound and clock */
  constructor(options: TtlCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#max = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /** The cached value, or {@link MISS} when absent or expired. Synchronous. */
  peek(key: string): V | typeof MISS {
    const hit = this.#entries.get(key);
    if (hit === undefined) return MISS;
    if (hit.expiresAt > this.#now()) return hit.value;
    this.#entries.delete(key);
    return MISS;
  }

  /** The cached value, else `load()` (its result is cached unless it rejects). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(key);
    if (hit !== MISS) return Promise.resolve(hit);
    const pending = this.#loading.get(key);
    if (pending !== undefined) return pending;
    const generation = this.#generation;
    const p = load().then((value) => {
      if (this.#ttlMs > 0 && generation === this.#generation) this.#set(key, value);
      return value;
    }).finally(() => {
      if (this.#loading.get(key) === p) this.#loading.delete(key);
    });
    this.#loading.set(key, p);
    return p;
  }

  /** Forgets everything, including loads in flight (their results are not cached). */
  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#loading.clear();
  }

  #set(key: string, value: V): void {
    if (this.#entries.size >= this.#max && !this.#entries.has(key)) evictOldest(this.#entries, this.#max);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
  }
}
