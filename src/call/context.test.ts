import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, type SipRequest } from '../sip/index.ts';
import { xHeadersOf } from './context.ts';

function invite(headers: string[]): SipRequest {
  const text = [
    'INVITE sip:7001@gw.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1',
    'From: <sip:caller@cc.example.com>;tag=a',
    'To: <sip:7001@gw.example.com>',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok && r.message.isRequest);
  return r.message as SipRequest;
}

test('the X- headers reach the agent by their spelling, first value of each, without the trunk\'s secret ones', () => {
  const req = invite([
    'X-five9sessionid: S-1',
    'x-PolyAi-Auth-Token: secret',
    'X-Caller-Tier: gold',
    'X-Caller-Tier: silver',
    'Subject: not an X- header',
    'X-Other-Secret: s2',
  ]);
  assert.deepEqual(xHeadersOf(req, ['X-PolyAi-Auth-Token', 'x-other-SECRET']), { 'X-five9sessionid': 'S-1', 'X-Caller-Tier': 'gold' });
  assert.deepEqual(xHeadersOf(req, []), {
    'X-five9sessionid': 'S-1', 'x-PolyAi-Auth-Token': 'secret', 'X-Caller-Tier': 'gold', 'X-Other-Secret': 's2',
  });
});
