/**
 * The answerer's side of RFC 3264 offer/answer for one G.711 audio stream.
 * Pure: text in, text and a typed result out.
 */
import {
  DEFAULT_CODECS,
  DEFAULT_PTIME,
  DEFAULT_USERNAME,
  checkLocal,
  randomSessionId,
  writeAudioMedia,
  writeRejectedMedia,
  writeSessionHead,
} from './build.ts';
import { SdpError } from './errors.ts';
import {
  ACCEPTED_PROTOCOLS,
  codecOf,
  connectionOf,
  directionOf,
  fmtpOf,
  isHoldAddress,
  isTelephoneEvent,
  mediaFormats,
  mediaPort,
  parseSdp,
  payloadTypes,
  ptimeOf,
  reverseDirection,
  rtcpPortOf,
} from './parse.ts';
import type { AnswerOptions, CodecName, MediaDirection, NegotiatedMedia, ParsedMedia, ParsedSdp } from './types.ts';

/** Result of {@link answerOffer}. */
export interface AnswerResult {
  /** The SDP answer text (CRLF line ends). */
  answer: string;
  /** What was agreed for the audio stream. */
  media: NegotiatedMedia;
  /** Index of the accepted audio m-line in the offer (and the answer). */
  mLineIndex: number;
}

/** The audio m-line we accept and what we picked on it. */
interface Selection {
  index: number;
  media: ParsedMedia;
  address: string;
  codec: { name: CodecName; pt: number };
  telephoneEvent?: { pt: number; fmtp?: string };
}

/**
 * Answers an SDP offer (RFC 3264 §6): accepts the first usable audio m-line
 * (RTP/AVP or RTP/AVPF, non-zero port, a codec in common) and rejects every other
 * m-line with port 0, keeping their number and order. On the accepted line it picks
 * the first codec in the offer's order that we support, keeps the offerer's payload
 * numbers (§6.1), echoes telephone-event with its fmtp and rtcp-mux, writes our own ptime, and
 * answers the direction (§6.1) and old-style hold `c=0.0.0.0` (§8.4).
 * @param offerSdp the offer body
 * @param local our side; see {@link AnswerOptions} for defaults
 * @throws SdpError `sdp_invalid` (unparseable), `sdp_no_audio`, `sdp_no_common_codec` (the caller answers 488),
 *   `sdp_bad_options` (bad `local`)
 */
export function answerOffer(offerSdp: string, local: AnswerOptions): AnswerResult {
  return answerWith(offerSdp, local, undefined);
}

/**
 * Answers an offer that modifies a running session (re-INVITE, UPDATE): as
 * {@link answerOffer}, except that the running codec is kept when the offer still lists
 * it, so that a hold or a refresh never switches codecs. An offer without it gets the
 * offer's first codec that we support: RFC 3264 §8.3.2 lets a modified offer change the
 * media formats and the answer follow, and from the answer on we MUST NOT send a format
 * the offer left out. Only an offer with nothing in common is refused.
 * @param running the codec the session runs now
 * @throws SdpError as {@link answerOffer}; `sdp_no_common_codec` only when no supported codec is offered
 */
export function answerModifiedOffer(offerSdp: string, local: AnswerOptions, running: CodecName): AnswerResult {
  return answerWith(offerSdp, local, running);
}

function answerWith(offerSdp: string, local: AnswerOptions, prefer: CodecName | undefined): AnswerResult {
  checkLocal(local);
  const offer = parseSdp(offerSdp);
  const selection = selectAudio(offer, local, prefer);
  const ourPtime = local.ptime ?? DEFAULT_PTIME;
  const media = negotiated(offer, selection, ourPtime);
  // Written directly (build.ts's writers): the same bytes as serialize(sessionSkeleton + media),
  // without building a description to throw away. RFC 3264 §6: the t= line equals the offer's.
  let answer = writeSessionHead({
    username: local.username ?? DEFAULT_USERNAME,
    sessionId: local.sessionId ?? randomSessionId(),
    sessionVersion: local.sessionVersion ?? 1,
    address: local.address,
  }, offer.timing);
  for (let i = 0; i < offer.media.length; i++) {
    const m = offer.media[i] as ParsedMedia;
    answer += i === selection.index ? acceptedLine(selection, media, local.port, ourPtime) : writeRejectedMedia(m.type, m.protocol, mediaFormats(m));
  }
  return { answer, media, mLineIndex: selection.index };
}

