/**
 * SDP offer/answer (RFC 3264, RFC 4566) for G.711 audio: the public surface of `src/sdp/`.
 * A leaf: imports nothing from other `src/` folders.
 */
export type {
  AnswerOptions,
  Codec,
  CodecName,
  MediaDirection,
  NegotiatedMedia,
  OfferOptions,
  OfferedMedia,
  SdpErrorCode,
} from './types.ts';
export { SdpError, isSdpError } from './errors.ts';
export { answerOffer, answerDirection } from './negotiate.ts';
export type { AnswerResult } from './negotiate.ts';
export { createOffer, parseAnswer, offeredMedia, DEFAULT_TELEPHONE_EVENT_PT } from './offer.ts';
export { SdpSession } from './session.ts';
export type { SdpSessionOptions } from './session.ts';
export { DEFAULT_CODECS, DEFAULT_PTIME, DEFAULT_USERNAME, STATIC_PT } from './build.ts';
export { MAX_SDP_LENGTH } from './parse.ts';
