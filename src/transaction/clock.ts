/**
 * Time for protocol logic (STYLE.md principle 2): state machines take a `Clock` so tests
 * drive timers exactly with `ManualClock` instead of waiting.
 */
import { TimerLists } from './timer-lists.ts';

/** A scheduled callback that can be cancelled. */
export interface TimerHandle {
  /** Stops the timer; does nothing once it fired or was cancelled. */
  cancel(): void;
}

/** Source of time and timers. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch (monotonic for `systemClock`). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

const systemTimers = new TimerLists();

/**
 * The real clock: `performance.now()`, and timers in one list per duration, each driven by
 * an unref'd Node timer (they never hold the process): `timer-lists.ts` says why.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => systemTimers.setTimer(ms, fn),
};

const noop = (): void => {};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private pending: Pending[] = [];

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    // A cancelled entry waits for its time in the list, but lets go of its callback (and what
    // that holds), as clearTimeout does: heap tests run on this clock.
    return { cancel: () => { p.cancelled = true; p.fn = noop; } };
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.time = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.time = target;
    this.pending = this.pending.filter((p) => !p.cancelled);
  }

  /** Number of timers still scheduled. */
  get scheduled(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  private nextDue(target: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending) {
      if (p.cancelled || p.at > target) continue;
      if (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}
