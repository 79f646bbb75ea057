/**
 * The media clock's types: what media sessions need from a clock ({@link MediaClock}), the
 * production clock's options, timers, stats and per-tick timing (see `clock.ts`).
 */
/** Called on every tick with the tick number (monotonic; may skip numbers after a stall). */
export type TickListener = (tick: number) => void;

/**
 * When a listener runs within a tick: the `prepare` listeners of every stream first, then the
 * `send` ones, then the `work` ones. A stream that builds its packet from a `prepare`
 * listener, sends it from a `send` listener and does the rest of its tick (inbound jitter
 * buffer, audio events, RTCP) from a `work` listener puts its packet on the wire at the same
 * offset into the tick every time, whatever the other streams' work costs, and the send
 * pass is only system calls: the shorter it is, the less a call's place in it moves from one
 * tick to the next, and the fewer packets a stall inside it delays.
 */
export type TickPhase = 'prepare' | 'send' | 'work';

/** A listener's registration on a media clock (see {@link MediaClock.join}). */
export interface ClockSlot {
  readonly phase: TickPhase;
}

/** What media sessions need from a clock. */
export interface MediaClock {
  /** Tick period, ms (20). */
  readonly periodMs: number;
  /**
   * Number of the last tick dispatched (-1 before the first); from the start of its prepare
   * phase, which may run ahead of its due time (`TimerMediaClock`).
   */
  readonly currentTick: number;
  /**
   * Registers a listener; adding one twice (in either phase) has no effect.
   * @param phase when it runs within a tick (default `work`)
   */
  add(listener: TickListener, phase?: TickPhase): void;
  /**
   * Unregisters a listener; unknown listeners are ignored. `phase`, when the caller knows it,
   * is a hint for clocks that would otherwise search every phase's list (the clocks here keep
   * an index and need none).
   */
  remove(listener: TickListener, phase?: TickPhase): void;
  /**
   * Registers a listener and returns its slot, which only {@link leave} takes: no lookup on
   * either side (what an RTP session uses for its three listeners; `add` and `remove` keep a
   * table from listener to slot). Each call registers anew.
   */
  join(listener: TickListener, phase: TickPhase): ClockSlot;
  /** Unregisters the listener of a slot from {@link join}; a slot that already left is ignored. */
  leave(slot: ClockSlot): void;
  /** Monotonic time on this clock's time base, ms (media sessions stamp arrivals with it). */
  now(): number;
  /**
   * Dispatches the next tick at once if it is due, or starts it (its prepare phase runs ahead
   * of the due time) if the clock would wake for it by now (a no-op otherwise, and on clocks
   * that are not driven by real time). For the I/O callbacks of a busy event loop, e.g. each
   * inbound RTP packet: a tick then waits for one callback, not for the rest of a long
   * poll phase of them. Costs one time read when nothing is due.
   */
  poll?(): void;
  /**
   * When `tick` is due, or was, on {@link now}'s base: where its packets leave, which with a
   * pacer is later than its listeners run (absent on clocks whose ticks run at their due time).
   */
  tickDueMs?(tick: number): number;
}

/** Options shared by the clocks. */
export interface MediaClockOptions {
  /** Tick period, ms (default 20). */
  periodMs?: number;
  /** Receives errors thrown by listeners; they never stop the other listeners (default: ignore). */
  onError?: (error: unknown) => void;
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

/**
 * Sends each tick's packets at the tick's due time from a thread of its own (rtp-pacer.ts):
 * the clock dispatches ticks `leadMs` ahead and brackets each send phase with `begin` and
 * `commit`; the sockets queue their sends in between.
 */
export interface TickPacer {
  /** How far ahead of its due time a tick is dispatched, ms. */
  readonly leadMs: number;
  /** The send phase of the tick due at `dueMs` (the clock's time base) starts. */
  begin(dueMs: number): void;
  /** It ended: its packets go to the thread. */
  commit(): void;
}

/** Options of {@link TimerMediaClock}. */
export interface TimerMediaClockOptions extends MediaClockOptions {
  /** Most ticks dispatched back to back after a stall; the rest are skipped (default 3). */
  maxCatchUp?: number;
  /**
   * How early the timer wakes before a tick is due, ms, besides what the tick's prepare phase
   * usually takes (it runs first); the rest of the wait is a blocking `sleep` of at most
   * `leadMs + 1` (the timer's rounding). Default 2. The event loop is blocked during that
   * sleep, so that the tick is not held up by whatever I/O callbacks would otherwise run past
   * its due time (a poll phase of inbound RTP lasts 1–3 ms under load, and Node's timers fire
   * on a whole-millisecond clock). 0 dispatches when the timer fires, the prepare phase
   * included; at most a quarter of the period.
   */
  leadMs?: number;
  /**
   * Share of time (0–1) the event loop may be busy, its own sleeps not counted, for the
   * clock to keep waking `leadMs` early (default 0.7; a moving average over about five ticks).
   * Above it a long sleep would take time the loop needs for its work and push later ticks
   * back, so the clock wakes at most 1 ms early (what Node's millisecond timers need to be on
   * time); above 0.9 it does not sleep at all and the timer is set for the due time.
   */
  maxBusy?: number;
  /**
   * Largest lateness, ms behind the grid, that moves the schedule instead of leaving the next
   * tick due early (default and at most a period: a longer stall has missed a tick, and
   * `maxCatchUp` applies; 0 never slews). See
   * `TimerMediaClock`.
   */
  maxSlewMs?: number;
  /** How much less than a period apart ticks are due while the schedule slews back, ms (default 0.5). */
  slewStepMs?: number;
  /** Timer functions (default: real time). */
  timers?: ClockTimers;
  /**
   * Sends each tick's packets at its due time from another thread: ticks are then dispatched
   * `pacer.leadMs` ahead, whole, with no blocking sleep (`leadMs` and `maxBusy` do not apply).
   */
  pacer?: TickPacer;
  /**
   * Called after each dispatch with the time left before the timer wakes for the next tick
   * (ms) and the period: the slack in which work that pauses the event loop delays no tick
   * (a scavenge: src/lib/gc-steer.ts). Its errors go to `onError`.
   */
  afterTick?: (slackMs: number, periodMs: number) => void;
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
  /** Late ticks the schedule followed, to slew back after. */
  slews: number;
}

/**
 * Published on {@link TICK_CHANNEL} after each dispatched tick, when someone subscribes
 * (benchmarks, diagnostics). Times on the clock's time base, ms.
 */
export interface TickTiming {
  tick: number;
  /** When the tick was due on the clock's grid (a slewing schedule starts it later: see `TimerMediaClock`). */
  dueMs: number;
  /**
   * When its listeners started: its prepare phase, which may run ahead of the due time (up to
   * the clock's lead plus what the phase usually takes) when the clock sleeps before ticks.
   */
  startMs: number;
  /** When its `send` phase started (≥ due). */
  sendStartMs: number;
  /** When the last `send` listener returned (= startMs without any). */
  sendEndMs: number;
  /** When the last listener returned: the pass over every stream. */
  endMs: number;
}
