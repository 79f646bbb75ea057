/**
 * The RTCP side of one RTP session, without I/O: builds the compound report we send
 * (SR when we send media, else RR, plus SDES CNAME as RFC 3550 §6.1 requires) and digests
 * the peer's reports (LSR/DLSR bookkeeping, the peer's view of our stream, round trip).
 * Times are parameters.
 */
import { ntpFromUnixMs, ntpMiddle32, roundTripMs, writeBye, writeReceiverReport, writeSdesCname, writeSenderReport } from './rtcp.ts';
import type { ReportBlock, RtcpPacket } from './rtcp.ts';
import type { ReceptionSnapshot } from './rtp-stats.ts';

/** What the peer reports about the stream we send. */
export interface RemoteReception {
  /** Fraction lost in the peer's last interval, 0–1. */
  fractionLost: number;
  /** Packets the peer counts as lost in total. */
  cumulativeLost: number;
  /** Interarrival jitter the peer measures, ms. */
  jitterMs: number;
  /** Round-trip time, ms, when the peer echoed our SR. */
  rttMs?: number;
}

/** Inputs of one report. */
export interface ReportInput {
  /** Wall clock, Unix ms (for the NTP timestamp). */
  wallMs: number;
  /** Monotonic ms (for DLSR). */
  monoMs: number;
  /** Our sending state; omit when we have sent nothing (an RR is written). */
  sender?: { rtpTimestamp: number; packetCount: number; octetCount: number };
  /** Our reception of the peer; omit before the first packet. */
  reception?: { ssrc: number; snapshot: ReceptionSnapshot; jitter: number };
}

/** RTCP state of one session. */
export class RtcpReporter {
  private lastSr = 0;
  private lastSrMonoMs = 0;
  private remote: RemoteReception | undefined;

  /**
   * @param ssrc our SSRC
   * @param cname our canonical name (RFC 3550 §6.5.1)
   * @param clockRate RTP clock rate, Hz (default 8000)
   */
  constructor(
    readonly ssrc: number,
    readonly cname: string,
    readonly clockRate = 8000,
  ) {}

  /** The peer's last report about our stream, if any. */
  get remoteReception(): RemoteReception | undefined {
    return this.remote;
  }

  /**
   * Writes a compound report (SR or RR, then SDES) into `buf`.
   * @returns bytes written
   */
  write(buf: Uint8Array, input: ReportInput): number {
    const reports: ReportBlock[] = [];
    if (input.reception !== undefined) {
      const { ssrc, snapshot, jitter } = input.reception;
      const hasSr = this.lastSr !== 0;
      reports.push({
        ssrc,
        fractionLost: snapshot.fractionLost,
        cumulativeLost: snapshot.cumulativeLost,
        extendedHighestSeq: snapshot.extendedHighestSeq,
        jitter,
        lastSr: this.lastSr,
        // RFC 3550 §6.4.1: DLSR in units of 1/65536 s.
        delaySinceLastSr: hasSr ? Math.floor(((input.monoMs - this.lastSrMonoMs) / 1000) * 65536) >>> 0 : 0,
      });
    }
    let n: number;
    if (input.sender !== undefined) {
      const [ntpSeconds, ntpFraction] = ntpFromUnixMs(input.wallMs);
      n = writeSenderReport(buf, 0, { ssrc: this.ssrc, sender: { ntpSeconds, ntpFraction, ...input.sender }, reports });
    } else {
      n = writeReceiverReport(buf, 0, { ssrc: this.ssrc, reports });
    }
    return n + writeSdesCname(buf, n, this.ssrc, this.cname);
  }

  /**
   * Writes an empty RR + SDES + BYE compound packet (RFC 3550 §6.6), sent on close.
   * @returns bytes written
   */
  writeGoodbye(buf: Uint8Array): number {
    let n = writeReceiverReport(buf, 0, { ssrc: this.ssrc, reports: [] });
    n += writeSdesCname(buf, n, this.ssrc, this.cname);
    return n + writeBye(buf, n, this.ssrc);
  }

  /**
   * Digests a compound packet from the peer.
   * @param remoteSsrc the peer's media SSRC when known; SRs from other sources are ignored
   * @param wallMs wall clock at arrival, Unix ms (for the RTT)
   * @param monoMs monotonic ms at arrival (for DLSR)
   */
  receive(packets: readonly RtcpPacket[], remoteSsrc: number | undefined, wallMs: number, monoMs: number): void {
    for (const p of packets) {
      if (p.type === 'sr' && (remoteSsrc === undefined || p.ssrc === remoteSsrc)) {
        this.lastSr = ntpMiddle32(p.sender.ntpSeconds, p.sender.ntpFraction);
        this.lastSrMonoMs = monoMs;
      }
      if (p.type !== 'sr' && p.type !== 'rr') continue;
      const block = p.reports.find((b) => b.ssrc === this.ssrc);
      if (block === undefined) continue;
      const rttMs = roundTripMs(block, wallMs);
      this.remote = {
        fractionLost: block.fractionLost / 256,
        cumulativeLost: block.cumulativeLost,
        jitterMs: (block.jitter * 1000) / this.clockRate,
        ...(rttMs === undefined ? {} : { rttMs }),
      };
    }
  }
}
