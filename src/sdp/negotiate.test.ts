import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'sdp-transform';
import { SdpError } from './errors.ts';
import { answerModifiedOffer, answerOffer } from './negotiate.ts';
import type { AnswerOptions } from './types.ts';
import * as S from './samples.ts';

const LOCAL: AnswerOptions = { address: '203.0.113.7', port: 40000, sessionId: '4242', sessionVersion: 1 };

/** The answer's m-line formats and first m-line, parsed back. */
function answerLines(answer: string) {
  const d = parse(answer);
  return { d, audio: d.media.find((m) => m.port !== 0), ms: d.media.map((m) => `${m.type} ${m.port} ${m.protocol} ${String(m.payloads)}`) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SdpError, `expected SdpError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a throw');
}

describe('answerOffer: codec choice (first of the offer that we support)', () => {
  it('offer 0 8 18 101 (Asterisk) -> PCMU', () => {
    const { media, answer } = answerOffer(S.ASTERISK_OFFER, LOCAL);
    assert.deepEqual(media.codec, { name: 'PCMU', pt: 0 });
    assert.match(answer, /^m=audio 40000 RTP\/AVP 0 101\r$/m);
  });
  it('offer 8 0 (FreeSWITCH) -> PCMA', () => {
    assert.deepEqual(answerOffer(S.FREESWITCH_OFFER, LOCAL).media.codec, { name: 'PCMA', pt: 8 });
  });
  it('offer 18 0 (G.729 first) -> PCMU', () => {
    assert.deepEqual(answerOffer(S.CISCO_G729_FIRST_OFFER, LOCAL).media.codec, { name: 'PCMU', pt: 0 });
  });
  it('skips Opus and Speex, picks PCMU (Linphone)', () => {
    assert.deepEqual(answerOffer(S.LINPHONE_OFFER, LOCAL).media.codec, { name: 'PCMU', pt: 0 });
  });
  it('respects our supported list: PCMA only against 0 8 -> PCMA', () => {
    assert.deepEqual(answerOffer(S.ASTERISK_OFFER, { ...LOCAL, codecs: ['PCMA'] }).media.codec, { name: 'PCMA', pt: 8 });
  });
  it('dynamic payload type with rtpmap PCMU/8000 keeps the offer number', () => {
    const { media, answer } = answerOffer(S.DYNAMIC_PCMU_OFFER, LOCAL);
    assert.deepEqual(media.codec, { name: 'PCMU', pt: 110 });
    assert.match(answer, /^a=rtpmap:110 PCMU\/8000\r$/m);
  });
  it('SIPp default uac offer (m=audio 6000 RTP/AVP 0), no telephone-event', () => {
    const { media, answer } = answerOffer(S.SIPP_UAC_OFFER, LOCAL);
    assert.equal(media.remotePort, 6000);
    assert.equal(media.remoteAddress, '127.0.0.1');
    assert.equal(media.telephoneEventPt, undefined);
    assert.match(answer, /^m=audio 40000 RTP\/AVP 0\r$/m);
    assert.doesNotMatch(answer, /telephone-event/);
  });
  it('no common codec -> sdp_no_common_codec', () => {
    const g729 = S.CISCO_G729_FIRST_OFFER.replace('RTP/AVP 18 0 101', 'RTP/AVP 18 101');
    assert.equal(code(() => answerOffer(g729, LOCAL)), 'sdp_no_common_codec');
    assert.equal(code(() => answerOffer(S.FREESWITCH_OFFER.replace('8 0 101 13', '8 101'), { ...LOCAL, codecs: ['PCMU'] })), 'sdp_no_common_codec');
  });
  it('PCMU/16000 or stereo PCMU is not G.711 at 8 kHz mono', () => {
    const odd = S.DYNAMIC_PCMU_OFFER.replace('PCMU/8000', 'PCMU/16000');
    assert.equal(code(() => answerOffer(odd, LOCAL)), 'sdp_no_common_codec');
    const stereo = S.DYNAMIC_PCMU_OFFER.replace('PCMU/8000', 'PCMU/8000/2');
    assert.equal(code(() => answerOffer(stereo, LOCAL)), 'sdp_no_common_codec');
  });
});

describe('answerOffer: telephone-event (RFC 4733)', () => {
  it('101 with its fmtp 0-16', () => {
    const { media, answer } = answerOffer(S.ASTERISK_OFFER, LOCAL);
    assert.equal(media.telephoneEventPt, 101);
    assert.match(answer, /^a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-16\r$/m);
  });
  it('96 with 0-15', () => {
    const { media, answer } = answerOffer(S.SBC_TE96_OFFER, LOCAL);
    assert.equal(media.telephoneEventPt, 96);
    assert.match(answer, /^m=audio 40000 RTP\/AVP 8 96\r$/m);
    assert.match(answer, /^a=fmtp:96 0-15\r$/m);
  });
  it('100 = the 8 kHz one among 48k/16k/8k (Linphone)', () => {
    const { media, answer } = answerOffer(S.LINPHONE_OFFER, LOCAL);
    assert.equal(media.telephoneEventPt, 100);
    assert.match(answer, /^m=audio 40000 RTP\/AVP 0 100\r$/m);
  });
  it('no fmtp offered -> none answered', () => {
    const { media, answer } = answerOffer(S.DYNAMIC_PCMU_OFFER, LOCAL);
    assert.equal(media.telephoneEventPt, 96);
    assert.doesNotMatch(answer, /a=fmtp/);
  });
  it('telephoneEvent: false leaves it out', () => {
    const { media, answer } = answerOffer(S.ASTERISK_OFFER, { ...LOCAL, telephoneEvent: false });
    assert.equal(media.telephoneEventPt, undefined);
    assert.match(answer, /^m=audio 40000 RTP\/AVP 0\r$/m);
  });
});

describe('answerOffer: ptime, rtcp, addresses', () => {
  it("keeps the offer's ptime as the peer's wish, answers with ours (RFC 3264 §6.1)", () => {
    assert.equal(answerOffer(S.SBC_TE96_OFFER, LOCAL).media.ptime, 30);
    assert.match(answerOffer(S.SBC_TE96_OFFER, LOCAL).answer, /^a=ptime:20\r$/m);
    assert.match(answerOffer(S.SBC_TE96_OFFER, { ...LOCAL, ptime: 40 }).answer, /^a=ptime:40\r$/m);
    assert.equal(answerOffer(S.SIPP_UAC_OFFER, LOCAL).media.ptime, 20);
    assert.equal(answerOffer(S.SIPP_UAC_OFFER, { ...LOCAL, ptime: 40 }).media.ptime, 40);
  });
  it('reads a=rtcp port (RFC 3605)', () => {
    const { media } = answerOffer(S.FREESWITCH_OFFER, LOCAL);
    assert.equal(media.remoteRtcpPort, 24601);
    assert.equal(media.rtcpMux, false);
    assert.equal(answerOffer(S.ASTERISK_OFFER, LOCAL).media.remoteRtcpPort, undefined);
  });
  it('echoes rtcp-mux (RFC 5761) and the RTP/AVPF profile', () => {
    const { media, answer } = answerOffer(S.RTCP_MUX_OFFER, LOCAL);
    assert.equal(media.rtcpMux, true);
    assert.equal(media.remoteRtcpPort, 20000);
    assert.match(answer, /^a=rtcp-mux\r$/m);
    assert.match(answer, /^m=audio 40000 RTP\/AVPF 0 101\r$/m);
    assert.doesNotMatch(answerOffer(S.ASTERISK_OFFER, LOCAL).answer, /rtcp-mux/);
  });
  it('writes exactly the given public address in c= and o=, IPv4', () => {
    const { d } = answerLines(answerOffer(S.ASTERISK_OFFER, LOCAL).answer);
    assert.deepEqual(d.connection, { version: 4, ip: '203.0.113.7' });
    assert.equal(d.origin.address, '203.0.113.7');
    assert.equal(d.origin.username, 'agentline');
    assert.equal(String(d.origin.sessionId), '4242');
  });
  it('IPv6 offer and IPv6 answer address', () => {
    const { media, answer } = answerOffer(S.IPV6_OFFER, { ...LOCAL, address: '2001:db8::7' });
    assert.equal(media.remoteAddress, '2001:db8::10');
    assert.match(answer, /^c=IN IP6 2001:db8::7\r$/m);
    assert.match(answer, /^o=agentline 4242 1 IN IP6 2001:db8::7\r$/m);
  });
  it('keeps the offer t= line and uses CRLF everywhere', () => {
    const { answer } = answerOffer(S.ASTERISK_OFFER, LOCAL);
    assert.match(answer, /^t=0 0\r$/m);
    assert.equal(answer.split('\r\n').filter((l) => l.includes('\n')).length, 0);
    assert.ok(answer.startsWith('v=0\r\n'));
  });
});

describe('answerOffer: direction and hold (RFC 3264 §6.1, §8.4)', () => {
  const cases = [
    ['sendrecv', 'sendrecv', false],
    ['sendonly', 'recvonly', true],
    ['recvonly', 'sendonly', false],
    ['inactive', 'inactive', true],
  ] as const;
  for (const [offered, answered, hold] of cases) {
    it(`${offered} -> ${answered}`, () => {
      const offer = S.ASTERISK_OFFER.replace('a=sendrecv', `a=${offered}`);
      const { media, answer } = answerOffer(offer, LOCAL);
      assert.equal(media.remoteDirection, offered);
      assert.equal(media.direction, answered);
      assert.equal(media.hold, hold);
      assert.match(answer, new RegExp(`^a=${answered}\\r$`, 'm'));
    });
  }
  it('session-level direction applies when the m-line has none', () => {
    const offer = S.SIPP_UAC_OFFER.replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
    assert.equal(answerOffer(offer, LOCAL).media.direction, 'recvonly');
  });
  it('hold by sendonly re-offer, then resume with sendrecv', () => {
    const held = answerOffer(S.ASTERISK_HOLD_OFFER, LOCAL).media;
    assert.equal(held.hold, true);
    assert.equal(held.direction, 'recvonly');
    const resumed = answerOffer(S.ASTERISK_OFFER, LOCAL).media;
    assert.equal(resumed.hold, false);
    assert.equal(resumed.direction, 'sendrecv');
  });
  it('old-style hold c=0.0.0.0 -> hold, answer recvonly', () => {
    const { media, answer } = answerOffer(S.OLD_HOLD_OFFER, LOCAL);
    assert.equal(media.hold, true);
    assert.equal(media.remoteAddress, '0.0.0.0');
    assert.equal(media.remoteDirection, 'sendrecv');
    assert.equal(media.direction, 'recvonly');
    assert.match(answer, /^a=recvonly\r$/m);
    assert.match(answer, /^c=IN IP4 203\.0\.113\.7\r$/m);
  });
  it('c=0.0.0.0 with recvonly -> inactive', () => {
    const offer = S.OLD_HOLD_OFFER.replace('a=fmtp:101 0-16', 'a=fmtp:101 0-16\r\na=recvonly');
    assert.equal(answerOffer(offer, LOCAL).media.direction, 'inactive');
  });
});

describe('answerOffer: m-lines (RFC 3264 §6)', () => {
  it('audio + video: video rejected with port 0, same count and order', () => {
    const { answer, media, mLineIndex } = answerOffer(S.AUDIO_VIDEO_OFFER, LOCAL);
    const { ms } = answerLines(answer);
    assert.deepEqual(ms, ['audio 40000 RTP/AVP 0 101', 'video 0 RTP/AVP 99 34']);
    assert.equal(mLineIndex, 0);
    assert.deepEqual(media.codec, { name: 'PCMU', pt: 0 });
    assert.doesNotMatch(answer, /H264/);
  });
  it('video first, audio second', () => {
    const [head, audio, video] = S.AUDIO_VIDEO_OFFER.split(/(?=^m=)/m) as [string, string, string];
    const { answer, mLineIndex } = answerOffer(head + video + audio, LOCAL);
    assert.deepEqual(answerLines(answer).ms, ['video 0 RTP/AVP 99 34', 'audio 40000 RTP/AVP 0 101']);
    assert.equal(mLineIndex, 1);
  });
  it('best-effort SRTP: RTP/SAVP rejected, the RTP/AVP twin accepted', () => {
    const { answer, media } = answerOffer(S.SRTP_THEN_RTP_OFFER, LOCAL);
    assert.deepEqual(answerLines(answer).ms, ['audio 0 RTP/SAVP 8 101', 'audio 40000 RTP/AVP 8 101']);
    assert.equal(media.remotePort, 30002);
    assert.doesNotMatch(answer, /crypto/);
  });
  it('first audio line without a common codec is rejected, the next one accepted', () => {
    const offer = S.SIPP_UAC_OFFER.replace('m=audio 6000 RTP/AVP 0', 'm=audio 5000 RTP/AVP 18\r\nm=audio 6000 RTP/AVP 0');
    const { answer, media } = answerOffer(offer, LOCAL);
    assert.deepEqual(answerLines(answer).ms, ['audio 0 RTP/AVP 18', 'audio 40000 RTP/AVP 0']);
    assert.equal(media.remotePort, 6000);
  });
  it('WebRTC-only (UDP/TLS/RTP/SAVPF) -> sdp_no_audio', () => {
    assert.equal(code(() => answerOffer(S.WEBRTC_OFFER, LOCAL)), 'sdp_no_audio');
  });
  it('no m-line, video only, or audio with port 0 -> sdp_no_audio', () => {
    assert.equal(code(() => answerOffer(S.sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0'), LOCAL)), 'sdp_no_audio');
    const videoOnly = S.AUDIO_VIDEO_OFFER.replace('m=audio 8000', 'm=audio 0');
    assert.equal(code(() => answerOffer(videoOnly, LOCAL)), 'sdp_no_audio');
    assert.equal(code(() => answerOffer(S.ASTERISK_OFFER.replace('m=audio 13758', 'm=image 13758'), LOCAL)), 'sdp_no_audio');
  });
  it('T.38 image line next to audio is rejected with its formats kept', () => {
    const offer = S.SIPP_UAC_OFFER + 'm=image 6002 udptl t38\r\n';
    assert.deepEqual(answerLines(answerOffer(offer, LOCAL).answer).ms, ['audio 40000 RTP/AVP 0', 'image 0 udptl t38']);
  });
});

describe('answerOffer: bad input', () => {
  const garbage = [
    '',
    'garbage',
    'INVITE sip:7001@gw SIP/2.0\r\n\r\n',
    'v=1\r\nm=audio 1 RTP/AVP 0\r\n',
    S.SIPP_UAC_OFFER.replace('m=audio 6000', 'm=audio 70000'),
    S.SIPP_UAC_OFFER.replace('m=audio 6000', 'm=audio six'),
    S.SIPP_UAC_OFFER.replace('RTP/AVP 0', 'RTP/AVP 0 x'),
    S.SIPP_UAC_OFFER.replace('RTP/AVP 0', 'RTP/AVP 0 300'),
    S.SIPP_UAC_OFFER.replace('a=rtpmap', 'this is not sdp\r\na=rtpmap'),
    S.SIPP_UAC_OFFER.replace('c=IN IP4 127.0.0.1\r\n', ''),
    'v=0\r\n' + 'a=x\r\n'.repeat(20_000),
  ];
  for (const [i, text] of garbage.entries()) {
    it(`garbage #${i} -> sdp_invalid`, () => {
      assert.equal(code(() => answerOffer(text, LOCAL)), 'sdp_invalid');
    });
  }
  it('non-string input -> sdp_invalid', () => {
    assert.equal(code(() => answerOffer(undefined as unknown as string, LOCAL)), 'sdp_invalid');
    assert.equal(code(() => answerOffer({} as unknown as string, LOCAL)), 'sdp_invalid');
  });
  it('accepts LF-only line ends and a trailing blank line', () => {
    const lf = S.ASTERISK_OFFER.replace(/\r\n/g, '\n') + '\n';
    assert.deepEqual(answerOffer(lf, LOCAL).media.codec, { name: 'PCMU', pt: 0 });
  });
  it('bad local options -> sdp_bad_options', () => {
    assert.equal(code(() => answerOffer(S.ASTERISK_OFFER, { ...LOCAL, port: 0 })), 'sdp_bad_options');
    assert.equal(code(() => answerOffer(S.ASTERISK_OFFER, { ...LOCAL, address: '' })), 'sdp_bad_options');
    assert.equal(code(() => answerOffer(S.ASTERISK_OFFER, { ...LOCAL, codecs: [] })), 'sdp_bad_options');
  });
});

