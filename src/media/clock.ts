/**
 * The media clock: ONE 20 ms tick source that drives every outbound stream of the
 * process (no timer per call). {@link TimerMediaClock} is the production clock, a
 * drift-compensating timer loop that ends each wait with a short precise sleep;
 * {@link ManualMediaClock} is advanced by tests.
 * This is the only module of the media layer that reads real time or sets timers.
 */
import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/** Called on every tick with the tick number (monotonic; may skip numbers after a stall). */
export type TickListener = (tick: number) => void;

/**
 * When a listener runs within a tick: the `send` listeners of every stream first, then the
 * `work` ones. A stream that sends from a `send` listener and does the rest of its tick
 * (inbound jitter buffer, audio events, RTCP) from a `work` listener puts its packet on the
 * wire at the same offset into the tick every time, whatever the other streams' work costs.
 */
export type TickPhase = 'send' | 'work';

/** What media sessions need from a clock. */
export interface MediaClock {
  /** Tick period, ms (20). */
  readonly periodMs: number;
  /** Number of the last tick dispatched (-1 before the first). */
  readonly currentTick: number;
  /**
   * Registers a listener; adding one twice (in either phase) has no effect.
   * @param phase when it runs within a tick (default `work`)
   */
  add(listener: TickListener, phase?: TickPhase): void;
  /** Unregisters a listener; unknown listeners are ignored. */
  remove(listener: TickListener): void;
  /** Monotonic time on this clock's time base, ms (media sessions stamp arrivals with it). */
  now(): number;
  /**
   * Dispatches the next tick at once if it is due (a no-op otherwise, and on clocks that
   * are not driven by real time). For the I/O callbacks of a busy event loop, e.g. each
   * inbound RTP packet: a tick then waits for one callback, not for the rest of a long
   * poll phase of them. Costs one time read when nothing is due.
   */
  poll?(): void;
}

/** Options shared by the clocks. */
export interface MediaClockOptions {
  /** Tick period, ms (default 20). */
  periodMs?: number;
  /** Receives errors thrown by listeners; they never stop the other listeners (default: ignore). */
  onError?: (error: unknown) => void;
}

/** Listener bookkeeping and isolated dispatch. */
abstract class BaseClock implements MediaClock {
  readonly periodMs: number;
  private readonly onError: (error: unknown) => void;
  // Changed in place between ticks (no copy of a 600-entry list per call set up or torn
  // down), copied on write during a tick so that the dispatch loop keeps its snapshot and
  // listeners may add or remove during a tick.
  private sendListeners: TickListener[] = [];
  private workListeners: TickListener[] = [];
  private lastTick = -1;
  /** Dispatches in progress (a listener may run a manual clock's tick). */
  private depth = 0;

  constructor(options: MediaClockOptions) {
    this.periodMs = options.periodMs ?? 20;
    this.onError = options.onError ?? (() => undefined);
  }

  get currentTick(): number {
    return this.lastTick;
  }

  /** Number of registered listeners. */
  get size(): number {
    return this.sendListeners.length + this.workListeners.length;
  }

  add(listener: TickListener, phase: TickPhase = 'work'): void {
    if (this.sendListeners.includes(listener) || this.workListeners.includes(listener)) return;
    this.writable(phase).push(listener);
    this.onListenersChanged();
  }

  remove(listener: TickListener): void {
    const phase: TickPhase = this.sendListeners.includes(listener) ? 'send' : 'work';
    const index = (phase === 'send' ? this.sendListeners : this.workListeners).indexOf(listener);
    if (index < 0) return;
    this.writable(phase).splice(index, 1);
    this.onListenersChanged();
  }

  /** A phase's list, ready to change: a copy while a tick iterates over it. */
  private writable(phase: TickPhase): TickListener[] {
    if (phase === 'send') return this.depth === 0 ? this.sendListeners : (this.sendListeners = this.sendListeners.slice());
    return this.depth === 0 ? this.workListeners : (this.workListeners = this.workListeners.slice());
  }

  /** Hook for subclasses: the listener set changed. */
  protected onListenersChanged(): void {}

  /** Hook for subclasses: every `send` listener of the tick has run. */
  protected onSendPhaseEnd(): void {}

  abstract now(): number;

  protected dispatch(tick: number): void {
    this.lastTick = tick;
    this.depth++;
    try {
      this.runPhase(this.sendListeners, tick);
      this.onSendPhaseEnd();
      this.runPhase(this.workListeners, tick);
    } finally {
      this.depth--;
    }
  }

