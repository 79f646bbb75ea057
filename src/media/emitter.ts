/**
 * A minimal typed event emitter. A throwing listener never breaks the media path: its
 * error goes to the `onListenerError` hook and the other listeners still run.
 */

/** An event map: event name → listener signature. */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/** Typed emitter with isolated listener errors. */
export class TypedEmitter<E extends EventMap<E>> {
  private readonly listeners = new Map<keyof E, E[keyof E][]>();

  /** Adds a listener. */
  on<K extends keyof E>(event: K, listener: E[K]): this {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(event, [...list, listener]);
    return this;
  }

  /** Removes a listener (no effect when absent). */
  off<K extends keyof E>(event: K, listener: E[K]): this {
    const list = this.listeners.get(event);
    if (list !== undefined) this.listeners.set(event, list.filter((l) => l !== listener));
    return this;
  }

  /** True when the event has at least one listener (lets hot paths skip work). */
  hasListeners(event: keyof E): boolean {
    return (this.listeners.get(event)?.length ?? 0) > 0;
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this.listeners.clear();
  }

  /** Calls the listeners of `event` in order. */
  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  /**
   * {@link emit} for a two-argument event, without the rest-parameter array that `emit`
   * allocates per call: for events raised every tick of every call (inbound audio).
   */
  protected emit2<K extends keyof E>(event: K, a: Parameters<E[K]>[0], b: Parameters<E[K]>[1]): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as (x: Parameters<E[K]>[0], y: Parameters<E[K]>[1]) => void)(a, b);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  /** Called when a listener throws; the default ignores it. */
  protected onListenerError(_error: unknown, _event: keyof E): void {}
}
