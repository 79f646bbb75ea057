/**
 * The counters snapshot of an RTP session (`RtpSession.stats`, for the call record),
 * assembled from the session's halves: outbound, inbound with its jitter buffer, the RTCP
 * reporter's view of the peer, and the session's own counts.
 */
import type { RtcpReporter } from './rtcp-reporter.ts';
import type { RtpInbound } from './rtp-inbound.ts';
import type { RtpOutbound } from './rtp-outbound.ts';
import type { RtpSessionStats } from './rtp-session-types.ts';

/** What a snapshot is made from. */
export interface SessionParts {
  inbound: RtpInbound;
  outbound: RtpOutbound;
  reporter: RtcpReporter | undefined;
  /** Packets dropped: invalid, unknown payload type, or from a foreign source. */
  ignored: number;
  /** RFC 4733 digits received. */
  dtmfIn: number;
  /** Times RTP was (re)latched. */
  latches: number;
}

/** A snapshot of the session's counters (a new object each time). */
export function sessionStats(p: SessionParts): RtpSessionStats {
  const j = p.inbound.jitterStats;
  const remote = p.reporter?.remoteReception;
  return {
    packetsSent: p.outbound.packets,
    octetsSent: p.outbound.octets,
    packetsReceived: p.inbound.packets,
    octetsReceived: p.inbound.octets,
    packetsIgnored: p.ignored,
    lost: Math.max(0, p.inbound.reception.lost),
    concealed: j.concealed,
    late: j.late,
    duplicate: j.duplicate,
    reordered: j.reordered,
    jitterMs: j.jitterMs,
    dtmfSent: p.outbound.digits,
    dtmfReceived: p.dtmfIn,
    latches: p.latches,
    ...(remote === undefined ? {} : { remote: { ...remote } }),
  };
}
