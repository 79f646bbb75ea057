// Hand-run with the bench: `node --import tsx --test bench/pcap.test.ts bench/spacing.test.ts`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { burstsOf, CallTrace, gridFit, percentile, spacingOf, type TracePacket } from './spacing.ts';

const round = (n: number): number => Math.round(n * 1000) / 1000;

test('spacing: |Δ − 20| over consecutive sequence numbers; a gap is counted, not measured', () => {
  const a = new CallTrace(10);
  for (const [t, seq] of [[0, 1], [20, 2], [41, 3], [80, 5], [100, 6]] as const) a.push(t, seq);
  const b = new CallTrace(10);
  b.push(5, 65535);
  b.push(24, 0); // sequence wrap
  const s = spacingOf([a, b]);
  assert.equal(s.pairs, 4);
  assert.equal(s.seqGaps, 1);
  assert.equal(s.maxMs, 1);
  assert.equal(s.overBudgetPct, 0);
  assert.equal(s.calls, 2);
  // a: 4 intervals over 100 ms = 40 pps; b: 1 over 19 ms.
  assert.equal(round(s.pps), round((40 + 1000 / 19) / 2));
});

test('spacing: the share of pairs beyond ±2 ms', () => {
  const a = new CallTrace(10);
  // Intervals 20, 23 (late), 17 (early by as much), 22, 20: two of five beyond 2 ms; 2 exactly is within.
  for (const [t, seq] of [[0, 1], [20, 2], [43, 3], [60, 4], [82, 5], [102, 6]] as const) a.push(t, seq);
  assert.equal(spacingOf([a]).overBudgetPct, 40);
  assert.ok(Number.isNaN(spacingOf([]).overBudgetPct));
});

test('a trace keeps at most its capacity and counts the rest', () => {
  const t = new CallTrace(2);
  t.push(0, 0);
  t.push(20, 1);
  t.push(40, 2);
  assert.equal(t.count, 2);
  assert.equal(t.overflow, 1);
});

test('percentile picks from sorted values', () => {
  const s = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(percentile(s, 50), 6);
  assert.equal(percentile(s, 99), 10);
  assert.ok(Number.isNaN(percentile(new Float64Array(0), 50)));
});

/** Ticks of `calls` packets 10 µs apart, starting at `starts`. */
function ticks(starts: number[], calls: number): TracePacket[] {
  return starts.flatMap((s) => Array.from({ length: calls }, (_, call) => ({ timeMs: s + call * 0.01, call })));
}

test('bursts: tick jitter from the first packets, lateness against the 20 ms grid, send pass spread', () => {
  // Tick 2 starts 3 ms late; the others on time.
  const b = burstsOf(ticks([0, 20, 43, 60, 80, 100], 3), 3);
  assert.equal(b.bursts, 6);
  assert.equal(b.meanSize, 3);
  assert.deepEqual([b.tickJitter.p50, b.tickJitter.max].map(round), [0, 3]);
  // 43 after 20 and 60 after 43: two starts 3 ms off a period (each a spacing of every call).
  assert.equal(b.ticksOverBudget, 2);
  assert.equal(round(b.spread.max), 0.02);
  assert.equal(round(b.positionChange.max), 0);
  // The least-squares grid takes a little of the outlier: about 3 ms above the others.
  assert.ok(b.lateness.max > 2.5 && b.lateness.max < 3.5, `${b.lateness.max}`);
  assert.ok(Math.abs(b.fittedPeriodMs - 20) < 0.2);
});

test('bursts: a call seen twice starts a new burst (back-to-back catch-up ticks), a call moving in the pass shows', () => {
  const packets: TracePacket[] = [
    { timeMs: 0, call: 0 }, { timeMs: 0.01, call: 1 },
    // Catch-up: two ticks back to back, no silence between them.
    { timeMs: 25, call: 0 }, { timeMs: 25.01, call: 1 }, { timeMs: 25.02, call: 0 }, { timeMs: 25.03, call: 1 },
    // Call 1 leaves 2 ms after call 0 this time.
    { timeMs: 60, call: 0 }, { timeMs: 62, call: 1 },
  ];
  const b = burstsOf(packets, 2);
  assert.equal(b.bursts, 4);
  assert.equal(round(b.positionChange.max), round(2 - 0.01));
});

test('grid fit: numbers ticks across a gap and measures lateness above the earliest', () => {
  // Ticks 0, 1, 3 (tick 2 skipped), 4 late by 1 ms.
  const fit = gridFit([1000, 1020, 1060, 1081], 20);
  assert.equal(fit.lateness.length, 4);
  assert.ok(fit.periodMs > 20 && fit.periodMs < 20.3);
  assert.equal(Math.min(...fit.lateness), 0);
  assert.equal(fit.lateness.indexOf(Math.max(...fit.lateness)), 3);
});
