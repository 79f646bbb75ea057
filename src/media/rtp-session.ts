/**
 * One call's RTP session: one UDP socket (plus one for RTCP unless rtcp-mux) on a port
 * from the allocator, paced by the shared media clock.
 *
 * - Symmetric RTP (RFC 4961 practice, for NAT), see `rtp-latch.ts`: outbound goes to the
 *   SDP address until the first valid packet arrives, then to where the peer sends from; the
 *   RTP socket is connected to that source while it keeps sending (`rtp-link.ts`).
 * - Each tick runs in the clock's three phases (`clock.ts`). `prepare`: one frame from the
 *   playback queue (or a DTMF packet) is encoded; `send`: it is sent, for every session
 *   before any other work, so each packet leaves at the same offset into the tick and the
 *   send pass is only system calls (issue #4). `work`:
 *   one received frame is decoded and emitted as `audio`, and RTCP SR/RR go out about
 *   every 5 s. Audio queued in answer to a tick's `audio` event therefore leaves in the
 *   next tick's send phase: 20 ms later than when the send followed the inbound work, a
 *   shift accepted for even pacing (a frame's content never depended on that order).
 * - The RTP socket is node:dgram's, or a native one (`native-rtp-socket.ts`, from a pool made
 *   with the addon) that the clock's `RtpPoller` reads once per tick, each datagram with its
 *   age from the kernel's timestamp (arrival times stay true for the jitter buffer and RTCP).
 *   On node:dgram each inbound datagram first lets the clock run a tick that fell due
 *   (`poll`), so a tick waits for one packet's callback rather than for a whole poll phase.
 * - The separate RTCP socket (none with rtcp-mux) is native too when the pool's `NativeRtpIo` has
 *   an RTCP poller, which reads it on one tick in ten, each report with its kernel arrival time
 *   (RFC 3550 §6.4.1: the round-trip time counts from there); else node:dgram's.
 * - `close()` is idempotent: leaves the clock, says BYE, closes sockets and returns the port
 *   (or hands pooled sockets back to their `RtpSocketPool`).
 */
import { randomInt } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ClockSlot } from './clock-types.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import type { DtmfDigitOptions } from './dtmf-sender.ts';
import { DEFAULT_TELEPHONE_EVENT_PT } from './dtmf.ts';
import { TypedEmitter } from './emitter.ts';
import type { AudioSource } from './playback.ts';
import { RtcpReporter } from './rtcp-reporter.ts';
import { RtcpSender } from './rtcp-sender.ts';
import { parseRtcp } from './rtcp.ts';
import { isRtcpPacket } from './rtp.ts';
import { RtpInbound } from './rtp-inbound.ts';
import { PeerLatch } from './rtp-latch.ts';
import { isPortUnreachable, isWildcard, LINK_IDLE_MS, RtpLink } from './rtp-link.ts';
import { RtpOutbound } from './rtp-outbound.ts';
import type { RtpEndpoint, RtpSessionEvents, RtpSessionOptions, RtpSessionStats } from './rtp-session-types.ts';
import { reportInput, sessionStats } from './rtp-session-stats.ts';
import { bindRtpSockets, leasedHold, ownedHold, type RtpSocketLease, type SocketHold } from './rtp-sockets.ts';
import type { MessageListener, RtpUdpSocket } from './rtp-udp-socket.ts';

