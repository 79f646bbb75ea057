import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTrunk } from '../routing/index.ts';
import type { Agent } from '../store/index.ts';
import { parseInfoDigit } from './dtmf.ts';
import { buildHandoffRecord, byeHeaders, finalizeOutcome } from './outcome.ts';
import { CallStateError, CallStateMachine } from './state.ts';

const agent: Agent = {
  id: 'a1', tenantId: 't1', slug: 'demo', name: 'Demo', kind: 'builtin', config: {}, destinations: ['billing', 'support'],
  defaultDestination: 'support', maxConcurrentCalls: 0, ringTimeMs: 0, fallback: { contained: false, destination: 'billing' }, createdAt: 0,
};

const trunk = compileTrunk({
  name: 'cc', sources: ['127.0.0.1/32'], onDenied: 'reject', tokenHeader: 'X-PolyAi-Auth-Token', sharedIdHeaders: ['X-five9sessionid'],
  byeHeaders: { contained: 'X-Contained', destination: 'X-Skill' }, transfer: 'bye',
});

test('a configured destination is kept; the BYE and the record agree', () => {
  const final = finalizeOutcome(agent, { contained: false, destination: 'billing', data: { customer_id: 42, contained: true } }, 'agent');
  assert.deepEqual(final.data, { customer_id: 42, contained: false, destination: 'billing', ended_by: 'agent' });
  assert.deepEqual(byeHeaders(trunk, final), [['X-Contained', 'false'], ['X-Skill', 'billing']]);
});

test('an unconfigured destination becomes the default and the record notes it', () => {
  const final = finalizeOutcome(agent, { contained: false, destination: 'sales' }, 'agent');
  assert.equal(final.destination, 'support');
  assert.equal(final.data['requested_destination'], 'sales');
  assert.equal(final.data['destination_note'], 'destination_not_configured');
});

test('contained: no destination header, none in the record', () => {
  const final = finalizeOutcome(agent, { contained: true, destination: 'billing' }, 'caller');
  assert.deepEqual(byeHeaders(trunk, final), [['X-Contained', 'true']]);
  assert.equal(final.data['destination'], undefined);
  const record = buildHandoffRecord({ conversationId: 'c1', tenantId: 't1', agentId: 'a1' }, final, 1000, 500);
  assert.equal(record.expiresAt, 1500);
  assert.equal(record.sharedId, undefined);
});

test('SIP INFO digits: dtmf-relay and dtmf bodies', () => {
  assert.equal(parseInfoDigit('application/dtmf-relay', 'Signal=1\r\nDuration=160\r\n'), '1');
  assert.equal(parseInfoDigit('application/dtmf-relay', 'signal= #\r\n'), '#');
  assert.equal(parseInfoDigit('application/dtmf', '5'), '5');
  assert.equal(parseInfoDigit('application/dtmf-relay', 'Signal=x'), undefined);
  assert.equal(parseInfoDigit('text/plain', 'Signal=1'), undefined);
});

test('the state machine follows its table and refuses the rest', () => {
  const sm = new CallStateMachine();
  for (const e of ['route', 'answer', 'start', 'end', 'finish'] as const) sm.fire(e);
  assert.equal(sm.state, 'ended');
  assert.throws(() => new CallStateMachine().fire('answer'), (e: unknown) => e instanceof CallStateError && e.code === 'call_bad_transition');
});
