/**
 * Scavenges at times the media clock chooses (issue #4). V8 collects its young generation (a
 * scavenge) when it is about 80 % full, wherever the event loop is then. At 600 calls on one
 * core that was a 5-10 ms pause about once a second: most of it the sweep of the ArrayBuffer
 * that Node allocates for every datagram received, and the copying of what playing prompts
 * keep alive. One that lands in or just before a tick delays that tick's packet of every
 * call: it was most of the ticks beyond ±2 ms.
 *
 * A scavenge's pause grows with what was allocated since the last one (those ArrayBuffers,
 * those objects), so the steer scavenges more often, in smaller pieces, and only where they
 * fit: after each tick the clock hands {@link ScavengeSteer.afterTick} the time left before it
 * must wake for the next one, and once the young generation holds `budgetBytes`, or as much
 * as that slack would absorb (above a floor), or is about to reach V8's own trigger, the steer
 * scavenges then, when the pause, estimated from the pauses it measured per byte, fits that
 * slack. Otherwise V8 keeps choosing, as without it.
 *
 * Smaller pieces mean more scavenges, and an object alive at two of them is promoted to the old
 * generation, where only a mark-compact frees it. At 1,200 short calls a second (the cps bench:
 * about 90 KB a call, each alive for 120-200 ms) the 8 MiB budget scavenged 10-12 times a
 * second, so most calls in flight lived through two: 14 KB a call promoted (`--trace-gc-nvp`,
 * 2026-11-27). So the budget and the slack only bring a scavenge forward once `minIntervalMs`
 * (default 500) has passed since the last one, the steer's or V8's: 4 scavenges a second and
 * 6.5 KB a call promoted, as with V8 alone (4.2 and 6.8). The trigger rule (V8 about to
 * scavenge anyway) still places one in the slack at any time. At 600-1,000 media calls the
 * budget is reached every 0.7-1.2 s: the interval seldom binds there.
 *
 * Needs V8's `gc` function (`--expose-gc`, which the gateway's command line passes; see
 * node-flags.ts): without it, `fromProcess()` gives no steer.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';

/** The young generation's fill, bytes. */
export interface YoungSpace {
  used: number;
  available: number;
}

/** What the steer needs from V8 (injected by tests), and its settings. */
export interface ScavengeSteerOptions {
  /** Runs a scavenge now. */
  scavenge: () => void;
  /** The young generation's fill. */
  young: () => YoungSpace;
  /** Monotonic ms. */
  now?: () => number;
  /** Young bytes past which a scavenge is run in the next slack that fits it (default 8 MiB). */
  budgetBytes?: number;
  /**
   * Young bytes below which no scavenge is run for want of slack alone (default 2 MiB): a
   * scavenge has fixed costs (its roots) that smaller pieces would pay too often.
   */
  floorBytes?: number;
  /**
   * Time after a scavenge (the steer's or V8's) before the budget or the slack alone may
   * bring the next one forward, ms (default 500): what lives longer than the interval
   * between two scavenges is promoted.
   */
  minIntervalMs?: number;
  /**
   * Share of the young generation's capacity at which V8 starts a scavenge of its own (V8's
   * `--minor-gc-task-trigger`, 80 % by default): the steer comes first when the budget is larger.
   */
  trigger?: number;
}

/** Counters, for metrics and the bench. */
export interface ScavengeSteerStats {
  /** Scavenges run after a tick. */
  scavenges: number;
  /** Times one was due but its estimated pause did not fit the slack (V8 may then choose). */
  noRoom: number;
  /** The estimate: pause per MiB of young generation, ms. */
  msPerMiB: number;
}

const MIB = 1024 * 1024;
/** First estimate before a pause was measured, ms per MiB (600 calls here: about 10 ms for 27 MiB). */
const FIRST_MS_PER_MIB = 0.5;
/** The slack must exceed the estimated pause by this factor. */
const MARGIN = 1.2;

