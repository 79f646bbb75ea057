import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { asyncMarkdown, clean, COST_HEADING, demandPct, sippVersionOf, type Step } from './cps-report.ts';
import { withSection } from './doc-section.ts';

function step(rate: number, cpuUsPerCall: number, over: Partial<Step> = {}): Step {
  const calls = rate * 10;
  return {
    rate, calls, successful: calls, failed: 0, sippExit: 0, cpuPct: 90, cpuUsPerCall, othersPct: 0,
    loopP99Ms: 20, loopMaxMs: 100, p50Ms: 1, p99Ms: 200, maxMs: 300, ...over,
  };
}

test('a step is clean only when every call succeeded within one core per offered second', () => {
  // 2026-11-26: 2,400 cps "clean" by SIPp's count at 475 µs a call, 114 % of a core: the
  // calls came through on retransmitted INVITEs while SIPp waited out the backlog.
  assert.equal(demandPct(step(2400, 475)), 114);
  assert.equal(clean(step(2400, 475)), false);
  assert.equal(demandPct(step(2000, 427)), 85);
  assert.equal(clean(step(2000, 427)), true);
  assert.equal(clean(step(2000, 427, { failed: 1, successful: 19_999 })), false);
  assert.equal(clean(step(2000, 427, { successful: 19_000 })), false);
  assert.equal(clean(step(2000, 427, { sippExit: 1 })), false);
});

test('--write replaces the generated section of docs/benchmarks.md and keeps the hand-written cost section', () => {
  const doc = readFileSync(new URL('../docs/benchmarks.md', import.meta.url), 'utf8');
  const costAt = doc.indexOf(`\n${COST_HEADING}\n`);
  assert.ok(costAt > doc.indexOf('\n## Calls per second\n'), 'the cost section follows the generated one');
  const costEnd = doc.indexOf('\n## ', costAt + 1);
  const cost = doc.slice(costAt, costEnd);
  const written = withSection(doc, '## Calls per second', '## Calls per second\n\nnew figures\n');
  const generated = written.slice(written.indexOf('## Calls per second\n'), written.indexOf(`${COST_HEADING}\n`));
  assert.equal(generated, '## Calls per second\n\nnew figures\n\n', 'only the generated section changed');
  assert.ok(written.includes(cost), 'the hand-written section is intact');
});

test('the SIPp version is read from sipp -v, not assumed', () => {
  assert.equal(sippVersionOf('\n SIPp v3.6.1-SCTP-PCAP-RTPSTREAM.\n\n'), 'SIPp v3.6.1-SCTP-PCAP-RTPSTREAM');
  assert.equal(sippVersionOf('SIPp v3.7.3-TLS-SCTP-PCAP-RTPSTREAM.\n This program is free software'), 'SIPp v3.7.3-TLS-SCTP-PCAP-RTPSTREAM');
  assert.match(sippVersionOf('no version here'), /not found/);
});

test('the async count reads per call, by type and by site, most first', () => {
  const md = asyncMarkdown({
    step: step(100, 400),
    counts: {
      types: { Timeout: 1500, PROMISE: 67_000 },
      sites: [{ type: 'PROMISE', site: 'Call.run (src/call/call.ts:113:9) < a|b', count: 1000 }],
      sampleEvery: 16,
    },
  });
  const lines = md.split('\n');
  assert.ok(lines.indexOf('| 67.00 | PROMISE |') < lines.indexOf('| 1.50 | Timeout |'), md);
  assert.ok(lines.includes('| 1.00 | PROMISE | Call.run (src/call/call.ts:113:9) < a\\|b |'), md);
  assert.match(md, /of one step, 1000 calls/);
  assert.match(md, /one stack in 16/);
});
