/** TCP sockets: the listening server and outbound connects with a timeout. */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { formatEndpoint } from './address.ts';
import { TransportError } from './errors.ts';
import type { Endpoint, TimerScheduler } from './types.ts';

/**
 * Listens on `host`:`port` and hands every accepted socket to `onSocket`.
 * @throws the listen error as is (callers look at `code === 'EADDRINUSE'`)
 */
export function listenTcp(host: string, port: number, onSocket: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ noDelay: true, keepAlive: true }, onSocket);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    // exclusive: the port is ours alone, even in a cluster worker.
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/** Closes a server (existing connections are closed by their owner). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Connects to `target`, failing after `timeoutMs`.
 * @throws TransportError `connect_failed` (refused, reset, unreachable) or `connect_timeout`
 */
export function connectTcp(target: Endpoint, timeoutMs: number, timers: TimerScheduler): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: target.address, port: target.port, noDelay: true, keepAlive: true });
    let settled = false;
    const settle = (err?: TransportError): void => {
      if (settled) return;
      settled = true;
      timers.clearTimeout(timer);
      socket.off('connect', onConnect);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    };
    const onConnect = (): void => settle();
    const timer = timers.setTimeout(
      () => settle(new TransportError('connect_timeout', `connect timed out [${formatEndpoint(target)}]`)),
      timeoutMs,
    );
    socket.once('connect', onConnect);
    socket.once('error', (cause) => {
      settle(new TransportError('connect_failed', `connect failed [${formatEndpoint(target)}]`, { cause }));
    });
  });
}
