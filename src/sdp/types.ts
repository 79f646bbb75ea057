/**
 * Public types of the SDP offer/answer layer (RFC 3264 over RFC 4566).
 * Contracts only; the logic lives in `negotiate.ts` and `offer.ts`.
 */

/** Audio codecs Agentline speaks: G.711 µ-law and A-law (RFC 3551 §4.5.14). */
export type CodecName = 'PCMU' | 'PCMA';

/** An audio codec with its RTP payload type and clock rate. */
export interface Codec {
  /** Encoding name as written in `a=rtpmap` (upper case). */
  name: CodecName;
  /** RTP payload type: 0 (PCMU) or 8 (PCMA) when static, 96–127 when dynamic. */
  pt: number;
  /** RTP clock rate in Hz; always 8000 for G.711. */
  clock: 8000;
}

/** Stream direction attribute (RFC 4566 §6, RFC 3264 §5.1). */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What both sides agreed on for the one audio stream of a call. */
export interface NegotiatedMedia {
  /** Where the peer wants RTP: the `c=` address (IPv4, IPv6 or `0.0.0.0` when on old-style hold). */
  remoteAddress: string;
  /** Peer's RTP port from its `m=` line. */
  remotePort: number;
  /**
   * Peer's RTCP port from `a=rtcp:` (RFC 3605), when given. When absent, RTCP goes to
   * `remotePort + 1` (RFC 3550 §11), or to `remotePort` itself when `rtcpMux` is true.
   */
  remoteRtcpPort?: number;
  /** True when both sides agreed to multiplex RTP and RTCP on one port (RFC 5761 §5.1.1). */
  rtcpMux: boolean;
  /** The audio codec to send and expect, with the payload type the offerer chose. */
  codec: { name: CodecName; pt: number };
  /** Payload type of RFC 4733 telephone-event/8000, when both sides support it. */
  telephoneEventPt?: number;
  /** Packetization time in milliseconds that the peer wants to receive (default 20). */
  ptime: number;
  /** Our direction: whether we send and/or receive media. */
  direction: MediaDirection;
  /** The peer's direction as written in its SDP (default `sendrecv`). */
  remoteDirection: MediaDirection;
  /**
   * True when the peer has put the call on hold: `a=sendonly`/`a=inactive` or the
   * old-style `c=0.0.0.0` (RFC 3264 §8.4). We should stop sending RTP (or send nothing useful).
   */
  hold: boolean;
}

/** What we put in an answer. */
export interface AnswerOptions {
  /** Public address written in `c=` and `o=` exactly as given (IPv4 or IPv6). */
  address: string;
  /** Our local RTP port for this call. */
  port: number;
  /** Codecs we accept, any order (the offer's order decides). Default `['PCMU', 'PCMA']`. */
  codecs?: readonly CodecName[];
  /** Accept RFC 4733 telephone-event when offered. Default true. */
  telephoneEvent?: boolean;
  /** `o=` session id (decimal digits). Default: random. */
  sessionId?: string;
  /** `o=` session version. Default 1. */
  sessionVersion?: number;
  /** `o=` username. Default `'agentline'`. */
  username?: string;
  /** Our ptime in milliseconds: written in the answer (what we like to receive), and the peer's wish when the offer has none. Default 20. */
  ptime?: number;
}

/** What we put in an offer (our UAC side, and offer-less INVITEs). */
export interface OfferOptions {
  /** Public address written in `c=` and `o=` exactly as given (IPv4 or IPv6). */
  address: string;
  /** Our local RTP port. */
  port: number;
  /** Codecs to offer, in order of preference. Default `['PCMU', 'PCMA']`. */
  codecs?: readonly CodecName[];
  /** Offer RFC 4733 telephone-event. Default true. */
  telephoneEvent?: boolean;
  /** Payload type for telephone-event (96–127). Default 101. */
  telephoneEventPt?: number;
  /** Our direction. Default `sendrecv`; `sendonly` puts the peer on hold (RFC 3264 §8.4). */
  direction?: MediaDirection;
  /** ptime in milliseconds to ask for. Default 20. */
  ptime?: number;
  /** Offer `a=rtcp-mux` (RFC 5761). Default false. */
  rtcpMux?: boolean;
  /** `o=` session id (decimal digits). Default: random. */
  sessionId?: string;
  /** `o=` session version. Default 1. */
  sessionVersion?: number;
  /** `o=` username. Default `'agentline'`. */
  username?: string;
}