/** A bidirectional G.711 RTP stream for one call. See the module comment. */
export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  /** Local RTP port. */
  readonly port: number;
  /** Local RTCP port (equal to `port` with rtcp-mux). */
  readonly rtcpPort: number;
  private readonly options: RtpSessionOptions;
  private readonly inbound: RtpInbound;
  private readonly outbound: RtpOutbound;
  /** Reports and the BYE (undefined with `rtcp: false`). */
  private readonly rtcp: RtcpSender | undefined;
  private readonly latch: PeerLatch;
  private readonly wallClock: () => number;
  private readonly mux: boolean;
  private sending = true;
  private closed = false;
  private ignored = 0;
  private dtmfIn = 0;
  private readonly rtpSocket: RtpUdpSocket;
  /** The RTP socket's connection to the latched peer. */
  private readonly link: RtpLink;
  private readonly rtcpSocket: RtpUdpSocket | undefined;
  /** Its three places on the media clock (prepare, send, work), which `close` gives back. */
  private readonly slots: readonly ClockSlot[];
  /** Set by the prepare phase when this tick's packet is to be sent, cleared by the send phase. */
  private prepared = false;
  // Listeners whose identity must hold until `close()` removes them, and the clock's: prototype
  // methods bound once (tsx's keepNames wraps each named arrow field in `__name`, about 250
  // bytes a call).
  private readonly onRtpBound: MessageListener;
  private readonly onRtcpBound: MessageListener | undefined;
  private readonly onSocketErrorBound: (error: Error) => void;

  private constructor(
    options: RtpSessionOptions,
    private readonly hold: SocketHold,
  ) {
    super();
    this.options = options;
    this.rtpSocket = hold.rtp;
    this.onSocketErrorBound = this.onSocketError.bind(this);
    this.link = new RtpLink(hold.rtp, hold.pinnedPort && !isWildcard(options.localAddress), this.onSocketErrorBound);
    this.rtcpSocket = hold.rtcp;
    this.port = hold.port;
    this.rtcpPort = hold.rtcpPort;
    this.mux = hold.rtcp === undefined;
    this.wallClock = options.wallClock ?? Date.now;
    const telephoneEventPt = options.telephoneEventPt ?? DEFAULT_TELEPHONE_EVENT_PT;
    this.inbound = new RtpInbound({
      codec: options.codec,
      telephoneEventPt,
      jitter: options.jitter,
      dtmfTimeoutMs: options.dtmfTimeoutMs,
      onDigit: this.onDigit.bind(this),
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
    this.latch = new PeerLatch({
      socketType: options.localAddress.includes(':') && isIPv6(options.localAddress) ? 'udp6' : 'udp4',
      mux: this.mux,
      relatchAfterMs: options.relatchAfterMs ?? 1000,
      stalePeer: hold.stalePeer,
      openedAtMs: this.now(),
    });
    this.latch.setRemote(options.remote);
    if (options.rtcp !== false) {
      const reporter = new RtcpReporter(ssrc, options.cname ?? `agentline-${ssrc.toString(16)}`);
      const intervalTicks = (options.rtcpIntervalMs ?? 5000) / options.clock.periodMs;
      this.rtcp = new RtcpSender(reporter, this.latch, this.link, hold.rtcp, intervalTicks, this.onRtcpSendError.bind(this));
    }
    this.onRtpBound = this.onRtp.bind(this);
    this.rtpSocket.on('message', this.onRtpBound);
    this.rtpSocket.on('error', this.onSocketErrorBound);
    if (this.rtcpSocket !== undefined) {
      this.onRtcpBound = this.onRtcpSocket.bind(this);
      this.rtcpSocket.on('message', this.onRtcpBound);
      this.rtcpSocket.on('error', this.onSocketErrorBound);
    }
    const clock = options.clock;
    this.slots = [clock.join(this.onPrepare.bind(this), 'prepare'), clock.join(this.onSend.bind(this), 'send'),
      clock.join(this.onWork.bind(this), 'work')];
  }

  /**
   * Takes the pooled `sockets`, or allocates a port and binds the socket(s); joins the media clock.
   * @throws MediaError `media_ports_exhausted` when the range is full, `media_bind_failed`
   *   when binding fails (other than a taken port, which moves on to the next port)
   */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    if (options.sockets !== undefined) return RtpSession.onLease(options, options.sockets);
    const recvBufferSize = options.recvBufferSize ?? 1 << 20;
    const b = await bindRtpSockets(options.ports, options.localAddress, recvBufferSize, options.bindAttempts ?? 5, options.rtcpMux !== true);
    return new RtpSession(options, ownedHold(b.port, b.rtp, b.rtcp, options.ports));
  }

  /** {@link open} on pooled `sockets` (as `options.sockets`), which needs no bind: the session at once, no promise. */
  static onLease(options: RtpSessionOptions, sockets: RtpSocketLease): RtpSession {
    return new RtpSession(options, leasedHold(sockets, options.rtcpMux === true));
  }

  /** Our SSRC. */
  get ssrc(): number {
    return this.outbound.ssrc;
  }

  /** Where RTP goes now (the SDP address, or the latched source), if known. */
  get remote(): { address: string; port: number } | undefined {
    const t = this.latch.rtp;
    return t === undefined ? undefined : { ...t };
  }

  /** True once outbound RTP follows the peer's actual source. */
  get latched(): boolean {
    return this.latch.latched;
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
    this.latch.setRemote(remote);
    // Whoever sends first from now on may latch: every source must reach us again.
    this.link.disconnect();
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

  /** RTP packets sent so far (see {@link RtpPacketCounters}). */
  get packetsSent(): number {
    return this.outbound.packets;
  }

  /** Valid RTP packets accepted from the peer so far. */
  get packetsReceived(): number {
    return this.inbound.packets;
  }

  /** Packets the peer sent that never arrived, so far (RFC 3550 §A.3). */
  get lost(): number {
    return Math.max(0, this.inbound.reception.lost);
  }

  /** A snapshot of the counters. */
  get stats(): RtpSessionStats {
    const { inbound, outbound, ignored, dtmfIn } = this;
    return sessionStats({ inbound, outbound, reporter: this.rtcp?.reporter, ignored, dtmfIn, latches: this.latch.latches });
  }

  /**
   * Ends the session: leaves the clock, cuts playback, sends an RTCP BYE, then closes the
   * socket(s) and returns the port. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) this.options.clock.leave(slot);
    this.outbound.playback.clear();
    // The BYE must leave before the socket closes: release once it has.
    if (this.rtcp?.bye(this.releaseSockets.bind(this)) !== true) this.releaseSockets();
    this.emit('close');
  }

  protected override onListenerError(error: unknown, event: keyof RtpSessionEvents): void {
    if (event !== 'error') this.emit('error', error);
  }

  /** Monotonic ms: the `now` option, else the media clock's. */
  private now(): number {
    return this.options.now === undefined ? this.options.clock.now() : this.options.now();
  }

  /** Removes our socket listeners and gives the sockets back (closed, or to their pool). */
  private releaseSockets(): void {
    this.rtpSocket.off('message', this.onRtpBound);
    this.rtpSocket.off('error', this.onSocketErrorBound);
    if (this.rtcpSocket !== undefined) {
      this.rtcpSocket.off('message', this.onRtcpBound!);
      this.rtcpSocket.off('error', this.onSocketErrorBound);
    }
    // Pooled sockets go back unconnected (the next call's peer is another).
    this.link.disconnect();
    this.hold.release(this.latch.rtp);
  }

  private onDigit(event: DtmfEvent): void {
    this.dtmfIn++;
    this.emit('dtmf', event);
  }

  private onSocketError(error: Error): void {
    // Only a connected socket hears the peer's closed port: go back to unconnected sends (no
    // error per packet); the call goes on until SIP ends it, and a packet from the peer reconnects.
    if (isPortUnreachable(error)) this.link.disconnect();
    else this.emit('error', error);
  }

  /** Prepare phase: this tick's packet, built from what was queued before the tick. */
  private onPrepare(tick: number): void {
    if (this.closed) return;
    this.outbound.build(tick);
    this.prepared = this.sending && this.latch.rtp !== undefined;
    if (!this.prepared) this.outbound.discard();
  }

  /** Send phase: the packet the prepare phase built. */
  private onSend(): void {
    if (!this.prepared || this.closed) return;
    this.prepared = false;
    const target = this.latch.rtp;
    if (target === undefined) {
      this.outbound.discard();
      return;
    }
    this.link.send(this.outbound.packet, target, this.latch.generation);
    this.outbound.markSent();
  }

  /** Work phase: this tick's received frame, DTMF timeouts and RTCP. */
  private onWork(tick: number): void {
    if (this.closed) return;
    const now = this.now();
    if (this.link.connected && now - this.latch.lastHeardMs >= LINK_IDLE_MS) this.link.disconnect();
    // Nobody listening (an IVR flow that only plays prompts and takes DTMF): the jitter
    // buffer still plays out, for its counts, but no frame is copied or emitted.
    if (this.hasListeners('audio')) {
      const kind = this.inbound.tick(now);
      if (kind !== undefined) this.emit2('audio', this.inbound.output, kind);
    } else {
      this.inbound.skip(now);
    }
    // An `audio` listener may have closed the session: no report after the BYE.
    const rtcp = this.rtcp;
    if (rtcp !== undefined && !this.closed && rtcp.due(tick)) {
      const clock = this.options.clock;
      const due = clock.tickDueMs?.(tick);
      rtcp.report(reportInput(this.outbound, this.inbound, this.sending, tick, this.wallClock(), now, due === undefined ? 0 : clock.now() - due));
    }
  }

  /**
   * A datagram (see `MessageListener`): `ageMs`, how long ago the kernel received it (native
   * sockets, read once per tick by the clock); `start` and `length`, where it is in `msg`.
   */
  private onRtp(msg: Buffer, rinfo: RemoteInfo, ageMs?: number, start = 0, length = msg.length): void {
    // node:dgram: a tick that fell due runs now, after this one datagram, not after the poll phase (issue #4).
    if (ageMs === undefined) this.options.clock.poll?.();
    if (this.closed) return;
    if (this.mux && isRtcpPacket(msg, length, start)) {
      this.onRtcp(start === 0 && length === msg.length ? msg : msg.subarray(start, start + length), rinfo, ageMs);
      return;
    }
    const now = ageMs === undefined ? this.now() : this.now() - ageMs;
    const inbound = this.inbound;
    const verdict = inbound.parse(msg, length, start) ? this.latch.offer(rinfo, inbound.header.ssrc, inbound.remoteSsrc, now) : 'refuse';
    if (verdict === 'refuse') {
      this.ignored++;
      return;
    }
    // The peer's source is known (and just sent): sends go without an address from now on.
    if (verdict === 'latched' || !this.link.connected) this.link.connect(this.latch.rtp!);
    if (verdict === 'latched') this.emit('latched', { address: rinfo.address, port: rinfo.port });
    // While nobody takes the audio (see onWork) it waits undecoded, in case a listener comes.
    inbound.accept(msg, now, this.hasListeners('audio'));
  }

  /** A datagram on the separate RTCP socket (a native one hands a region of its poll buffer, and the datagram's age). */
  private onRtcpSocket(msg: Buffer, rinfo: RemoteInfo, ageMs?: number, start?: number, length?: number): void {
    this.onRtcp(start === undefined ? msg : msg.subarray(start, start + length!), rinfo, ageMs);
  }

  private onRtcp(msg: Buffer, rinfo: RemoteInfo, ageMs?: number): void {
    if (this.closed || this.rtcp === undefined) return;
    const packets = parseRtcp(msg, msg.length);
    if (packets === null) {
      this.ignored++;
      return;
    }
    this.latch.rtcpFrom(rinfo);
    // When the kernel received it, not when a poll got to it: the round-trip time of a receiver
    // report (RFC 3550 §6.4.1) counts from there.
    const age = ageMs ?? 0;
    this.rtcp.reporter.receive(packets, this.inbound.remoteSsrc, this.wallClock() - age, this.now() - age);
    this.emit('rtcp', packets);
  }

  /** A report or the BYE failed to send (after close, nobody is told). */
  private onRtcpSendError(error: Error): void {
    if (!this.closed) this.onSocketError(error);
  }
}
