/**
 * Long-poll support for `wait=` (ARCHITECTURE.md "Handoff API"): one `store.onHandoff`
 * listener for the whole process and a map of waiters keyed by tenant and shared id or
 * id, so a committed record wakes exactly the requests that asked for it, whatever the
 * number of waiters. A waiter is armed before the lookup that precedes it, so a record
 * committed between the lookup and the wait is never missed.
 */
import type { HandoffEvent, Store } from '../store/index.ts';

/** How a wait ended. */
export type WaitResult = 'event' | 'timeout' | 'aborted' | 'closed';

/** What a request waits for: a record by shared id or by id, within one tenant. */
export interface WaitTarget {
  tenantId: string;
  by: 'shared_id' | 'id';
  value: string;
}

/** An armed waiter: wait on it once, or cancel it. */
export interface ArmedWait {
  /** Resolves on a matching record, after `ms`, on `signal` abort, or when the waiters close. */
  until(ms: number, signal?: AbortSignal): Promise<WaitResult>;
  /** Disarms without waiting. Idempotent. */
  cancel(): void;
}

function keyOf(tenantId: string, by: WaitTarget['by'], value: string): string {
  return `${tenantId}\n${by}\n${value}`;
}

/** The process's handoff waiters. */
export class HandoffWaiters {
  readonly #store: Store;
  readonly #waiting = new Map<string, Set<(r: WaitResult) => void>>();
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  /** @param store whose `onHandoff` events wake the waiters (subscribed on first use) */
  constructor(store: Store) {
    this.#store = store;
  }

  /** Requests waiting now. */
  get size(): number {
    let n = 0;
    for (const set of this.#waiting.values()) n += set.size;
    return n;
  }

  /** Registers interest in `target`; call before looking the record up. */
  arm(target: WaitTarget): ArmedWait {
    const key = keyOf(target.tenantId, target.by, target.value);
    let fired: WaitResult | undefined = this.#closed ? 'closed' : undefined;
    let wake: ((r: WaitResult) => void) | undefined;
    const notify = (r: WaitResult): void => {
      fired ??= r;
      wake?.(r);
    };
    const remove = (): void => {
      const set = this.#waiting.get(key);
      if (set?.delete(notify) === true && set.size === 0) this.#waiting.delete(key);
    };
    if (fired === undefined) this.#add(key, notify);
    const until = (ms: number, signal?: AbortSignal): Promise<WaitResult> => {
      if (fired !== undefined || signal?.aborted === true) {
        remove();
        return Promise.resolve(fired ?? 'aborted');
      }
      return new Promise<WaitResult>((resolve) => {
        const finish = (r: WaitResult): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          remove();
          resolve(r);
        };
        const onAbort = (): void => finish('aborted');
        const timer = setTimeout(finish, Math.max(0, ms), 'timeout');
        signal?.addEventListener('abort', onAbort, { once: true });
        wake = finish;
      });
    };
    return { cancel: remove, until };
  }

  /** Wakes every waiter with `closed` and stops listening. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const all = [...this.#waiting.values()].flatMap((set) => [...set]);
    this.#waiting.clear();
    for (const notify of all) notify('closed');
  }

  #add(key: string, notify: (r: WaitResult) => void): void {
    this.#unsubscribe ??= this.#store.onHandoff((e) => this.#onHandoff(e));
    let set = this.#waiting.get(key);
    if (set === undefined) this.#waiting.set(key, (set = new Set()));
    set.add(notify);
  }

  #onHandoff(e: HandoffEvent): void {
    this.#fire(keyOf(e.tenantId, 'id', e.id));
    if (e.sharedId !== undefined) this.#fire(keyOf(e.tenantId, 'shared_id', e.sharedId));
  }

  #fire(key: string): void {
    const set = this.#waiting.get(key);
    if (set === undefined) return;
    for (const notify of [...set]) notify('event');
  }
}
