/** The transport's counters, kept in one mutable object and copied out by `snapshot()`. */
import type { TransportStats } from './types.ts';

/** The scalar counters of {@link TransportStats}. */
export type CounterName = { [K in keyof TransportStats]: TransportStats[K] extends number ? K : never }[keyof TransportStats];

/** Mutable counters; `snapshot()` returns a copy safe to hand out. */
export class TransportCounters {
  private readonly c: TransportStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    streamMessagesIn: 0,
    streamMessagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    parseErrors: {},
    drops: {},
    errorResponses: 0,
    keepalivesAnswered: 0,
    tcpFallbacks: 0,
    handlerErrors: 0,
    connectionsOpen: 0,
    connectionsAccepted: 0,
    connectionsConnected: 0,
    connectionsRejected: 0,
    connectionsIdleClosed: 0,
  };

  /** Adds `n` (default 1) to a counter. */
  count(name: CounterName, n = 1): void {
    this.c[name] += n;
  }

  /** Counts one parse error under its code. */
  parseError(code: string): void {
    this.c.parseErrors[code] = (this.c.parseErrors[code] ?? 0) + 1;
  }

  /** Counts one drop under its reason. */
  drop(reason: string): void {
    this.c.drops[reason] = (this.c.drops[reason] ?? 0) + 1;
  }

  /** A copy of the counters. */
  snapshot(): TransportStats {
    return { ...this.c, parseErrors: { ...this.c.parseErrors }, drops: { ...this.c.drops } };
  }
}
