/**
 * The call's media step: reserve an RTP port, answer the SDP offer (RFC 3264 §6) with it,
 * and open the RTP session on it with the negotiated codec and telephone-event payload
 * type. RTP goes to the offer's address until the caller's first packet arrives, then to
 * wherever it comes from (symmetric RTP, for NAT). An offer that starts on hold
 * (`a=sendonly`, `a=inactive`, `c=0.0.0.0`, RFC 3264 §8.4) opens the session silent.
 */
import type { PortSource } from '../media/ports.ts';
import { RtpSession } from '../media/rtp-session.ts';
import type { RtpEndpoint, RtpSessionOptions } from '../media/rtp-session-types.ts';
import type { RtpSocketLease, RtpSocketPool } from '../media/rtp-socket-pool.ts';
import { answerOffer, SdpError, type NegotiatedMedia } from '../sdp/index.ts';
import type { CallDeps } from './types.ts';

/** The media of an answered call. */
export interface CallMedia {
  rtp: RtpSession;
  /** Our SDP answer. */
  answer: string;
  media: NegotiatedMedia;
  /** Our `o=` session version, raised with each changed answer (RFC 3264 §8). */
  version: number;
  /** The peer's last real SDP endpoint (not a hold address); a re-offer naming it again keeps the latch. */
  sdpRemote: RtpEndpoint | undefined;
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
export function openCallMedia(offer: string, deps: CallDeps, sessionId: string): Promise<CallMedia> {
  // Not an async function: on pooled sockets the promise is openPooled's own. Throws reject.
  try {
    if (offer.trim() === '') {
      // An offer-less INVITE (offer in our 200, answer in the ACK) is not supported yet.
      throw new SdpError('sdp_no_audio', 'INVITE without an SDP offer');
    }
    return deps.rtpSockets !== undefined ? openPooled(offer, deps, deps.rtpSockets, sessionId) : openBound(offer, deps, sessionId);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** {@link openCallMedia} on a port of the range, bound for this call. */
async function openBound(offer: string, deps: CallDeps, sessionId: string): Promise<CallMedia> {
  const port = deps.ports.allocate();
  let first;
  try {
    // Port 0 (ephemeral ports, tests) is known only after the bind: answer again then.
    first = answerOffer(offer, { address: deps.rtpAdvertisedAddress, port: port === 0 ? 9 : port, sessionId });
  } catch (err) {
    deps.ports.release(port);
    throw err;
  }
  const { media } = first;
  const rtp = await RtpSession.open(sessionOptions(deps, media, { ports: reserved(port, deps.ports) }));
  rtp.setSending(sends(media));
  // The bind may have moved to another port (the reserved one was taken by another process).
  const answer = rtp.port === port ? first.answer : answerOffer(offer, { address: deps.rtpAdvertisedAddress, port: rtp.port, sessionId }).answer;
  return { rtp, answer, media, version: 1, sdpRemote: remoteOf(media) };
}

/** The RTP session's options for the negotiated media; `ports` or pooled `sockets` in `where`. */
function sessionOptions(deps: CallDeps, media: NegotiatedMedia, where: { ports?: PortSource; sockets?: RtpSocketLease }): RtpSessionOptions {
  const remote = remoteOf(media);
  return {
    clock: deps.mediaClock,
    ports: where.ports ?? deps.ports,
    ...(where.sockets === undefined ? {} : { sockets: where.sockets }),
    localAddress: deps.rtpBindAddress,
    codec: { name: media.codec.name, pt: media.codec.pt },
    rtcpMux: media.rtcpMux,
    ...(remote === undefined ? {} : { remote }),
    ...(media.telephoneEventPt === undefined ? {} : { telephoneEventPt: media.telephoneEventPt }),
  };
}

/** {@link openCallMedia} on a pair of pooled sockets: no bind, the port is known before the answer. */
async function openPooled(offer: string, deps: CallDeps, pool: RtpSocketPool, sessionId: string): Promise<CallMedia> {
  // A rested pair, the usual case, without waiting on a promise; else one bound now.
  const lease = pool.tryAcquire() ?? await pool.acquire();
  try {
    const { answer, media } = answerOffer(offer, { address: deps.rtpAdvertisedAddress, port: lease.port, sessionId });
    const rtp = RtpSession.onLease(sessionOptions(deps, media, { sockets: lease }), lease);
    rtp.setSending(sends(media));
    return { rtp, answer, media, version: 1, sdpRemote: remoteOf(media) };
  } catch (err) {
    lease.release();
    throw err;
  }
}

/** True for the hold addresses of RFC 3264 §8.4 (`0.0.0.0`, and `::` by analogy). */
export function isHoldAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** True when our side of the negotiated stream sends (`sendrecv` or `sendonly`). */
export function sends(media: NegotiatedMedia): boolean {
  return media.direction === 'sendrecv' || media.direction === 'sendonly';
}

/** Where to send RTP: the offer's address (symmetric RTP latches later); none for a hold address. */
export function remoteOf(media: NegotiatedMedia): RtpEndpoint | undefined {
  if (isHoldAddress(media.remoteAddress)) return undefined;
  const r: RtpEndpoint = { address: media.remoteAddress, port: media.remotePort };
  if (media.remoteRtcpPort !== undefined) r.rtcpPort = media.remoteRtcpPort;
  return r;
}
