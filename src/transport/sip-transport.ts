/**
 * The SIP transport layer (RFC 3261 §18): UDP and TCP on one port, IPv4 or IPv6.
 * Inbound messages are parsed, stamped with received/rport (§18.2.1) and handed up;
 * malformed requests are answered here. Requests and responses go out per §18.1.1 and
 * §18.2.2 (RFC 3581 for rport), reusing stream connections.
 */
import type { Server, Socket } from 'node:net';
import { serialize, type SipRequest, type SipResponse } from '../sip/index.ts';
import { formatEndpoint, normalizeAddress } from './address.ts';
import { bindSockets, unbindSockets } from './bind.ts';
import type { StreamConnection } from './connection.ts';
import { ConnectionPool } from './connections.ts';
import { TransportError, isTransportError } from './errors.ts';
import { judgeBadStream, judgeMessage, type Verdict } from './inbound.ts';
import { advertisedAddress } from './interfaces.ts';
import { UDP_SIZE_LIMIT, resolveOptions, type ResolvedOptions } from './options.ts';
import { TransportCounters } from './stats.ts';
import type { DatagramEndpoint, DropEvent, Endpoint, Inbound, Protocol, SipTransportOptions, Transport, TransportStats } from './types.ts';
import { responseTarget, setTopViaTransport } from './via.ts';
import { SETTLED } from '../lib/settled.ts';

/** Listener for errors that are not a message's fault: socket errors, throwing handlers. */
export type TransportErrorHandler = (err: unknown, context: string) => void;

/** UDP and TCP SIP transport on one port. Create with {@link SipTransport.listen}. */
export class SipTransport implements Transport {
  private readonly messageHandlers: Array<(inbound: Inbound) => void> = [];
  private readonly dropHandlers: Array<(event: DropEvent) => void> = [];
  private readonly errorHandlers: TransportErrorHandler[] = [];
  private readonly counters = new TransportCounters();
  private readonly pool: ConnectionPool;
  private udp: DatagramEndpoint | undefined;
  private server: Server | undefined;
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  private constructor(private readonly cfg: ResolvedOptions) {
    this.pool = new ConnectionPool({
      ...cfg,
      protocol: 'tcp',
      maxMessageBytes: cfg.limits.maxMessageBytes,
      hooks: {
        onFrame: (conn, frame) => this.onFrame(conn, frame),
        onBadStream: (conn, buffered, kind, detail) => this.onBadStream(conn, buffered, kind, detail),
        onPing: () => this.counters.count('keepalivesAnswered'),
        onBytes: (dir, n) => this.counters.count(dir === 'in' ? 'bytesIn' : 'bytesOut', n),
        onClose: (_conn, reason) => {
          if (reason === 'idle') this.counters.count('connectionsIdleClosed');
        },
      },
      onDialled: () => this.counters.count('connectionsConnected'),
    });
  }

  /**
   * Opens the listeners. With `port: 0` UDP and TCP share one free port.
   * `host` must be an IP literal (`0.0.0.0`, `::`, `127.0.0.1`, `::1`…).
   * @throws TransportError `bind_failed`, or `unsupported_protocol` for TLS (not yet implemented)
   */
  static async listen(options: SipTransportOptions): Promise<SipTransport> {
    const transport = new SipTransport(resolveOptions(options));
    await transport.bind();
    return transport;
  }

  private async bind(): Promise<void> {
    const bound = await bindSockets(this.cfg, (socket) => this.onAccept(socket));
    this.udp = bound.udp;
    this.server = bound.server;
    this.boundPort = bound.port;
    this.udp?.listen((data, source) => this.onDatagram(data, source), (err) => this.fail(err, 'udp socket'));
    this.server?.on('error', (err) => this.fail(err, 'tcp server'));
  }

  /** The port UDP and TCP listen on. */
  get port(): number {
    return this.boundPort;
  }

  /** @inheritdoc */
  onMessage(handler: (inbound: Inbound) => void): void {
    this.messageHandlers.push(handler);
  }

  /** @inheritdoc */
  onDrop(handler: (event: DropEvent) => void): void {
    this.dropHandlers.push(handler);
  }

  /** Called for socket errors and for exceptions thrown by onMessage/onDrop handlers. */
  onError(handler: TransportErrorHandler): void {
    this.errorHandlers.push(handler);
  }

  /** A copy of the counters. */
  stats(): TransportStats {
    const s = this.counters.snapshot();
    s.connectionsOpen = this.pool.size;
    return s;
  }

