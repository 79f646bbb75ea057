/**
 * End to end, issue "call's life": a caller whose copy of our 200 OK is lost. RFC 3261 §15:
 * the callee "MUST NOT send a BYE on a confirmed dialog until it has received an ACK for its
 * 2xx response or until the server transaction times out". An agent that ends at once must
 * not have its hand-back BYE reach a caller that has no 200 yet (SIPp aborts such a call on
 * "an unexpected BYE"; the bench's lost 200s at 4,400 calls/s showed it): the gateway goes on
 * retransmitting the 200 (§13.3.1.4), and the BYE, with its headers, follows the ACK.
 *
 * The caller is a raw UDP peer (test/support/sip-sockets.ts) writing SIP by hand, so that it can
 * ignore the first 200.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest, SipResponse, type AnyMessage } from '../../src/sip/index.ts';
import { UdpPeer } from '../support/sip-sockets.ts';
import { demoTenantId, startTestGateway, type TestGateway } from '../support/test-gateway.ts';

/** A message's first line, for assertion messages. */
function firstLine(m: AnyMessage): string {
  return m instanceof SipResponse ? `SIP/2.0 ${m.status} ${m.reason}` : `${m.method} ${m.uri.toString()}`;
}

/** The next message from the gateway that is not a 1xx; every one is kept in `seen`, in order. */
async function nextFinalOrRequest(caller: UdpPeer, seen: AnyMessage[], what: string): Promise<AnyMessage> {
  for (;;) {
    const m = await caller.nextMessage(what);
    if (m instanceof SipResponse && m.status < 200) continue;
    seen.push(m);
    return m;
  }
}

describe('a lost 200 OK: the BYE waits for the ACK (RFC 3261 §15)', () => {
  let gw: TestGateway;
  let tenantId: string;

  before(async () => {
    gw = await startTestGateway('e2e-lost-200', { demo: { enabled: true } });
    tenantId = await demoTenantId(gw);
    await gw.store.createAgent({
      tenantId, slug: 'quick', name: 'Ends at once', kind: 'builtin', extension: '7005', destinations: ['billing'],
      config: { waitMs: 0, outcome: { contained: false, destination: 'billing' } },
    });
  });

  after(async () => {
    await gw?.close();
  });

  test('the 200 goes again until the ACK; then the BYE with X-contained and X-destination', async () => {
    const caller = await UdpPeer.bind();
    const seen: AnyMessage[] = [];
    try {
      const { port } = caller;
      const callId = `${randomUUID()}@127.0.0.1`;
      const sid = randomUUID();
      const from = `<sip:cc@127.0.0.1:${port}>;tag=lost200`;
      const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';
      const invite = [
        `INVITE sip:7005@127.0.0.1:${gw.sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${randomUUID()};rport`,
        `From: ${from}`, `To: <sip:7005@127.0.0.1:${gw.sipPort}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE',
        `Contact: <sip:cc@127.0.0.1:${port}>`, 'Max-Forwards: 70', `X-five9sessionid: ${sid}`,
        'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
      ].join('\r\n');
      await caller.send(invite, gw.sipPort);

      // The first 200 is "lost": not acknowledged. The next message must be the 200 again.
      const first = await nextFinalOrRequest(caller, seen, 'the 200 OK');
      assert.ok(first instanceof SipResponse && first.status === 200, `expected 200, got ${firstLine(first)}`);
      const again = await nextFinalOrRequest(caller, seen, 'the 200 OK again');
      assert.ok(again instanceof SipResponse, `a BYE before the ACK (RFC 3261 §15): ${firstLine(again)}`);
      assert.equal(again.status, 200);
      const toTag = again.to.params.get('tag');
      assert.ok(toTag);

      const ack = [
        `ACK sip:agentline@127.0.0.1:${gw.sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${randomUUID()};rport`,
        `From: ${from}`, `To: <sip:7005@127.0.0.1:${gw.sipPort}>;tag=${toTag}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK',
        'Max-Forwards: 70', 'Content-Length: 0', '', '',
      ].join('\r\n');
      await caller.send(ack, gw.sipPort);

      let bye: AnyMessage;
      do bye = await nextFinalOrRequest(caller, seen, 'the BYE'); while (bye instanceof SipResponse && bye.status === 200);
      assert.ok(bye instanceof SipRequest && bye.method === 'BYE', `expected BYE, got ${firstLine(bye)}`);
      assert.equal(bye.get('X-contained'), 'false');
      assert.equal(bye.get('X-destination'), 'billing');
      const record = await gw.store.getHandoffBySharedId(tenantId, sid);
      assert.equal(record?.data['destination'], 'billing', 'the record is readable when the BYE arrives');

      const ok = [
        'SIP/2.0 200 OK', `Via: ${bye.get('Via') ?? ''}`, `From: ${bye.get('From') ?? ''}`, `To: ${bye.get('To') ?? ''}`,
        `Call-ID: ${callId}`, `CSeq: ${bye.get('CSeq') ?? ''}`, 'Content-Length: 0', '', '',
      ].join('\r\n');
      await caller.send(ok, gw.sipPort);
      const byeAt = seen.findIndex((m) => m instanceof SipRequest);
      assert.ok(seen.slice(0, byeAt).every((m) => m instanceof SipResponse && m.status === 200), 'only 200s before the BYE');
    } finally {
      await caller.close();
    }
  });
});
