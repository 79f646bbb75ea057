/**
 * One stream connection (TCP, later TLS): the RFC 3261 §18.3 framer over its bytes,
 * CRLF keep-alives (RFC 5626 §3.5.1), the idle timeout, and bounded writes.
 */
import type { Socket } from 'node:net';
import { findFrame } from '../sip/index.ts';
import { normalizeAddress } from './address.ts';
import { TransportError } from './errors.ts';
import type { Endpoint, Protocol, TimerScheduler } from './types.ts';

/** Why a connection closed. */
export type CloseReason = 'peer' | 'idle' | 'error' | 'local' | 'bad_stream' | 'slow_reader';

/** What a connection reports to its owner. */
export interface ConnectionHooks {
  /** One complete message's bytes, cut by Content-Length. */
  onFrame(conn: StreamConnection, frame: Buffer): void;
  /**
   * The stream cannot be framed (`framing`) or a message exceeds the size limit
   * (`too_large`); `buffered` holds the bytes read so far. The owner answers if it can,
   * then calls `closeGracefully()`.
   */
  onBadStream(conn: StreamConnection, buffered: Buffer, kind: 'framing' | 'too_large', detail: string): void;
  /** A CRLF CRLF ping was answered. */
  onPing(conn: StreamConnection): void;
  /** Bytes crossed the socket. */
  onBytes(direction: 'in' | 'out', count: number): void;
  /** The socket is gone; called once. */
  onClose(conn: StreamConnection, reason: CloseReason): void;
}

/** How a connection behaves. */
export interface ConnectionOptions {
  id: string;
  protocol: Protocol;
  /** True when we dialled it. */
  outbound: boolean;
  /** Largest message, headers and body, in bytes; also the cap on buffered input. */
  maxMessageBytes: number;
  /** Close after this long without bytes in either direction, in ms. */
  idleTimeoutMs: number;
  /** Close when unsent output exceeds this, in bytes. */
  maxWriteBufferBytes: number;
  now: () => number;
  timers: TimerScheduler;
  hooks: ConnectionHooks;
}

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n', 'latin1');
/** How long a connection closed after an error answer waits for the peer's FIN, in ms. */
const LINGER_MS = 2000;

