/**
 * UDP socket helpers for RTP: binding a socket (IPv4 or IPv6) and mapping a peer address
 * to the socket's family.
 */
import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Binds a UDP socket to `address:port`.
 * @param address IPv4 or IPv6 literal
 * @param recvBufferSize SO_RCVBUF to ask for, bytes (best effort: the kernel may cap it)
 * @param lookup resolver for `send` targets (default: dns.lookup)
 * @returns the bound socket; rejects with the socket error (e.g. EADDRINUSE)
 */
export function bindUdp(address: string, port: number, recvBufferSize: number, lookup?: SocketOptions['lookup']): Promise<Socket> {
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', ...(lookup === undefined ? {} : { lookup }) });
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      try {
        socket.setRecvBufferSize(recvBufferSize);
      } catch {
        // The default buffer still works; a capped one is not worth failing a call for.
      }
      resolve(socket);
    });
  });
}

/**
 * The address to give `send` on a socket of the given family: an IPv4 peer on an IPv6
 * socket is reached through its IPv4-mapped form (`::ffff:a.b.c.d`).
 */
export function peerAddressFor(socketType: 'udp4' | 'udp6', address: string): string {
  return socketType === 'udp6' && isIPv4(address) ? `::ffff:${address}` : address;
}

/** True when the error says the port is taken. */
export function isAddressInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}

/** True for what can only be an IP literal (digits and dots, or anything with a colon). */
export function isLiteral(address: string): boolean {
  if (address.includes(':')) return true;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) return false;
  }
  return address.length > 0;
}
