import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import { SdpError } from './errors.ts';
import { answerOffer } from './negotiate.ts';
import { createOffer, offeredMedia, parseAnswer } from './offer.ts';
import type { OfferOptions } from './types.ts';
import { sdp } from './samples.ts';

const UAC: OfferOptions = { address: '192.0.2.5', port: 6000, codecs: ['PCMA', 'PCMU'], sessionId: '99' };
const UAS = { address: '203.0.113.7', port: 40000, sessionId: '4242' };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SdpError, `expected SdpError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a throw');
}

/** An answer the way a trunk would write one. */
function answer(mLine: string, ...attrs: string[]): string {
  return sdp('v=0', 'o=- 5 5 IN IP4 203.0.113.9', 's=-', 'c=IN IP4 203.0.113.9', 't=0 0', mLine, ...attrs);
}

describe('createOffer', () => {
  it('writes codecs in order, telephone-event 101, ptime 20, sendrecv', () => {
    const text = createOffer(UAC);
    assert.equal(
      text,
      sdp(
        'v=0',
        'o=agentline 99 1 IN IP4 192.0.2.5',
        's=-',
        'c=IN IP4 192.0.2.5',
        't=0 0',
        'm=audio 6000 RTP/AVP 8 0 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
      ),
    );
  });
  it('options: telephone-event number, direction, ptime, rtcp-mux, IPv6', () => {
    const text = createOffer({ ...UAC, address: '2001:db8::5', telephoneEventPt: 96, direction: 'sendonly', ptime: 30, rtcpMux: true });
    const d = parse(text);
    assert.equal(d.connection?.version, 6);
    assert.equal(d.media[0]?.payloads, '8 0 96');
    assert.equal(d.media[0]?.direction, 'sendonly');
    assert.equal(d.media[0]?.ptime, 30);
    assert.equal(d.media[0]?.rtcpMux, 'rtcp-mux');
  });
  it('telephoneEvent: false, default codecs, random session id', () => {
    const d = parse(createOffer({ address: '192.0.2.5', port: 6000, telephoneEvent: false }));
    assert.equal(d.media[0]?.payloads, '0 8');
    assert.match(String(d.origin.sessionId), /^\d+$/);
  });
  it('rejects bad options', () => {
    assert.equal(code(() => createOffer({ ...UAC, telephoneEventPt: 8 })), 'sdp_bad_options');
    assert.equal(code(() => createOffer({ ...UAC, port: 65536 })), 'sdp_bad_options');
    assert.equal(code(() => createOffer({ ...UAC, ptime: 0 })), 'sdp_bad_options');
  });
});

describe('round trip: createOffer -> answerOffer -> parseAnswer', () => {
  it('agrees on codec, telephone-event, addresses and ports on both sides', () => {
    const offer = createOffer(UAC);
    const { answer: text, media: uas } = answerOffer(offer, UAS);
    const uac = parseAnswer(text, offeredMedia(UAC));
    assert.deepEqual(uas.codec, { name: 'PCMA', pt: 8 });
    assert.deepEqual(uac.codec, uas.codec);
    assert.equal(uac.telephoneEventPt, 101);
    assert.equal(uas.telephoneEventPt, 101);
    assert.deepEqual([uas.remoteAddress, uas.remotePort], ['192.0.2.5', 6000]);
    assert.deepEqual([uac.remoteAddress, uac.remotePort], ['203.0.113.7', 40000]);
    assert.equal(uac.direction, 'sendrecv');
    assert.equal(uac.hold, false);
  });
  it('hold from our side: sendonly offer -> recvonly answer, we send only', () => {
    const opts: OfferOptions = { ...UAC, direction: 'sendonly' };
    const { answer: text, media: uas } = answerOffer(createOffer(opts), UAS);
    assert.equal(uas.hold, true);
    const uac = parseAnswer(text, offeredMedia(opts));
    assert.equal(uac.direction, 'sendonly');
    assert.equal(uac.remoteDirection, 'recvonly');
    assert.equal(uac.hold, false);
  });
  it('rtcp-mux only when both sides have it', () => {
    const opts: OfferOptions = { ...UAC, rtcpMux: true };
    const { answer: text } = answerOffer(createOffer(opts), UAS);
    assert.equal(parseAnswer(text, offeredMedia(opts)).rtcpMux, true);
    assert.equal(parseAnswer(text, offeredMedia(UAC)).rtcpMux, false);
  });
  it('over IPv6', () => {
    const opts: OfferOptions = { ...UAC, address: '2001:db8::5' };
    const { answer: text } = answerOffer(createOffer(opts), { ...UAS, address: '2001:db8::7' });
    assert.equal(parseAnswer(text, offeredMedia(opts)).remoteAddress, '2001:db8::7');
  });
});

describe('parseAnswer checks the answer against our offer (RFC 3264 §6.1)', () => {
  const offered = { codecs: ['PCMU', 'PCMA'] as const, telephoneEventPt: 101 };
  it('takes the answerer first codec; accepts a plain codec list', () => {
    const media = parseAnswer(answer('m=audio 7000 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:30'), offered);
    assert.deepEqual(media.codec, { name: 'PCMA', pt: 8 });
    assert.equal(media.telephoneEventPt, 101);
    assert.equal(media.ptime, 30);
    assert.equal(parseAnswer(answer('m=audio 7000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000'), ['PCMU']).telephoneEventPt, 96);
  });
  it('codec we did not offer -> sdp_answer_mismatch', () => {
    assert.equal(code(() => parseAnswer(answer('m=audio 7000 RTP/AVP 8'), ['PCMU'])), 'sdp_answer_mismatch');
    assert.equal(code(() => parseAnswer(answer('m=audio 7000 RTP/AVP 18'), offered)), 'sdp_answer_mismatch');
  });
  it('telephone-event on another number than offered -> sdp_answer_mismatch', () => {
    const text = answer('m=audio 7000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000');
    assert.equal(code(() => parseAnswer(text, offered)), 'sdp_answer_mismatch');
  });
  it('only telephone-event -> sdp_no_common_codec; port 0 -> sdp_no_audio', () => {
    const teOnly = answer('m=audio 7000 RTP/AVP 101', 'a=rtpmap:101 telephone-event/8000');
    assert.equal(code(() => parseAnswer(teOnly, offered)), 'sdp_no_common_codec');
    assert.equal(code(() => parseAnswer(answer('m=audio 0 RTP/AVP 0'), offered)), 'sdp_no_audio');
  });
  it('wrong m-line count or type -> sdp_answer_mismatch', () => {
    const two = answer('m=audio 7000 RTP/AVP 0', 'm=video 0 RTP/AVP 31');
    assert.equal(code(() => parseAnswer(two, offered)), 'sdp_answer_mismatch');
    assert.equal(code(() => parseAnswer(answer('m=video 7000 RTP/AVP 0'), offered)), 'sdp_answer_mismatch');
  });
  it('direction not allowed by our offer -> sdp_answer_mismatch', () => {
    const sendrecv = answer('m=audio 7000 RTP/AVP 0', 'a=sendrecv');
    assert.equal(code(() => parseAnswer(sendrecv, { ...offered, direction: 'sendonly' })), 'sdp_answer_mismatch');
    assert.equal(code(() => parseAnswer(sendrecv, { ...offered, direction: 'inactive' })), 'sdp_answer_mismatch');
  });
  it('peer answers sendonly or c=0.0.0.0 -> hold', () => {
    const sendonly = parseAnswer(answer('m=audio 7000 RTP/AVP 0', 'a=sendonly'), offered);
    assert.deepEqual([sendonly.direction, sendonly.hold], ['recvonly', true]);
    const zero = parseAnswer(answer('m=audio 7000 RTP/AVP 0').replace('c=IN IP4 203.0.113.9', 'c=IN IP4 0.0.0.0'), offered);
    assert.deepEqual([zero.direction, zero.hold], ['recvonly', true]);
  });
  it('garbage -> sdp_invalid', () => {
    assert.equal(code(() => parseAnswer('SIP/2.0 200 OK', offered)), 'sdp_invalid');
  });
});
