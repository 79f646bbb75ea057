/**
 * How far the media clock's schedule runs behind its grid after a stall, and how it gets
 * back (see `TimerMediaClock` in clock.ts). After a stall of d ms, an absolute schedule sends
 * the next tick on its grid, d ms early against the late one: two spacings of every delayed
 * stream are off by d. Following the stall instead, and returning to the grid a little each
 * tick (a slew, as NTP corrects a clock, rather than a step), leaves one. RTP timestamps
 * follow tick numbers, never send times, so the media timeline is the same either way.
 */

/** Lateness behind its due time, ms, past which the schedule follows a tick. */
export const FOLLOW_MS = 1;

/** Send listeners between two reads of the time during a send phase (see `SendStall`). */
export const STALL_CHUNK = 16;

/**
 * The longest pause of a send phase beyond its pace: measured by reading the time every
 * {@link STALL_CHUNK} listeners; `before` listeners had sent before it, of `of`.
 */
export interface SendStall {
  ms: number;
  before: number;
  of: number;
}

/**
 * A moving average that learns `sample`, capped at {@link FOLLOW_MS} above it: a stall moves
 * it by a tenth of that at most, while a real change (streams added, heavier audio, a busier
 * loop) is tracked in tens of ticks.
 */
export function usual(average: number, sample: number): number {
  return average + (Math.min(sample, average + FOLLOW_MS) - average) * 0.1;
}

/** The schedule's offset behind its grid: what it follows, and how it returns (see the module comment). */
export class Slew {
  /** How far behind its grid the schedule runs, ms (0 ≤ ms ≤ max). */
  ms = 0;
  /** Times the schedule followed a late tick. */
  follows = 0;
  /** How late send phases usually start behind the schedule, ms (a moving average that a stall moves little). */
  private usualLate = 0;

  /**
   * @param max largest lateness behind the grid the schedule follows, ms (0: never)
   * @param step how much less than a period apart ticks are due while slewing back, ms
   */
  constructor(readonly max: number, readonly step: number) {}

  /**
   * After the send phase of a tick whose first packet went out `sendLate` ms behind the
   * grid (whatever held it: a late timer, a prepare phase run in the tick, a stall in one run
   * ahead that lasted past the due time). A stall inside the send phase delayed every stream
   * after it: when those are the majority, the schedule follows them, and the streams before
   * the stall take the one long spacing instead; otherwise the streams after it do, as on
   * the grid. Then the usual lateness learns from the tick.
   */
  afterSends(sendLate: number, stall: SendStall): void {
    const behind = Math.max(0, sendLate - this.ms);
    let late = sendLate;
    if (stall.ms > FOLLOW_MS && stall.before < stall.of / 2) late += stall.ms;
    this.follow(late);
    this.usualLate = usual(this.usualLate, behind);
  }

  /**
   * Packets went out `late` ms behind the grid: the schedule follows when that is more than
   * {@link FOLLOW_MS} behind where they should have been (the schedule plus the usual
   * lateness), and no more than `max`. A smaller lateness is left as it is: its two spacings
   * stay within the ±2 ms RTP pacing aims at. The usual lateness stays out of the slew: ticks
   * that always start a little late (Node's millisecond timers on a busy loop, a prepare phase
   * that always runs in the tick) are evenly spaced as they are, and following them would
   * push the schedule back tick after tick.
   */
  follow(late: number): void {
    const ms = late - this.usualLate;
    if (ms - this.ms <= FOLLOW_MS || late > this.max) return;
    this.follows++;
    this.ms = ms;
  }

  /** After a tick: the next one is due `step` ms closer to the grid. */
  decay(): void {
    this.ms = Math.max(0, this.ms - this.step);
  }

  reset(): void {
    this.ms = 0;
  }
}
