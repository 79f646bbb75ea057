/**
 * The counters snapshot of an RTP session (`RtpSession.stats`, for the call record),
 * assembled from the session's halves: outbound, inbound with its jitter buffer, the RTCP
 * reporter's view of the peer, and the session's own counts. Also what an RTCP report of the
 * session says ({@link reportInput}).
 */
import type { RtcpReporter, ReportInput } from './rtcp-reporter.ts';
import type { RtpInbound } from './rtp-inbound.ts';
import type { RtpOutbound } from './rtp-outbound.ts';

/** RTP timestamp units per ms: G.711's 8 kHz clock (RFC 3551 §4.5.14). */
const SAMPLES_PER_MS = 8;
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

/**
 * What the session's next RTCP report says: the sender part while we send (RFC 3550 §6.4.1),
 * a reception block once the peer has sent anything (§6.4: none before).
 * @param sinceDueMs how long after `tick` was due the report is made (negative when the clock
 *   runs ticks ahead of their due time, for a pacer): the SR's RTP timestamp "corresponds to
 *   the same time as the NTP timestamp" (§6.4.1), so it moves from the tick's by as much
 */
export function reportInput(
  outbound: RtpOutbound, inbound: RtpInbound, sending: boolean, tick: number, wallMs: number, monoMs: number, sinceDueMs = 0,
): ReportInput {
  const rtpTimestamp = (outbound.timestampAt(tick) + Math.round(sinceDueMs * SAMPLES_PER_MS)) >>> 0;
  const ssrc = inbound.remoteSsrc;
  return {
    wallMs,
    monoMs,
    ...(outbound.packets > 0 && sending
      ? { sender: { rtpTimestamp, packetCount: outbound.packets, octetCount: outbound.octets } }
      : {}),
    ...(ssrc === undefined ? {} : { reception: { ssrc, snapshot: inbound.reception.snapshot(), jitter: inbound.jitterTimestampUnits } }),
  };
}