/** What `parseAnswer` needs to know about the offer it answers. */
export interface OfferedMedia {
  /** Codecs we offered (static payload types 0 and 8). */
  codecs: readonly CodecName[];
  /** telephone-event payload type we offered; `undefined` when none was offered. */
  telephoneEventPt?: number;
  /** Our offered direction. Default `sendrecv`. */
  direction?: MediaDirection;
  /** Our offered ptime in milliseconds, used when the answer has none. Default 20. */
  ptime?: number;
  /** Whether we offered `a=rtcp-mux`. Default false. */
  rtcpMux?: boolean;
  /** Number of m-lines in our offer; the answer must have as many (RFC 3264 §6). Default 1. */
  mLineCount?: number;
  /** Index of our audio m-line in the offer. Default 0. */
  mLineIndex?: number;
}

/** Stable error codes of this layer. */
export type SdpErrorCode =
  /** Not parseable as SDP (RFC 4566 §5): the caller answers 400 or 488. */
  | 'sdp_invalid'
  /** No usable audio stream (RTP/AVP or RTP/AVPF with a non-zero port): 488. */
  | 'sdp_no_audio'
  /** Audio offered but no codec in common: 488. */
  | 'sdp_no_common_codec'
  /** The answer broke RFC 3264 §6 rules against our offer. */
  | 'sdp_answer_mismatch'
  /** Our own options were wrong (bad address, port, codec list): a bug in the caller. */
  | 'sdp_bad_options';

/**
 * A value of a parsed description as sdp-transform's parser gives it (its `toIntIfInt`): a
 * number when the text is the canonical spelling of one (`String(Number(v)) === v`: `0`,
 * `8000`, `NaN`, but not `08` or `20.`), else the text itself, possibly empty.
 */
export type SdpValue = string | number;

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 4566 §6). */
export interface SdpRtpMap {
  payload: SdpValue;
  codec: SdpValue;
  /** Absent when there is no `/` after the name; `''` when the `/` has no digits after it. */
  rate?: SdpValue;
  /** Absent when there is no second `/`. */
  encoding?: SdpValue;
}

/** `a=fmtp:<format> <format specific parameters>` (RFC 4566 §6). */
export interface SdpFmtp {
  payload: SdpValue;
  config: SdpValue;
}

/**
 * One media description (its `m=` line and the lines up to the next) as `readSdp` reads
 * it: the fields offer/answer uses, with the values sdp-transform's `parse` gives them.
 */
export interface SdpMedia {
  /** `m=` fields (RFC 4566 §5.14); all absent when the m-line is not `<media> <port> <proto>[ <fmt list>]`. */
  type?: SdpValue;
  port?: SdpValue;
  protocol?: SdpValue;
  /** The format list as written (up to a U+2028 or U+2029), absent unless a space follows the protocol. */
  payloads?: SdpValue;
  /** Every `a=rtpmap`, in order. */
  rtp: SdpRtpMap[];
  /** Every `a=fmtp`, in order. */
  fmtp: SdpFmtp[];
  /** Media-level `c=` (RFC 4566 §5.7); the last one wins. */
  connection?: { ip: SdpValue };
  /** The last of `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`. */
  direction?: MediaDirection;
  /** `a=ptime` in milliseconds as written. */
  ptime?: SdpValue;
  /** `a=rtcp` (RFC 3605): its port. */
  rtcp?: { port: SdpValue };
  /** Set by `a=rtcp-mux` (RFC 5761). */
  rtcpMux?: 'rtcp-mux';
}

/** A session description as `readSdp` reads it: the session-level fields offer/answer uses. */
export interface SdpDescription {
  /** Session-level `t=` (RFC 4566 §5.9); the last one wins. */
  timing?: { start: SdpValue; stop: SdpValue };
  /** Session-level `c=` (RFC 4566 §5.7). */
  connection?: { ip: SdpValue };
  /** Session-level direction attribute, the default of every m-line (RFC 4566 §6). */
  direction?: MediaDirection;
  /** The media descriptions in order. */
  media: SdpMedia[];
}

/** A media description that passed `parseSdp`'s checks: the type is non-empty text, the protocol text. */
export interface ParsedMedia extends SdpMedia {
  type: string;
  port: SdpValue;
  protocol: string;
}

/** A session description that passed `parseSdp`'s checks. */
export interface ParsedSdp extends SdpDescription {
  media: ParsedMedia[];
}
