/**
 * Load mode: `calls` calls started at `rate` per second, at most `concurrency` at once,
 * bounded in time by `maxDurationMs` (calls still running then are aborted, calls not
 * yet started are skipped). Reports progress while it runs and a summary at the end.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContactCenter } from './emulator.ts';
import { CcsimError } from './errors.ts';
import { isCompleted, summarize, type LoadOutcome } from './stats.ts';
import type { CallReport, LoadOptions, LoadProgress, LoadSummary } from './types.ts';

/** What a load run returns. */
export interface LoadResult {
  summary: LoadSummary;
  /** Every call's report, in start order (calls that failed before their INVITE are absent). */
  reports: CallReport[];
}

/** Checks the bounds. @throws CcsimError `ccsim_bad_option` */
function checkOptions(o: LoadOptions): void {
  const positive = (v: number): boolean => Number.isFinite(v) && v > 0;
  if (!Number.isInteger(o.calls) || o.calls < 1) throw new CcsimError('ccsim_bad_option', `calls must be a positive integer [calls:${o.calls}]`);
  if (!positive(o.rate)) throw new CcsimError('ccsim_bad_option', `rate must be positive [rate:${o.rate}]`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new CcsimError('ccsim_bad_option', `concurrency must be a positive integer [concurrency:${o.concurrency}]`);
  if (!positive(o.maxDurationMs)) throw new CcsimError('ccsim_bad_option', `max duration must be positive [ms:${o.maxDurationMs}]`);
}

/** A counting semaphore for the concurrency bound. */
class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(n: number) {
    this.free = n;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  give(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }

  /** Wakes every waiter (the run is over). */
  flush(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * Runs the load. Never rejects for a failed call: failures are counted in the summary.
 * @throws CcsimError `ccsim_bad_option` for bounds that make no sense
 */
export async function runLoad(cc: ContactCenter, options: LoadOptions): Promise<LoadResult> {
  checkOptions(options);
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(() => deadline.abort(), options.maxDurationMs);
  const stop = (): void => deadline.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted === true) stop();
  const slots = new Slots(options.concurrency);
  deadline.signal.addEventListener('abort', () => slots.flush(), { once: true });
  const started = performance.now();
  const progress: LoadProgress = { started: 0, running: 0, done: 0, failed: 0, total: options.calls, elapsedMs: 0 };
  const report = (): void => {
    progress.elapsedMs = performance.now() - started;
    options.onProgress?.({ ...progress });
  };
  const ticker = setInterval(report, options.progressEveryMs ?? 500);
  const outcomes: Array<Promise<LoadOutcome>> = [];
  let lastStart = started;
  try {
    for (let i = 0; i < options.calls; i++) {
      const dueMs = started + (i * 1000) / options.rate;
      const wait = dueMs - performance.now();
      if (wait > 0 && !(await sleep(wait, true, { signal: deadline.signal }).catch(() => false))) break;
      await slots.take();
      if (deadline.signal.aborted) break;
      lastStart = performance.now();
      progress.started++;
      progress.running++;
      outcomes.push(placeOne(cc, options, i, deadline.signal, progress).finally(() => slots.give()));
    }
    const settled = await Promise.all(outcomes);
    const elapsedMs = performance.now() - started;
    return {
      summary: summarize(settled, options.calls, elapsedMs, lastStart - started),
      reports: settled.flatMap((o) => ('report' in o ? [o.report] : [])),
    };
  } finally {
    clearTimeout(deadlineTimer);
    options.signal?.removeEventListener('abort', stop);
    clearInterval(ticker);
    report();
  }
}

/** One call of the run, with the progress counters kept. */
async function placeOne(cc: ContactCenter, options: LoadOptions, i: number, signal: AbortSignal, progress: LoadProgress): Promise<LoadOutcome> {
  let outcome: LoadOutcome;
  try {
    outcome = { report: await cc.call(options.callOptions(i), signal) };
  } catch (error) {
    outcome = { error };
  }
  progress.running--;
  progress.done++;
  if ('error' in outcome || !isCompleted(outcome.report)) progress.failed++;
  return outcome;
}
