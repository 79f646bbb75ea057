/**
 * The UDP sockets of an RTP session: binding an RTP/RTCP pair on ports of the configured
 * range, the lease of a pooled pair (`rtp-socket-pool.ts`), and how a session holds either
 * (closing its own sockets at the end, or giving pooled ones back).
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { MediaError } from './errors.ts';
import { NativeRtpSocket, type NativeRtpIo } from './native-rtp-socket.ts';
import type { PortSource } from './ports.ts';
import type { RtpUdpSocket } from './rtp-udp-socket.ts';
import { bindUdp, isAddressInUse, isLiteral } from './udp.ts';

/** An address and port (the previous peer of a pooled pair). */
export interface PeerAddress {
  address: string;
  port: number;
}

/** A bound RTP socket and its RTCP socket (port + 1), lent to one session. */
export interface RtpSocketLease {
  /** Local RTP port. */
  readonly port: number;
  /** Local RTCP port. */
  readonly rtcpPort: number;
  readonly rtp: RtpUdpSocket;
  readonly rtcp: RtpUdpSocket;
  /** Where the previous session on these sockets sent its RTP, if any. */
  readonly stalePeer: PeerAddress | undefined;
  /** The RTP port was asked for by number (see {@link SocketHold.pinnedPort}); default false. */
  readonly pinnedPort?: boolean;
  /**
   * Gives the sockets back (once; later calls do nothing). The holder has removed its own
   * listeners. `lastPeer`: where this session's RTP went, for the next holder.
   */
  release(lastPeer?: PeerAddress): void;
}

/** The session's sockets and how to give them back (close them, or return them to a pool). */
export interface SocketHold {
  port: number;
  rtcpPort: number;
  rtp: RtpUdpSocket;
  /** Undefined with rtcp-mux. */
  rtcp: RtpUdpSocket | undefined;
  /** The previous peer of pooled sockets (its late packets must not latch). */
  stalePeer: PeerAddress | undefined;
  /**
   * The RTP port was asked for by number, not picked by the kernel (port 0): only then may the
   * socket be connected, since Linux takes a kernel-picked port back when a UDP socket
   * disconnects (`__udp_disconnect` unhashes a socket without SOCK_BINDPORT_LOCK).
   */
  pinnedPort: boolean;
  release(lastPeer: PeerAddress | undefined): void;
}

/** Sockets this session bound itself: closed on release, port returned. */
export function ownedHold(port: number, rtp: RtpUdpSocket, rtcp: RtpUdpSocket | undefined, ports: PortSource): SocketHold {
  return new OwnedHold(port, rtp, rtcp, ports);
}

/** Pooled sockets: returned to their pool on release. */
export function leasedHold(lease: RtpSocketLease, mux: boolean): SocketHold {
  return new LeasedHold(lease, mux);
}

// Classes rather than object literals with arrow functions: no closure per call (see issue #3).
class OwnedHold implements SocketHold {
  readonly port: number;
  readonly rtcpPort: number;
  readonly stalePeer = undefined;
  readonly pinnedPort: boolean;

  constructor(
    private readonly allocated: number, readonly rtp: RtpUdpSocket, readonly rtcp: RtpUdpSocket | undefined, private readonly ports: PortSource,
  ) {
    this.port = rtp.address().port;
    this.rtcpPort = rtcp === undefined ? this.port : rtcp.address().port;
    this.pinnedPort = allocated !== 0;
  }

  release(): void {
    this.rtp.close();
    this.rtcp?.close();
    this.ports.release(this.allocated);
  }
}

class LeasedHold implements SocketHold {
  readonly port: number;
  readonly rtcpPort: number;
  readonly rtp: RtpUdpSocket;
  readonly rtcp: RtpUdpSocket | undefined;
  readonly stalePeer: PeerAddress | undefined;
  readonly pinnedPort: boolean;

  constructor(private readonly lease: RtpSocketLease, mux: boolean) {
    this.port = lease.port;
    this.rtcpPort = mux ? lease.port : lease.rtcpPort;
    this.rtp = lease.rtp;
    this.rtcp = mux ? undefined : lease.rtcp;
    this.stalePeer = lease.stalePeer;
    this.pinnedPort = lease.pinnedPort === true;
  }

  release(lastPeer: PeerAddress | undefined): void {
    this.lease.release(lastPeer);
  }
}

/**
 * Binds an RTP socket on a port from `ports` and, unless `rtcp` is false, its RTCP socket on
 * the port above (port 0 lets the OS pick both). A taken port moves on to the next one. The
 * RTP socket is a native one (native-rtp-socket.ts) when `native` is given, and so is the RTCP
 * socket when `native` has an RTCP poller (else node:dgram's: a send through dgram costs about
 * three times the CPU, and every call sends at least its RTCP BYE).
 * @throws MediaError `media_ports_exhausted` (from `ports`), `media_bind_failed`
 */
export async function bindRtpSockets(
  ports: PortSource, localAddress: string, recvBufferSize: number, attempts: number, rtcp = true, native?: NativeRtpIo,
): Promise<{ port: number; rtp: RtpUdpSocket; rtcp: RtpUdpSocket | undefined }> {
  let lastError: unknown;
  for (let i = 0; i < Math.max(1, attempts); i++) {
    const port = ports.allocate();
    let rtpSocket: RtpUdpSocket | undefined;
    try {
      rtpSocket = native === undefined
        ? await bindUdp(localAddress, port, recvBufferSize, literalLookup)
        : NativeRtpSocket.open(native, localAddress, port, recvBufferSize);
      const rtcpSocket = rtcp ? await bindRtcp(localAddress, port === 0 ? 0 : port + 1, native) : undefined;
      return { port, rtp: rtpSocket, rtcp: rtcpSocket };
    } catch (error) {
      rtpSocket?.close();
      ports.release(port);
      lastError = error;
      if (!isAddressInUse(error)) break;
    }
  }
  throw new MediaError('media_bind_failed', `cannot bind RTP socket [address:${localAddress}]`, { cause: lastError });
}

/** The RTCP socket: native when `native` has an RTCP poller, else node:dgram's (see {@link bindRtpSockets}). */
async function bindRtcp(localAddress: string, port: number, native: NativeRtpIo | undefined): Promise<RtpUdpSocket> {
  if (native?.rtcpPoller === undefined) return bindUdp(localAddress, port, 1 << 16, literalLookup);
  return NativeRtpSocket.open({ udp: native.udp, poller: native.rtcpPoller }, localAddress, port, 1 << 16);
}

/**
 * The sockets' address lookup: an IP literal (every RTP target: SDP addresses and latched
 * sources) is used as it is, at once. Node's default (`dns.lookup`) tests it with a regular
 * expression and answers on the next tick: about 1.5 µs and two allocations per datagram,
 * 50 datagrams a second per call. Host names still go to `dns.lookup`.
 */
function literalLookup(
  address: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (isLiteral(address)) callback(null, address, address.includes(':') ? 6 : 4);
  else dnsLookup(address, options, callback);
}

