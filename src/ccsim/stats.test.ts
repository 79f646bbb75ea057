import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CcsimError } from './errors.ts';
import { formatSummary } from './format.ts';
import { percentiles, summarize } from './stats.ts';
import type { CallReport } from './types.ts';

test('percentiles by nearest rank', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(percentiles(samples), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  assert.deepEqual(percentiles([7]), { count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
  assert.equal(percentiles([]).count, 0);
});

function report(over: Partial<CallReport>): CallReport {
  return {
    sessionId: 'S', callId: 'c', invite: { uri: 'sip:7001@gw', headers: [] },
    answer: { status: 200, reason: 'OK', setupMs: 5 }, ended: 'agent', durationMs: 100, variables: {},
    media: { packetsSent: 1, packetsReceived: 1, heard: false, activeMs: 0, peakDbfs: -100, dtmf: [] },
    sessionUpdates: [],
    query: { branch: 'success', reason: '', attempts: [], latencyMs: 3 },
    decision: { action: 'transfer', skill: 'billing', source: 'handoff_api', reason: '' },
    issues: [],
    ...over,
  };
}

test('summary: outcomes, answers, decisions, latencies and errors by kind', () => {
  const s = summarize([
    { report: report({}) },
    { report: report({ answer: { status: 200, reason: 'OK', setupMs: 9 }, query: { branch: 'timeout', kind: 'timeout', reason: '', attempts: [], latencyMs: 2000 } }) },
    { report: report({ answer: { status: 486, reason: 'Busy Here', setupMs: 2 }, ended: 'not_answered', decision: { action: 'transfer', skill: 'default', source: 'default', reason: '' }, query: { branch: 'skipped', reason: '', attempts: [], latencyMs: 0 } }) },
    { report: report({ ended: 'timeout', decision: { action: 'end', source: 'caller', reason: '' }, query: { branch: 'error', kind: 'http_4xx', status: 404, reason: '', attempts: [], latencyMs: 1 } }) },
    { error: new CcsimError('ccsim_setup_failed', 'x') },
  ], 6, 1000);
  assert.equal(s.started, 5);
  assert.equal(s.skipped, 1);
  assert.equal(s.completed, 2);
  assert.equal(s.failed, 3);
  assert.deepEqual(s.answers, { 200: 3, 486: 1 });
  assert.deepEqual(s.decisions, { 'transfer:billing': 2, 'transfer:default': 1, end: 1 });
  assert.deepEqual(s.queryBranches, { success: 1, timeout: 1, skipped: 1, error: 1 });
  assert.equal(s.setupMs.count, 3);
  assert.equal(s.handoffFetchMs.max, 2000);
  assert.deepEqual(s.audio, { heard: 0, silent: 3 });
  assert.deepEqual(s.errors, { query_timeout: 1, sip_486: 1, call_timeout: 1, query_http_404: 1, ccsim_setup_failed: 1 });
  assert.match(formatSummary(s), /6 calls: 5 started, 2 completed, 3 failed, 1 skipped/);
});
