/**
 * The call's media step: reserve an RTP port, answer the SDP offer (RFC 3264 §6) with it,
 * and open the RTP session on it. Audio stays silent until the agent plays; the socket
 * stays open for the call, and RFC 4733 digits reach the agent.
 */
import type { PortSource } from '../media/ports.ts';
import { RtpSession } from '../media/rtp-session.ts';
import { answerOffer, SdpError, type NegotiatedMedia } from '../sdp/index.ts';
import type { CallDeps } from './types.ts';

/** The media of an answered call. */
export interface CallMedia {
  rtp: RtpSession;
  /** Our SDP answer. */
  answer: string;
  media: NegotiatedMedia;
}

/** A port source that hands out `port` first (already reserved), then defers to `ports`. */
function reserved(port: number, ports: PortSource): PortSource {
  let first = true;
  return {
    allocate: () => {
      if (!first) return ports.allocate();
      first = false;
      return port;
    },
    release: (p) => ports.release(p),
  };
}

/**
 * Reserves a port, answers `offer` and opens the RTP session.
 * @param sessionId our `o=` session id, kept for the call's later answers
 * @throws MediaError `media_ports_exhausted` (503), SdpError (`sdp_invalid` 400, `sdp_no_audio`/
 *   `sdp_no_common_codec` 488)
 */
export async function openCallMedia(offer: string, deps: CallDeps, sessionId: string): Promise<CallMedia> {
  if (offer.trim() === '') {
    // An offer-less INVITE (offer in our 200, answer in the ACK) is not supported yet.
    throw new SdpError('sdp_no_audio', 'INVITE without an SDP offer');
  }
  const port = deps.ports.allocate();
  let first;
  try {
    first = answerOffer(offer, { address: deps.rtpAdvertisedAddress, port, sessionId });
  } catch (err) {
    deps.ports.release(port);
    throw err;
  }
  const { media } = first;
  const rtp = await RtpSession.open({
    clock: deps.mediaClock,
    ports: reserved(port, deps.ports),
    localAddress: deps.rtpBindAddress,
    codec: { name: media.codec.name, pt: media.codec.pt },
    remote: remoteOf(media),
    rtcpMux: media.rtcpMux,
    ...(media.telephoneEventPt === undefined ? {} : { telephoneEventPt: media.telephoneEventPt }),
  });
  // The bind may have moved to another port (the reserved one was taken by another process).
  const answer = rtp.port === port ? first.answer : answerOffer(offer, { address: deps.rtpAdvertisedAddress, port: rtp.port, sessionId }).answer;
  return { rtp, answer, media };
}

/** Where to send RTP: the offer's address (symmetric RTP latches later). */
export function remoteOf(media: NegotiatedMedia): { address: string; port: number; rtcpPort?: number } {
  const r: { address: string; port: number; rtcpPort?: number } = { address: media.remoteAddress, port: media.remotePort };
  if (media.remoteRtcpPort !== undefined) r.rtcpPort = media.remoteRtcpPort;
  return r;
}
