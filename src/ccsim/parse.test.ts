import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thrownCode } from '../../test/support/error-code.ts';
import { parseDtmfMode, parseDuration, parsePositive, parsePresses, parseSkillMap, parseTarget } from './parse.ts';

test('durations: ms, s, m, bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('3'), 3000);
  assert.equal(thrownCode(() => parseDuration('soon')), 'ccsim_bad_option');
  assert.equal(thrownCode(() => parseDuration('-1s')), 'ccsim_bad_option');
});

test('presses: DIGITS@TIME, sorted; a bare digit is pressed at 1 s', () => {
  assert.deepEqual(parsePresses('#@3s, 12@1.5s'), [{ digits: '12', atMs: 1500 }, { digits: '#', atMs: 3000 }]);
  assert.deepEqual(parsePresses('1'), [{ digits: '1', atMs: 1000 }]);
  assert.deepEqual(parsePresses('a@0'), [{ digits: 'A', atMs: 0 }]);
  assert.equal(thrownCode(() => parsePresses('x@1s')), 'ccsim_bad_option');
  assert.equal(thrownCode(() => parsePresses(',')), 'ccsim_bad_option');
});

test('skill maps, DTMF modes, positives, targets', () => {
  assert.deepEqual(parseSkillMap(['billing=Billing_Q', 'support = Tier1']), { billing: 'Billing_Q', support: 'Tier1' });
  assert.equal(thrownCode(() => parseSkillMap(['billing'])), 'ccsim_bad_option');
  assert.equal(parseDtmfMode('INFO'), 'info');
  assert.equal(parseDtmfMode('rfc2833'), 'rfc4733');
  assert.equal(thrownCode(() => parseDtmfMode('inband')), 'ccsim_bad_option');
  assert.equal(parsePositive('50', 'rate'), 50);
  assert.equal(parsePositive('0.5', 'rate', false), 0.5);
  assert.equal(thrownCode(() => parsePositive('0.5', 'calls')), 'ccsim_bad_option');
  assert.deepEqual(parseTarget('10.0.0.5'), { host: '10.0.0.5', port: 5060 });
  assert.deepEqual(parseTarget('[::1]:5070'), { host: '::1', port: 5070 });
  assert.deepEqual(parseTarget('gw.example.com:5080'), { host: 'gw.example.com', port: 5080 });
  assert.equal(thrownCode(() => parseTarget('gw:99999')), 'ccsim_bad_option');
});
