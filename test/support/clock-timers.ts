/** Fake timers for the media clock's scheduling tests (src/media/clock*.test.ts). */
import assert from 'node:assert/strict';
import type { ClockTimers } from '../../src/media/clock.ts';

/** Fake timers: time moves only when the test says so. */
export class FakeTimers implements ClockTimers {
  time = 1000;
  pending: { at: number; fn: () => void; id: number } | undefined;
  /** Durations passed to `set`, ms. */
  readonly sets: number[] = [];
  private ids = 0;
  now(): number {
    return this.time;
  }
  set(fn: () => void, ms: number): unknown {
    assert.equal(this.pending, undefined, 'one timer at a time');
    this.sets.push(ms);
    this.pending = { at: this.time + ms, fn, id: ++this.ids };
    return this.pending.id;
  }
  clear(handle: unknown): void {
    if (this.pending?.id === handle) this.pending = undefined;
  }
  /** Advances to `t`, firing the timer when due; `lateBy` simulates event-loop lateness. */
  advanceTo(t: number, lateBy = 0): void {
    while (this.pending && this.pending.at + lateBy <= t) {
      const p = this.pending;
      this.pending = undefined;
      this.time = p.at + lateBy;
      p.fn();
    }
    this.time = t;
  }
}

/** Fake timers with the precise blocking sleep: a sleep moves time by its duration (less `shortBy`). */
export class SleepingFakeTimers extends FakeTimers {
  /** Durations passed to `sleep`, ms. */
  readonly sleeps: number[] = [];
  /** How much earlier than asked each sleep ends, ms (a real sleep may end a hair early). */
  shortBy = 0;
  sleep(ms: number): void {
    this.sleeps.push(ms);
    this.time += ms - this.shortBy;
  }
}

/**
 * Sleeping fake timers that report the event loop busy for `share` of the time between
 * sleeps; a sleep counts as busy, as it does in Node's event-loop utilization.
 */
export class BusyFakeTimers extends SleepingFakeTimers {
  share = 0;
  private total = 0;
  private at = this.time;
  override sleep(ms: number): void {
    this.account();
    super.sleep(ms);
    this.total += ms;
    this.at = this.time;
  }
  busyMs(): number {
    this.account();
    return this.total;
  }
  private account(): void {
    this.total += (this.time - this.at) * this.share;
    this.at = this.time;
  }
}
