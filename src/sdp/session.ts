/**
 * One call's SDP state: the `o=` identity we keep across every offer and answer of
 * the call, and the version rule of RFC 3264 §8.
 */
import type { SessionDescription } from 'sdp-transform';
import { DEFAULT_USERNAME, randomSessionId, rejectedMedia, serialize } from './build.ts';
import { SdpError } from './errors.ts';
import { answerOffer } from './negotiate.ts';
import type { AnswerResult } from './negotiate.ts';
import { offerDescription, offeredMedia, parseAnswer } from './offer.ts';
import { mediaFormats, parseSdp } from './parse.ts';
import type { CodecName, MediaDirection, NegotiatedMedia, OfferedMedia, ParsedMedia } from './types.ts';

/** Our side of a call's media, fixed for the call. */
export interface SdpSessionOptions {
  /** Public address written in `c=` and `o=`. */
  address: string;
  /** Our local RTP port for the call. */
  port: number;
  /** Codecs we support, in our order of preference for our own offers. Default `['PCMU', 'PCMA']`. */
  codecs?: readonly CodecName[];
  /** Use RFC 4733 telephone-event. Default true. */
  telephoneEvent?: boolean;
  /** telephone-event payload type in our own offers. Default 101. */
  telephoneEventPt?: number;
  /** Our ptime in milliseconds. Default 20. */
  ptime?: number;
  /** `o=` username. Default `'agentline'`. */
  username?: string;
  /** `o=` session id. Default: random. */
  sessionId?: string;
  /** Version of the first SDP we send. Default 1. */
  initialVersion?: number;
}

/** A rejected m-line kept in our later offers (RFC 3264 §8: never fewer m-lines). */
interface Slot {
  type: string;
  protocol: string;
  formats: string;
}

/**
 * Keeps the `o=` session id and version for every SDP we send in one call.
 *
 * Version rule (RFC 3264 §8): the version goes up by one only when the SDP we send
 * differs from the previous one we sent (ignoring the `o=` line); an identical SDP,
 * e.g. the answer to an RFC 4028 session refresh, keeps the same version. The first
 * SDP has `initialVersion`.
 *
 * Each offer is negotiated afresh: a re-INVITE may change the codec, address or hold state.
 */
export class SdpSession {
  /** The `o=` session id, constant for the call. */
  readonly sessionId: string;
  readonly #opts: SdpSessionOptions;
  #version: number;
  #lastBody: string | undefined;
  #media: NegotiatedMedia | undefined;
  #slots: { lines: Slot[]; audio: number } = { lines: [], audio: 0 };
  #pendingOffer: OfferedMedia | undefined;

  /** @param opts our side; see {@link SdpSessionOptions} for defaults */
  constructor(opts: SdpSessionOptions) {
    this.#opts = opts;
    this.sessionId = opts.sessionId ?? randomSessionId();
    this.#version = opts.initialVersion ?? 1;
  }

  /** Version of the last SDP we sent; `undefined` before the first. */
  get version(): number | undefined {
    return this.#lastBody === undefined ? undefined : this.#version;
  }

  /** What is agreed now; `undefined` until an offer/answer exchange completes. */
  get media(): NegotiatedMedia | undefined {
    return this.#media;
  }

  /**
   * Answers an offer (initial INVITE, re-INVITE, UPDATE) and records the agreement.
   * @throws SdpError as {@link answerOffer}; the agreement is unchanged then
   */
  answer(offerSdp: string): AnswerResult {
    const o = this.#opts;
    const result = answerOffer(offerSdp, {
      address: o.address,
      port: o.port,
      ...(o.codecs === undefined ? {} : { codecs: o.codecs }),
      telephoneEvent: o.telephoneEvent ?? true,
      sessionId: this.sessionId,
      sessionVersion: this.#version,
      username: o.username ?? DEFAULT_USERNAME,
      ...(o.ptime === undefined ? {} : { ptime: o.ptime }),
    });
    const answer = this.#stamp(result.answer);
    this.#media = result.media;
    this.#rememberLayout(parseSdp(offerSdp).media, result.mLineIndex);
    this.#pendingOffer = undefined;
    return { ...result, answer };
  }

  /**
   * Our offer (offer-less INVITE, our re-INVITE to hold with `sendonly`, or to resume).
   * Keeps the m-lines of the previous exchange, rejected ones with port 0 (RFC 3264 §8).
   * @param direction our direction. Default `sendrecv`
   */
  offer(direction: MediaDirection = 'sendrecv'): string {
    const o = this.#opts;
    const local = {
      address: o.address,
      port: o.port,
      ...(o.codecs === undefined ? {} : { codecs: o.codecs }),
      telephoneEvent: o.telephoneEvent ?? true,
      ...(o.telephoneEventPt === undefined ? {} : { telephoneEventPt: o.telephoneEventPt }),
      direction,
      ...(o.ptime === undefined ? {} : { ptime: o.ptime }),
      username: o.username ?? DEFAULT_USERNAME,
      sessionId: this.sessionId,
    };
    const description = offerDescription(local);
    const layout = this.#withLayout(description);
    this.#pendingOffer = { ...offeredMedia(local), mLineCount: layout.media.length, mLineIndex: this.#slots.audio };
    return this.#stamp(serialize(layout));
  }

  /**
   * Reads the answer to our last {@link offer} and records the agreement.
   * @throws SdpError as `parseAnswer`; `sdp_answer_mismatch` also when no offer is pending
   */
  acceptAnswer(answerSdp: string): NegotiatedMedia {
    const pending = this.#pendingOffer;
    if (pending === undefined) throw new SdpError('sdp_answer_mismatch', 'answer without a pending offer');
    const media = parseAnswer(answerSdp, pending);
    this.#media = media;
    this.#pendingOffer = undefined;
    return media;
  }

  /** Applies the RFC 3264 §8 version rule to an SDP about to be sent. */
  #stamp(sdp: string): string {
    const body = withoutOrigin(sdp);
    if (this.#lastBody !== undefined && body !== this.#lastBody) this.#version += 1;
    this.#lastBody = body;
    return withVersion(sdp, this.#version);
  }

  /** Remembers the peer's m-lines so that our later offers keep them (RFC 3264 §8). */
  #rememberLayout(offered: ParsedMedia[], audio: number): void {
    this.#slots = {
      lines: offered.map((m) => ({ type: m.type, protocol: m.protocol, formats: mediaFormats(m) })),
      audio,
    };
  }

  /** Puts our one audio m-line in its slot among the rejected ones. */
  #withLayout(description: SessionDescription): SessionDescription {
    const audio = description.media[0];
    if (audio === undefined) return description;
    // Keep the profile the call was set up with (RTP/AVP or RTP/AVPF).
    audio.protocol = this.#slots.lines[this.#slots.audio]?.protocol ?? audio.protocol;
    if (this.#slots.lines.length <= 1) return description;
    description.media = this.#slots.lines.map((s, i) =>
      i === this.#slots.audio ? audio : rejectedMedia(s.type, s.protocol, s.formats),
    );
    return description;
  }
}

/** The SDP without its `o=` line, to compare bodies. */
function withoutOrigin(sdp: string): string {
  return sdp.replace(/^o=.*\r\n/m, '');
}

/** Rewrites the version field of the `o=` line (RFC 4566 §5.2: `o=<user> <id> <version> ...`). */
function withVersion(sdp: string, version: number): string {
  return sdp.replace(/^(o=\S+ \S+ )\d+/m, `$1${version}`);
}
