/**
 * Per-call media statistics: the call record's `media` field (written when the call's
 * media closes) and the process's RTP metrics, batched once per second of media so that
 * the hot path does not touch prom-client per packet.
 */
import type { RtpPacketCounters, RtpSessionStats } from '../media/rtp-session-types.ts';
import type { Metrics } from '../obs/index.ts';
import type { JsonObject } from '../store/index.ts';
import type { CallMediaStats } from './call-media.ts';

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** What the record says about a call's media. */
export interface MediaRecordInput {
  /** Negotiated codec (`PCMU`/`PCMA`). */
  codec: string;
  /** RTP session counters at the end of the call. */
  rtp: RtpSessionStats;
  /** Agent-side counters (digits, playbacks), when the agent's handle existed. */
  handle?: CallMediaStats;
  /** Recording file, when recorded. */
  recording?: string;
}

/**
 * The record's `media` object: RTP counters both ways, inbound loss (RFC 3550 §A.3, and
 * as a percentage of expected packets), late and concealed frames at the jitter buffer,
 * interarrival jitter (RFC 3550 §6.4.1, ms), the peer's view from its RTCP reports,
 * digits by source and playback counters.
 */
export function mediaRecord(input: MediaRecordInput): JsonObject {
  const s = input.rtp;
  const expected = s.packetsReceived + s.lost;
  const out: JsonObject = {
    codec: input.codec,
    packetsSent: s.packetsSent,
    packetsReceived: s.packetsReceived,
    octetsSent: s.octetsSent,
    octetsReceived: s.octetsReceived,
    packetsIgnored: s.packetsIgnored,
    lost: s.lost,
    lossPct: expected === 0 ? 0 : round2((100 * s.lost) / expected),
    late: s.late,
    concealed: s.concealed,
    duplicate: s.duplicate,
    reordered: s.reordered,
    jitterMs: round2(s.jitterMs),
    dtmfSent: s.dtmfSent,
    dtmfReceived: s.dtmfReceived,
    latches: s.latches,
  };
  if (s.remote !== undefined) {
    const r: JsonObject = { fractionLost: round2(s.remote.fractionLost), cumulativeLost: s.remote.cumulativeLost, jitterMs: round2(s.remote.jitterMs) };
    if (s.remote.rttMs !== undefined) r['rttMs'] = round2(s.remote.rttMs);
    out['remote'] = r;
  }
  if (input.handle !== undefined) {
    const h = input.handle;
    out['digits'] = { info: h.digitsInfo, rtp: h.digitsRtp, duplicate: h.digitsDuplicate };
    out['playback'] = { queued: h.playbacks, cut: h.playbacksCut, bargeIns: h.bargeIns, playedMs: h.playedMs };
  }
  if (input.recording !== undefined) out['recording'] = input.recording;
  return out;
}

/** Feeds one call's RTP counters into the process metrics as deltas. */
export class RtpMeter {
  #sent = 0;
  #received = 0;
  #lost = 0;

  constructor(private readonly metrics: Metrics) {}

  /** Adds what changed since the last report (a live session passes itself: nothing is copied). */
  report(s: RtpPacketCounters): void {
    this.metrics.rtpPackets('out', s.packetsSent - this.#sent);
    this.metrics.rtpPackets('in', s.packetsReceived - this.#received);
    this.metrics.rtpLost(s.lost - this.#lost);
    this.#sent = s.packetsSent;
    this.#received = s.packetsReceived;
    this.#lost = Math.max(this.#lost, s.lost);
  }

  /** The last report of a call, with its jitter. */
  finish(s: RtpSessionStats): void {
    this.report(s);
    if (s.packetsReceived > 0) this.metrics.rtpJitter(s.jitterMs);
  }
}
