/**
 * The media clock: ONE 20 ms tick source that drives every outbound stream of the
 * process (no timer per call). {@link TimerMediaClock} is the production clock, a
 * drift-compensating timer loop that ends each wait with a short precise sleep;
 * {@link ManualMediaClock} is advanced by tests.
 * This is the only module of the media layer that reads real time or sets timers.
 */
import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { Slew, STALL_CHUNK, type SendStall } from './clock-slew.ts';
import type {
  ClockTimers, MediaClock, MediaClockOptions, TickListener, TickPhase, TickTiming, TimerClockStats, TimerMediaClockOptions,
} from './clock-types.ts';

export type {
  ClockTimers, MediaClock, MediaClockOptions, TickListener, TickPhase, TickTiming, TimerClockStats, TimerMediaClockOptions,
} from './clock-types.ts';

/** Listener bookkeeping and isolated dispatch. */
abstract class BaseClock implements MediaClock {
  readonly periodMs: number;
  private readonly onError: (error: unknown) => void;
  // Changed in place between ticks (no copy of a 600-entry list per call set up or torn
  // down), copied on write during a tick so that the dispatch loop keeps its snapshot and
  // listeners may add or remove during a tick.
  private lists: Record<TickPhase, TickListener[]> = { prepare: [], send: [], work: [] };
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
    return this.lists.prepare.length + this.lists.send.length + this.lists.work.length;
  }

  add(listener: TickListener, phase: TickPhase = 'work'): void {
    if (this.phaseOf(listener) !== undefined) return;
    this.writable(phase).push(listener);
    this.onListenersChanged();
  }

  remove(listener: TickListener, phase?: TickPhase): void {
    const found = phase !== undefined && this.lists[phase].includes(listener) ? phase : this.phaseOf(listener);
    if (found === undefined) return;
    const list = this.writable(found);
    list.splice(list.indexOf(listener), 1);
    this.onListenersChanged();
  }

  private phaseOf(listener: TickListener): TickPhase | undefined {
    const { prepare, send, work } = this.lists;
    if (send.includes(listener)) return 'send';
    if (work.includes(listener)) return 'work';
    return prepare.includes(listener) ? 'prepare' : undefined;
  }

  /** A phase's list, ready to change: a copy while a tick iterates over it. */
  private writable(phase: TickPhase): TickListener[] {
    const list = this.lists[phase];
    return this.depth === 0 ? list : (this.lists[phase] = list.slice());
  }

  /** Hook for subclasses: the listener set changed. */
  protected onListenersChanged(): void {}

  /** Hook for subclasses: every `send` listener of the tick has run. */
  protected onSendPhaseEnd(): void {}

  /** Set by a subclass that wants {@link lastStall} measured in each send phase. */
  protected watchSends = false;
  /** The longest pause of the last send phase beyond its pace (ms 0 when not watched). */
  protected readonly lastStall: SendStall = { ms: 0, before: 0, of: 0, prepareMs: 0 };

  abstract now(): number;

  protected dispatch(tick: number): void {
    this.lastTick = tick;
    this.depth++;
    try {
      if (this.watchSends) {
        const prepareStart = this.now();
        this.runPhase(this.lists.prepare, tick);
        this.lastStall.prepareMs = this.now() - prepareStart;
        this.runWatchedSends(this.lists.send, tick);
      } else {
        this.runPhase(this.lists.prepare, tick);
        this.runPhase(this.lists.send, tick);
      }
      this.onSendPhaseEnd();
      this.runPhase(this.lists.work, tick);
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

  /**
   * {@link runPhase}, reading the time every {@link STALL_CHUNK} listeners: the longest chunk,
   * less the others' average, is the pass's stall (the event loop does not run during a pass,
   * so that is the CPU taken from it: a VM's stall, a garbage collection, a page fault).
   */
  private runWatchedSends(list: readonly TickListener[], tick: number): void {
    const stall = this.lastStall;
    stall.ms = 0;
    stall.of = list.length;
    if (list.length < 2 * STALL_CHUNK) {
      this.runPhase(list, tick);
      return;
    }
    const first = this.now();
    let last = first;
    let longest = 0;
    let chunks = 0;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(tick);
      } catch (error) {
        this.onError(error);
      }
      if ((i + 1) % STALL_CHUNK !== 0 && i + 1 < list.length) continue;
      const t = this.now();
      chunks++;
      if (t - last > longest) {
        longest = t - last;
        // Somewhere in this chunk: say its middle.
        stall.before = i + 1 - (((i % STALL_CHUNK) + 1) >> 1);
      }
      last = t;
    }
    stall.ms = longest - (last - first - longest) / (chunks - 1);
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

/** `node:diagnostics_channel` name on which {@link TimerMediaClock} publishes {@link TickTiming}s. */
export const TICK_CHANNEL = 'agentline:media-clock:tick';
const tickChannel = channel(TICK_CHANNEL);

/** Busy share past which the clock sleeps no more at all (see `TimerMediaClock.lead`). */
const SATURATED_BUSY = 0.9;

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
 * past the due time; while the loop is busier than `maxBusy`, the lead shrinks to the
 * timer's rounding (1 ms), and to nothing when the loop is saturated.
 * After a stall it catches up at most `maxCatchUp` ticks at once and skips the rest, so
 * that streams jump forward in time instead of bursting.
 *
 * A tick that starts over 1 ms later than ticks usually do, by up to `maxSlewMs` behind its
 * grid, moves the schedule instead, and so do a prepare phase over 1 ms longer than usual and
 * a stall inside a send phase that delayed most of its streams (time read every 16 listeners): the
 * next ticks are due `slewStepMs` less than a period after the one before, until the
 * schedule is back on its grid (clock-slew.ts). A stall then stretches one spacing of the
 * streams it delayed, not two: on the absolute grid, the tick after a late one comes early
 * by as much. RTP timestamps follow tick numbers, never send times; packets go out at most
 * `maxSlewMs` late for a while.
 */
export class TimerMediaClock extends BaseClock {
  private readonly timers: ClockTimers;
  private readonly maxCatchUp: number;
  private readonly leadMs: number;
  private handle: unknown;
  private running = false;
  private startMs = 0;
  private nextTick = 0;
  private readonly slew: Slew;
  /** When the tick being dispatched started, ms behind its grid. */
  private startLate = 0;
  private readonly counters: Omit<TimerClockStats, 'slews'> = { ticks: 0, skipped: 0, maxLateMs: 0, sleeps: 0, sleptMs: 0, polled: 0, busy: 0 };
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
    const maxSlew = Math.min(this.periodMs, Math.max(0, options.maxSlewMs ?? this.periodMs));
    this.slew = new Slew(maxSlew, Math.min(this.periodMs / 2, Math.max(0.05, options.slewStepMs ?? 0.5)));
    this.watchSends = maxSlew > 0;
  }

  /**
   * The lead in force: `leadMs` normally; past `maxBusy`, only what covers the timer's
   * whole-millisecond rounding (at most 1 ms, a sleep of half that on average), since a timer
   * set for the due time fires up to a millisecond after it (measured at 600 flow calls on one
   * core, busy near 0.7: ticks up to 1.5 ms late whenever the average crossed it); past
   * {@link SATURATED_BUSY}, none: the loop has no time to spare.
   */
  private get lead(): number {
    const busy = this.counters.busy;
    if (busy <= this.maxBusy) return this.leadMs;
    return busy > SATURATED_BUSY ? 0 : Math.min(1, this.leadMs);
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
    return { ...this.counters, slews: this.slew.follows };
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
    this.slew.afterSends(this.startLate, this.lastStall);
  }

  private start(): void {
    this.running = true;
    // Keep tick numbers monotonic across restarts.
    this.startMs = this.timers.now() - this.nextTick * this.periodMs;
    this.slew.reset();
    this.schedule();
  }

  private stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
  }

  /** When `tick` is due: its place on the grid, plus the slew in force. */
  private dueMs(tick: number): number {
    return this.gridMs(tick) + this.slew.ms;
  }

  private gridMs(tick: number): number {
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

  /**
   * Dispatches the ticks due at `now`, at most `maxCatchUp`, and skips the rest. A late
   * first tick may move the schedule (see the class note); after the pass, it slews back.
   */
  private dispatchDue(now: number): void {
    this.slew.onStart(now - this.gridMs(this.nextTick));
    const due = Math.floor((now - this.startMs - this.slew.ms) / this.periodMs);
    let burst = 0;
    while (this.running && this.nextTick <= due && burst < this.maxCatchUp) {
      const tick = this.nextTick++;
      const dueMs = this.gridMs(tick);
      const startMs = burst === 0 ? now : this.timers.now();
      const late = startMs - dueMs;
      this.startLate = late;
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
    this.slew.decay();
  }
}
