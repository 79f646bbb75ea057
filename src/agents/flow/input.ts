/**
 * The caller's digits for one flow run: every digit is buffered from the start of the
 * run, so a digit pressed during a prompt (barge-in) is input for the collect that follows.
 */
import type { ClockTimers } from '../../media/clock.ts';
import type { AgentMedia } from '../types.ts';
import type { CallSignal } from '../signal.ts';

/** Buffered DTMF input with timed reads and a barge-in hook. */
export class DigitInput {
  private readonly buffer: string[] = [];
  private waiter: ((digit: string | null) => void) | undefined;
  private bargeIn: (() => void) | undefined;
  private readonly undo: () => void;
  private readonly onAbort = (): void => this.settle(null);

  /**
   * Subscribes to the media's digits at once; call {@link close} at the end of the run.
   * @param signal aborts pending reads (they resolve null)
   */
  constructor(
    media: AgentMedia,
    private readonly timers: ClockTimers,
    private readonly signal: CallSignal,
  ) {
    this.undo = media.onDtmf((digit) => this.push(digit));
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Digits pressed but not read yet. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Calls `fn` once at the next digit (while no read waits); replaces any earlier hook. */
  armBargeIn(fn: () => void): void {
    this.bargeIn = fn;
  }

  /** Cancels the barge-in hook. */
  disarmBargeIn(): void {
    this.bargeIn = undefined;
  }

  /**
   * The next digit: a buffered one at once, else the next pressed within `timeoutMs`.
   * @returns the digit, or null on timeout or abort
   */
  next(timeoutMs: number): Promise<string | null> {
    const digit = this.buffer.shift();
    if (digit !== undefined) return Promise.resolve(digit);
    if (this.signal.aborted || timeoutMs <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const handle = this.timers.set(() => this.settle(null), timeoutMs);
      this.waiter = (d) => {
        this.timers.clear(handle);
        resolve(d);
      };
    });
  }

  /** Unsubscribes and ends any pending read. */
  close(): void {
    this.undo();
    this.signal.removeEventListener('abort', this.onAbort);
    this.bargeIn = undefined;
    this.settle(null);
  }

  private push(digit: string): void {
    if (this.waiter) {
      this.settle(digit);
      return;
    }
    this.buffer.push(digit);
    const hook = this.bargeIn;
    this.bargeIn = undefined;
    hook?.();
  }

  private settle(digit: string | null): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(digit);
  }
}
