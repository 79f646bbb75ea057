import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, DEFAULT_SKILL } from './case.ts';
import type { QueryResult } from './types.ts';

const ok = (data: Record<string, unknown>): QueryResult => ({
  branch: 'success', reason: '200 OK after 1 attempt', attempts: [], latencyMs: 1, handoff: { id: 'c', shared_id: 'S', data: data as never },
});
const failed: QueryResult = { branch: 'error', reason: '404 not_found', kind: 'http_4xx', attempts: [], latencyMs: 1 };
const skipped: QueryResult = { branch: 'skipped', reason: 'no Handoff API configured', attempts: [], latencyMs: 0 };

test('the Handoff API record decides: transfer to the skill of its destination', () => {
  const d = decide({ ended: 'agent', answerStatus: 200, variables: { contained: 'false', destination: 'billing' }, query: ok({ contained: false, destination: 'billing', x: 1 }) });
  assert.deepEqual([d.action, d.skill, d.destination, d.contained, d.source], ['transfer', 'billing', 'billing', false, 'handoff_api']);
  assert.match(d.reason, /agree/);
  assert.equal(d.data?.['x'], 1);
});

test('the record wins over BYE headers that disagree, and the reason says so', () => {
  const d = decide({ ended: 'agent', answerStatus: 200, variables: { contained: 'false', destination: 'support' }, query: ok({ contained: false, destination: 'billing' }) });
  assert.equal(d.skill, 'billing');
  assert.match(d.reason, /DISAGREE/);
});

test('contained in the record ends the call; no destination in the record → default skill', () => {
  assert.equal(decide({ ended: 'agent', answerStatus: 200, variables: {}, query: ok({ contained: true }) }).action, 'end');
  const d = decide({ ended: 'agent', answerStatus: 200, variables: {}, query: ok({ contained: false }), routing: { defaultSkill: 'general' } });
  assert.deepEqual([d.action, d.skill, d.source], ['transfer', 'general', 'handoff_api']);
});

test('API failed or skipped: the BYE headers decide, mapped through the skill table', () => {
  const d = decide({ ended: 'agent', answerStatus: 200, variables: { contained: 'false', destination: 'billing' }, query: failed, routing: { skills: { billing: 'Billing_Q' } } });
  assert.deepEqual([d.action, d.skill, d.source], ['transfer', 'Billing_Q', 'bye_headers']);
  assert.match(d.reason, /Handoff API error: 404 not_found/);
  assert.equal(decide({ ended: 'agent', answerStatus: 200, variables: { contained: 'TRUE' }, query: skipped }).action, 'end');
});

test('API failed and no BYE destination: the default skill', () => {
  const d = decide({ ended: 'agent', answerStatus: 200, variables: {}, query: failed });
  assert.deepEqual([d.action, d.skill, d.source], ['transfer', DEFAULT_SKILL, 'default']);
});

test('not answered → default skill; the caller left → end; the call failed → default skill', () => {
  assert.deepEqual(
    Object.values(decide({ ended: 'not_answered', answerStatus: 486, variables: {}, query: skipped })).slice(0, 3),
    ['transfer', DEFAULT_SKILL, 'default'],
  );
  for (const ended of ['caller', 'timeout', 'aborted'] as const) {
    const d = decide({ ended, answerStatus: 200, variables: {}, query: ok({ contained: false, destination: 'billing' }) });
    assert.deepEqual([d.action, d.source], ['end', 'caller']);
  }
  assert.equal(decide({ ended: 'error', answerStatus: 200, variables: {}, query: skipped }).source, 'default');
});
