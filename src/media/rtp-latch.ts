/**
 * Where one RTP session sends (RTP and RTCP targets), with symmetric RTP (RFC 4961
 * practice, for NAT): outbound goes to the SDP address until the first valid packet
 * arrives, then to wherever the peer's RTP comes from. A later source change is followed
 * only for the same SSRC or after the latched source fell silent (`relatchAfterMs`), so a
 * third party cannot hijack the stream. No I/O: times and sources are parameters.
 */
import type { RemoteInfo } from 'node:dgram';
import type { RtpEndpoint } from './rtp-session-types.ts';
import type { PeerAddress } from './rtp-sockets.ts';
import { peerAddressFor } from './udp.ts';

/** An address and port to send to. */
export interface Target {
  address: string;
  port: number;
}

/** What {@link PeerLatch.offer} decided about a valid packet's source. */
export type LatchVerdict = 'accept' | 'latched' | 'refuse';

/** Options of {@link PeerLatch}. */
export interface PeerLatchOptions {
  /** The session's socket family (SDP addresses are mapped to it). */
  socketType: 'udp4' | 'udp6';
  /** RTCP multiplexed on the RTP port (RFC 5761). */
  mux: boolean;
  /** See `RtpSessionOptions.relatchAfterMs`, ms. */
  relatchAfterMs: number;
  /** The previous peer of pooled sockets: its stragglers must not latch. */
  stalePeer: PeerAddress | undefined;
  /** When the session opened, monotonic ms. */
  openedAtMs: number;
}

/** The RTP/RTCP targets of a session and the latching rules; see the module comment. */
export class PeerLatch {
  /** Where RTP goes now, if known. */
  rtp: Target | undefined;
  /** Where RTCP goes now, if known. */
  rtcp: Target | undefined;
  /** True once RTP follows the peer's actual source. */
  latched = false;
  /** Times RTP was (re)latched. */
  latches = 0;
  /** Bumped each time {@link rtp} changes (lets the sender treat a new target apart). */
  generation = 0;
  private rtcpLatched = false;
  private lastFromPeerMs = 0;

  constructor(private readonly options: PeerLatchOptions) {}

  /** When the latched source's last accepted packet arrived, monotonic ms (0 before any). */
  get lastHeardMs(): number {
    return this.lastFromPeerMs;
  }

  /** The peer's SDP address (new offer/answer); forgets any latch. `undefined`: no target. */
  setRemote(remote: RtpEndpoint | undefined): void {
    this.latched = false;
    this.rtcpLatched = false;
    this.generation++;
    if (remote === undefined) {
      this.rtp = this.rtcp = undefined;
      return;
    }
    this.rtp = { address: peerAddressFor(this.options.socketType, remote.address), port: remote.port };
    const rtcpPort = remote.rtcpPort ?? (this.options.mux ? remote.port : remote.port + 1);
    this.rtcp = { address: this.rtp.address, port: rtcpPort };
  }

  /**
   * Decides whether a valid RTP packet's source may be (or become) the peer.
   * @param ssrc the packet's SSRC
   * @param remoteSsrc the SSRC of the peer's audio so far, if any
   * @param nowMs arrival, monotonic ms
   * @returns `latched` when RTP now goes to this source (it changed), `accept` when it
   *   already did, `refuse` for a foreign source
   */
  offer(rinfo: RemoteInfo, ssrc: number, remoteSsrc: number | undefined, nowMs: number): LatchVerdict {
    const t = this.rtp;
    const fromTarget = t !== undefined && rinfo.port === t.port && rinfo.address === t.address;
    if (this.latched && fromTarget) {
      this.lastFromPeerMs = nowMs;
      return 'accept';
    }
    if (!fromTarget && this.fromStalePeer(rinfo, nowMs)) return 'refuse';
    if (this.latched && ssrc !== remoteSsrc && nowMs - this.lastFromPeerMs < this.options.relatchAfterMs) return 'refuse';
    this.latched = true;
    this.lastFromPeerMs = nowMs;
    this.latches++;
    this.generation++;
    this.rtp = { address: rinfo.address, port: rinfo.port };
    if (this.options.mux) this.rtcp = { ...this.rtp };
    else if (!this.rtcpLatched) this.rtcp = { address: rinfo.address, port: this.rtcp?.port ?? rinfo.port + 1 };
    return 'latched';
  }

  /** An RTCP packet came from `rinfo` (separate RTCP port): reports follow it if it is the peer's host. */
  rtcpFrom(rinfo: RemoteInfo): void {
    if (this.options.mux || (this.rtp !== undefined && rinfo.address !== this.rtp.address)) return;
    this.rtcpLatched = true;
    this.rtcp = { address: rinfo.address, port: rinfo.port };
  }

  /**
   * Pooled sockets: a straggler from the previous call's peer (within `relatchAfterMs` of
   * the start) is dropped rather than latched to, unless the new peer names that address.
   */
  private fromStalePeer(rinfo: RemoteInfo, nowMs: number): boolean {
    const stale = this.options.stalePeer;
    return stale !== undefined && rinfo.port === stale.port && rinfo.address === stale.address
      && nowMs - this.options.openedAtMs < this.options.relatchAfterMs;
  }
}