  /**
   * @inheritdoc
   * @throws TransportError `closed`, `unsupported_protocol`, `connect_failed`, `connect_timeout`,
   *   `connection_limit`, `send_failed`; SipParseError when the request has no Via and needs the TCP fallback
   */
  sendRequest(req: SipRequest, target: Endpoint): Promise<Endpoint> {
    // Not an async function: over UDP (every call's BYE) the one promise made is the result
    // (see sendDatagram). Whatever throws here rejects it, as from an async function.
    try {
      this.assertOpen(target);
      const dest = { ...target, address: normalizeAddress(target.address) };
      if (dest.protocol !== 'udp') return this.sendRequestStream(req, dest);
      this.assertProtocol('udp');
      const data = serialize(req);
      if (data.length > UDP_SIZE_LIMIT && this.cfg.protocols.includes('tcp')) return this.sendOverTcpFallback(req, dest);
      const sending = this.sendDatagram(data, dest);
      return sending === undefined ? Promise.resolve(dest) : sending.then(() => dest);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async sendRequestStream(req: SipRequest, dest: Endpoint): Promise<Endpoint> {
    this.assertProtocol(dest.protocol);
    const conn = await this.pool.obtain(dest);
    await this.writeStream(conn, serialize(req));
    return dest;
  }

  /**
   * RFC 3261 §18.1.1: a request over 1300 bytes bound for UDP goes over TCP, with the top
   * Via's transport rewritten; when the connection is refused or reset, it is retried over UDP.
   */
  private async sendOverTcpFallback(req: SipRequest, dest: Endpoint): Promise<Endpoint> {
    const tcpDest: Endpoint = { ...dest, protocol: 'tcp' };
    let conn: StreamConnection;
    try {
      conn = await this.pool.obtain(tcpDest);
    } catch (err) {
      if (!isTransportError(err, 'connect_failed')) throw err;
      await this.sendDatagram(serialize(req), dest);
      return dest;
    }
    setTopViaTransport(req, 'tcp');
    this.counters.count('tcpFallbacks');
    await this.writeStream(conn, serialize(req));
    return tcpDest;
  }

  /**
   * @inheritdoc
   * @throws TransportError `closed`, `no_route` (no usable Via), or a send/connect error
   */
  sendResponse(res: SipResponse, to: Inbound): Promise<void> {
    // Not an async function, as sendRequest: over UDP (every call's 200) no promise is made.
    try {
      this.assertOpen(to.source);
      const data = serialize(res);
      if (to.source.protocol === 'udp') return this.sendDatagram(data, this.routeResponse(res, to.source)) ?? SETTLED;
      return this.sendResponseStream(res, to, data);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async sendResponseStream(res: SipResponse, to: Inbound, data: Buffer): Promise<void> {
    const conn = to.connectionId === undefined ? undefined : this.pool.get(to.connectionId);
    if (conn) return this.writeStream(conn, data);
    const target = this.routeResponse(res, to.source);
    this.assertProtocol(to.source.protocol);
    await this.writeStream(await this.pool.obtain(target), data);
  }

  private routeResponse(res: SipResponse, source: Endpoint): Endpoint {
    try {
      return responseTarget(res.via, source);
    } catch (cause) {
      throw new TransportError('no_route', `response has no usable Via [${formatEndpoint(source)}]`, { cause });
    }
  }

  /**
   * @inheritdoc
   * The address is `publicAddress`, else `host`, else (for a wildcard host) the first
   * non-internal interface address of the family, else loopback.
   * @throws TransportError `unsupported_protocol` for a protocol that is not open
   */
  advertised(protocol: Protocol): Endpoint {
    this.assertProtocol(protocol);
    return { protocol, address: advertisedAddress(this.cfg.host, this.cfg.publicAddress), port: this.boundPort };
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pool.closeAll();
      await unbindSockets({ udp: this.udp, server: this.server, port: this.boundPort });
    })();
    return this.closing;
  }

  private assertOpen(ep: Endpoint): void {
    if (this.closing) throw new TransportError('closed', `transport closed [${formatEndpoint(ep)}]`);
  }

  private assertProtocol(protocol: Protocol): void {
    const open = protocol === 'udp' ? this.udp !== undefined : protocol === 'tcp' && this.server !== undefined;
    if (!open) throw new TransportError('unsupported_protocol', `protocol not open [${protocol}]`);
  }

  /**
   * Sends a datagram. On a socket that sends within the call (`sendNow`: the native addon's)
   * it is sent and counted when this returns, and the answer is undefined: no promise made,
   * none to settle, two or three fewer a call. Otherwise the promise of the send.
   * @throws TransportError when the socket refuses the datagram at once
   */
  private sendDatagram(data: Buffer, target: Endpoint): Promise<void> | undefined {
    const udp = this.udp;
    if (!udp) throw new TransportError('unsupported_protocol', 'protocol not open [udp]');
    if (udp.sendNow === undefined) return udp.send(data, target).then(() => this.countDatagram(data.length));
    udp.sendNow(data, target);
    this.countDatagram(data.length);
    return undefined;
  }

  private countDatagram(bytes: number): void {
    this.counters.count('datagramsOut');
    this.counters.count('bytesOut', bytes);
  }

  private async writeStream(conn: StreamConnection, data: Buffer): Promise<void> {
    await conn.write(data);
    this.counters.count('streamMessagesOut');
  }

  private onAccept(socket: Socket): void {
    const conn = this.pool.adopt(socket, false);
    if (conn) {
      this.counters.count('connectionsAccepted');
      return;
    }
    this.counters.count('connectionsRejected');
    const source: Endpoint = { protocol: 'tcp', address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.report({ reason: 'limit', detail: `connection refused [max:${this.cfg.maxConnections}]`, source, answered: false });
  }

  private onDatagram(data: Buffer, source: Endpoint): void {
    this.counters.count('datagramsIn');
    this.counters.count('bytesIn', data.length);
    // CRLF keep-alives some UAs send over UDP carry no message (RFC 5626 uses STUN instead).
    if (isBlank(data)) return;
    const verdict = judgeMessage(data, false, source, this.cfg.limits);
    this.act(verdict, source, this.udp?.local ?? source, undefined);
  }

  private onFrame(conn: StreamConnection, frame: Buffer): void {
    this.counters.count('streamMessagesIn');
    const verdict = judgeMessage(frame, true, conn.remote, this.cfg.limits);
    this.act(verdict, conn.remote, conn.local, conn);
  }

  /** RFC 3261 §18.3: an unframeable stream is answered if possible, then closed. */
  private onBadStream(conn: StreamConnection, buffered: Buffer, kind: 'framing' | 'too_large', detail: string): void {
    const verdict = judgeBadStream(buffered, kind, detail, conn.remote, this.cfg.limits);
    this.act(verdict, conn.remote, conn.local, conn);
    conn.closeGracefully('bad_stream');
  }

  private act(verdict: Verdict, source: Endpoint, local: Endpoint, conn: StreamConnection | undefined): void {
    if (verdict.kind === 'deliver') {
      const inbound: Inbound = { message: verdict.message, source, local, receivedAt: this.cfg.now() };
      if (conn) inbound.connectionId = conn.id;
      for (const handler of this.messageHandlers) this.safeCall(handler, inbound, 'onMessage handler');
      return;
    }
    this.counters.parseError(verdict.drop.reason);
    if (verdict.kind === 'answer') this.answer(verdict.response, source, conn);
    this.report(verdict.drop);
  }

  /** Sends a transport-made error response on the connection, or per §18.2.2 over UDP. */
  private answer(response: SipResponse, source: Endpoint, conn: StreamConnection | undefined): void {
    this.counters.count('errorResponses');
    const data = serialize(response);
    let sent: Promise<void> | undefined;
    if (conn) {
      sent = this.writeStream(conn, data);
    } else {
      let target = source;
      try {
        target = responseTarget(response.via, source);
      } catch {
        // The Via is unreadable: answer the packet's source.
      }
      try {
        sent = this.sendDatagram(data, target);
      } catch (err) {
        this.fail(err, 'error response');
        return;
      }
    }
    sent?.catch((err: unknown) => this.fail(err, 'error response'));
  }

  private report(event: DropEvent): void {
    this.counters.drop(event.reason);
    for (const handler of this.dropHandlers) this.safeCall(handler, event, 'onDrop handler');
  }

  /** Calls a handler so that neither a throw nor a rejected promise escapes. */
  private safeCall<T>(handler: (arg: T) => unknown, arg: T, context: string): void {
    try {
      const r = handler(arg);
      if (r instanceof Promise) r.catch((err: unknown) => this.handlerFailed(err, context));
    } catch (err) {
      this.handlerFailed(err, context);
    }
  }

  private handlerFailed(err: unknown, context: string): void {
    this.counters.count('handlerErrors');
    this.fail(err, context);
  }

  private fail(err: unknown, context: string): void {
    for (const handler of this.errorHandlers) {
      try {
        handler(err, context);
      } catch {
        // An error listener that throws has nowhere left to report to.
      }
    }
  }
}

function isBlank(data: Buffer): boolean {
  for (const b of data) if (b !== 13 && b !== 10 && b !== 0 && b !== 32) return false;
  return true;
}
