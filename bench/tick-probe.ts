/**
 * The gateway's media clock seen from inside (for bench/media-gateway.ts): subscribes to the
 * clock's diagnostics channel (`TICK_CHANNEL`, src/media/clock.ts) and keeps, per tick, how
 * late its listeners started after the due time, when its `send` phase and its whole pass
 * over every stream ended, and how long the sends queued by that pass took after it (Node's
 * dgram defers a send to an IP address to the next tick, so those packets leave after the
 * whole pass), and which passes a garbage-collection pause fell into.
 */
import { subscribe } from 'node:diagnostics_channel';
import { createHistogram, PerformanceObserver, type RecordableHistogram } from 'node:perf_hooks';
import { TICK_CHANNEL, type TickTiming } from '../src/media/clock.ts';

/** p50 / p99 / max, ms. */
export interface ProbePercentiles {
  p50: number;
  p99: number;
  max: number;
}

/** What the probe saw since its previous `take()`. */
export interface TickProbeStats {
  ticks: number;
  /** Listeners' start behind the due time. */
  late: ProbePercentiles;
  /** Due time to the end of the clock's `send` phase (= late when no stream uses it). */
  sendPhase: ProbePercentiles;
  /** Due time to the end of the listeners' pass. */
  pass: ProbePercentiles;
  /** End of the pass to the end of the sends it queued. */
  sends: ProbePercentiles;
  /** Ticks whose pass (due time to the end of its sends) a garbage-collection pause overlapped. */
  ticksWithGc: number;
  /** Longest such pause, ms. */
  gcInPassMaxMs: number;
}

/** Recent tick windows, to find the garbage-collection pauses that fell into one. */
const RING = 512;

/** Starts watching the ticks of every media clock of this process. */
export function watchTicks(): { take(): TickProbeStats } {
  const late = createHistogram();
  const sendPhase = createHistogram();
  const pass = createHistogram();
  const sends = createHistogram();
  let ticks = 0;
  const windows = { from: new Float64Array(RING), to: new Float64Array(RING), gc: new Uint8Array(RING), next: 0 };
  let ticksWithGc = 0;
  let gcInPassMaxMs = 0;
  // Microseconds, at least 1: the histograms take positive integers.
  const us = (ms: number): number => Math.max(1, Math.round(ms * 1000));
  subscribe(TICK_CHANNEL, (message) => {
    const t = message as TickTiming;
    ticks++;
    late.record(us(t.startMs - t.dueMs));
    sendPhase.record(us(t.sendEndMs - t.dueMs));
    pass.record(us(t.endMs - t.dueMs));
    // Queued after the pass's own sends: runs when they are done.
    process.nextTick(() => {
      const end = hrMs();
      sends.record(us(end - t.endMs));
      const i = windows.next++ % RING;
      windows.from[i] = t.dueMs;
      windows.to[i] = end;
      windows.gc[i] = 0;
    });
  });
  // GC entries arrive after the fact, on performance.now()'s base: map them to hrtime.
  const offset = hrMs() - performance.now();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const from = e.startTime + offset;
      const to = from + e.duration;
      for (let i = 0; i < Math.min(RING, windows.next); i++) {
        if (from >= windows.to[i]! || to <= windows.from[i]!) continue;
        if (windows.gc[i] === 0) ticksWithGc++;
        windows.gc[i] = 1;
        gcInPassMaxMs = Math.max(gcInPassMaxMs, e.duration);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const read = (h: RecordableHistogram): ProbePercentiles => {
    const out = { p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 };
    h.reset();
    return out;
  };
  return {
    take() {
      const out = { ticks, late: read(late), sendPhase: read(sendPhase), pass: read(pass), sends: read(sends), ticksWithGc, gcInPassMaxMs };
      ticks = 0;
      ticksWithGc = 0;
      gcInPassMaxMs = 0;
      return out;
    },
  };
}

/** The production clock's time base (process.hrtime), ms. */
function hrMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
