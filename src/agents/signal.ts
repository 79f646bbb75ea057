/**
 * How an agent hears that its call ended under it (the caller hung up, the time limit,
 * shutdown): the reading half of an AbortSignal (`aborted`, `reason`, `abort` listeners,
 * `throwIfAborted`) without its cost.
 *
 * Why not Node's own: an AbortSignal is an EventTarget that Node 20 makes on a slow path.
 * Making one, adding an `abort` listener and removing it took 8.5-9 µs here (Node 20.20, a
 * microbenchmark of 200,000; the signal alone 3.5-4.4 µs), for an event that most calls
 * never fire (the agent usually ends first); with what it left to each scavenge, the cps
 * loop took 21 µs a call more with it (docs/benchmarks.md, "Calls per second: what a call
 * costs", item 7). This one costs an object and, once a listener is added, one small array.
 *
 * An agent that hands the end of the call to an API that wants a real AbortSignal (`fetch`,
 * `timers/promises`, a WebSocket client) takes `abortSignal`: made on first use, aborted
 * together with this one (at once when this one already is).
 */

/**
 * An `abort` listener: a function or an object with `handleEvent`, as for an AbortSignal. It
 * is given an `Event` of type `abort` whose `target` is not set (read the signal you hold).
 */
export type AbortListener = ((event: Event) => void) | { handleEvent(event: Event): void };

/** What an agent is given with its call: see the module comment. */
export interface CallSignal {
  /** True once the call ended under the agent. */
  readonly aborted: boolean;
  /** Why (the call's `ended_by`: `caller`, `max_duration`, `shutdown`, ...); undefined until aborted. */
  readonly reason: unknown;
  /**
   * Adds an `abort` listener (once per listener, as for an EventTarget; one added after the
   * abort is never called). The signal aborts once, so every listener runs at most once
   * whether `once` is set or not.
   */
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  /** Removes an `abort` listener; unknown ones are ignored. */
  removeEventListener(type: 'abort', listener: AbortListener): void;
  /** Throws `reason` once aborted. */
  throwIfAborted(): void;
  /** A standard AbortSignal that aborts with this one, made on first use. */
  readonly abortSignal: AbortSignal;
}

interface Entry {
  readonly listener: AbortListener;
  /** False once removed: a listener removed by an earlier one during the abort is not called. */
  live: boolean;
}

/**
 * The call's side of a {@link CallSignal}: it aborts it. Listeners run in the order they were
 * added; one that throws is reported to `onListenerError` (default: ignored) and the others
 * still run. An EventTarget would rethrow it as an uncaught exception, and an agent's bug
 * must not take the gateway down.
 */
export class CallAbort implements CallSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #entries: Entry[] | undefined;
  #standard: AbortController | undefined;
  readonly #onListenerError: ((error: unknown) => void) | undefined;

  /** @param onListenerError told of an error thrown by a listener */
  constructor(onListenerError?: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  addEventListener(type: 'abort', listener: AbortListener, _options?: { once?: boolean }): void {
    if (type !== 'abort' || this.#aborted) return;
    const entries = (this.#entries ??= []);
    for (const e of entries) if (e.listener === listener) return;
    entries.push({ listener, live: true });
  }

  removeEventListener(type: 'abort', listener: AbortListener): void {
    const entries = this.#entries;
    if (type !== 'abort' || entries === undefined) return;
    const i = entries.findIndex((e) => e.listener === listener);
    if (i < 0) return;
    (entries[i] as Entry).live = false;
    entries.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  get abortSignal(): AbortSignal {
    if (this.#standard === undefined) {
      this.#standard = new AbortController();
      if (this.#aborted) this.#standard.abort(this.#reason);
    }
    return this.#standard.signal;
  }

  /**
   * Aborts: `reason` (default an `AbortError` DOMException, as `AbortController.abort()`
   * gives) is set, then every listener runs once. Later calls do nothing.
   */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    this.#standard?.abort(this.#reason);
    const entries = this.#entries;
    if (entries === undefined || entries.length === 0) return;
    const event = new Event('abort');
    // A copy: a listener may remove others (marked, then skipped) or itself.
    for (const entry of entries.slice()) {
      if (!entry.live) continue;
      entry.live = false;
      const listener = entry.listener;
      try {
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      } catch (err) {
        this.#onListenerError?.(err);
      }
    }
    this.#entries = undefined;
  }
}
