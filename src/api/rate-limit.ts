/**
 * Per-key token buckets for the Handoff API (config `api.rateLimit`): each key holds up
 * to `burst` tokens, refilled at `perKeyPerSec`; a request takes one. Time is injected.
 * Memory is bounded: when the map is full, buckets that have refilled completely (their
 * keys idle) are dropped, since a fresh bucket is full anyway.
 */

/** Options of {@link TokenBuckets}. */
export interface TokenBucketOptions {
  /** Sustained rate, tokens per second. */
  perSec: number;
  /** Bucket capacity, tokens. */
  burst: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Buckets kept before idle ones are swept. Default 100000. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
}

/** A set of token buckets keyed by string (an API key id). */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #maxKeys: number;

  /** @param options rate, burst, clock */
  constructor(options: TokenBucketOptions) {
    this.#perMs = options.perSec / 1000;
    this.#burst = Math.max(1, options.burst);
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Buckets held. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes one token for `key`.
   * @returns 0 when allowed; otherwise the whole seconds until a token is back (≥ 1), for `Retry-After`
   */
  take(key: string): number {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#sweep(now);
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#perMs / 1000));
  }

  #sweep(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
  }
}
