/** A plain node:dgram peer for tests of the native UDP sockets: bound on loopback, sending on demand. */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/** A dgram socket bound to an ephemeral port on 127.0.0.1 (udp4) or ::1 (udp6); the caller closes it. */
export async function peer(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const s = createSocket(type);
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  return s;
}

/** Sends and waits until the kernel has queued it (loopback delivers inside the send). */
export function sendFrom(s: Socket, data: Buffer | string, port: number, address = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => s.send(data, port, address, (e) => (e ? reject(e) : resolve())));
}
