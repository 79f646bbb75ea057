import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStepRow, summarizePairs, type AbStep } from './cps-ab-report.ts';

const TABLE = [
  '| offered cps | calls | successful | failed | gateway CPU | CPU needed per offered s | CPU µs/call | core 0 used by others | x |',
  '|---|---|---|---|---|---|---|---|---|',
  '| 1600 | 16000 | 15998 | 2 | 74 % | 75 % | 469 | 3 % | 24 / 46 |',
  '| 800 (half rate) | 8000 | 8000 | 0 | 40 % | 41 % | 510 | 0 % | 10 / 12 |',
].join('\n');

test('reads the step at the rate asked for, not the half-rate row', () => {
  assert.deepEqual(parseStepRow(TABLE, 1600), { cpuUsPerCall: 469, failed: 2, othersPct: 3 });
  assert.equal(parseStepRow(TABLE, 800), undefined, '"800 (half rate)" is not the step at 800');
  assert.equal(parseStepRow('no table', 1600), undefined);
});

test('means and differences over the pairs where both steps are kept', () => {
  const s = (cpuUsPerCall: number, failed = 0): AbStep => ({ cpuUsPerCall, failed, othersPct: 0 });
  const sum = summarizePairs([[s(400), s(380)], [s(500), s(490)], [s(450, 3), s(300)], [undefined, s(100)]], (x) => x.failed === 0);
  assert.deepEqual(sum, { kept: 2, meanA: 450, meanB: 435, meanDiff: -15, medianDiff: -15, minDiff: -20, maxDiff: -10, lower: 2, higher: 0 });
  assert.equal(summarizePairs([[s(1, 1), s(2)]], (x) => x.failed === 0), undefined);
});

test('the median and the sign count are not moved by one outlier pair, where the mean is', () => {
  const s = (cpuUsPerCall: number): AbStep => ({ cpuUsPerCall, failed: 0, othersPct: 0 });
  const sum = summarizePairs([[s(400), s(410)], [s(400), s(405)], [s(400), s(400)], [s(400), s(587)], [s(400), s(390)]], () => true);
  assert.ok(sum !== undefined);
  assert.equal(sum.meanDiff, 38.4, 'the +187 pair pulls the mean');
  assert.equal(sum.medianDiff, 5);
  assert.deepEqual([sum.lower, sum.higher], [1, 3], 'the tie counts in neither');
  const even = summarizePairs([[s(400), s(390)], [s(400), s(420)]], () => true);
  assert.equal(even?.medianDiff, 5, 'the mean of the two middle differences');
});