/** Finds the audio m-line to accept and its codec (`prefer` when offered and supported). */
function selectAudio(offer: ParsedSdp, local: AnswerOptions, prefer: CodecName | undefined): Selection {
  const supported = local.codecs ?? DEFAULT_CODECS;
  const candidates = offer.media
    .map((media, index) => ({ media, index }))
    .filter(({ media, index }) => isUsableAudio(media, index));
  if (candidates.length === 0) throw new SdpError('sdp_no_audio', `no usable audio stream [m-lines:${offer.media.length}]`);
  for (const { media, index } of candidates) {
    const pts = payloadTypes(media);
    const codecPt = pickCodec(media, pts, supported, prefer);
    if (codecPt === undefined) continue;
    const address = connectionOf(offer, media);
    // RFC 4566 §5.7: c= at session level or in every m-line.
    if (address === undefined) throw new SdpError('sdp_invalid', `no connection address [m-line:${index}]`);
    const selection: Selection = { index, media, address, codec: { name: codecOf(media, codecPt)!, pt: codecPt } };
    const tePt = local.telephoneEvent === false ? undefined : pts.find((pt) => isTelephoneEvent(media, pt));
    if (tePt !== undefined) selection.telephoneEvent = { pt: tePt, fmtp: fmtpOf(media, tePt) };
    return selection;
  }
  const offered = candidates.map(({ media }) => mediaFormats(media)).join(' | ');
  throw new SdpError('sdp_no_common_codec', `no common codec [offered:${offered}, supported:${supported.join(' ')}]`);
}

/** The payload type to answer with on one m-line: `prefer` if there, else the first we support. */
function pickCodec(media: ParsedMedia, pts: number[], supported: readonly CodecName[], prefer: CodecName | undefined): number | undefined {
  const preferred = prefer === undefined ? undefined : pts.find((pt) => usableCodec(media, supported, pt) === prefer);
  return preferred ?? pts.find((pt) => usableCodec(media, supported, pt) !== undefined);
}

/** The codec `pt` stands for on this m-line when we support it. */
function usableCodec(media: ParsedMedia, supported: readonly CodecName[], pt: number): CodecName | undefined {
  const name = codecOf(media, pt);
  return name !== undefined && supported.includes(name) ? name : undefined;
}

/** An audio m-line we can take: RTP/AVP or RTP/AVPF with a non-zero port. */
function isUsableAudio(media: ParsedMedia, index: number): boolean {
  if (media.type !== 'audio') return false;
  if (!ACCEPTED_PROTOCOLS.includes(media.protocol.toUpperCase())) return false;
  return mediaPort(media, index) !== 0;
}

/** Our direction in answer to the offer's, with old-style hold (RFC 3264 §8.4). */
export function answerDirection(remote: MediaDirection, holdAddress: boolean): MediaDirection {
  if (!holdAddress) return reverseDirection(remote);
  // The peer asked us not to send: we may still receive if it sends.
  return remote === 'sendrecv' || remote === 'sendonly' ? 'recvonly' : 'inactive';
}

/** Builds the typed result of a negotiation. */
function negotiated(offer: ParsedSdp, sel: Selection, ourPtime: number): NegotiatedMedia {
  const remoteDirection = directionOf(offer, sel.media);
  const holdAddress = isHoldAddress(sel.address);
  const result: NegotiatedMedia = {
    remoteAddress: sel.address,
    remotePort: mediaPort(sel.media, sel.index),
    rtcpMux: sel.media.rtcpMux === 'rtcp-mux',
    codec: { ...sel.codec },
    ptime: ptimeOf(sel.media) ?? ourPtime,
    direction: answerDirection(remoteDirection, holdAddress),
    remoteDirection,
    hold: holdAddress || remoteDirection === 'sendonly' || remoteDirection === 'inactive',
  };
  const rtcpPort = rtcpPortOf(sel.media);
  if (rtcpPort !== undefined) result.remoteRtcpPort = rtcpPort;
  if (sel.telephoneEvent !== undefined) result.telephoneEventPt = sel.telephoneEvent.pt;
  return result;
}

/** The answer's audio m-line: our port, the offer's protocol, one codec (+ telephone-event). */
function acceptedLine(sel: Selection, media: NegotiatedMedia, port: number, ourPtime: number): string {
  return writeAudioMedia({
    port,
    protocol: sel.media.protocol,
    // RFC 3264 §6.1: one codec in the answer, so both sides send the same one.
    codecs: [sel.codec],
    ...(sel.telephoneEvent === undefined ? {} : { telephoneEvent: sel.telephoneEvent }),
    // RFC 3264 §6.1: the answer's ptime "indicates the packetization interval that the answerer
    // would like to receive. There is no requirement that the packetization interval be the
    // same in each direction": ours, not an echo of the offer's (which stays in media.ptime).
    ptime: ourPtime,
    direction: media.direction,
    rtcpMux: media.rtcpMux,
  });
}
