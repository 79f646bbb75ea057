/**
 * The RTCP an RTP session sends (`rtp-session.ts`): sender and receiver reports about every
 * `rtcpIntervalMs` (RFC 3550 §6.2, randomized to 0.5–1.5 times the interval, the first one
 * after half of it: §6.3.1), and the BYE when the session closes. Reports go to the latched
 * RTCP target, through the session's RTP socket (rtcp-mux) or its separate RTCP socket.
 */
import type { ReportInput, RtcpReporter } from './rtcp-reporter.ts';
import type { PeerLatch } from './rtp-latch.ts';
import type { RtpLink } from './rtp-link.ts';
import type { RtpUdpSocket } from './rtp-udp-socket.ts';

/**
 * Bytes of each half of the RTCP buffer: reports in the first, the BYE in the second, so
 * that a BYE written on close never overwrites a report still on its way to the socket.
 * Our largest compound packet is an SR with one block and a 255-byte CNAME: 320 bytes.
 */
const RTCP_REGION = 512;

/** See the module comment. */
export class RtcpSender {
  /** Two regions of {@link RTCP_REGION} bytes; from Node's pool (every byte sent is written first). */
  private readonly buf = Buffer.allocUnsafe(2 * RTCP_REGION);
  private nextTick = -1;
  /** A report was handed to the socket and its send has not completed: its region is busy. */
  private inFlight = false;

  /**
   * @param socket the separate RTCP socket (undefined with rtcp-mux: the link's RTP socket)
   * @param intervalTicks the report interval in media clock ticks
   * @param onError told of a failed send
   */
  constructor(
    readonly reporter: RtcpReporter,
    private readonly latch: PeerLatch,
    private readonly link: RtpLink,
    private readonly socket: RtpUdpSocket | undefined,
    private readonly intervalTicks: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * True when a report is to be sent in `tick` (then call {@link report}); schedules the
   * next one whenever one falls due, even when this one cannot go (no target yet, the last
   * one still on its way, or the first: it only sets the schedule).
   */
  due(tick: number): boolean {
    if (tick < this.nextTick) return false;
    const first = this.nextTick < 0;
    this.nextTick = tick + Math.max(1, Math.round(this.intervalTicks * (first ? 0.5 : 0.5 + Math.random())));
    return !first && this.latch.rtcp !== undefined && !this.inFlight;
  }

  /** Sends a report with the session's figures (after {@link due} said so). */
  report(input: ReportInput): void {
    const n = this.reporter.write(this.buf, input);
    this.inFlight = true;
    this.send(this.buf, n, () => {
      this.inFlight = false;
    });
  }

  /**
   * Sends the BYE, then `onSent` once it has left (the sockets may close then).
   * @returns false, without calling `onSent`, when there is no RTCP target to send it to
   */
  bye(onSent: () => void): boolean {
    if (this.latch.rtcp === undefined) return false;
    const bye = this.buf.subarray(RTCP_REGION);
    this.send(bye, this.reporter.writeGoodbye(bye), onSent);
    return true;
  }

  /**
   * Sends `length` bytes of `buf` without copying them: the region stays untouched until
   * the send completes, then `done` runs.
   */
  private send(buf: Buffer, length: number, done: () => void): void {
    this.link.sendRegion(buf, length, this.latch.rtcp!, this.socket, (error) => {
      if (error !== null) this.onError(error);
      done();
    });
  }
}
