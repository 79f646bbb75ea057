import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaStep } from './media-measure.ts';
import { clockTable, mediaSection } from './media-report.ts';
import type { TickProbeStats } from './tick-probe.ts';

const none = { p50: NaN, p99: NaN, max: NaN };
const spacing = { calls: 100, pairs: 19_900, pps: 50, p50Ms: 0.1, p99Ms: 1.2, maxMs: 3, overBudgetPct: 0.4, seqGaps: 0 };

function step(clock: TickProbeStats, agentSteps?: number): MediaStep {
  return {
    calls: 100, user: spacing, cpuPct: 20, cpuPerCallPct: 0.2, windowCpuPct: 20, othersPct: 0, stealPct: 0, load: 0.5,
    clock, loopP99Ms: 2, genLoopP99Ms: 1, gcMaxMs: 3, gcMajor: 1, gcMajorMaxMs: 2.5, pass: true, ...(agentSteps === undefined ? {} : { agentSteps }),
  };
}

describe('media report', () => {
  it('the clock table shows each span from the due time, and – where the gateway saw no tick', () => {
    const seen: TickProbeStats = {
      ticks: 200, late: { p50: 0.11, p99: 0.18, max: 0.7 }, sendPhase: { p50: 1.21, p99: 1.93, max: 5 },
      work: { p50: 0.21, p99: 0.39, max: 1 }, pass: { p50: 1.45, p99: 2.24, max: 6 }, ticksWithGc: 1, gcInPassMaxMs: 2.5,
      paced: { batches: 199, late: { p50: 0.05, p99: 0.31, max: 1.2 }, pass: { p50: 2.5, p99: 3.25, max: 4 } },
    };
    // What crosses the gateway's stats line: JSON turns NaN into null.
    const idle = JSON.parse(JSON.stringify({ ticks: 0, late: none, sendPhase: none, work: none, pass: none, ticksWithGc: 0, gcInPassMaxMs: 0 })) as TickProbeStats;
    const rows = clockTable([step(seen), step(idle)]).split('\n').slice(2);
    assert.equal(rows[0], '| 100 | 200 | 0.11 / 0.18 / 0.7 | 1.21 / 1.93 | 5.0 | 0.21 / 0.39 | 1.45 / 2.24 | 1 (2.5) | 199 | 0.05 / 0.31 / 1.2 | 2.50 / 3.25 | 2.0 | 3.0 | 1 (2.5) | 1.0 |');
    assert.equal(rows[1], '| 100 | 0 | – / – / – | – / – | – | – / – | – / – | 0 (0.0) | – | – | – | 2.0 | 3.0 | 1 (2.5) | 1.0 |');
  });

  it('names the agent and the flow steps the first call went through', () => {
    const clock = { ticks: 0, late: none, sendPhase: none, work: none, pass: none, ticksWithGc: 0, gcInPassMaxMs: 0 };
    const text = mediaSection({ steps: [step(clock, 3)], agent: 'flow agent playing prompts: …', pinned: 0, load: 0.5, command: 'x', windowSec: 4 });
    assert.match(text, /the gateway's agent: flow agent playing prompts/);
    assert.match(text, /\| – \/ 0 \| 3 \| 20\.0 \|/);
    assert.doesNotMatch(text, /NaN|null|undefined/);
  });
});
