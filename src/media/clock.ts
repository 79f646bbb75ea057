/**
 * The media clock: ONE 20 ms tick source that drives every outbound stream of the
 * process (no timer per call). {@link TimerMediaClock} is the production clock, a
 * drift-compensating timer loop; {@link ManualMediaClock} is advanced by tests.
 * This is the only module of the media layer that reads real time or sets timers.
 */

/** Called on every tick with the tick number (monotonic; may skip numbers after a stall). */
export type TickListener = (tick: number) => void;

/** What media sessions need from a clock. */
export interface MediaClock {
  /** Tick period, ms (20). */
  readonly periodMs: number;
  /** Number of the last tick dispatched (-1 before the first). */
  readonly currentTick: number;
  /** Registers a listener; adding one twice has no effect. */
  add(listener: TickListener): void;
  /** Unregisters a listener; unknown listeners are ignored. */
  remove(listener: TickListener): void;
  /** Monotonic time on this clock's time base, ms (media sessions stamp arrivals with it). */
  now(): number;
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
  // Copy-on-write so that dispatch iterates without allocating and listeners may add or
  // remove during a tick.
  private listeners: readonly TickListener[] = [];
  private lastTick = -1;

  constructor(options: MediaClockOptions) {
    this.periodMs = options.periodMs ?? 20;
    this.onError = options.onError ?? (() => undefined);
  }

  get currentTick(): number {
    return this.lastTick;
  }

  /** Number of registered listeners. */
  get size(): number {
    return this.listeners.length;
  }

  add(listener: TickListener): void {
    if (this.listeners.includes(listener)) return;
    this.listeners = [...this.listeners, listener];
    this.onListenersChanged();
  }

  remove(listener: TickListener): void {
    if (!this.listeners.includes(listener)) return;
    this.listeners = this.listeners.filter((l) => l !== listener);
    this.onListenersChanged();
  }

  /** Hook for subclasses: the listener set changed. */
  protected onListenersChanged(): void {}

  abstract now(): number;

  protected dispatch(tick: number): void {
    this.lastTick = tick;
    const list = this.listeners;
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
  /** Monotonic time, ms (default: `process.hrtime.bigint()` in ms). */
  now(): number;
  /** Schedules `fn` after `ms` (default `setTimeout`). */
  set(fn: () => void, ms: number): unknown;
  /** Cancels what `set` returned (default `clearTimeout`). */
  clear(handle: unknown): void;
}

/** Options of {@link TimerMediaClock}. */
export interface TimerMediaClockOptions extends MediaClockOptions {
  /** Most ticks dispatched back to back after a stall; the rest are skipped (default 3). */
  maxCatchUp?: number;
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
}

const realTimers: ClockTimers = {
  now: () => Number(process.hrtime.bigint()) / 1e6,
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The production clock. Runs while it has listeners. Tick k is due at start + k × period
 * (absolute schedule, so timer lateness never accumulates into drift); after a stall it
 * catches up at most `maxCatchUp` ticks at once and skips the rest, so that streams jump
 * forward in time instead of bursting.
 */
export class TimerMediaClock extends BaseClock {
  private readonly timers: ClockTimers;
  private readonly maxCatchUp: number;
  private handle: unknown;
  private running = false;
  private startMs = 0;
  private nextTick = 0;
  private readonly counters: TimerClockStats = { ticks: 0, skipped: 0, maxLateMs: 0 };

  constructor(options: TimerMediaClockOptions = {}) {
    super(options);
    this.timers = options.timers ?? realTimers;
    this.maxCatchUp = Math.max(1, options.maxCatchUp ?? 3);
  }

  /** A snapshot of the scheduling stats. */
  get stats(): TimerClockStats {
    return { ...this.counters };
  }

  /** Monotonic time from the clock's timers, ms. */
  now(): number {
    return this.timers.now();
  }

  protected override onListenersChanged(): void {
    if (this.size > 0 && !this.running) this.start();
    else if (this.size === 0 && this.running) this.stop();
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

  private schedule(): void {
    const dueMs = this.startMs + this.nextTick * this.periodMs;
    this.handle = this.timers.set(() => this.run(), Math.max(0, dueMs - this.timers.now()));
  }

  private run(): void {
    this.handle = undefined;
    const now = this.timers.now();
    const due = Math.floor((now - this.startMs) / this.periodMs);
    let burst = 0;
    while (this.running && this.nextTick <= due && burst < this.maxCatchUp) {
      const late = now - (this.startMs + this.nextTick * this.periodMs);
      if (late > this.counters.maxLateMs) this.counters.maxLateMs = late;
      this.counters.ticks++;
      burst++;
      this.dispatch(this.nextTick++);
    }
    if (this.nextTick <= due) {
      this.counters.skipped += due - this.nextTick + 1;
      this.nextTick = due + 1;
    }
    if (this.running) this.schedule();
  }
}