/** See the module comment. */
export class ScavengeSteer {
  private readonly options: ScavengeSteerOptions;
  private readonly now: () => number;
  private readonly budgetBytes: number;
  private readonly floorBytes: number;
  private readonly trigger: number;
  private readonly minIntervalMs: number;
  /** When the last scavenge (the steer's, or V8's seen as the fill dropping) was seen, ms. */
  private lastScavengeAt = Number.NEGATIVE_INFINITY;
  private lastUsed = -1;
  private lastAt = 0;
  /** Young allocation, bytes per ms (a moving average; 0 before two samples). */
  private rate = 0;
  private readonly counters: ScavengeSteerStats = { scavenges: 0, noRoom: 0, msPerMiB: FIRST_MS_PER_MIB };

  constructor(options: ScavengeSteerOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    this.budgetBytes = options.budgetBytes ?? 8 * MIB;
    this.floorBytes = Math.min(this.budgetBytes, options.floorBytes ?? 2 * MIB);
    this.trigger = options.trigger ?? 0.8;
    this.minIntervalMs = options.minIntervalMs ?? 500;
  }

  /** The steer for this process, or undefined when V8's `gc` is not exposed. */
  static fromProcess(): ScavengeSteer | undefined {
    const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
    if (typeof gc !== 'function') return undefined;
    return new ScavengeSteer({ scavenge: () => gc({ type: 'minor' }), young: readYoungSpace });
  }

  /** A snapshot of the counters. */
  get stats(): ScavengeSteerStats {
    return { ...this.counters };
  }

  /**
   * After a tick: scavenges now when one is due (the budget is reached, or as much as the
   * slack would absorb above the floor, or V8's own trigger would be within two periods) and
   * its estimated pause fits in `slackMs`.
   * @param slackMs time until the clock wakes for the next tick, ms
   * @param periodMs the tick period, ms
   */
  afterTick(slackMs: number, periodMs: number): void {
    const at = this.now();
    const { used, available } = this.options.young();
    // Used bytes only grow between scavenges: a drop is V8's own scavenge, not a rate.
    if (this.lastUsed >= 0 && used >= this.lastUsed && at > this.lastAt) {
      const sample = (used - this.lastUsed) / (at - this.lastAt);
      this.rate = this.rate === 0 ? sample : this.rate + (sample - this.rate) * 0.2;
    } else if (used < this.lastUsed) {
      this.lastScavengeAt = at;
    }
    this.lastUsed = used;
    this.lastAt = at;
    const nearTrigger = used + this.rate * periodMs * 2 >= this.trigger * (used + available);
    // Also due (above the floor) once the fill a tick on would outgrow what this slack absorbs:
    // when pauses run long, or the slack short, the pieces get smaller rather than every
    // scavenge being left to V8. A steer whose estimate a slow start had inflated otherwise
    // never found room again and never measured again (traced: V8's, of 20-33 ms, for 5 s).
    const fitBytes = (slackMs / (this.counters.msPerMiB * MARGIN)) * MIB;
    const outgrows = used >= this.floorBytes && used + this.rate * periodMs >= fitBytes;
    const early = at - this.lastScavengeAt < this.minIntervalMs;
    if (!nearTrigger && (early || (used < this.budgetBytes && !outgrows))) return;
    if ((used / MIB) * this.counters.msPerMiB * MARGIN > slackMs) {
      this.counters.noRoom++;
      return;
    }
    this.options.scavenge();
    const end = this.now();
    this.counters.scavenges++;
    this.lastScavengeAt = end;
    if (used > MIB) this.counters.msPerMiB += ((end - at) / (used / MIB) - this.counters.msPerMiB) * 0.3;
    this.lastUsed = this.options.young().used;
    this.lastAt = end;
  }
}

/** The young generation's fill from V8's heap statistics. */
function readYoungSpace(): YoungSpace {
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') return { used: s.space_used_size, available: s.space_available_size };
  }
  return { used: 0, available: Number.POSITIVE_INFINITY };
}
