/**
 * The RTP socket's link to the latched peer: once the peer's real source is known (symmetric
 * RTP, `rtp-latch.ts`) the session connects its RTP socket to it (`connect(2)` on UDP), and
 * while connected:
 * - each send skips an unconnected socket's per-datagram address handling: Node's lookup step
 *   and the kernel's route lookup (issue #4: "use connected sockets per call"; measured on
 *   loopback, about 0.6 µs of 3.5-3.9 µs a send);
 * - the kernel drops datagrams from every other source before they cost a wake-up (a third
 *   party's packets were refused by the latch anyway).
 * The second point would also hide a NAT rebinding (the peer's packets, same SSRC, from a new
 * port), which the latch follows. So the link lets go (`disconnect`) once the latched source
 * has been silent {@link LINK_IDLE_MS}: from then on every source reaches the latch again, as
 * before the first packet. It also lets go when the target changes (re-INVITE, relatch), when
 * the peer's port is closed (ICMP port unreachable: a connected UDP socket reports it as
 * ECONNREFUSED on the next send or receive, an unconnected one never does), and before pooled
 * sockets go back to their pool. Before latching the socket stays unconnected: the SDP address
 * may be a private one behind NAT. Never connected:
 * - a socket on a port the kernel picked (port 0: tests, the emulator without a range): Linux
 *   would take that port back on disconnect;
 * - a socket bound to the wildcard address (0.0.0.0, ::): connecting pins its local address to
 *   the source address of the route to the peer (`__ip4_datagram_connect`), so on a host with
 *   several addresses a peer sending to another one of them (the advertised media address on
 *   another interface) would no longer be heard.
 */
import type { Target } from './rtp-latch.ts';
import type { RtpUdpSocket, SendCallback } from './rtp-udp-socket.ts';

/**
 * Silence of the latched source after which the socket is disconnected, ms: five packets of
 * 20 ms. A NAT rebinding is followed this much later than on an unconnected socket.
 */
export const LINK_IDLE_MS = 100;

/** True for the wildcard address of either family (`0.0.0.0`, `::`, `0:0::0`…). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || /^[0:]+$/.test(address);
}

/** True for the error a connected UDP socket reports after ICMP port unreachable. */
export function isPortUnreachable(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED';
}

/** See the module comment. */
export class RtpLink {
  /** The target the socket is connected to (the latch's object, compared by identity first). */
  private to: Target | undefined;
  /** The target generation whose first packet was sent with a callback. */
  private checkedGeneration = -1;

  /**
   * @param socket the session's RTP socket
   * @param canConnect false leaves it unconnected for good (a kernel-picked port, a wildcard bind: see the module comment)
   * @param onError told of a failed first send to a target (see {@link send})
   */
  constructor(
    private readonly socket: RtpUdpSocket, private readonly canConnect: boolean, private readonly onError: (error: Error) => void,
  ) {}

  /** True while the socket is connected to a peer. */
  get connected(): boolean {
    return this.to !== undefined;
  }

  /**
   * Connects the socket to `target` (after disconnecting from another one). A failure leaves
   * the socket unconnected: sends then carry the address, as before.
   */
  connect(target: Target): void {
    if (!this.canConnect || this.to === target) return;
    this.disconnect();
    try {
      // Our sockets resolve IP literals synchronously (`literalLookup`), so Node connects at once;
      // remoteAddress() throws unless the socket really is connected now.
      this.socket.connect(target.port, target.address);
      this.socket.remoteAddress();
      this.to = target;
    } catch {
      this.to = undefined;
    }
  }

  /** Back to an unconnected socket (every source is received again). Idempotent. */
  disconnect(): void {
    if (this.to === undefined) return;
    this.to = undefined;
    try {
      this.socket.disconnect();
    } catch {
      // Already unconnected (a failed connect) or closed: nothing to undo.
    }
  }

  /**
   * Sends the whole of `packet` to `target`: without an address when connected to it; a
   * connection to another target is dropped first (Node refuses an address on a connected socket).
   * Node 20's dgram drops a failed send silently when given no callback (only a failed address
   * lookup becomes an 'error' event): the first packet to each new target (a new `generation`,
   * see `PeerLatch.generation`) carries one, so that a target we cannot send to (EACCES,
   * ENETUNREACH…) reaches `onError` once. No callback on the others: Node would queue a
   * nextTick per packet for it (issue #3).
   */
  send(packet: Buffer, target: Target, generation: number): void {
    const connected = this.readyFor(target);
    if (generation === this.checkedGeneration) {
      if (connected) this.socket.send(packet);
      else this.socket.send(packet, target.port, target.address);
      return;
    }
    this.checkedGeneration = generation;
    // An unnamed callback, made once per target.
    if (connected) {
      this.socket.send(packet, (error) => {
        if (error !== null) this.onError(error);
      });
    } else {
      this.socket.send(packet, target.port, target.address, (error) => {
        if (error !== null) this.onError(error);
      });
    }
  }

  /**
   * Sends `length` bytes of `buf` from its start to `target` (see {@link send}), or through
   * `other` (a separate RTCP socket, never connected) when given.
   */
  sendRegion(buf: Buffer, length: number, target: Target, other: RtpUdpSocket | undefined, callback: SendCallback): void {
    if (other === undefined && this.readyFor(target)) this.socket.send(buf, 0, length, callback);
    else (other ?? this.socket).send(buf, 0, length, target.port, target.address, callback);
  }

  /** True when connected to `target`; disconnects from any other target. */
  private readyFor(target: Target): boolean {
    const to = this.to;
    if (to === undefined) return false;
    if (to === target || (to.port === target.port && to.address === target.address)) return true;
    this.disconnect();
    return false;
  }
}