  private runPhase(list: readonly TickListener[], tick: number): void {
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(tick);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** A clock advanced by hand, for tests. */
export class ManualMediaClock extends BaseClock {
  constructor(options: MediaClockOptions = {}) {
    super(options);
  }

  /** Milliseconds of media time elapsed: (currentTick + 1) × period. */
  get nowMs(): number {
    return (this.currentTick + 1) * this.periodMs;
  }

  /** Same as {@link nowMs}: time moves only with `tick()`. */
  now(): number {
    return this.nowMs;
  }

  /**
   * Dispatches `count` ticks in a row.
   * @param count ticks to run (default 1)
   */
  tick(count = 1): void {
    for (let i = 0; i < count; i++) this.dispatch(this.currentTick + 1);
  }
}

/** Timer functions the production clock uses; injectable to test the scheduling logic. */
export interface ClockTimers {
  /** Monotonic time, ms (default: `performance.now()`). */
  now(): number;
  /** Schedules `fn` after `ms`, a whole number (default `setTimeout`). */
  set(fn: () => void, ms: number): unknown;
  /** Cancels what `set` returned (default `clearTimeout`). */
  clear(handle: unknown): void;
  /**
   * Blocks the thread for `ms` (fractional) with sub-millisecond precision (default:
   * `Atomics.wait` on a private buffer). Without it, ticks dispatch when the timer fires.
   */
  sleep?(ms: number): void;
  /**
   * Milliseconds the event loop has spent busy (not waiting for I/O) so far, a running
   * total (default: `performance.eventLoopUtilization().active`). Without it the clock
   * always wakes early when it can sleep.
   */
  busyMs?(): number;
}

/** Options of {@link TimerMediaClock}. */
export interface TimerMediaClockOptions extends MediaClockOptions {
  /** Most ticks dispatched back to back after a stall; the rest are skipped (default 3). */
  maxCatchUp?: number;
  /**
   * How early the timer wakes before a tick is due, ms; the rest of the wait is a blocking
   * `sleep` of at most `leadMs + 1` (the timer's rounding). Default 2. The event loop is
   * blocked during that sleep, so that the tick is not held up by whatever I/O callbacks
   * would otherwise run past its due time (a poll phase of inbound RTP lasts 1–3 ms under
   * load, and Node's timers fire on a whole-millisecond clock). 0 dispatches when the timer
   * fires; at most a quarter of the period.
   */
  leadMs?: number;
  /**
   * Share of time (0–1) the event loop may be busy, its own sleeps not counted, for the
   * clock to keep waking early (default 0.7; a moving average over about five ticks). Above
   * it the sleep would take time the loop needs for its work and push later ticks back, so
   * the timer is set for the due time instead.
   */
  maxBusy?: number;
  /** Timer functions (default: real time). */
  timers?: ClockTimers;
}

/** Stats of the production clock. */
export interface TimerClockStats {
  /** Ticks dispatched. */
  ticks: number;
  /** Ticks skipped because the event loop stalled longer than `maxCatchUp` periods. */
  skipped: number;
  /** Largest lateness of a tick behind its due time, ms. */
  maxLateMs: number;
  /** Blocking sleeps before a due tick, and their total, ms. */
  sleeps: number;
  sleptMs: number;
  /** Ticks started by {@link TimerMediaClock.poll} rather than by the timer. */
  polled: number;
  /** Moving average of the event loop's busy share, the clock's sleeps not counted (0 without `busyMs`). */
  busy: number;
}

/**
 * Published on {@link TICK_CHANNEL} after each dispatched tick, when someone subscribes
 * (benchmarks, diagnostics). Times on the clock's time base, ms.
 */
export interface TickTiming {
  tick: number;
  /** When the tick was due. */
  dueMs: number;
  /** When its listeners started (≥ due). */
  startMs: number;
  /** When the last `send` listener returned (= startMs without any). */
  sendEndMs: number;
  /** When the last listener returned: the pass over every stream. */
  endMs: number;
}

/** `node:diagnostics_channel` name on which {@link TimerMediaClock} publishes {@link TickTiming}s. */
export const TICK_CHANNEL = 'agentline:media-clock:tick';
const tickChannel = channel(TICK_CHANNEL);

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

const realTimers: ClockTimers = {
  // Not `process.hrtime.bigint()`: it allocates a BigInt per read, and `poll` reads the
  // time for every inbound RTP packet.
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
  // Nothing ever notifies the cell: the wait always runs to its timeout.
  sleep: (ms) => void Atomics.wait(sleepCell, 0, 0, ms),
  busyMs: () => performance.eventLoopUtilization().active,
};

/**
 * The production clock. Runs while it has listeners. Tick k is due at start + k × period
 * (absolute schedule, so timer lateness never accumulates into drift). The timer is set to
 * wake `leadMs` before the due time, and a short blocking sleep covers the rest, so that
 * the tick starts on time to within the sleep's precision unless the event loop was busy
 * past the due time; while the loop is busier than `maxBusy`, it is set for the due time.
 * After a stall it catches up at most `maxCatchUp` ticks at once and skips the rest, so
 * that streams jump forward in time instead of bursting.
 */
export class TimerMediaClock extends BaseClock {
  private readonly timers: ClockTimers;
  private readonly maxCatchUp: number;
  private readonly leadMs: number;
  private handle: unknown;
  private running = false;
  private startMs = 0;
  private nextTick = 0;
  private readonly counters: TimerClockStats = { ticks: 0, skipped: 0, maxLateMs: 0, sleeps: 0, sleptMs: 0, polled: 0, busy: 0 };
  private sendEndMs = 0;
  /** True while `run` dispatches: a listener's I/O must not start the next tick from `poll`. */
  private dispatching = false;
  private readonly maxBusy: number;
  /** Last busy sample: when, the loop's busy total then, and the clock's sleeps since. */
  private busyAt = -1;
  private busyTotal = 0;
  private sleptSince = 0;

  constructor(options: TimerMediaClockOptions = {}) {
    super(options);
    this.timers = options.timers ?? realTimers;
    this.maxCatchUp = Math.max(1, options.maxCatchUp ?? 3);
    // A lead past a quarter period would keep the loop blocked most of the time.
    this.leadMs = this.timers.sleep === undefined ? 0 : Math.min(this.periodMs / 4, Math.max(0, options.leadMs ?? 2));
    this.maxBusy = options.maxBusy ?? 0.7;
  }

  /** The lead in force: none while the loop is too busy to spare a sleep. */
  private get lead(): number {
    return this.counters.busy > this.maxBusy ? 0 : this.leadMs;
  }

  /** Folds the loop's busy share since the last sample into the moving average. */
  private sampleBusy(now: number): void {
    if (this.timers.busyMs === undefined) return;
    const total = this.timers.busyMs();
    if (this.busyAt >= 0 && now > this.busyAt) {
      const share = Math.min(1, Math.max(0, (total - this.busyTotal - this.sleptSince) / (now - this.busyAt)));
      this.counters.busy += (share - this.counters.busy) * 0.2;
    }
    this.busyAt = now;
    this.busyTotal = total;
    this.sleptSince = 0;
  }

  /** A snapshot of the scheduling stats. */
  get stats(): TimerClockStats {
    return { ...this.counters };
  }

  /** Monotonic time from the clock's timers, ms. */
  now(): number {
    return this.timers.now();
  }

  /** See {@link MediaClock.poll}: dispatches the next tick now when it is due (its timer is then reset). */
  poll(): void {
    if (!this.running || this.dispatching || this.timers.now() < this.dueMs(this.nextTick)) return;
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.counters.polled++;
    this.run();
  }

  protected override onListenersChanged(): void {
    if (this.size > 0 && !this.running) this.start();
    else if (this.size === 0 && this.running) this.stop();
  }

  protected override onSendPhaseEnd(): void {
    if (tickChannel.hasSubscribers) this.sendEndMs = this.timers.now();
  }

  private start(): void {
    this.running = true;
    // Keep tick numbers monotonic across restarts.
    this.startMs = this.timers.now() - this.nextTick * this.periodMs;
    this.schedule();
  }

  private stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
  }

  private dueMs(tick: number): number {
    return this.startMs + tick * this.periodMs;
  }

  private schedule(): void {
    const wait = this.dueMs(this.nextTick) - this.lead - this.timers.now();
    // Whole milliseconds: Node's timers run on a millisecond clock, and keep one list per
    // distinct duration (a fractional one would make a new list every tick).
    this.handle = this.timers.set(() => this.run(), Math.max(0, Math.ceil(wait)));
  }

  private run(): void {
    this.handle = undefined;
    let now = this.timers.now();
    this.sampleBusy(now);
    const wait = this.dueMs(this.nextTick) - now;
    if (wait > 0) {
      // Too early for a blocking sleep (no lead, or the timer fired early on Node's
      // millisecond clock, or the loop got busy since it was set): wait again.
      const lead = this.lead;
      if (lead === 0 || wait > lead + 1) {
        this.schedule();
        return;
      }
      this.timers.sleep!(wait);
      this.counters.sleeps++;
      this.counters.sleptMs += wait;
      this.sleptSince += wait;
      // A sleep may end a hair early: the tick it waited for is due.
      now = Math.max(this.timers.now(), this.dueMs(this.nextTick));
    }
    this.dispatching = true;
    try {
      this.dispatchDue(now);
    } finally {
      this.dispatching = false;
    }
    if (this.running) this.schedule();
  }

  /** Dispatches the ticks due at `now`, at most `maxCatchUp`, and skips the rest. */
  private dispatchDue(now: number): void {
    const due = Math.floor((now - this.startMs) / this.periodMs);
    let burst = 0;
    while (this.running && this.nextTick <= due && burst < this.maxCatchUp) {
      const tick = this.nextTick++;
      const dueMs = this.dueMs(tick);
      const startMs = burst === 0 ? now : this.timers.now();
      const late = startMs - dueMs;
      if (late > this.counters.maxLateMs) this.counters.maxLateMs = late;
      this.counters.ticks++;
      burst++;
      this.dispatch(tick);
      if (tickChannel.hasSubscribers) {
        const timing: TickTiming = { tick, dueMs, startMs, sendEndMs: this.sendEndMs, endMs: this.timers.now() };
        tickChannel.publish(timing);
      }
    }
    if (this.nextTick <= due) {
      this.counters.skipped += due - this.nextTick + 1;
      this.nextTick = due + 1;
    }
  }
}
