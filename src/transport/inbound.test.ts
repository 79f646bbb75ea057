/**
 * The transport's verdict on requests of another SIP version (RFC 3261 §8.2.2, §21.5.20;
 * RFC 4475 badvers): 505 when a response can be built and routed, else a drop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, parseMessage, type SipResponse } from '../sip/index.ts';
import { judgeMessage, type Verdict } from './inbound.ts';
import type { Endpoint } from './types.ts';

const udp: Endpoint = { protocol: 'udp', address: '192.0.2.9', port: 5099 };
const tcp: Endpoint = { ...udp, protocol: 'tcp' };

interface Spec {
  version?: string;
  via?: string;
  method?: string;
  callId?: string | null;
}

function request(spec: Spec = {}): Buffer {
  const method = spec.method ?? 'INVITE';
  const lines = [
    `${method} sip:7001@gw.example.com ${spec.version ?? 'SIP/3.0'}`,
    `Via: ${spec.via ?? 'SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-v3;rport'}`,
    'From: <sip:cc@cc.example.com>;tag=f1',
    'To: <sip:7001@gw.example.com>',
    ...(spec.callId === null ? [] : [`Call-ID: ${spec.callId ?? 'v3@cc.example.com'}`]),
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

function answered(v: Verdict): SipResponse {
  assert.equal(v.kind, 'answer', `expected an answer, got ${v.kind}`);
  return (v as Extract<Verdict, { kind: 'answer' }>).response;
}

describe('a request line of another SIP version', () => {
  it('is answered 505 over UDP, copying Via (stamped), From, To, Call-ID and CSeq (§8.2.6)', () => {
    const res = answered(judgeMessage(request(), false, udp, DEFAULT_LIMITS));
    assert.equal(res.status, 505);
    assert.equal(res.reason, 'SIP Version Not Supported');
    assert.equal(res.callId, 'v3@cc.example.com');
    assert.deepEqual(res.cseq, { seq: 1, method: 'INVITE' });
    assert.equal(res.from.tag, 'f1');
    // A tag is a token (§25.1): base64url letters, '-' first included (it once failed 1 run in 64 on /^\w+/).
    assert.match(res.to.tag ?? '', /^[\w.!%*+`'~-]+$/, 'a final response carries a To tag (§8.2.6.2)');
    assert.equal(res.via.params.get('received'), '192.0.2.9');
    assert.equal(res.via.params.get('rport'), '5099');
    // The answer is a SIP/2.0 message a peer can read.
    const reparsed = parseMessage(Buffer.from(`SIP/2.0 505 SIP Version Not Supported\r\n${res.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\n\r\n`));
    assert.equal(reparsed.ok, true);
  });

  it('is answered 505 for any method but ACK', () => {
    assert.equal(answered(judgeMessage(request({ method: 'OPTIONS' }), false, udp, DEFAULT_LIMITS)).status, 505);
    const ack = judgeMessage(request({ method: 'ACK' }), false, udp, DEFAULT_LIMITS);
    assert.equal(ack.kind, 'drop');
  });

  it('is dropped over UDP when its Via is not SIP/2.0 either (RFC 4475 badvers): nothing to route by', () => {
    const v = judgeMessage(request({ via: 'SIP/3.0/UDP 192.0.2.10;branch=z9hG4bK-v3' }), false, udp, DEFAULT_LIMITS);
    assert.equal(v.kind, 'drop');
    if (v.kind === 'drop') assert.deepEqual([v.drop.reason, v.drop.answered], ['bad_version', false]);
  });

  it('is answered 505 on a stream even with a foreign Via: the answer goes on the connection', () => {
    const v = judgeMessage(request({ via: 'SIP/3.0/TCP 192.0.2.10;branch=z9hG4bK-v3' }), true, tcp, DEFAULT_LIMITS);
    assert.equal(answered(v).status, 505);
  });

  it('is dropped when a header the answer copies is missing', () => {
    const v = judgeMessage(request({ callId: null }), false, udp, DEFAULT_LIMITS);
    assert.equal(v.kind, 'drop');
  });

  it('leaves SIP/2.0 requests alone', () => {
    const v = judgeMessage(request({ version: 'SIP/2.0' }), false, udp, DEFAULT_LIMITS);
    assert.equal(v.kind, 'deliver');
  });
});
