import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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

test('the agent\'s data is copied as the JSON round trip would give it, detached from the agent', () => {
  const roundTrip = (data: Record<string, unknown>) => JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => {
    const final = finalizeOutcome(agent, { contained: true, data }, 'agent');
    const expected: Record<string, unknown> = { ...roundTrip(data), contained: true, ended_by: 'agent' };
    delete expected['destination'];
    assert.deepEqual(final.data, expected);
  }), { numRuns: 300 });
  const nested = { list: [1, { a: 'b' }], obj: { deep: true } };
  const final = finalizeOutcome(agent, { contained: true, data: { nested } }, 'agent');
  nested.obj.deep = false;
  nested.list.push(3);
  assert.deepEqual(final.data['nested'], { list: [1, { a: 'b' }], obj: { deep: true } });
});

test('data that is not plain JSON takes the round trip (dropped, converted, or refused)', () => {
  const data = { when: new Date(0), skip: undefined, fn: () => 1, list: [undefined, NaN, -0], [Symbol('s')]: 1, n: -0 };
  const final = finalizeOutcome(agent, { contained: true, data }, 'agent');
  assert.deepEqual(final.data, { when: '1970-01-01T00:00:00.000Z', list: [null, null, 0], n: 0, contained: true, ended_by: 'agent' });
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.throws(() => finalizeOutcome(agent, { contained: true, data: cyclic }, 'agent'), TypeError);
  assert.throws(() => finalizeOutcome(agent, { contained: true, data: { big: 1n } }, 'agent'), TypeError);
  const proto = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
  assert.deepEqual(Object.keys(finalizeOutcome(agent, { contained: true, data: proto }, 'agent').data), ['__proto__', 'contained', 'ended_by']);
});
