/**
 * One call's RTP session: one UDP socket (plus one for RTCP unless rtcp-mux) on a port
 * from the allocator, paced by the shared media clock.
 *
 * - Symmetric RTP (RFC 4961 practice, for NAT): outbound goes to the SDP address until
 *   the first valid packet arrives, then to wherever the peer's RTP comes from. A later
 *   source change is followed only for the same SSRC or after the latched source fell
 *   silent (`relatchAfterMs`), so a third party cannot hijack the stream.
 * - Each tick: one received frame is decoded and emitted as `audio`; one frame from the
 *   playback queue (or a DTMF packet) is encoded and sent; RTCP SR/RR about every 5 s.
 * - `close()` is idempotent: leaves the clock, says BYE, closes sockets and returns the port
 *   (or hands pooled sockets back to their `RtpSocketPool`).
 */
import { randomInt } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DtmfDigitOptions } from './dtmf-sender.ts';
import { DEFAULT_TELEPHONE_EVENT_PT } from './dtmf.ts';
import { TypedEmitter } from './emitter.ts';
import type { AudioSource } from './playback.ts';
import { RtcpReporter } from './rtcp-reporter.ts';
import { parseRtcp } from './rtcp.ts';
import { isRtcpPacket } from './rtp.ts';
import { RtpInbound } from './rtp-inbound.ts';
import { FRAME_SAMPLES, RtpOutbound } from './rtp-outbound.ts';
import type { RtpEndpoint, RtpSessionEvents, RtpSessionOptions, RtpSessionStats } from './rtp-session-types.ts';
import { bindRtpSockets, leasedHold, ownedHold, type SocketHold } from './rtp-sockets.ts';
import { peerAddressFor } from './udp.ts';

interface Target {
  address: string;
  port: number;
}

