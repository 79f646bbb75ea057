/**
 * The load mode's arithmetic: percentiles (nearest rank) and the closing summary of a
 * run from its call reports. Pure.
 */
import type { CallReport, LoadSummary, Percentiles } from './types.ts';

/** Percentiles by the nearest-rank method; all zero for no samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] as number };
}

/** True when a call counts as completed: answered 2xx and ended by the agent or the script. */
export function isCompleted(r: CallReport): boolean {
  return r.answer.status >= 200 && r.answer.status < 300 && (r.ended === 'agent' || r.ended === 'caller');
}

/** One outcome of a load run: a report, or the error that stopped the call before its INVITE. */
export type LoadOutcome = { report: CallReport } | { error: unknown };

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** The error kinds of one call (a completed call may still have some, e.g. a failed query). */
export function errorKinds(r: CallReport): string[] {
  const out: string[] = [];
  if (r.answer.status >= 300) out.push(`sip_${r.answer.status}`);
  if (r.ended === 'timeout' || r.ended === 'error' || r.ended === 'aborted') out.push(`call_${r.ended}`);
  if (r.query.branch === 'error' || r.query.branch === 'timeout') {
    const http = r.query.kind === 'http_4xx' || r.query.kind === 'http_5xx';
    out.push(http && r.query.status !== undefined ? `query_http_${r.query.status}` : `query_${r.query.kind ?? r.query.branch}`);
  }
  for (const issue of r.issues) out.push(issue.code);
  return out;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'exception';
}

/**
 * The closing summary.
 * @param startSpanMs from the first call's start to the last one's (for the rate achieved)
 */
export function summarize(outcomes: readonly LoadOutcome[], calls: number, elapsedMs: number, startSpanMs = elapsedMs): LoadSummary {
  const s: LoadSummary = {
    calls, started: outcomes.length, completed: 0, failed: 0, skipped: calls - outcomes.length, elapsedMs,
    rateAchieved: outcomes.length > 1 && startSpanMs > 0 ? ((outcomes.length - 1) * 1000) / startSpanMs : outcomes.length,
    answers: {}, ended: {}, decisions: {}, queryBranches: {},
    setupMs: percentiles([]), handoffFetchMs: percentiles([]), audio: { heard: 0, silent: 0 }, errors: {},
  };
  const setup: number[] = [];
  const fetches: number[] = [];
  for (const o of outcomes) {
    if ('error' in o) {
      s.failed++;
      bump(s.errors, errorCode(o.error));
      continue;
    }
    const r = o.report;
    if (isCompleted(r)) s.completed++;
    else s.failed++;
    bump(s.answers, String(r.answer.status));
    bump(s.ended, r.ended);
    bump(s.decisions, r.decision.action === 'transfer' ? `transfer:${r.decision.skill ?? '?'}` : 'end');
    bump(s.queryBranches, r.query.branch);
    if (r.answer.status < 300) setup.push(r.answer.setupMs);
    if (r.query.branch !== 'skipped') fetches.push(r.query.latencyMs);
    if (r.media !== undefined && r.answer.status < 300) {
      if (r.media.heard) s.audio.heard++;
      else s.audio.silent++;
    }
    for (const kind of errorKinds(r)) bump(s.errors, kind);
  }
  s.setupMs = percentiles(setup);
  s.handoffFetchMs = percentiles(fetches);
  return s;
}
