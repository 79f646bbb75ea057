/**
 * The timers of `systemClock`: one list per duration, each driven by ONE unref'd Node timer,
 * as Node's own timers are organised, but with a small entry per timer instead of a Node
 * `Timeout` (async id, resource and list bookkeeping: about 0.7 µs to set one here).
 *
 * A call sets about eleven timers, nearly all cancelled within milliseconds (the 200's
 * Timer G and H until the ACK, the BYE's E, F and K, the CDR's delay, the session and
 * maximum-duration timers; counted at 1,600 calls a second, 2026-11-27). Timers of one
 * duration fall due in the order they were set, so each list is a queue: setting appends,
 * cancelling unlinks (the entry dies young, holding nothing), and the list's Node timer is
 * armed for its head only when it fires or the list starts, never per timer. A list's timer
 * that finds its head not yet due (the head it was armed for was cancelled) re-arms for the
 * new head; a timer never fires before its time by `performance.now()`.
 */

/** Node's longest timer wait (2^31 - 1 ms). */
const MAX_NODE_WAIT_MS = 0x7fffffff;

/** One scheduled callback; a node of its duration's list while pending. */
class ListTimer {
  prev: ListTimer | undefined = undefined;
  next: ListTimer | undefined = undefined;

  constructor(
    /** Due time, `performance.now()` scale. */
    readonly at: number,
    public fn: (() => void) | undefined,
    public list: TimerList | undefined,
  ) {}

  /** Stops the timer; does nothing once it fired or was cancelled. */
  cancel(): void {
    this.list?.remove(this);
    this.fn = undefined;
  }
}

/** The pending timers of one duration, oldest (first due) at the head. */
class TimerList {
  head: ListTimer | undefined = undefined;
  tail: ListTimer | undefined = undefined;
  /** The Node timer armed for the head, if any. */
  #armed: NodeJS.Timeout | undefined = undefined;
  readonly #onFire: () => void;

  constructor(
    readonly ms: number,
    private readonly owner: TimerLists,
  ) {
    this.#onFire = () => this.#fire();
  }

  append(t: ListTimer): void {
    const tail = this.tail;
    t.prev = tail;
    if (tail === undefined) this.head = t;
    else tail.next = t;
    this.tail = t;
    if (this.#armed === undefined) this.#arm(t.at - performance.now());
  }

  remove(t: ListTimer): void {
    const { prev, next } = t;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    t.prev = undefined;
    t.next = undefined;
    t.list = undefined;
    // An empty list keeps its armed timer: it fires once, finds nothing and lets go.
  }

  /** Runs every due timer from the head, then re-arms for the next (or drops the list when empty). */
  #fire(): void {
    this.#armed = undefined;
    const now = performance.now();
    let t = this.head;
    try {
      while (t !== undefined && t.at <= now) {
        const fn = t.fn;
        this.remove(t);
        t.fn = undefined;
        fn?.();
        t = this.head;
      }
    } finally {
      // Also after a callback threw (it reaches the process as a Node timer's would): the
      // rest of the list still runs, from the next turn.
      const head = this.head;
      if (head !== undefined) this.#arm(head.at - performance.now());
      else this.owner.drop(this);
    }
  }

  #arm(wait: number): void {
    // Whole milliseconds, as Node counts them; past Node's longest wait (24.8 days, which it
    // would turn into 1 ms) the list wakes at that and arms again.
    const t = setTimeout(this.#onFire, Math.min(MAX_NODE_WAIT_MS, Math.max(1, Math.ceil(wait))));
    t.unref();
    this.#armed = t;
  }
}

/** Timers grouped in one list per whole-millisecond duration. */
export class TimerLists {
  readonly #lists = new Map<number, TimerList>();

  /** Runs `fn` once after `ms` milliseconds (at least 1, as a Node timer). */
  setTimer(ms: number, fn: () => void): { cancel(): void } {
    const duration = ms >= 1 ? Math.ceil(ms) : 1;
    let list = this.#lists.get(duration);
    if (list === undefined) {
      list = new TimerList(duration, this);
      this.#lists.set(duration, list);
    }
    const t = new ListTimer(performance.now() + duration, fn, list);
    list.append(t);
    return t;
  }

  /** Number of timers pending. */
  get pending(): number {
    let n = 0;
    for (const list of this.#lists.values()) for (let t = list.head; t !== undefined; t = t.next) n++;
    return n;
  }

  /** Forgets an empty list (its timer has fired); a later timer of that duration makes a new one. */
  drop(list: TimerList): void {
    if (list.head === undefined && this.#lists.get(list.ms) === list) this.#lists.delete(list.ms);
  }
}
