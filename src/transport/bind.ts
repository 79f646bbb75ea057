/**
 * Binds UDP and TCP on one port number (RFC 3261 §18: a server listens on both). With
 * port 0, UDP picks a free port and TCP listens on the same number, retrying with a new
 * UDP port when TCP finds it taken.
 */
import type { Server, Socket } from 'node:net';
import { TransportError } from './errors.ts';
import { NativeUdpEndpoint } from './native-udp-endpoint.ts';
import { closeServer, listenTcp } from './tcp.ts';
import type { DatagramEndpoint, UdpIo } from './types.ts';
import { UdpEndpoint } from './udp.ts';
import type { ResolvedOptions } from './options.ts';

/** The bound sockets. */
export interface BoundSockets {
  udp: DatagramEndpoint | undefined;
  server: Server | undefined;
  port: number;
}

/**
 * Binds the requested protocols.
 * @throws TransportError `bind_failed`, or `unsupported_protocol` when TLS is asked for
 */
export async function bindSockets(opts: ResolvedOptions, onSocket: (socket: Socket) => void): Promise<BoundSockets> {
  if (opts.protocols.includes('tls')) {
    throw new TransportError('unsupported_protocol', 'TLS is not implemented by this transport [tls]');
  }
  const wantUdp = opts.protocols.includes('udp');
  const wantTcp = opts.protocols.includes('tcp');
  const attempts = opts.port === 0 && wantUdp && wantTcp ? Math.max(1, opts.bindAttempts) : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    let udp: DatagramEndpoint | undefined;
    try {
      udp = wantUdp ? await bindUdp(opts.udpIo, opts.host, opts.port, opts.udpRecvBufferSize) : undefined;
      const port = udp?.local.port ?? opts.port;
      const server = wantTcp ? await listenTcp(opts.host, port, onSocket) : undefined;
      const bound = server?.address();
      return { udp, server, port: typeof bound === 'object' && bound ? bound.port : port };
    } catch (err) {
      lastError = err;
      await udp?.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  throw new TransportError('bind_failed', `cannot bind [${opts.host}:${opts.port}]`, { cause: lastError });
}

/** Binds the UDP socket of the asked implementation (`udpIo`). */
function bindUdp(io: UdpIo, host: string, port: number, recvBufferSize: number): Promise<DatagramEndpoint> {
  return io === 'native' ? NativeUdpEndpoint.bind(host, port, recvBufferSize) : UdpEndpoint.bind(host, port, recvBufferSize);
}

/** Closes what `bindSockets` opened. */
export async function unbindSockets(bound: BoundSockets): Promise<void> {
  await Promise.all([bound.udp?.close(), bound.server ? closeServer(bound.server) : undefined]);
}
