/** What every transaction machine gets from the layer that owns it. */
import type { SipResponse } from '../sip/index.ts';
import type { Inbound } from '../transport/types.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { TimerConfig, TransactionStats, TransactionTransport } from './types.ts';

/**
 * What is left of a transaction the layer keeps by key: an INVITE server transaction in
 * Accepted (absorbs INVITEs; the To tag of its 2xx answers a late CANCEL), a non-INVITE
 * server transaction in Completed (its final response goes again to each retransmitted
 * request, to where the request came from), a non-INVITE client transaction in Completed
 * (absorbs retransmitted finals).
 */
export type Retired =
  | { kind: 'accepted'; tag: string | undefined }
  | { kind: 'answered'; response: SipResponse; arrival: Inbound }
  | { kind: 'client' };

/** Shared services for transactions. */
export interface TxContext {
  clock: Clock;
  timers: TimerConfig;
  transport: TransactionTransport;
  stats: TransactionStats;
  /** Drops a terminated transaction from the layer's tables. */
  remove(key: string, server: boolean): void;
  /**
   * Hands over a transaction that from now on only answers retransmissions, until `at` (its
   * Timer L, J or K, on the clock's time base): the layer keeps its key and what the answer
   * needs (see {@link Retired}) instead of the object.
   */
  retire(key: string, at: number, what: Retired): void;
  /** Reports an error that must not escape (a failed send, a throwing handler). */
  report(err: unknown): void;
}

/**
 * The named timers of one transaction, so that each can be (re)started and all cleared.
 * One small array, slotted by the machine's timer names (shared), instead of a Map; and no
 * wrapper closure per timer: a timer that fired keeps its slot until it is restarted,
 * stopped or cleared, and cancelling a fired timer does nothing (see `TimerHandle`).
 */
export class TimerSet<Name extends string> {
  private handles: Array<TimerHandle | undefined> | undefined;

  /**
   * @param clock the time source
   * @param names every timer name the machine uses (a shared constant: slot i is names[i])
   */
  constructor(
    private readonly clock: Clock,
    private readonly names: readonly Name[],
  ) {}

  /** Starts (or restarts) timer `name`. */
  start(name: Name, ms: number, fn: () => void): void {
    const i = this.slot(name);
    this.handles ??= new Array<TimerHandle | undefined>(this.names.length);
    this.handles[i]?.cancel();
    this.handles[i] = this.clock.setTimer(ms, fn);
  }

  /** Stops timer `name` if running. */
  stop(name: Name): void {
    const handles = this.handles;
    if (handles === undefined) return;
    const i = this.slot(name);
    handles[i]?.cancel();
    handles[i] = undefined;
  }

  /** Stops every timer. */
  clear(): void {
    const handles = this.handles;
    if (handles === undefined) return;
    this.handles = undefined;
    for (const h of handles) h?.cancel();
  }

  private slot(name: Name): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`unknown timer [${name}]`);
    return i;
  }
}
