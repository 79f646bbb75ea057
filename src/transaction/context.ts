/** What every transaction machine gets from the layer that owns it. */
import type { Clock, TimerHandle } from './clock.ts';
import type { TimerConfig, TransactionStats, TransactionTransport } from './types.ts';

/** Shared services for transactions. */
export interface TxContext {
  clock: Clock;
  timers: TimerConfig;
  transport: TransactionTransport;
  stats: TransactionStats;
  /** Drops a terminated transaction from the layer's tables. */
  remove(key: string, server: boolean): void;
  /** Reports an error that must not escape (a failed send, a throwing handler). */
  report(err: unknown): void;
}

/** The named timers of one transaction, so that each can be (re)started and all cleared. */
export class TimerSet<Name extends string> {
  private handles = new Map<Name, TimerHandle>();
  constructor(private readonly clock: Clock) {}

  /** Starts (or restarts) timer `name`. */
  start(name: Name, ms: number, fn: () => void): void {
    this.handles.get(name)?.cancel();
    this.handles.set(name, this.clock.setTimer(ms, () => {
      this.handles.delete(name);
      fn();
    }));
  }

  /** Stops timer `name` if running. */
  stop(name: Name): void {
    this.handles.get(name)?.cancel();
    this.handles.delete(name);
  }

  /** Stops every timer. */
  clear(): void {
    for (const h of this.handles.values()) h.cancel();
    this.handles.clear();
  }
}
