/**
 * The arithmetic of bench/cps-ab.ts: a step's row read from cps.ts's table, and the pairs'
 * means and differences.
 */

/** One step of one build, from its row of cps.ts's table. */
export interface AbStep {
  cpuUsPerCall: number;
  failed: number;
  othersPct: number;
}

/** Reads the step at `rate` from cps.ts's markdown output; undefined when there is none. */
export function parseStepRow(output: string, rate: number): AbStep | undefined {
  for (const line of output.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | offered cps | calls | successful | failed | gateway CPU | needed | CPU µs/call | others | ...
    if (cells[1] !== String(rate)) continue;
    const failed = Number(cells[4]);
    const cpu = Number(cells[7]);
    const others = Number.parseFloat(cells[8] ?? '');
    if (Number.isFinite(failed) && Number.isFinite(cpu) && Number.isFinite(others)) return { cpuUsPerCall: cpu, failed, othersPct: others };
  }
  return undefined;
}

/** The median of a non-empty list. */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Means of the kept pairs and their differences (B - A). */
export interface AbSummary {
  kept: number;
  meanA: number;
  meanB: number;
  meanDiff: number;
  /** The middle difference (the mean of the two middle ones for an even count): one outlier pair cannot move it. */
  medianDiff: number;
  minDiff: number;
  maxDiff: number;
  /** Pairs where B took less CPU a call than A, and where it took more (ties in neither). */
  lower: number;
  higher: number;
}

/** Summarises pairs; a pair is kept when both steps are (see `keep`). Undefined when none is. */
export function summarizePairs(pairs: readonly [AbStep | undefined, AbStep | undefined][], keep: (s: AbStep) => boolean): AbSummary | undefined {
  const kept = pairs.filter((p): p is [AbStep, AbStep] => p[0] !== undefined && p[1] !== undefined && keep(p[0]) && keep(p[1]));
  if (kept.length === 0) return undefined;
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const diffs = kept.map(([a, b]) => b.cpuUsPerCall - a.cpuUsPerCall);
  return {
    kept: kept.length,
    meanA: mean(kept.map(([a]) => a.cpuUsPerCall)),
    meanB: mean(kept.map(([, b]) => b.cpuUsPerCall)),
    meanDiff: mean(diffs),
    medianDiff: median(diffs),
    minDiff: Math.min(...diffs),
    maxDiff: Math.max(...diffs),
    lower: diffs.filter((d) => d < 0).length,
    higher: diffs.filter((d) => d > 0).length,
  };
}
