/** The UDP socket of a transport: one datagram is one message (RFC 3261 §18.1.1, §18.2.1). */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import { formatEndpoint, normalizeAddress } from './address.ts';
import { TransportError } from './errors.ts';
import type { DatagramEndpoint, Endpoint } from './types.ts';

/**
 * The socket's address lookup: every target here is an IP literal (Via, received, rport,
 * the peer's source), used as it is, at once. Node's default (`dns.lookup`) tests it with a
 * regular expression and answers on the next tick (about 1.5 µs and two allocations per
 * datagram). Anything else still goes to `dns.lookup`.
 */
function literalLookup(
  address: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (address.includes(':')) callback(null, address, 6);
  else if (/^[\d.]+$/.test(address)) callback(null, address, 4);
  else dnsLookup(address, options, callback);
}

/** A bound UDP socket on node:dgram. */
export class UdpEndpoint implements DatagramEndpoint {
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    /** The bound address and port. */
    readonly local: Endpoint,
    /** True for a `udp6` socket (dual-stack when bound to `::`). */
    readonly isIpv6: boolean,
  ) {}

  /**
   * Binds `host`:`port` (port 0 picks one).
   * @param recvBufferSize SO_RCVBUF in bytes; the kernel may cap it (net.core.rmem_max)
   * @throws the bind error as is (callers look at `code`)
   */
  static bind(host: string, port: number, recvBufferSize: number): Promise<UdpEndpoint> {
    const v6 = isIPv6(host);
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject);
        try {
          socket.setRecvBufferSize(recvBufferSize);
        } catch {
          // Best effort: the default buffer still works, it only drops sooner under bursts.
        }
        const addr = socket.address();
        resolve(new UdpEndpoint(socket, { protocol: 'udp', address: normalizeAddress(addr.address), port: addr.port }, v6));
      });
    });
  }

  /** Registers the datagram and socket-error listeners. */
  listen(onDatagram: (data: Buffer, source: Endpoint) => void, onError: (err: Error) => void): void {
    this.socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
      onDatagram(data, { protocol: 'udp', address: normalizeAddress(rinfo.address), port: rinfo.port });
    });
    this.socket.on('error', onError);
  }

  /**
   * Sends one datagram.
   * @throws TransportError `send_failed` (socket error, address family mismatch) or `closed`
   */
  send(data: Buffer, target: Endpoint): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('closed', `transport closed [${formatEndpoint(target)}]`));
    // A udp6 socket reaches IPv4 peers through IPv4-mapped addresses.
    const address = this.isIpv6 && isIPv4(target.address) ? `::ffff:${target.address}` : target.address;
    return new Promise((resolve, reject) => {
      this.socket.send(data, target.port, address, (err) => {
        if (err) reject(new TransportError('send_failed', `send failed [${formatEndpoint(target)}]`, { cause: err }));
        else resolve();
      });
    });
  }

  /** Closes the socket. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
