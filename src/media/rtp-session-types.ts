/**
 * Public types of {@link RtpSession}: options, events and stats. Contracts only; the
 * logic lives in `rtp-session.ts`.
 */
import type { MediaClock } from './clock.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import type { DtmfSenderOptions } from './dtmf-sender.ts';
import type { G711Law } from './g711.ts';
import type { JitterBufferOptions, JitterFrameKind } from './jitter.ts';
import type { PortSource } from './ports.ts';
import type { RtpSocketLease } from './rtp-sockets.ts';
import type { RemoteReception } from './rtcp-reporter.ts';
import type { RtcpPacket } from './rtcp.ts';

/** Where to send: the peer's address from SDP (or from latching). */
export interface RtpEndpoint {
  /** IPv4 or IPv6 literal. */
  address: string;
  /** RTP port. */
  port: number;
  /** RTCP port (default `port + 1`, or `port` with rtcp-mux; RFC 3605 `a=rtcp`). */
  rtcpPort?: number;
}

/** The negotiated audio codec. */
export interface RtpCodec {
  /** G.711 law. */
  name: G711Law;
  /** Payload type as negotiated (0 for PCMU, 8 for PCMA when static). */
  pt: number;
}

/** Options of {@link RtpSession.open}. */
export interface RtpSessionOptions {
  /** The shared media clock that paces sending and playout. */
  clock: MediaClock;
  /** Where the RTP port comes from (a `PortAllocator`, or `ephemeralPorts`); it is returned on close. */
  ports: PortSource;
  /**
   * Sockets already bound (from an `RtpSocketPool`): used instead of binding on a port from
   * `ports`, and given back to the pool on close. Their RTCP socket goes unused with rtcp-mux.
   */
  sockets?: RtpSocketLease;
  /** Local address to bind (IPv4 or IPv6 literal, e.g. `0.0.0.0`, `::`, `127.0.0.1`). */
  localAddress: string;
  /** The negotiated codec for both directions. */
  codec: RtpCodec;
  /** The peer's SDP address; sending waits until it is known (see `setRemote`). */
  remote?: RtpEndpoint;
  /** Payload type of telephone-event (default 101). */
  telephoneEventPt?: number;
  /** Multiplex RTCP on the RTP port (RFC 5761; default false: RTCP on port + 1). */
  rtcpMux?: boolean;
  /** Send RTCP reports (default true). */
  rtcp?: boolean;
  /** Mean interval between RTCP reports, ms (default 5000; randomized ×0.5–1.5, RFC 3550 §6.2). */
  rtcpIntervalMs?: number;
  /** RTCP CNAME (default `agentline-<ssrc>`). */
  cname?: string;
  /** Socket receive buffer, bytes (default 1 MiB; the kernel may cap it). */
  recvBufferSize?: number;
  /**
   * After latching, a packet from another source re-latches only when it carries the
   * latched SSRC (NAT rebinding) or the latched source has been silent this long, ms
   * (default 1000). Guards against RTP injection from third parties.
   */
  relatchAfterMs?: number;
  /** Ports tried before giving up when binding fails (default 5). */
  bindAttempts?: number;
  /** Jitter buffer options. */
  jitter?: JitterBufferOptions;
  /** Outbound DTMF defaults. */
  dtmf?: DtmfSenderOptions;
  /** Inbound DTMF: an event with no end packet is reported after this long, ms (default 500). */
  dtmfTimeoutMs?: number;
  /** Monotonic time, ms, for arrival stamps (default: the media clock's `now()`). */
  now?: () => number;
  /** Wall clock, Unix ms, for RTCP NTP timestamps (default `Date.now`). */
  wallClock?: () => number;
}

/** Events of {@link RtpSession}. */
export interface RtpSessionEvents {
  /**
   * One 20 ms frame of received audio per tick, once the peer's first packet has arrived;
   * silence for gaps. The buffer is reused: copy it to keep it.
   */
  audio: (frame: Int16Array, kind: JitterFrameKind) => void;
  /** A DTMF digit received by RFC 4733, once per key press. */
  dtmf: (event: DtmfEvent) => void;
  /** Outbound RTP now goes to where the peer's RTP comes from. */
  latched: (remote: { address: string; port: number }) => void;
  /** An RTCP compound packet from the peer. */
  rtcp: (packets: RtcpPacket[]) => void;
  /** A socket error or a listener that threw; the session keeps running. */
  error: (error: unknown) => void;
  /** The session closed. */
  close: () => void;
}

/**
 * The packet counters that process metrics follow while a call runs, read in place
 * (`RtpSession` has them as getters: no snapshot object per report).
 */
export interface RtpPacketCounters {
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly lost: number;
}

/** Counters of a session, for the CDR and metrics. */
export interface RtpSessionStats {
  /** RTP packets sent (audio and DTMF). */
  packetsSent: number;
  /** RTP payload bytes sent. */
  octetsSent: number;
  /** Valid RTP packets accepted from the peer. */
  packetsReceived: number;
  /** RTP payload bytes accepted from the peer. */
  octetsReceived: number;
  /** Packets dropped: invalid, unknown payload type, or from a foreign source. */
  packetsIgnored: number;
  /** Packets the peer sent that never arrived (RFC 3550 §A.3; duplicates may offset it). */
  lost: number;
  /**
   * 20 ms frames played out as silence in place of packets that were missing or came too
   * late (the jitter buffer's `concealed`, frames of kind `lost`): audio time the agent
   * did not hear. Frames, not packets: one lost 60 ms packet is 3; packets are `lost`.
   */
  concealed: number;
  /** Packets that arrived after their playout slot. */
  late: number;
  /** Duplicate packets. */
  duplicate: number;
  /** Packets that arrived out of order. */
  reordered: number;
  /** Interarrival jitter of the peer's stream, ms. */
  jitterMs: number;
  /** DTMF digits sent / received. */
  dtmfSent: number;
  /** DTMF digits received. */
  dtmfReceived: number;
  /** Times outbound RTP was (re)latched to the peer's source. */
  latches: number;
  /** The peer's view of our stream, from its RTCP reports. */
  remote?: RemoteReception;
}
