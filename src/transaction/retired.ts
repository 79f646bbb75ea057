/**
 * Keys of transactions that only absorb retransmissions until a timer ends them: an INVITE
 * server transaction in Accepted after its TU let go (RFC 6026 §7.1, Timer L = 64*T1) and a
 * non-INVITE client transaction in Completed (RFC 3261 §17.1.2.2, Timer K = T4). At
 * thousands of calls a second such a transaction, kept whole with a timer of its own, is most
 * of what a call leaves in memory for those 32 s (or 5 s); here it is a map entry, and one
 * timer sweeps the table.
 */
import type { Clock, TimerHandle } from './clock.ts';

interface Entry<V> {
  /** When the transaction ends (the timer it would have run), on the clock's time base. */
  at: number;
  value: V;
}

/**
 * A table of retired keys with their deadlines. The sweep runs `slackMs` after the oldest
 * deadline and drops every entry due by then, so entries end up to `slackMs` late, never
 * early: absorbing a retransmission a little longer than the RFC timer is harmless.
 * Deadlines are expected in insertion order (one fixed duration per table); one out of order
 * is only ever dropped late.
 */
export class RetiredKeys<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private timer: TimerHandle | undefined;
  private readonly sweepBound = (): void => this.sweep();

  constructor(
    private readonly clock: Clock,
    private readonly slackMs: number,
  ) {}

  /** Number of keys held. */
  get size(): number {
    return this.entries.size;
  }

  /** Holds `key` until `at`. A key already held keeps its place and gets the new deadline and value. */
  add(key: string, at: number, value: V): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.at = at;
      entry.value = value;
    } else {
      this.entries.set(key, { at, value });
    }
    this.timer ??= this.clock.setTimer(Math.max(0, at - this.clock.now()) + this.slackMs, this.sweepBound);
  }

  /** The value held for `key`, or undefined when it is not held. */
  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** True while `key` is held. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Drops every key and the sweep timer. */
  clear(): void {
    this.entries.clear();
    this.timer?.cancel();
    this.timer = undefined;
  }

  private sweep(): void {
    this.timer = undefined;
    const now = this.clock.now();
    // A Map iterates in insertion order, which is deadline order.
    for (const [key, entry] of this.entries) {
      if (entry.at > now) {
        this.timer = this.clock.setTimer(entry.at - now + this.slackMs, this.sweepBound);
        return;
      }
      this.entries.delete(key);
    }
  }
}
