/**
 * What every media clock shares (see `clock.ts`): the listener lists of the three tick
 * phases, changed in place between ticks and copied on write during one, and the dispatch of
 * a tick with each listener isolated from the others' errors. A prepare phase may run
 * ahead of its tick (`prepareAhead`); the send phase may be watched for a stall.
 */
import { STALL_CHUNK, type SendStall } from './clock-slew.ts';
import type { MediaClock, MediaClockOptions, TickListener, TickPhase } from './clock-types.ts';

/** Listener bookkeeping and isolated dispatch. */
export abstract class BaseClock implements MediaClock {
  readonly periodMs: number;
  protected readonly onError: (error: unknown) => void;
  // Changed in place between ticks (no copy of a 600-entry list per call set up or torn
  // down), copied on write during a tick so that the dispatch loop keeps its snapshot and
  // listeners may add or remove during a tick.
  private lists: Record<TickPhase, TickListener[]> = { prepare: [], send: [], work: [] };
  /** Each listener's phase: `add` and `remove` find it without a search of lists hundreds long. */
  private readonly phases = new Map<TickListener, TickPhase>();
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
    if (this.phases.has(listener)) return;
    this.phases.set(listener, phase);
    this.writable(phase).push(listener);
    this.onListenersChanged();
  }

  /** `phase` is not needed here (see {@link MediaClock.remove}): the index knows it. */
  remove(listener: TickListener, _phase?: TickPhase): void {
    const found = this.phases.get(listener);
    if (found === undefined) return;
    this.phases.delete(listener);
    const list = this.writable(found);
    // The newest listeners are the likeliest to leave first (a short call): search from the end.
    list.splice(list.lastIndexOf(listener), 1);
    this.onListenersChanged();
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
  protected readonly lastStall: SendStall = { ms: 0, before: 0, of: 0 };
  /** When the last prepare phase started, how long it took (ms), and whether it ran ahead of its tick's due time. */
  protected lastPrepareStartMs = 0;
  protected lastPrepareMs = 0;
  protected lastPreparedAhead = false;

  abstract now(): number;

  /** The tick whose prepare phase ran ahead of its due time (-1: none pending). */
  private preparedTick = -1;
  /** When the send phase of the tick being dispatched started (on {@link now}'s base). */
  protected sendStartMs = 0;

  /**
   * Runs `tick`'s prepare phase now, before the tick is due; its dispatch then starts with
   * the send phase.
   */
  protected prepareAhead(tick: number): void {
    // The tick is under way: what its listeners file under `currentTick` (a recording's
    // frames) belongs to it, as when the phase runs in the tick.
    this.lastTick = tick;
    this.depth++;
    try {
      this.runPrepare(tick);
    } finally {
      this.depth--;
    }
    this.preparedTick = tick;
  }

  /** The prepare phase, timed (see {@link lastPrepareMs}). */
  private runPrepare(tick: number): void {
    this.lastPrepareStartMs = this.now();
    this.runPhase(this.lists.prepare, tick);
    this.lastPrepareMs = this.now() - this.lastPrepareStartMs;
  }

  /** Forgets a prepare phase run ahead for a tick that will not be dispatched (the clock stopped). */
  protected dropPrepared(): void {
    this.preparedTick = -1;
  }

  protected dispatch(tick: number): void {
    this.lastTick = tick;
    this.depth++;
    try {
      const ahead = this.preparedTick === tick;
      this.preparedTick = -1;
      this.lastPreparedAhead = ahead;
      if (!ahead) this.runPrepare(tick);
      this.sendStartMs = this.now();
      if (this.watchSends) this.runWatchedSends(this.lists.send, tick);
      else this.runPhase(this.lists.send, tick);
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
