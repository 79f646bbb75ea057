/**
 * The offerer's side of RFC 3264 for one G.711 audio stream: our offers (the
 * contact-center emulator's INVITE, offer-less INVITEs, our hold re-INVITEs)
 * and checking the answer against what we offered (RFC 3264 §6.1).
 */
import type { SessionDescription } from 'sdp-transform';
import {
  DEFAULT_CODECS,
  DEFAULT_PTIME,
  DEFAULT_USERNAME,
  STATIC_PT,
  audioMedia,
  checkLocal,
  randomSessionId,
  serialize,
  sessionSkeleton,
} from './build.ts';
import { SdpError } from './errors.ts';
import { answerDirection } from './negotiate.ts';
import {
  ACCEPTED_PROTOCOLS,
  codecOf,
  connectionOf,
  directionOf,
  isHoldAddress,
  isTelephoneEvent,
  mediaPort,
  parseSdp,
  payloadTypes,
  ptimeOf,
  rtcpPortOf,
} from './parse.ts';
import type { CodecName, MediaDirection, NegotiatedMedia, OfferOptions, OfferedMedia, ParsedMedia, ParsedSdp } from './types.ts';

/** Default telephone-event payload type in our offers (the common choice; RFC 4733 leaves it dynamic). */
export const DEFAULT_TELEPHONE_EVENT_PT = 101;

/** The offer as a parsed description, for callers that add lines (see `SdpSession`). */
export function offerDescription(local: OfferOptions): SessionDescription {
  checkLocal(local);
  const tePt = local.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
  if (!Number.isInteger(tePt) || tePt < 96 || tePt > 127) {
    throw new SdpError('sdp_bad_options', `bad telephone-event payload type [pt:${tePt}]`);
  }
  const session = sessionSkeleton({
    username: local.username ?? DEFAULT_USERNAME,
    sessionId: local.sessionId ?? randomSessionId(),
    sessionVersion: local.sessionVersion ?? 1,
    address: local.address,
  });
  const codecs = [...new Set(local.codecs ?? DEFAULT_CODECS)].map((name) => ({ name, pt: STATIC_PT[name] }));
  session.media.push(
    audioMedia({
      port: local.port,
      protocol: 'RTP/AVP',
      codecs,
      // RFC 4733 §2.4.1: events 0-15 are the DTMF digits, *, #, A-D.
      ...(local.telephoneEvent === false ? {} : { telephoneEvent: { pt: tePt, fmtp: '0-16' } }),
      ptime: local.ptime ?? DEFAULT_PTIME,
      direction: local.direction ?? 'sendrecv',
      rtcpMux: local.rtcpMux ?? false,
    }),
  );
  return session;
}

/**
 * Writes an SDP offer with one RTP/AVP audio m-line: the codecs in the given order
 * (static payload types 0 and 8), telephone-event, ptime, direction and optionally rtcp-mux.
 * @param local our side; see {@link OfferOptions} for defaults
 * @throws SdpError `sdp_bad_options`
 */
export function createOffer(local: OfferOptions): string {
  return serialize(offerDescription(local));
}

/** The `OfferedMedia` that describes an offer made with these options. */
export function offeredMedia(local: OfferOptions): OfferedMedia {
  const offered: OfferedMedia = {
    codecs: [...new Set(local.codecs ?? DEFAULT_CODECS)],
    direction: local.direction ?? 'sendrecv',
    ptime: local.ptime ?? DEFAULT_PTIME,
    rtcpMux: local.rtcpMux ?? false,
  };
  if (local.telephoneEvent !== false) offered.telephoneEventPt = local.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
  return offered;
}

/**
 * Reads the answer to our offer and checks it against RFC 3264 §6.1: same number of
 * m-lines, only formats we offered with our payload numbers, a direction compatible
 * with ours. The answerer's first codec is the one to send.
 * @param answerSdp the answer body
 * @param offered what we offered; a plain codec list means "one audio m-line, these
 *   codecs", and then any telephone-event/8000 payload number is accepted
 * @throws SdpError `sdp_invalid`, `sdp_no_audio` (stream rejected with port 0),
 *   `sdp_no_common_codec`, `sdp_answer_mismatch`
 */
