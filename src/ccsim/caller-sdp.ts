/**
 * The caller side's SDP for one emulated call, on the src/sdp helpers: our first offer,
 * the answers to the gateway's re-offers (re-INVITE, UPDATE) and our offer in the 200 to
 * an offerless re-INVITE. One `o=` session id for the whole call; the version goes up
 * only when what we send differs from what we sent last (RFC 3264 §8). Our address,
 * port and codec never change: a re-offer can move the gateway's media or hold it, not ours.
 * Pure: text in, text and typed results out.
 */
import { randomInt } from 'node:crypto';
import {
  SdpError, answerOffer, createOffer, offeredMedia, parseAnswer,
  type AnswerResult, type CodecName, type NegotiatedMedia, type OfferOptions, type OfferedMedia,
} from '../sdp/index.ts';

/** `o=` username of every SDP the emulator writes. */
export const CALLER_SDP_USERNAME = 'ccsim';

/** Our side of the call's media, fixed for the call. */
export interface CallerSdpOptions {
  /** Address written in `c=` and `o=`. */
  address: string;
  /** Our RTP port. */
  port: number;
  /** The one codec we offer and accept (so that the gateway cannot pick another). */
  codec: CodecName;
  /** Offer `a=rtcp-mux` (RFC 5761). */
  rtcpMux: boolean;
  /** `o=` session id (decimal digits). Default: random. */
  sessionId?: string;
}

/** See the module comment. */
export class CallerSdp {
  /** The `o=` session id, constant for the call. */
  readonly sessionId: string;
  #version = 1;
  /** The last SDP we sent; undefined before the first offer. */
  #lastSent: string | undefined;
  /** What our last offer said, until its answer arrives. */
  #pending: OfferedMedia | undefined;

  /** @param options our side; see {@link CallerSdpOptions} */
  constructor(private readonly options: CallerSdpOptions) {
    this.sessionId = options.sessionId ?? String(randomInt(1, 2 ** 47));
  }

  /** The `o=` version of the last SDP we sent (1 before any). */
  get version(): number {
    return this.#version;
  }

  /** True while an offer of ours waits for its answer (RFC 3264 §4: no second offer meanwhile). */
  get offerPending(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Our offer: the first one in the INVITE, or the one in the 200 to an offerless
   * re-INVITE (RFC 3261 §14.2), `sendrecv` with our one codec and telephone-event.
   */
  offer(): string {
    const local = (sessionVersion: number): OfferOptions => ({
      address: this.options.address, port: this.options.port, codecs: [this.options.codec], rtcpMux: this.options.rtcpMux,
      username: CALLER_SDP_USERNAME, sessionId: this.sessionId, sessionVersion,
    });
    const sdp = this.#stamp((v) => createOffer(local(v)), (s) => s);
    this.#pending = offeredMedia(local(this.#version));
    return sdp;
  }

  /**
   * Reads the answer to our pending offer (the 200 to our INVITE, or the ACK after an
   * offerless re-INVITE).
   * @throws SdpError `sdp_answer_mismatch` without a pending offer; else as `parseAnswer`
   */
  acceptAnswer(answerSdp: string): NegotiatedMedia {
    const pending = this.#pending;
    if (pending === undefined) throw new SdpError('sdp_answer_mismatch', 'an answer without a pending offer');
    this.#pending = undefined;
    return parseAnswer(answerSdp, pending);
  }

  /**
   * Answers the gateway's offer (re-INVITE or UPDATE) on our address, port and codec;
   * `a=sendonly` gets `a=recvonly` and `c=0.0.0.0` hold is honoured (RFC 3264 §6.1, §8.4).
   * @throws SdpError as `answerOffer` (the caller answers 488 and the session stays as it was)
   */
  answer(offerSdp: string): AnswerResult {
    return this.#stamp((v) => answerOffer(offerSdp, {
      address: this.options.address, port: this.options.port, codecs: [this.options.codec],
      username: CALLER_SDP_USERNAME, sessionId: this.sessionId, sessionVersion: v,
    }), (r) => r.answer);
  }

  /**
   * RFC 3264 §8: the same session id always; the version of the last SDP we sent when
   * this one says the same, that version + 1 when it differs. Both are written with the
   * same `o=` line at one version, so comparing the texts compares everything else.
   */
  #stamp<T>(build: (version: number) => T, text: (built: T) => string): T {
    const same = build(this.#version);
    if (this.#lastSent === undefined || text(same) === this.#lastSent) {
      this.#lastSent = text(same);
      return same;
    }
    this.#version += 1;
    const changed = build(this.#version);
    this.#lastSent = text(changed);
    return changed;
  }
}
