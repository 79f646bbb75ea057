/**
 * SDP bodies in the shape real endpoints send, for tests here and in other layers
 * (call, ccsim). Addresses are documentation ranges (RFC 5737, RFC 3849).
 */

/** Joins lines with CRLF and a final CRLF, as SDP requires (RFC 4566 §5). */
export function sdp(...lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

/** Asterisk (chan_pjsip) offer: PCMU, PCMA, G.729, telephone-event 101 with 0-16. */
export const ASTERISK_OFFER = sdp(
  'v=0',
  'o=- 1617283946 1617283946 IN IP4 198.51.100.20',
  's=Asterisk',
  'c=IN IP4 198.51.100.20',
  't=0 0',
  'm=audio 13758 RTP/AVP 0 8 18 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
);

/** The same Asterisk call put on hold by re-INVITE: version bumped, `a=sendonly` (RFC 3264 §8.4). */
export const ASTERISK_HOLD_OFFER = ASTERISK_OFFER.replace('1617283946 1617283946', '1617283946 1617283947').replace(
  'a=sendrecv',
  'a=sendonly',
);

/** FreeSWITCH offer preferring PCMA, with comfort noise and an explicit `a=rtcp` (RFC 3605). */
export const FREESWITCH_OFFER = sdp(
  'v=0',
  'o=FreeSWITCH 1700000000 1700000001 IN IP4 192.0.2.10',
  's=FreeSWITCH',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 24600 RTP/AVP 8 0 101 13',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtpmap:13 CN/8000',
  'a=ptime:20',
  'a=sendrecv',
  'a=rtcp:24601 IN IP4 192.0.2.10',
);

/** A Five9-like trunk offer (third-party transfer leg): G.711 first, G.729, DTMF 0-15. */
export const FIVE9_LIKE_OFFER = sdp(
  'v=0',
  'o=- 2890844526 2890844526 IN IP4 203.0.113.50',
  's=SIP Call',
  'c=IN IP4 203.0.113.50',
  't=0 0',
  'm=audio 31000 RTP/AVP 0 8 18 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
);

/** SIPp's built-in `uac` scenario body with `[media_ip]`=127.0.0.1 and `[media_port]`=6000. */
export const SIPP_UAC_OFFER = sdp(
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
);

/** Cisco-style offer with G.729 first, then PCMU, telephone-event 101. */
export const CISCO_G729_FIRST_OFFER = sdp(
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 4137 1234 IN IP4 198.51.100.33',
  's=SIP Call',
  'c=IN IP4 198.51.100.33',
  't=0 0',
  'm=audio 16384 RTP/AVP 18 0 101',
  'c=IN IP4 198.51.100.33',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
);

/** Linphone offer: Opus/Speex first, telephone-event at 48k, 16k and 8k (the 8k one is 100). */
export const LINPHONE_OFFER = sdp(
  'v=0',
  'o=alice 3121 2388 IN IP4 192.0.2.33',
  's=Talk',
  'c=IN IP4 192.0.2.33',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
);

/** An SBC offer with PCMA and telephone-event on payload type 96. */
export const SBC_TE96_OFFER = sdp(
  'v=0',
  'o=SBC 1000 1000 IN IP4 198.51.100.80',
  's=SBC',
  'c=IN IP4 198.51.100.80',
  't=0 0',
  'm=audio 40010 RTP/AVP 8 96',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-15',
  'a=ptime:30',
  'a=sendrecv',
);

/** PCMU on a dynamic payload type (110) with telephone-event on 96 and no fmtp. */
export const DYNAMIC_PCMU_OFFER = sdp(
  'v=0',
  'o=- 42 42 IN IP4 192.0.2.44',
  's=-',
  'c=IN IP4 192.0.2.44',
  't=0 0',
  'm=audio 5004 RTP/AVP 110 96',
  'a=rtpmap:110 PCMU/8000',
  'a=rtpmap:96 telephone-event/8000',
);

/** Old-style hold (RFC 2543, RFC 3264 §8.4): `c=0.0.0.0`, still sendrecv. */
export const OLD_HOLD_OFFER = sdp(
  'v=0',
  'o=- 1617283946 1617283948 IN IP4 198.51.100.20',
  's=Asterisk',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  'm=audio 13758 RTP/AVP 0 8 18 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
);

/** Softphone (Zoiper-like) offer with audio and video. */
export const AUDIO_VIDEO_OFFER = sdp(
  'v=0',
  'o=Z 0 2 IN IP4 192.0.2.60',
  's=Z',
  'c=IN IP4 192.0.2.60',
  't=0 0',
  'm=audio 8000 RTP/AVP 106 9 98 101 0 8 3',
  'a=rtpmap:106 opus/48000/2',
  'a=rtpmap:98 telephone-event/48000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  'm=video 8002 RTP/AVP 99 34',
  'a=rtpmap:99 H264/90000',
  'a=fmtp:99 profile-level-id=42801F',
  'a=rtpmap:34 H263/90000',
  'a=sendrecv',
);

/** baresip over IPv6. */
export const IPV6_OFFER = sdp(
  'v=0',
  'o=- 1830399423 3427210493 IN IP6 2001:db8::10',
  's=-',
  'c=IN IP6 2001:db8::10',
  't=0 0',
  'm=audio 10000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
);

/** An RTP/AVPF offer with RTP/RTCP multiplexing (RFC 5761) and `a=rtcp` naming the same port. */
export const RTCP_MUX_OFFER = sdp(
  'v=0',
  'o=- 77 77 IN IP4 192.0.2.70',
  's=-',
  'c=IN IP4 192.0.2.70',
  't=0 0',
  'm=audio 20000 RTP/AVPF 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=rtcp:20000',
  'a=rtcp-mux',
  'a=sendrecv',
);

/** Best-effort SRTP: an RTP/SAVP m-line first, then the same audio as plain RTP/AVP. */
export const SRTP_THEN_RTP_OFFER = sdp(
  'v=0',
  'o=- 88 88 IN IP4 192.0.2.80',
  's=-',
  'c=IN IP4 192.0.2.80',
  't=0 0',
  'm=audio 30000 RTP/SAVP 8 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
  'm=audio 30002 RTP/AVP 8 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
);

/** A browser (WebRTC) offer: DTLS-SRTP only, which we do not take. */
export const WEBRTC_OFFER = sdp(
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
);