export function parseAnswer(answerSdp: string, offered: OfferedMedia | readonly CodecName[]): NegotiatedMedia {
  const our: OfferedMedia = isCodecList(offered) ? { codecs: offered } : offered;
  const answer = parseSdp(answerSdp);
  const index = our.mLineIndex ?? 0;
  const media = answer.media[index];
  if (answer.media.length !== (our.mLineCount ?? 1) || media === undefined) {
    throw new SdpError('sdp_answer_mismatch', `m-line count differs [offered:${our.mLineCount ?? 1}, answered:${answer.media.length}]`);
  }
  if (media.type !== 'audio' || !ACCEPTED_PROTOCOLS.includes(media.protocol.toUpperCase())) {
    throw new SdpError('sdp_answer_mismatch', `answer changed the audio m-line [type:${media.type}, proto:${media.protocol}]`);
  }
  // RFC 3264 §6: port 0 in the answer rejects the stream.
  if (mediaPort(media, index) === 0) throw new SdpError('sdp_no_audio', 'audio stream rejected [port:0]');
  const { codec, telephoneEventPt } = answeredFormats(media, our, isCodecList(offered));
  const address = connectionOf(answer, media);
  if (address === undefined) throw new SdpError('sdp_invalid', `no connection address [m-line:${index}]`);
  return answeredMedia(answer, media, index, address, our, codec, telephoneEventPt);
}

function isCodecList(o: OfferedMedia | readonly CodecName[]): o is readonly CodecName[] {
  return Array.isArray(o);
}

/** Checks every answered format was offered; returns the answerer's first codec. */
function answeredFormats(
  media: ParsedMedia,
  our: OfferedMedia,
  anyTelephoneEvent: boolean,
): { codec: { name: CodecName; pt: number }; telephoneEventPt?: number } {
  let codec: { name: CodecName; pt: number } | undefined;
  let telephoneEventPt: number | undefined;
  for (const pt of payloadTypes(media)) {
    const name = codecOf(media, pt);
    if (name !== undefined && our.codecs.includes(name) && STATIC_PT[name] === pt) {
      codec ??= { name, pt };
    } else if (isTelephoneEvent(media, pt) && (anyTelephoneEvent || pt === our.telephoneEventPt)) {
      telephoneEventPt ??= pt;
    } else {
      throw new SdpError('sdp_answer_mismatch', `answer has a format we did not offer [pt:${pt}]`);
    }
  }
  if (codec === undefined) throw new SdpError('sdp_no_common_codec', `answer has no codec [formats:${String(media.payloads)}]`);
  return telephoneEventPt === undefined ? { codec } : { codec, telephoneEventPt };
}

/** RFC 3264 §6.1: which answer directions each offered direction allows. */
const ALLOWED_ANSWERS: Readonly<Record<MediaDirection, readonly MediaDirection[]>> = {
  sendrecv: ['sendrecv', 'sendonly', 'recvonly', 'inactive'],
  sendonly: ['recvonly', 'inactive'],
  recvonly: ['sendonly', 'inactive'],
  inactive: ['inactive'],
};

function answeredMedia(
  answer: ParsedSdp,
  media: ParsedMedia,
  index: number,
  address: string,
  our: OfferedMedia,
  codec: { name: CodecName; pt: number },
  telephoneEventPt: number | undefined,
): NegotiatedMedia {
  const offeredDir = our.direction ?? 'sendrecv';
  const remoteDirection = directionOf(answer, media);
  if (!ALLOWED_ANSWERS[offeredDir].includes(remoteDirection)) {
    throw new SdpError('sdp_answer_mismatch', `direction not allowed [offered:${offeredDir}, answered:${remoteDirection}]`);
  }
  const holdAddress = isHoldAddress(address);
  const peerHolds = (remoteDirection === 'sendonly' || remoteDirection === 'inactive') && (offeredDir === 'sendrecv' || offeredDir === 'recvonly');
  const result: NegotiatedMedia = {
    remoteAddress: address,
    remotePort: mediaPort(media, index),
    // RFC 5761 §5.1.1: multiplexing only when we offered it and the answer accepted it.
    rtcpMux: (our.rtcpMux ?? false) && media.rtcpMux === 'rtcp-mux',
    codec,
    ptime: ptimeOf(media) ?? our.ptime ?? DEFAULT_PTIME,
    direction: answerDirection(remoteDirection, holdAddress),
    remoteDirection,
    hold: holdAddress || peerHolds,
  };
  const rtcpPort = rtcpPortOf(media);
  if (rtcpPort !== undefined) result.remoteRtcpPort = rtcpPort;
  if (telephoneEventPt !== undefined) result.telephoneEventPt = telephoneEventPt;
  return result;
}
