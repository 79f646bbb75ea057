import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thrownCode } from '../../test/support/error-code.ts';
import { byeVariables, inviteVariables, MAX_CUSTOM_HEADERS, newSessionId, parseHeaderArg } from './variables.ts';

test('Set Variable: token, session id, ANI, DNIS and others become headers in order, spelt as configured', () => {
  const v = inviteVariables({
    token: 'tok', sessionId: 'S1', ani: '5551234', dnis: '8005550100', extension: '7001', headers: [['X-Campaign', 'c1']],
  }, { sessionId: 'X-CallSessionID' });
  assert.equal(v.user, '7001');
  assert.equal(v.sessionId, 'S1');
  assert.equal(v.from, '<sip:5551234@127.0.0.1>');
  assert.deepEqual(v.headers, [
    ['X-PolyAi-Auth-Token', 'tok'], ['X-CallSessionID', 'S1'], ['X-ANI', '5551234'], ['X-DNIS', '8005550100'], ['X-Campaign', 'c1'],
  ]);
});

test('Set Variable: a session id is generated like Five9\'s when none is given; the user defaults to the DNIS', () => {
  const v = inviteVariables({ dnis: '8005550100' });
  assert.match(v.sessionId, /^[0-9A-F]{32}$/);
  assert.notEqual(newSessionId(), newSessionId());
  assert.equal(v.user, '8005550100');
  assert.equal(inviteVariables({}).user, 'agent');
});

test('more than 10 custom headers is refused, as Five9 would', () => {
  const nine = Array.from({ length: MAX_CUSTOM_HEADERS - 1 }, (_, i): [string, string] => [`X-V${i}`, String(i)]);
  assert.equal(inviteVariables({ headers: nine }).headers.length, 10, 'session id + 9 = 10 is fine');
  assert.equal(thrownCode(() => inviteVariables({ headers: nine, ani: '1' })), 'ccsim_too_many_headers');
  assert.equal(thrownCode(() => inviteVariables({ headers: nine, ani: '1' }, {}, '127.0.0.1', 11)), undefined, 'the limit is configurable');
});

test('header names must be tokens, values one line, no duplicates; the extension a URI user', () => {
  assert.equal(thrownCode(() => inviteVariables({ headers: [['X Bad', 'v']] })), 'ccsim_bad_header');
  assert.equal(thrownCode(() => inviteVariables({ headers: [['X-A', 'v\r\nVia: evil']] })), 'ccsim_bad_header');
  assert.equal(thrownCode(() => inviteVariables({ sessionId: 'S', headers: [['x-five9SessionId', 'again']] })), 'ccsim_bad_header');
  assert.equal(thrownCode(() => inviteVariables({ extension: '70 01' })), 'ccsim_bad_option');
});

test('parseHeaderArg splits at the first colon', () => {
  assert.deepEqual(parseHeaderArg('X-Url: http://a:b'), ['X-Url', 'http://a:b']);
  assert.equal(thrownCode(() => parseHeaderArg('novalue')), 'ccsim_bad_header');
});

test('Return from the agent: BYE X-headers become variables, names matched case-insensitively', () => {
  const vars = byeVariables([
    ['Via', 'SIP/2.0/UDP x'], ['x-CONTAINED', ' false'], ['X-Destination', 'billing'], ['X-Handoff-Reason', 'late payment'],
  ]);
  assert.deepEqual(vars, { contained: 'false', destination: 'billing', 'handoff-reason': 'late payment' });
});

test('Return from the agent: configured names win over a same-named other header', () => {
  const names = { contained: 'X-AI-Contained', destination: 'X-AI-Queue' };
  assert.deepEqual(byeVariables([['X-contained', 'x'], ['X-AI-Contained', 'true']], names), { contained: 'true' });
  assert.deepEqual(byeVariables([['X-AI-Queue', 'support'], ['X-destination', 'y']], names), { destination: 'support' });
});
