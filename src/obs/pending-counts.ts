/**
 * Counts kept in plain numbers until a scrape. prom-client hashes and validates the label
 * object of every `inc`, and a per-message counter (each SIP request and response, the RTP
 * packets of every call) paid that on the hot path: about a microsecond and a few objects
 * each time. Counters fed through here do their `inc` in prom-client's `collect` hook, once
 * per label pair per scrape; counting is a map lookup and an add, with nothing allocated once
 * a label pair has been seen.
 */

/** Counts by up to two label values; `drain` hands them over and zeroes them. */
export class PendingCounts {
  readonly #counts = new Map<string, Map<string, number>>();

  /** Adds `n` to the count of label values (`a`, `b`); `b` is `''` for a one-label counter. */
  add(a: string, b: string, n: number): void {
    let inner = this.#counts.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.#counts.set(a, inner);
    }
    inner.set(b, (inner.get(b) ?? 0) + n);
  }

  /** Calls `fn` with every non-zero count since the last drain, and zeroes it. */
  drain(fn: (a: string, b: string, n: number) => void): void {
    for (const [a, inner] of this.#counts) {
      for (const [b, n] of inner) {
        if (n === 0) continue;
        inner.set(b, 0);
        fn(a, b, n);
      }
    }
  }
}