/** A bidirectional G.711 RTP stream for one call. See the module comment. */
export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  /** Local RTP port. */
  readonly port: number;
  /** Local RTCP port (equal to `port` with rtcp-mux). */
  readonly rtcpPort: number;
  private readonly options: RtpSessionOptions;
  private readonly inbound: RtpInbound;
  private readonly outbound: RtpOutbound;
  private readonly reporter: RtcpReporter | undefined;
  private readonly socketType: 'udp4' | 'udp6';
  private readonly pcmIn = new Int16Array(FRAME_SAMPLES);
  private readonly rtcpBuf = Buffer.alloc(512);
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly relatchAfterMs: number;
  private readonly mux: boolean;
  private rtpTarget: Target | undefined;
  private rtcpTarget: Target | undefined;
  private isLatched = false;
  private rtcpLatched = false;
  private lastFromPeerMs = 0;
  private sending = true;
  private closed = false;
  private nextRtcpTick = -1;
  private ignored = 0;
  private latchCount = 0;
  private dtmfIn = 0;
  private readonly rtpSocket: Socket;
  private readonly rtcpSocket: Socket | undefined;
  private readonly openedAt: number;
  private readonly onSent = (error: Error | null): void => {
    if (error !== null) this.emit('error', error);
  };
  private readonly onSocketError = (error: Error): void => {
    this.emit('error', error);
  };

  private constructor(
    options: RtpSessionOptions,
    private readonly hold: SocketHold,
  ) {
    super();
    this.options = options;
    this.rtpSocket = hold.rtp;
    this.rtcpSocket = hold.rtcp;
    this.port = hold.port;
    this.mux = hold.rtcp === undefined;
    this.rtcpPort = hold.rtcpPort;
    this.socketType = isIPv6(options.localAddress) ? 'udp6' : 'udp4';
    this.now = options.now ?? (() => options.clock.now());
    this.wallClock = options.wallClock ?? (() => Date.now());
    this.relatchAfterMs = options.relatchAfterMs ?? 1000;
    const telephoneEventPt = options.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
    this.inbound = new RtpInbound({
      codec: options.codec,
      telephoneEventPt,
      jitter: options.jitter,
      dtmfTimeoutMs: options.dtmfTimeoutMs,
      onDigit: (event) => {
        this.dtmfIn++;
        this.emit('dtmf', event);
      },
    });
    const ssrc = randomInt(0, 0x100000000);
    this.outbound = new RtpOutbound({
      codec: options.codec,
      telephoneEventPt,
      ssrc,
      initialSeq: randomInt(0, 0x10000),
      initialTimestamp: randomInt(0, 0x100000000),
      dtmf: options.dtmf,
    });
    if (options.rtcp !== false) this.reporter = new RtcpReporter(ssrc, options.cname ?? `agentline-${ssrc.toString(16)}`);
    this.setRemote(options.remote);
    this.openedAt = this.now();
    this.rtpSocket.on('message', this.onRtp);
    this.rtpSocket.on('error', this.onSocketError);
    this.rtcpSocket?.on('message', this.onRtcp);
    this.rtcpSocket?.on('error', this.onSocketError);
    options.clock.add(this.onTick);
  }

  /**
   * Takes the pooled `sockets`, or allocates a port and binds the socket(s); joins the media clock.
   * @throws MediaError `media_ports_exhausted` when the range is full, `media_bind_failed`
   *   when binding fails (other than a taken port, which moves on to the next port)
   */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const mux = options.rtcpMux === true;
    if (options.sockets !== undefined) return new RtpSession(options, leasedHold(options.sockets, mux));
    const recvBufferSize = options.recvBufferSize ?? 1 << 20;
    const b = await bindRtpSockets(options.ports, options.localAddress, recvBufferSize, options.bindAttempts ?? 5, !mux);
    return new RtpSession(options, ownedHold(b.port, b.rtp, b.rtcp, options.ports));
  }

  /** Our SSRC. */
  get ssrc(): number {
    return this.outbound.ssrc;
  }

  /** Where RTP goes now (the SDP address, or the latched source), if known. */
  get remote(): { address: string; port: number } | undefined {
    return this.rtpTarget === undefined ? undefined : { ...this.rtpTarget };
  }

  /** True once outbound RTP follows the peer's actual source. */
  get latched(): boolean {
    return this.isLatched;
  }

  /** True after `close()`. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sets the peer's SDP address (new offer/answer, e.g. a re-INVITE) and forgets any latch.
   * `undefined` stops sending until an address is known.
   */
  setRemote(remote: RtpEndpoint | undefined): void {
    this.isLatched = false;
    this.rtcpLatched = false;
    if (remote === undefined) {
      this.rtpTarget = this.rtcpTarget = undefined;
      return;
    }
    this.rtpTarget = { address: peerAddressFor(this.socketType, remote.address), port: remote.port };
    const rtcpPort = remote.rtcpPort ?? (this.mux ? remote.port : remote.port + 1);
    this.rtcpTarget = { address: this.rtpTarget.address, port: rtcpPort };
  }

  /** Stops or resumes sending (hold); the clock keeps consuming the playback queue. */
  setSending(enabled: boolean): void {
    this.sending = enabled;
  }

  /**
   * Queues PCM (8 kHz) and resolves true once played, false if cleared first or the
   * session is closed. See {@link PlaybackQueue.play}.
   */
  play(pcm: Int16Array): Promise<boolean> {
    return this.closed ? Promise.resolve(false) : this.outbound.playback.play(pcm);
  }

  /** Queues PCM (8 kHz) without a completion promise (streamed frames); ignored once closed. */
  enqueue(pcm: Int16Array): void {
    if (!this.closed) this.outbound.playback.enqueue(pcm);
  }

  /** Cuts playback at once (barge-in): the queue is emptied, pending plays resolve false. */
  clear(): void {
    this.outbound.playback.clear();
  }

  /** Samples still queued for playback. */
  get pendingSamples(): number {
    return this.outbound.playback.pendingSamples;
  }

  /** Replaces the audio source for outbound frames (undefined: back to the playback queue). */
  setSource(source: AudioSource | undefined): void {
    this.outbound.setSource(source);
  }

  /**
   * Switches both directions to a codec and telephone-event payload type negotiated anew
   * (a re-INVITE, RFC 3264 §8.3.2) without interrupting the stream: SSRC, sequence numbers
   * and timestamps go on; the previous codec is still decoded while the peer catches up.
   * @param telephoneEventPt default 101
   */
  setCodec(codec: RtpSessionOptions['codec'], telephoneEventPt = DEFAULT_TELEPHONE_EVENT_PT): void {
    this.inbound.setCodec(codec, telephoneEventPt);
    this.outbound.setCodec(codec, telephoneEventPt);
  }

  /**
   * Sends digits as RFC 4733 events (audio is muted while each tone is on the wire).
   * @throws MediaError `media_invalid_argument` for a character outside `0-9 * # A-D`
   */
  sendDtmf(digits: string, options?: DtmfDigitOptions): void {
    this.outbound.dtmf.enqueue(digits, options);
  }

  /** A snapshot of the counters. */
  get stats(): RtpSessionStats {
    const j = this.inbound.jitter.stats;
    const remote = this.reporter?.remoteReception;
    return {
      packetsSent: this.outbound.packets,
      octetsSent: this.outbound.octets,
      packetsReceived: this.inbound.packets,
      octetsReceived: this.inbound.octets,
      packetsIgnored: this.ignored,
      lost: Math.max(0, this.inbound.reception.lost),
      concealed: j.concealed,
      late: j.late,
      duplicate: j.duplicate,
      reordered: j.reordered,
      jitterMs: j.jitterMs,
      dtmfSent: this.outbound.digits,
      dtmfReceived: this.dtmfIn,
      latches: this.latchCount,
      ...(remote === undefined ? {} : { remote: { ...remote } }),
    };
  }

  /**
   * Ends the session: leaves the clock, cuts playback, sends an RTCP BYE, then closes the
   * socket(s) and returns the port. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.clock.remove(this.onTick);
    this.outbound.playback.clear();
    const release = (): void => {
      this.rtpSocket.off('message', this.onRtp);
      this.rtpSocket.off('error', this.onSocketError);
      this.rtcpSocket?.off('message', this.onRtcp);
      this.rtcpSocket?.off('error', this.onSocketError);
      this.hold.release(this.rtpTarget);
    };
    // The BYE must leave before the socket closes: close in its send callback.
    if (this.reporter !== undefined && this.rtcpTarget !== undefined) this.sendRtcpPacket(this.reporter.writeGoodbye(this.rtcpBuf), release);
    else release();
    this.emit('close');
  }

  protected override onListenerError(error: unknown, event: keyof RtpSessionEvents): void {
    if (event !== 'error') this.emit('error', error);
  }

  private readonly onTick = (tick: number): void => {
    if (this.closed) return;
    const now = this.now();
    const kind = this.inbound.tick(now, this.pcmIn);
    if (kind !== undefined) this.emit('audio', this.pcmIn, kind);
    const length = this.outbound.build(tick);
    const target = this.rtpTarget;
    if (this.sending && target !== undefined) {
      this.rtpSocket.send(this.outbound.packet, 0, length, target.port, target.address, this.onSent);
      this.outbound.markSent();
    } else {
      this.outbound.discard();
    }
    if (this.reporter !== undefined && tick >= this.nextRtcpTick) this.sendReport(tick, now);
  };

  private readonly onRtp = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.closed) return;
    if (this.mux && isRtcpPacket(msg)) {
      this.onRtcp(msg, rinfo);
      return;
    }
    const now = this.now();
    if (!this.inbound.parse(msg, msg.length) || !this.acceptSource(rinfo, now)) {
      this.ignored++;
      return;
    }
    this.inbound.accept(msg, now);
  };

  /** Symmetric RTP: decides whether a valid packet's source may be (or become) the peer. */
  private acceptSource(rinfo: RemoteInfo, now: number): boolean {
    const t = this.rtpTarget;
    const fromTarget = t !== undefined && rinfo.port === t.port && rinfo.address === t.address;
    if (this.isLatched && fromTarget) {
      this.lastFromPeerMs = now;
      return true;
    }
    if (!fromTarget && this.fromStalePeer(rinfo, now)) return false;
    if (this.isLatched && this.inbound.header.ssrc !== this.inbound.remoteSsrc && now - this.lastFromPeerMs < this.relatchAfterMs) {
      return false;
    }
    this.isLatched = true;
    this.lastFromPeerMs = now;
    this.latchCount++;
    this.rtpTarget = { address: rinfo.address, port: rinfo.port };
    if (this.mux) this.rtcpTarget = { ...this.rtpTarget };
    else if (!this.rtcpLatched) this.rtcpTarget = { address: rinfo.address, port: this.rtcpTarget?.port ?? rinfo.port + 1 };
    this.emit('latched', { address: rinfo.address, port: rinfo.port });
    return true;
  }

  /**
   * Pooled sockets: a straggler from the previous call's peer (within `relatchAfterMs` of
   * the start) is dropped rather than latched to, unless the new peer names that address.
   */
  private fromStalePeer(rinfo: RemoteInfo, now: number): boolean {
    const stale = this.hold.stalePeer;
    return stale !== undefined && rinfo.port === stale.port && rinfo.address === stale.address && now - this.openedAt < this.relatchAfterMs;
  }

  private readonly onRtcp = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.closed || this.reporter === undefined) return;
    const packets = parseRtcp(msg, msg.length);
    if (packets === null) {
      this.ignored++;
      return;
    }
    if (!this.mux && (this.rtpTarget === undefined || rinfo.address === this.rtpTarget.address)) {
      this.rtcpLatched = true;
      this.rtcpTarget = { address: rinfo.address, port: rinfo.port };
    }
    this.reporter.receive(packets, this.inbound.remoteSsrc, this.wallClock(), this.now());
    this.emit('rtcp', packets);
  };

  private sendReport(tick: number, now: number): void {
    const intervalTicks = (this.options.rtcpIntervalMs ?? 5000) / this.options.clock.periodMs;
    // RFC 3550 §6.2: randomize to 0.5–1.5 × the interval; the first report comes early (§6.3.1).
    const first = this.nextRtcpTick < 0;
    this.nextRtcpTick = tick + Math.max(1, Math.round(intervalTicks * (first ? 0.5 : 0.5 + Math.random())));
    if (first || this.rtcpTarget === undefined) return;
    const ssrc = this.inbound.remoteSsrc;
    const n = this.reporter!.write(this.rtcpBuf, {
      wallMs: this.wallClock(),
      monoMs: now,
      ...(this.outbound.packets > 0 && this.sending
        ? { sender: { rtpTimestamp: this.outbound.timestampAt(tick), packetCount: this.outbound.packets, octetCount: this.outbound.octets } }
        : {}),
      ...(ssrc === undefined
        ? {}
        : { reception: { ssrc, snapshot: this.inbound.reception.snapshot(), jitter: this.inbound.jitter.jitterTimestampUnits } }),
    });
    this.sendRtcpPacket(n);
  }

  private sendRtcpPacket(length: number, done?: () => void): void {
    const t = this.rtcpTarget;
    if (t === undefined) return;
    const socket = this.rtcpSocket ?? this.rtpSocket;
    // RTCP is rare: a copy keeps the shared buffer free for the next report.
    socket.send(Buffer.from(this.rtcpBuf.subarray(0, length)), t.port, t.address, (error) => {
      if (error !== null && !this.closed) this.emit('error', error);
      done?.();
    });
  }
}
