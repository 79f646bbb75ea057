/**
 * The caller side's SDP across a call (RFC 3264 §8): one `o=` session id, the version
 * raised only when what we send changes, our address/port/codec kept in every answer,
 * hold answered `recvonly`, an unusable re-offer refused without touching the session,
 * and our offer for an offerless re-INVITE read back against its answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerOffer } from '../sdp/index.ts';
import { thrownCode } from '../../test/support/error-code.ts';
import { CallerSdp } from './caller-sdp.ts';

/** The gateway's SDP for our offer: its answer, which it also re-offers to refresh the session. */
function gatewaySdp(ourOffer: string, port = 40000): string {
  return answerOffer(ourOffer, { address: '192.0.2.1', port, sessionId: '7' }).answer;
}

const origin = (sdp: string): string => /^o=.*$/m.exec(sdp)?.[0] ?? '';
const direction = (sdp: string): string => /^a=(sendrecv|sendonly|recvonly|inactive)$/m.exec(sdp)?.[1] ?? '';

function connected(): { sdp: CallerSdp; gateway: string } {
  const sdp = new CallerSdp({ address: '192.0.2.10', port: 4000, codec: 'PCMU', rtcpMux: true, sessionId: '42' });
  const gateway = gatewaySdp(sdp.offer());
  sdp.acceptAnswer(gateway);
  return { sdp, gateway };
}

test('the first offer: o=ccsim with our session id at version 1, one codec, telephone-event, rtcp-mux', () => {
  const sdp = new CallerSdp({ address: '192.0.2.10', port: 4000, codec: 'PCMA', rtcpMux: true, sessionId: '42' });
  const offer = sdp.offer();
  assert.equal(origin(offer), 'o=ccsim 42 1 IN IP4 192.0.2.10');
  assert.match(offer, /^m=audio 4000 RTP\/AVP 8 101$/m);
  assert.match(offer, /^a=rtcp-mux$/m);
  assert.equal(sdp.offerPending, true);
  const media = sdp.acceptAnswer(gatewaySdp(offer));
  assert.deepEqual([media.codec.name, media.remotePort, media.telephoneEventPt], ['PCMA', 40000, 101]);
  assert.equal(sdp.offerPending, false);
});

test('a session refresh re-offering the same SDP is answered with the same version (RFC 3264 §8)', () => {
  const { sdp, gateway } = connected();
  const first = sdp.answer(gateway);
  const again = sdp.answer(gateway);
  assert.equal(origin(first.answer), 'o=ccsim 42 1 IN IP4 192.0.2.10');
  assert.equal(again.answer, first.answer);
  assert.match(first.answer, /^m=audio 4000 RTP\/AVP 0 101$/m, 'our port and codec');
  assert.equal(sdp.version, 1);
});

test('hold: a=sendonly gets a=recvonly at version + 1; the same hold again keeps it; resume raises it again', () => {
  const { sdp, gateway } = connected();
  const held = sdp.answer(gateway.replace('a=sendrecv', 'a=sendonly'));
  assert.equal(direction(held.answer), 'recvonly');
  assert.equal(held.media.hold, true);
  assert.equal(origin(held.answer), 'o=ccsim 42 2 IN IP4 192.0.2.10');
  assert.equal(origin(sdp.answer(gateway.replace('a=sendrecv', 'a=sendonly')).answer), 'o=ccsim 42 2 IN IP4 192.0.2.10');
  const resumed = sdp.answer(gateway);
  assert.equal(direction(resumed.answer), 'sendrecv');
  assert.equal(origin(resumed.answer), 'o=ccsim 42 3 IN IP4 192.0.2.10');
});

test('old-style hold (c=0.0.0.0) is answered recvonly; a new gateway port is taken, ours stays', () => {
  const { sdp, gateway } = connected();
  const held = sdp.answer(gateway.replaceAll('IN IP4 192.0.2.1', 'IN IP4 0.0.0.0'));
  assert.equal(direction(held.answer), 'recvonly');
  const moved = sdp.answer(gateway.replace('m=audio 40000', 'm=audio 40002'));
  assert.equal(moved.media.remotePort, 40002);
  assert.match(moved.answer, /^m=audio 4000 /m);
});

test('a re-offer without our codec is refused and leaves the version as it was', () => {
  const { sdp, gateway } = connected();
  const pcma = gateway.replace('RTP/AVP 0 101', 'RTP/AVP 8 101').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000');
  assert.equal(thrownCode(() => sdp.answer(pcma)), 'sdp_no_common_codec');
  assert.equal(sdp.version, 1);
  assert.equal(origin(sdp.answer(gateway).answer), 'o=ccsim 42 1 IN IP4 192.0.2.10');
});

test('an offerless re-INVITE: our offer (same version when unchanged), then the answer from the ACK', () => {
  const { sdp, gateway } = connected();
  const offer = sdp.offer();
  assert.equal(origin(offer), 'o=ccsim 42 1 IN IP4 192.0.2.10');
  assert.equal(direction(offer), 'sendrecv');
  assert.equal(sdp.offerPending, true);
  const media = sdp.acceptAnswer(gateway.replace('a=sendrecv', 'a=sendonly'));
  assert.equal(media.direction, 'recvonly');
  assert.equal(sdp.offerPending, false);
});

test('an answer without a pending offer is a mismatch', () => {
  const { sdp, gateway } = connected();
  assert.equal(thrownCode(() => sdp.acceptAnswer(gateway)), 'sdp_answer_mismatch');
});
