/**
 * Spacing analysis of the media bench: how regularly the gateway's RTP leaves, from packet
 * times per call (user-space arrival times, or the kernel's capture timestamps).
 * - Per call: |Δ − period| between consecutive packets (consecutive sequence numbers only:
 *   a packet missing from the trace is counted as a gap, not as spacing), and packets/s.
 * - Per tick (kernel trace only): one media clock sends every call in one pass per tick, so
 *   the trace is a series of bursts. The first packet of each burst shows the clock's own
 *   jitter (tick-to-tick |Δ − period|, and lateness against the best-fit 20 ms grid); the
 *   change of a call's position inside its burst from one tick to the next shows the send
 *   pass's share. Per-call deviation ≈ tick jitter + position change.
 */

/** Packet times and sequence numbers of one call, in arrival order; fixed capacity. */
export class CallTrace {
  readonly times: Float64Array;
  readonly seqs: Uint16Array;
  count = 0;
  /** Packets that did not fit. */
  overflow = 0;

  /** @param capacity most packets kept */
  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.seqs = new Uint16Array(capacity);
  }

  /** Records a packet (kept minimal: this runs in the receive callback). */
  push(timeMs: number, seq: number): void {
    const n = this.count;
    if (n === this.times.length) {
      this.overflow++;
      return;
    }
    this.times[n] = timeMs;
    this.seqs[n] = seq;
    this.count = n + 1;
  }
}

/** The spacing target: |Δ − period| within this at the 99th percentile, ms (issue #4). */
export const SPACING_BUDGET_MS = 2;

/** Percentiles of |Δ − period| over the consecutive packets of every call. */
export interface SpacingStats {
  /** Calls with at least one packet. */
  calls: number;
  /** Consecutive-sequence pairs measured. */
  pairs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share of the pairs beyond ±{@link SPACING_BUDGET_MS}, % (the target allows 1). */
  overBudgetPct: number;
  /** Breaks in a call's sequence numbers (packets missing from the trace). */
  seqGaps: number;
  /** Packets per second per call (first to last packet of each call; a call with fewer than 2 counts 0), mean over calls. */
  pps: number;
}

/** Burst (tick) analysis of a kernel trace. */
export interface BurstStats {
  bursts: number;
  /** Mean packets per burst. */
  meanSize: number;
  /** |Δ − period| between the first packets of consecutive bursts, ms. */
  tickJitter: Percentiles;
  /**
   * Bursts that started more than ±{@link SPACING_BUDGET_MS} off a period after the one
   * before: each puts one spacing of nearly every call beyond the budget, so at N calls one
   * such tick in a hundred is the whole 1 % the target allows, whatever the send pass does.
   */
  ticksOverBudget: number;
  /** First packet of each burst behind the best-fit grid of period ms (its earliest burst at 0), ms. */
  lateness: Percentiles;
  /** Period of that fit, ms (the clock's rate on the kernel's time base). */
  fittedPeriodMs: number;
  /** First to last packet of a burst: the send pass on the wire, ms. */
  spread: Percentiles;
  /** |change of a call's offset from its burst's first packet| between consecutive ticks, ms. */
  positionChange: Percentiles;
}

/** p50, p99 and max, ms. */
export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** The p-th percentile (0–100) of sorted values; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function percentiles(values: number[]): Percentiles {
  const s = Float64Array.from(values).sort();
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.length === 0 ? NaN : s[s.length - 1]! };
}

/**
 * Spacing and rate of every call's trace.
 * @param periodMs the nominal packet interval, ms (20)
 */
