import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import { SdpError } from './errors.ts';
import { answerOffer } from './negotiate.ts';
import { SdpSession } from './session.ts';
import * as S from './samples.ts';

const OPTS = { address: '203.0.113.7', port: 40000, sessionId: '777' };

function origin(text: string): string {
  const o = parse(text).origin;
  return `${o.username} ${o.sessionId} ${o.sessionVersion}`;
}

describe('SdpSession: o= version (RFC 3264 §8)', () => {
  it('first answer has the initial version; an identical refresh keeps it', () => {
    const s = new SdpSession(OPTS);
    assert.equal(s.version, undefined);
    assert.equal(origin(s.answer(S.ASTERISK_OFFER).answer), 'agentline 777 1');
    // RFC 4028 session refresh: same offer, same answer, same version.
    assert.equal(origin(s.answer(S.ASTERISK_OFFER).answer), 'agentline 777 1');
    assert.equal(s.version, 1);
  });
  it('hold and resume bump the version by one each time', () => {
    const s = new SdpSession({ ...OPTS, initialVersion: 10 });
    s.answer(S.ASTERISK_OFFER);
    const held = s.answer(S.ASTERISK_HOLD_OFFER);
    assert.equal(origin(held.answer), 'agentline 777 11');
    assert.equal(s.media?.hold, true);
    assert.equal(s.media?.direction, 'recvonly');
    const resumed = s.answer(S.ASTERISK_OFFER);
    assert.equal(origin(resumed.answer), 'agentline 777 12');
    assert.equal(s.media?.hold, false);
  });
  it('old-style hold c=0.0.0.0 then resume', () => {
    const s = new SdpSession(OPTS);
    s.answer(S.ASTERISK_OFFER);
    assert.equal(s.answer(S.OLD_HOLD_OFFER).media.hold, true);
    assert.equal(s.version, 2);
    assert.equal(s.answer(S.ASTERISK_OFFER).media.hold, false);
    assert.equal(s.version, 3);
  });
  it('a peer-side change that leaves our SDP the same keeps the version', () => {
    const s = new SdpSession(OPTS);
    s.answer(S.ASTERISK_OFFER);
    const moved = S.ASTERISK_OFFER.replace('m=audio 13758', 'm=audio 14000');
    const r = s.answer(moved);
    assert.equal(r.media.remotePort, 14000);
    assert.equal(origin(r.answer), 'agentline 777 1');
  });
  it('a failed re-offer changes nothing', () => {
    const s = new SdpSession(OPTS);
    s.answer(S.ASTERISK_OFFER);
    assert.throws(() => s.answer(S.WEBRTC_OFFER), (e: unknown) => e instanceof SdpError && e.code === 'sdp_no_audio');
    assert.equal(s.version, 1);
    assert.deepEqual(s.media?.codec, { name: 'PCMU', pt: 0 });
  });
  it('the answer is what answerOffer writes, with our session id', () => {
    const s = new SdpSession(OPTS);
    const expected = answerOffer(S.FREESWITCH_OFFER, { ...OPTS, sessionVersion: 1 }).answer;
    assert.equal(s.answer(S.FREESWITCH_OFFER).answer, expected);
  });
});

describe('SdpSession: our offers', () => {
  it('offer-less INVITE: offer in 200, answer in ACK', () => {
    const s = new SdpSession({ ...OPTS, codecs: ['PCMA', 'PCMU'] });
    const offer = s.offer();
    assert.equal(origin(offer), 'agentline 777 1');
    const peer = answerOffer(offer, { address: '198.51.100.20', port: 13758 });
    const media = s.acceptAnswer(peer.answer);
    assert.deepEqual(media.codec, { name: 'PCMA', pt: 8 });
    assert.equal(s.media?.remotePort, 13758);
  });
  it('our hold re-INVITE keeps the rejected video m-line and bumps the version', () => {
    const s = new SdpSession(OPTS);
    s.answer(S.AUDIO_VIDEO_OFFER);
    const hold = s.offer('sendonly');
    const d = parse(hold);
    assert.deepEqual(d.media.map((m) => [m.type, m.port]), [['audio', 40000], ['video', 0]]);
    assert.equal(d.media[0]?.direction, 'sendonly');
    assert.equal(d.origin.sessionVersion, 2);
    const peerAnswer = S.sdp(
      'v=0', 'o=Z 0 3 IN IP4 192.0.2.60', 's=Z', 'c=IN IP4 192.0.2.60', 't=0 0',
      'm=audio 8000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=recvonly',
      'm=video 0 RTP/AVP 99',
    );
    const media = s.acceptAnswer(peerAnswer);
    assert.equal(media.direction, 'sendonly');
    assert.equal(media.hold, false);
  });
  it('an answer without a pending offer -> sdp_answer_mismatch', () => {
    const s = new SdpSession(OPTS);
    assert.throws(() => s.acceptAnswer(S.SIPP_UAC_OFFER), (e: unknown) => e instanceof SdpError && e.code === 'sdp_answer_mismatch');
  });
});
