/**
 * The gateway's media clock seen from inside (for bench/media-gateway.ts): subscribes to the
 * clock's diagnostics channel (`TICK_CHANNEL`, src/media/clock.ts) and keeps, per tick, how
 * late its listeners started after the due time, when its `send` phase ended (every
 * stream's packet of the tick is on the wire by then: the RTP sessions send from that phase,
 * synchronously, their sockets resolving IP literals at once), how long the `work` phase
 * after it took (inbound audio, agents' events, RTCP), and which ticks a garbage-collection
 * pause fell into.
 *
 * Every time here is on the production clock's time base, `performance.now()` (its
 * `TickTiming`s and the GC entries both are): mixing in another base (process.hrtime, which
 * counts from boot) once made a column read hours (28 772 925 ms).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createHistogram, PerformanceObserver, type RecordableHistogram } from 'node:perf_hooks';
import { TICK_CHANNEL, type TickTiming } from '../src/media/clock.ts';
import { PACER_CHANNEL, type PacedBatchTiming } from '../src/media/rtp-pacer.ts';

/** p50 / p99 / max, ms. */
export interface ProbePercentiles {
  p50: number;
  p99: number;
  max: number;
}

/** What the probe saw since its previous `take()`. */
export interface TickProbeStats {
  ticks: number;
  /** The send phase's start behind the due time (the prepare phase may run ahead of it). */
  late: ProbePercentiles;
  /** Due time to the end of the clock's `send` phase (= late when no stream uses it). */
  sendPhase: ProbePercentiles;
  /** Due time to the end of the listeners' pass (both phases). */
  pass: ProbePercentiles;
  /** The `work` phase: end of the `send` phase to the end of the pass. */
  work: ProbePercentiles;
  /** Ticks whose pass (its prepare phase or due time, whichever is first, to its end) a garbage-collection pause overlapped. */
  ticksWithGc: number;
  /** Longest such pause, ms. */
  gcInPassMaxMs: number;
  /**
   * The RTP pacer's batches (src/media/rtp-pacer.ts; none without it): how late its thread
   * started each send pass after the due time, and how long the pass took.
   */
  paced?: { batches: number; late: ProbePercentiles; pass: ProbePercentiles };
}

/** A tick's spans, ms, from its {@link TickTiming}. */
export interface TickSpans {
  lateMs: number;
  sendPhaseMs: number;
  passMs: number;
  workMs: number;
}

/** The spans of one tick (all differences of times on the clock's own base). */
export function tickSpans(t: TickTiming): TickSpans {
  return { lateMs: t.sendStartMs - t.dueMs, sendPhaseMs: t.sendEndMs - t.dueMs, passMs: t.endMs - t.dueMs, workMs: t.endMs - t.sendEndMs };
}

/** Recent tick windows, to find the garbage-collection pauses that fell into one. */
const RING = 512;

/** The probe: `take()` the figures since the last take; `stop()` unsubscribes (idempotent). */
export interface TickProbe {
  take(): TickProbeStats;
  stop(): void;
}

/** Starts watching the ticks of every production media clock of this process. */
export function watchTicks(): TickProbe {
  const late = createHistogram();
  const sendPhase = createHistogram();
  const pass = createHistogram();
  const work = createHistogram();
  let ticks = 0;
  const windows = { from: new Float64Array(RING), to: new Float64Array(RING), gc: new Uint8Array(RING), next: 0 };
  let ticksWithGc = 0;
  let gcInPassMaxMs = 0;
  // Microseconds, at least 1: the histograms take positive integers.
  const us = (ms: number): number => Math.max(1, Math.round(ms * 1000));
  const onTick = (message: unknown): void => {
    const t = message as TickTiming;
    const s = tickSpans(t);
    ticks++;
    late.record(us(s.lateMs));
    sendPhase.record(us(s.sendPhaseMs));
    pass.record(us(s.passMs));
    work.record(us(s.workMs));
    const i = windows.next++ % RING;
    // From its prepare phase (which may run ahead of the due time) or its due time, whichever
    // is first: a pause in either delays the sends.
    windows.from[i] = Math.min(t.dueMs, t.startMs);
    windows.to[i] = t.endMs;
    windows.gc[i] = 0;
  };
  subscribe(TICK_CHANNEL, onTick);
  const pacedLate = createHistogram();
  const pacedPass = createHistogram();
  let batches = 0;
  const onBatch = (message: unknown): void => {
    const b = message as PacedBatchTiming;
    batches++;
    pacedLate.record(us(b.startMs - b.dueMs));
    pacedPass.record(us(b.endMs - b.startMs));
  };
  subscribe(PACER_CHANNEL, onBatch);
  // GC entries arrive after the fact, with `startTime` on performance.now()'s base.
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const to = e.startTime + e.duration;
      for (let i = 0; i < Math.min(RING, windows.next); i++) {
        if (e.startTime >= windows.to[i]! || to <= windows.from[i]!) continue;
        if (windows.gc[i] === 0) ticksWithGc++;
        windows.gc[i] = 1;
        gcInPassMaxMs = Math.max(gcInPassMaxMs, e.duration);
      }
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const read = (h: RecordableHistogram): ProbePercentiles => {
    const out = h.count === 0 ? { p50: NaN, p99: NaN, max: NaN } : { p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 };
    h.reset();
    return out;
  };
  let stopped = false;
  return {
    take() {
      const out = {
        ticks, late: read(late), sendPhase: read(sendPhase), pass: read(pass), work: read(work), ticksWithGc, gcInPassMaxMs,
        paced: { batches, late: read(pacedLate), pass: read(pacedPass) },
      };
      ticks = 0;
      batches = 0;
      ticksWithGc = 0;
      gcInPassMaxMs = 0;
      return out;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe(TICK_CHANNEL, onTick);
      unsubscribe(PACER_CHANNEL, onBatch);
      gcObserver.disconnect();
    },
  };
}
