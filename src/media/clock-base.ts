/**
 * What every media clock shares (see `clock.ts`): the listener lists of the three tick
 * phases, changed in place between ticks and copied on write during one, and the dispatch of
 * a tick with each listener isolated from the others' errors. A prepare phase may run
 * ahead of its tick (`prepareAhead`); the send phase may be watched for a stall.
 */
import { STALL_CHUNK, type SendStall } from './clock-slew.ts';
import type { ClockSlot, MediaClock, MediaClockOptions, TickListener, TickPhase } from './clock-types.ts';

/** A listener's place: its phase and its index in that phase's list (-1 once it left). */
class ListenerEntry implements ClockSlot {
  constructor(
    readonly fn: TickListener,
    readonly phase: TickPhase,
    public index: number,
  ) {}
}

/** What a removed listener's slot holds until its list is compacted. */
const VACANT = new ListenerEntry(() => undefined, 'work', -1);
/** Vacant slots a list may keep whatever its length (a few short calls end between ticks). */
const COMPACT_MIN = 16;

/** Listener bookkeeping and isolated dispatch. */
export abstract class BaseClock implements MediaClock {
  readonly periodMs: number;
  protected readonly onError: (error: unknown) => void;
  // Changed in place between ticks (no copy of a 600-entry list per call set up or torn
  // down), copied on write once a phase's dispatch iterates over it, so that the dispatch loop
  // keeps its snapshot and listeners may add or remove during a tick.
  private lists: Record<TickPhase, ListenerEntry[]> = { prepare: [], send: [], work: [] };
  /** The phase's list is a running dispatch's snapshot: the next change copies it first. */
  private readonly iterated: Record<TickPhase, boolean> = { prepare: false, send: false, work: false };
  /** Slots of removed listeners (see {@link VACANT}) in each phase's list. */
  private readonly vacant: Record<TickPhase, number> = { prepare: 0, send: 0, work: 0 };
  /**
   * Where each listener sits: `add` and `remove` find it without a search of lists hundreds long.
   * A WeakMap, not a Map: the clock lives as long as the process, so its table is in V8's old
   * generation, and the listeners are calls' bound methods, young. Each time a Map grows or
   * shrinks it leaves its old table behind, still naming the listeners of that moment, and every
   * scavenge treats what a dead old object points at as alive until a mark-compact frees it: the
   * RTP sessions behind those listeners, their calls and media legs lived through two scavenges
   * and were promoted (the cps bench at 800 calls/s, `--heap-survivors`: 14.6 KB a call survived
   * every scavenge, 6.1 KB with the WeakMap, whose keys V8 does not hold). SlotMap
   * (src/lib/slot-map.ts) is the same cure for tables keyed by strings. Only `add` and `remove`
   * use it: `join` hands the entry itself to its caller, who gives it back to `leave` (an RTP
   * session's three listeners: a WeakMap set and delete each cost about 0.8 µs).
   */
  private readonly entries = new WeakMap<TickListener, ListenerEntry>();
  /** Listeners registered (a WeakMap has no size). */
  private count = 0;
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
    return this.count;
  }

  add(listener: TickListener, phase: TickPhase = 'work'): void {
    if (this.entries.has(listener)) return;
    this.entries.set(listener, this.join(listener, phase) as ListenerEntry);
  }

  join(listener: TickListener, phase: TickPhase): ClockSlot {
    const list = this.writable(phase);
    const entry = new ListenerEntry(listener, phase, list.length);
    this.count++;
    list.push(entry);
    this.onListenersChanged();
    return entry;
  }

  /**
   * `phase` is not needed here (see {@link MediaClock.remove}): the entry knows it. The slot
   * is left vacant, not spliced out: the listeners after it keep their place in the send
   * pass (each stream's packets leave at the same offset into every tick), and a long list
   * is compacted only once half of it is vacant.
   */
  remove(listener: TickListener, _phase?: TickPhase): void {
    const entry = this.entries.get(listener);
    if (entry === undefined) return;
    this.entries.delete(listener);
    this.leave(entry);
  }

  leave(slot: ClockSlot): void {
    const entry = slot as ListenerEntry;
    // Left already, or another clock's slot: nothing to do (and no copy of a list mid-tick).
    if (entry.index < 0 || this.lists[entry.phase][entry.index] !== entry) return;
    const list = this.writable(entry.phase);
    this.count--;
    list[entry.index] = VACANT;
    entry.index = -1;
    const vacant = ++this.vacant[entry.phase];
    if (vacant >= COMPACT_MIN && vacant * 2 >= list.length) this.compact(entry.phase, list);
    this.onListenersChanged();
  }

  /** Drops the vacant slots of a phase's (writable) list, in order. */
  private compact(phase: TickPhase, list: ListenerEntry[]): void {
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (entry === VACANT) continue;
      entry.index = kept;
      list[kept++] = entry;
    }
    list.length = kept;
    this.vacant[phase] = 0;
  }

  /** A phase's list, ready to change: a copy when a dispatch iterates over it (once per dispatch). */
  private writable(phase: TickPhase): ListenerEntry[] {
    if (!this.iterated[phase]) return this.lists[phase];
    this.iterated[phase] = false;
    return (this.lists[phase] = this.lists[phase].slice());
  }

  /** Hook for subclasses: the listener set changed. */
  protected onListenersChanged(): void {}

  /** Hook for subclasses: the send phase of `tick` starts. */
  protected onSendPhaseStart(_tick: number): void {}

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
      this.endDispatch();
    }
    this.preparedTick = tick;
  }

  /** The prepare phase, timed (see {@link lastPrepareMs}). */
  private runPrepare(tick: number): void {
    this.lastPrepareStartMs = this.now();
    this.runPhase('prepare', tick);
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
      this.onSendPhaseStart(tick);
      this.sendStartMs = this.now();
      if (this.watchSends) this.runWatchedSends(this.snapshot('send'), tick);
      else this.runPhase('send', tick);
      this.onSendPhaseEnd();
      this.runPhase('work', tick);
    } finally {
      this.endDispatch();
    }
  }

  /** Ends a dispatch; once none runs, the lists change in place again. */
  private endDispatch(): void {
    if (--this.depth > 0) return;
    this.iterated.prepare = this.iterated.send = this.iterated.work = false;
  }

  /** A phase's list as a dispatch iterates over it: changes go to a copy from now on. */
  private snapshot(phase: TickPhase): readonly ListenerEntry[] {
    this.iterated[phase] = true;
    return this.lists[phase];
  }

  private runPhase(phase: TickPhase, tick: number): void {
    this.runList(this.snapshot(phase), tick);
  }

  private runList(list: readonly ListenerEntry[], tick: number): void {
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!.fn(tick);
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
  private runWatchedSends(list: readonly ListenerEntry[], tick: number): void {
    const stall = this.lastStall;
    stall.ms = 0;
    stall.of = list.length;
    if (list.length < 2 * STALL_CHUNK) {
      this.runList(list, tick);
      return;
    }
    const first = this.now();
    let last = first;
    let longest = 0;
    let chunks = 0;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!.fn(tick);
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