/** A framed SIP stream over one socket. */
export class StreamConnection {
  readonly id: string;
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly outbound: boolean;
  private buf: Buffer = EMPTY;
  /** Bytes of `buf` already searched for the end of headers. */
  private scanned = 0;
  private lastActivity: number;
  private idleTimer: unknown;
  private lingerTimer: unknown;
  private closing = false;
  private closed = false;
  private closeReason: CloseReason = 'peer';

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.id = opts.id;
    this.outbound = opts.outbound;
    this.remote = endpointOf(opts.protocol, socket.remoteAddress, socket.remotePort);
    this.local = endpointOf(opts.protocol, socket.localAddress, socket.localPort);
    this.lastActivity = opts.now();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.markReason('error'));
    socket.on('close', () => this.onSocketClose());
    this.armIdle(opts.idleTimeoutMs);
  }

  /** True until the connection starts closing; only open connections take writes. */
  get isOpen(): boolean {
    return !this.closing && !this.closed;
  }

  /**
   * Writes bytes; resolves once they are handed to the kernel.
   * @throws TransportError `connection_closed`, or `send_failed` on a socket error or a slow reader
   */
  write(data: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(new TransportError('connection_closed', `connection closed [${this.id}]`));
    if (this.socket.writableLength + data.length > this.opts.maxWriteBufferBytes) {
      this.destroy('slow_reader');
      return Promise.reject(new TransportError('send_failed', `peer not reading [${this.id}]`));
    }
    return this.rawWrite(data);
  }

  /** Sends FIN and stops reading; the socket is destroyed on the peer's FIN or after a linger time. */
  closeGracefully(reason: CloseReason): void {
    if (this.closing || this.closed) return;
    this.markReason(reason);
    this.closing = true;
    this.buf = EMPTY;
    this.socket.end();
    this.lingerTimer = this.opts.timers.setTimeout(() => this.destroy(reason), LINGER_MS);
  }

  /** Closes at once, discarding unsent output. Idempotent. */
  destroy(reason: CloseReason = 'local'): void {
    if (this.closed) return;
    this.markReason(reason);
    this.closing = true;
    this.socket.destroy();
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  private rawWrite(data: Buffer): Promise<void> {
    this.lastActivity = this.opts.now();
    this.opts.hooks.onBytes('out', data.length);
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => {
        if (err) reject(new TransportError('send_failed', `write failed [${this.id}]`, { cause: err }));
        else resolve();
      });
    });
  }

  private markReason(reason: CloseReason): void {
    if (!this.closing && !this.closed) this.closeReason = reason;
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = this.opts.now();
    this.opts.hooks.onBytes('in', chunk.length);
    if (this.closing) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.drain();
  }

  /** Cuts every complete message out of the buffer (RFC 3261 §18.3). */
  private drain(): void {
    const max = this.opts.maxMessageBytes;
    while (this.buf.length > 0 && this.isOpen) {
      if (!this.headersComplete()) {
        if (this.buf.length > max) this.bad('too_large', 'headers exceed the message size limit');
        return;
      }
      const frame = findFrame(this.buf, max);
      if (frame.kind === 'incomplete') {
        if (this.buf.length > max) this.bad('too_large', 'message exceeds the size limit');
        return;
      }
      if (frame.kind === 'error') return this.bad('framing', frame.reason);
      if (frame.kind === 'keepalive') {
        // A lone CR/LF run that may still grow into a CRLF CRLF ping: wait for more.
        if (frame.length === this.buf.length && frame.length < 4) return;
        if (frame.ping) this.pong();
        this.consume(frame.length);
        continue;
      }
      if (frame.length > max) return this.bad('too_large', `message of ${frame.length} bytes`);
      const bytes = this.buf.subarray(0, frame.length);
      this.consume(frame.length);
      this.opts.hooks.onFrame(this, bytes);
    }
  }

  /**
   * True when the buffer starts with CR/LF (a keep-alive) or holds a full header block.
   * Only new bytes are searched, so a peer trickling bytes costs linear time.
   */
  private headersComplete(): boolean {
    const first = this.buf[0];
    if (first === 13 || first === 10) return true;
    const from = Math.max(0, this.scanned - 3);
    if (this.buf.indexOf('\r\n\r\n', from, 'latin1') >= 0) return true;
    this.scanned = this.buf.length;
    return false;
  }

  private consume(length: number): void {
    this.buf = length >= this.buf.length ? EMPTY : this.buf.subarray(length);
    this.scanned = 0;
  }

  /** RFC 5626 §3.5.1: a CRLF CRLF ping is answered with a single CRLF pong. */
  private pong(): void {
    this.rawWrite(CRLF).then(() => this.opts.hooks.onPing(this), () => undefined);
  }

  private bad(kind: 'framing' | 'too_large', detail: string): void {
    const buffered = this.buf;
    this.buf = EMPTY;
    this.opts.hooks.onBadStream(this, buffered, kind, detail);
    // The owner normally closes after answering; make sure the stream is not read on.
    this.closeGracefully('bad_stream');
  }

  /** Fires after `delay`; closes when the connection has been silent for the whole timeout. */
  private armIdle(delay: number): void {
    this.idleTimer = this.opts.timers.setTimeout(() => {
      if (this.closed) return;
      const silent = this.opts.now() - this.lastActivity;
      if (silent >= this.opts.idleTimeoutMs) this.destroy('idle');
      else this.armIdle(this.opts.idleTimeoutMs - silent);
    }, delay);
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.opts.timers.clearTimeout(this.idleTimer);
    this.opts.timers.clearTimeout(this.lingerTimer);
    this.buf = EMPTY;
    this.opts.hooks.onClose(this, this.closeReason);
  }
}

function endpointOf(protocol: Protocol, address: string | undefined, port: number | undefined): Endpoint {
  return { protocol, address: normalizeAddress(address ?? ''), port: port ?? 0 };
}