export function spacingOf(traces: readonly CallTrace[], periodMs = 20): SpacingStats {
  const devs: number[] = [];
  let seqGaps = 0;
  let rates = 0;
  let calls = 0;
  for (const t of traces) {
    if (t.count > 0) calls++;
    // Rate from first to last packet (the window's edges would add ±1 packet); a stall inside still shows.
    if (t.count > 1) rates += ((t.count - 1) * 1000) / (t.times[t.count - 1]! - t.times[0]!);
    for (let i = 1; i < t.count; i++) {
      if (((t.seqs[i]! - t.seqs[i - 1]!) & 0xffff) !== 1) {
        seqGaps++;
        continue;
      }
      devs.push(Math.abs(t.times[i]! - t.times[i - 1]! - periodMs));
    }
  }
  const p = percentiles(devs);
  const over = devs.reduce((n, d) => (d > SPACING_BUDGET_MS ? n + 1 : n), 0);
  return {
    calls, pairs: devs.length, p50Ms: p.p50, p99Ms: p.p99, maxMs: p.max, seqGaps,
    overBudgetPct: devs.length === 0 ? NaN : (100 * over) / devs.length,
    pps: traces.length === 0 ? NaN : rates / traces.length,
  };
}

/** One packet of a time-ordered trace of every call: its time and its call's index. */
export interface TracePacket {
  timeMs: number;
  call: number;
}

/**
 * Splits a time-ordered trace into bursts (one per tick) and measures them. A burst ends
 * when a call shows up a second time (each call sends once per tick) or after a silence
 * of half a period.
 * @param calls number of distinct call indexes
 */
export function burstsOf(packets: readonly TracePacket[], calls: number, periodMs = 20): BurstStats {
  const starts: number[] = [];
  const spreads: number[] = [];
  // Burst in which each call was last seen (-2: never, so that burst 0 has no predecessor).
  const burstOf = new Int32Array(calls).fill(-2);
  const lastOffset = new Float64Array(calls);
  const positionChanges: number[] = [];
  let start = NaN;
  let last = NaN;
  for (const p of packets) {
    const burst = starts.length - 1;
    if (burst < 0 || burstOf[p.call] === burst || p.timeMs - last > periodMs / 2) {
      if (burst >= 0) spreads.push(last - start);
      start = p.timeMs;
      starts.push(start);
    }
    const current = starts.length - 1;
    const offset = p.timeMs - start;
    // Only from one tick to the very next one: a call missing from a burst restarts its chain.
    if (burstOf[p.call] === current - 1) positionChanges.push(Math.abs(offset - lastOffset[p.call]!));
    burstOf[p.call] = current;
    lastOffset[p.call] = offset;
    last = p.timeMs;
  }
  if (starts.length > 0) spreads.push(last - start);
  const jitter: number[] = [];
  for (let i = 1; i < starts.length; i++) jitter.push(Math.abs(starts[i]! - starts[i - 1]! - periodMs));
  const fit = gridFit(starts, periodMs);
  return {
    bursts: starts.length, meanSize: starts.length === 0 ? 0 : packets.length / starts.length,
    tickJitter: percentiles(jitter), ticksOverBudget: jitter.reduce((n, d) => (d > SPACING_BUDGET_MS ? n + 1 : n), 0), lateness: percentiles(fit.lateness), fittedPeriodMs: fit.periodMs,
    spread: percentiles(spreads), positionChange: percentiles(positionChanges),
  };
}

/**
 * Numbers the bursts on the tick grid (a gap of k periods is k ticks; back-to-back catch-up
 * bursts are one tick each), fits time = a + b × tick by least squares, and returns each
 * burst's residual above the smallest one.
 */
export function gridFit(starts: readonly number[], periodMs: number): { lateness: number[]; periodMs: number } {
  if (starts.length < 2) return { lateness: starts.map(() => 0), periodMs: NaN };
  const ticks: number[] = [0];
  for (let i = 1; i < starts.length; i++) {
    ticks.push(ticks[i - 1]! + Math.max(1, Math.round((starts[i]! - starts[i - 1]!) / periodMs)));
  }
  const n = starts.length;
  const t0 = starts[0]!;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = ticks[i]!;
    const y = starts[i]! - t0;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const a = (sy - b * sx) / n;
  const residuals = starts.map((s, i) => s - t0 - (a + b * ticks[i]!));
  const min = Math.min(...residuals);
  return { lateness: residuals.map((r) => r - min), periodMs: b };
}