describe('answerModifiedOffer: re-offers may change the codec (RFC 3264 §8.3.2)', () => {
  it('keeps the running codec while the offer lists it, even when not first', () => {
    const { media, answer } = answerModifiedOffer(S.FREESWITCH_OFFER, LOCAL, 'PCMU');
    assert.deepEqual(media.codec, { name: 'PCMU', pt: 0 });
    assert.match(answer, /^m=audio 40000 RTP\/AVP 0 101\r$/m);
    assert.deepEqual(answerModifiedOffer(S.FREESWITCH_OFFER, LOCAL, 'PCMA').media.codec, { name: 'PCMA', pt: 8 });
  });
  it('a re-offer with only PCMA, while running PCMU, is answered with PCMA and its telephone-event number', () => {
    const { media, answer } = answerModifiedOffer(S.SBC_TE96_OFFER, LOCAL, 'PCMU');
    assert.deepEqual(media.codec, { name: 'PCMA', pt: 8 });
    assert.equal(media.telephoneEventPt, 96);
    assert.match(answer, /^m=audio 40000 RTP\/AVP 8 96\r$/m);
    assert.doesNotMatch(answer, /PCMU/);
  });
  it('another number for the same codec (dynamic PCMU 110) is taken as offered', () => {
    const { media } = answerModifiedOffer(S.DYNAMIC_PCMU_OFFER, LOCAL, 'PCMU');
    assert.deepEqual(media.codec, { name: 'PCMU', pt: 110 });
  });
  it('the running codec is not kept when we no longer support it', () => {
    assert.deepEqual(answerModifiedOffer(S.ASTERISK_OFFER, { ...LOCAL, codecs: ['PCMA'] }, 'PCMU').media.codec, { name: 'PCMA', pt: 8 });
  });
  it('nothing in common is still sdp_no_common_codec (488)', () => {
    const g729 = S.CISCO_G729_FIRST_OFFER.replace('RTP/AVP 18 0 101', 'RTP/AVP 18 101');
    assert.equal(code(() => answerModifiedOffer(g729, LOCAL, 'PCMU')), 'sdp_no_common_codec');
  });
});
