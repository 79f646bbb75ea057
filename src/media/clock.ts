/**
 * The media clock: ONE 20 ms tick source that drives every outbound stream of the
 * process (no timer per call). {@link TimerMediaClock} is the production clock, a
 * drift-compensating timer loop that ends each wait with a short precise sleep;
 * {@link ManualMediaClock} is advanced by tests.
 * This is the only module of the media layer that reads real time or sets timers.
 */
import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { BaseClock } from './clock-base.ts';
import { Slew, usual } from './clock-slew.ts';
import type { ClockTimers, MediaClockOptions, TickPacer, TickTiming, TimerClockStats, TimerMediaClockOptions } from './clock-types.ts';

export type {
  ClockTimers, MediaClock, MediaClockOptions, TickListener, TickPacer, TickPhase, TickTiming, TimerClockStats, TimerMediaClockOptions,
} from './clock-types.ts';

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

/** Fraction of a period by which a time may fall short of a due time and still count as it (float rounding). */
const DUE_EPSILON = 1e-6;

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
 * wake `leadMs` plus what the prepare phase usually takes before the due time; the tick's
 * prepare phase then runs at once, and a short blocking sleep covers the rest, so that its
 * send phase starts on time to within the sleep's precision unless the event loop was busy
 * past the due time: neither the prepare phase's length nor a stall while it ran (within the
 * margin) moves a packet. While the loop is busier than `maxBusy`, the lead shrinks to the
 * timer's rounding (1 ms), and to nothing when the loop is saturated (the prepare phase then
 * runs in the tick, just before the sends). After a stall it catches up at most `maxCatchUp`
 * ticks at once and skips the rest, so that streams jump forward in time instead of bursting.
 *
 * A send phase that starts over 1 ms later than send phases usually do, by up to `maxSlewMs`
 * behind its grid, moves the schedule instead, and so does a stall inside a send phase that
 * delayed most of its streams (time read every 16 listeners): the next ticks are due
 * `slewStepMs` less than a period after the one before, until the schedule is back on its
 * grid (clock-slew.ts). A stall then stretches one spacing of the streams it delayed, not
 * two: on the absolute grid, the tick after a late one comes early by as much. RTP
 * timestamps follow tick numbers, never send times; packets go out at most `maxSlewMs` late
 * for a while.
 *
 * With a {@link TickPacer} (rtp-pacer.ts), a thread of its own sends each tick's packets at
 * its due time: the timer wakes `pacer.leadMs` before it and the whole tick runs then, with
 * no sleep; the send phase only queues. A tick dispatched within its lead moves no packet,
 * whatever held the event loop; one dispatched late is sent as it is committed, and the
 * schedule follows it as above.
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
  /** Where the tick being dispatched is on the grid (its send phase's lateness is measured from it). */
  private tickGridMs = 0;
  /** What a prepare phase usually takes, ms (a moving average that a stall moves little; -1 before the first). */
  private usualPrepareMs = -1;
  private readonly counters: Omit<TimerClockStats, 'slews'> = { ticks: 0, skipped: 0, maxLateMs: 0, sleeps: 0, sleptMs: 0, polled: 0, busy: 0 };
  private sendEndMs = 0;
  /** When the timer is set to fire for the next tick (see {@link wakeEarly}). */
  private wakeAtMs = 0;
  /** True while `run` dispatches: a listener's I/O must not start the next tick from `poll`. */
  private dispatching = false;
  private readonly maxBusy: number;
  private readonly afterTick: ((slackMs: number, periodMs: number) => void) | undefined;
  private readonly pacer: TickPacer | undefined;
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
    this.afterTick = options.afterTick;
    const maxSlew = Math.min(this.periodMs, Math.max(0, options.maxSlewMs ?? this.periodMs));
    this.slew = new Slew(maxSlew, Math.min(this.periodMs / 2, Math.max(0.05, options.slewStepMs ?? 0.5)));
    this.pacer = options.pacer;
    // With a pacer, a stall in the send phase delays no packet (it only queues them).
    this.watchSends = maxSlew > 0 && this.pacer === undefined;
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

  /**
   * How long before a tick is due the timer wakes: the {@link lead} plus what the prepare
   * phase usually takes, which then runs ahead (see `run`); at most half a period. None
   * when the lead is none: the loop has no time to spare, and the tick runs when it can.
   */
  private get wakeEarly(): number {
    if (this.pacer !== undefined) return Math.min(2 * this.periodMs, Math.max(0, this.pacer.leadMs));
    const lead = this.lead;
    return lead === 0 ? 0 : Math.min(this.periodMs / 2, lead + Math.max(0, this.usualPrepareMs));
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

  /** See {@link MediaClock.tickDueMs}: the grid's time plus the slew in force. */
  tickDueMs(tick: number): number {
    return this.dueMs(tick);
  }

  /** Monotonic time from the clock's timers, ms. */
  now(): number {
    return this.timers.now();
  }

  /**
   * See {@link MediaClock.poll}: from the time the timer is set to wake for the next tick,
   * does what the timer would (its timer is then reset): prepares the tick ahead and sleeps
   * to its due time, or dispatches it when it is due. A long poll phase of inbound RTP that
   * runs past the wake-up then holds the tick up by one packet's callback, not by its prepare
   * phase as well.
   */
  poll(): void {
    if (!this.running || this.dispatching || this.timers.now() < this.wakeAtMs) return;
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.counters.polled++;
    this.run();
  }

  protected override onListenersChanged(): void {
    if (this.size > 0 && !this.running) this.start();
    else if (this.size === 0 && this.running) this.stop();
  }

  protected override onSendPhaseStart(tick: number): void {
    this.pacer?.begin(this.dueMs(tick));
  }

  protected override onSendPhaseEnd(): void {
    if (tickChannel.hasSubscribers) this.sendEndMs = this.timers.now();
    if (this.pacer === undefined) {
      this.slew.afterSends(this.sendStartMs - this.tickGridMs, this.lastStall);
    } else {
      this.pacer.commit();
      // The packets leave at the due time, or now when that has passed.
      this.slew.afterSends(this.timers.now() - this.tickGridMs, this.lastStall);
    }
    const ms = this.lastPrepareMs;
    this.usualPrepareMs = this.usualPrepareMs < 0 ? ms : usual(this.usualPrepareMs, ms);
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
    this.dropPrepared();
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
    this.wakeAtMs = this.dueMs(this.nextTick) - this.wakeEarly;
    const wait = this.wakeAtMs - this.timers.now();
    // Whole milliseconds: Node's timers run on a millisecond clock, and keep one list per
    // distinct duration (a fractional one would make a new list every tick).
    this.handle = this.timers.set(() => this.run(), Math.max(0, Math.ceil(wait)));
  }

  /**
   * The timer fired: before the due time (within {@link wakeEarly}), the tick's prepare phase
   * runs at once and a blocking sleep covers what is left, so that its send phase starts on
   * time whatever the prepare phase took (within the margin), and a stall while it ran delays
   * no packet; then the tick runs, and any other that fell due.
   */
  private run(): void {
    this.handle = undefined;
    let now = this.timers.now();
    this.sampleBusy(now);
    this.dispatching = true;
    try {
      const wait = this.dueMs(this.nextTick) - now;
      if (wait > 0) {
        // Too early (no lead, or the timer fired early on Node's millisecond clock, or the
        // loop got busy since it was set): wait again.
        const early = this.wakeEarly;
        if (early === 0 || wait > early + 1) {
          this.schedule();
          return;
        }
        if (this.pacer === undefined) now = this.prepareDue();
      }
      this.dispatchDue(now);
    } finally {
      this.dispatching = false;
    }
    if (this.running && this.handle === undefined) this.schedule();
    if (this.afterTick !== undefined && this.running) this.runAfterTick(this.afterTick);
  }

  /** Gives the slack before the next wake-up to the `afterTick` hook. */
  private runAfterTick(hook: (slackMs: number, periodMs: number) => void): void {
    try {
      hook(this.wakeAtMs - this.timers.now(), this.periodMs);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Runs the next tick's prepare phase ahead, then sleeps until it is due; returns the time then. */
  private prepareDue(): number {
    this.prepareAhead(this.nextTick);
    const rest = this.dueMs(this.nextTick) - this.timers.now();
    if (rest > 0) {
      this.timers.sleep!(rest);
      this.counters.sleeps++;
      this.counters.sleptMs += rest;
      this.sleptSince += rest;
    }
    // A sleep may end a hair early: the tick it waited for is due.
    return Math.max(this.timers.now(), this.dueMs(this.nextTick));
  }

  /**
   * Dispatches the ticks due at `now`, at most `maxCatchUp`, and skips the rest. A late
   * first tick may move the schedule (see the class note); after the pass, it slews back.
   */
  private dispatchDue(now: number): void {
    // `now` is often exactly a due time (after a sleep): a rounding error of the float
    // subtraction must not put it a hair before, which would leave the tick for a later turn.
    // With a pacer, ticks run up to its lead ahead (the next one at least: `run` calls within it).
    const horizon = this.pacer === undefined ? now : Math.max(now + this.wakeEarly, this.dueMs(this.nextTick));
    const due = Math.floor((horizon - this.startMs - this.slew.ms) / this.periodMs + DUE_EPSILON);
    let burst = 0;
    while (this.running && this.nextTick <= due && burst < this.maxCatchUp) {
      const tick = this.nextTick++;
      const dueMs = this.gridMs(tick);
      const startMs = burst === 0 ? now : this.timers.now();
      const late = startMs - dueMs;
      this.tickGridMs = dueMs;
      if (late > this.counters.maxLateMs) this.counters.maxLateMs = late;
      this.counters.ticks++;
      burst++;
      this.dispatch(tick);
      if (tickChannel.hasSubscribers) {
        const timing: TickTiming = {
          tick, dueMs, startMs: this.lastPrepareStartMs, sendStartMs: this.sendStartMs,
          sendEndMs: this.sendEndMs, endMs: this.timers.now(),
        };
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
