/**
 * Raw-socket SIP peers for integration tests: a UDP client that sends datagrams and
 * collects replies, a TCP client that frames the messages it receives, a TCP server
 * that collects what connects to it, and a builder for raw request text. Every wait has
 * a guard timeout so that a broken test fails instead of hanging; none asserts timing.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { findFrame, parseMessage, type AnyMessage } from '../../src/sip/index.ts';

/** Guard timeout of every wait, in ms: long enough for a loaded CI machine. */
export const WAIT_MS = 5000;

/** A FIFO whose `next()` waits for the next item. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(item: T) => void> = [];

  /** Adds an item, handing it to the oldest waiter if any. */
  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  /** Items received and not yet taken. */
  get size(): number {
    return this.items.length;
  }

  /** The next item; rejects after `timeoutMs` (a hang guard, not an assertion). */
  next(what = 'item', timeoutMs = WAIT_MS): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const waiter = (it: T): void => {
        clearTimeout(timer);
        resolve(it);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

/** Parses bytes that must be one valid message (stream rules when `stream`). */
export function mustParse(data: Buffer, stream = false): AnyMessage {
  const r = parseMessage(data, { stream });
  if (!r.ok) throw new Error(`unparseable message: ${r.error.message}\n${data.toString('latin1')}`);
  return r.message;
}

/** One datagram received by a {@link UdpPeer}. */
export interface Datagram {
  data: Buffer;
  address: string;
  port: number;
}

/** A raw UDP socket bound to loopback. */
export class UdpPeer {
  readonly received = new AsyncQueue<Datagram>();

  private constructor(
    private readonly socket: UdpSocket,
    /** The bound address. */
    readonly address: string,
    /** The bound port. */
    readonly port: number,
  ) {
    socket.on('message', (data, rinfo) => this.received.push({ data, address: rinfo.address, port: rinfo.port }));
  }

  /** Binds `host` (default 127.0.0.1; `::1` for IPv6) on a free port. */
  static async bind(host = '127.0.0.1'): Promise<UdpPeer> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    return new UdpPeer(socket, host, socket.address().port);
  }

  /** Sends one datagram. */
  send(data: string | Buffer, port: number, host = this.address): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve, reject) => this.socket.send(buf, port, host, (err) => (err ? reject(err) : resolve())));
  }

  /** The next datagram, parsed as a SIP message. */
  async nextMessage(what = 'a datagram'): Promise<AnyMessage> {
    return mustParse((await this.received.next(what)).data);
  }

  /** Sends `data` and waits for the next datagram, parsed. */
  async request(data: string | Buffer, port: number, host = this.address): Promise<AnyMessage> {
    await this.send(data, port, host);
    return this.nextMessage('a reply');
  }

  /** Closes the socket. */
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** What a {@link StreamCollector} cuts out of a byte stream. */
export type StreamItem =
  | { kind: 'message'; message: AnyMessage; raw: Buffer }
  | { kind: 'crlf'; length: number }
  | { kind: 'error'; reason: string };

/** Frames a SIP byte stream with the production framer, pushing items to `items` (or to `sink`). */
export class StreamCollector {
  readonly items = new AsyncQueue<StreamItem>();
  private buf = Buffer.alloc(0);

  /** @param sink receives each item instead of `items` when given */
  constructor(private readonly sink?: (item: StreamItem) => void) {}

  private emit(item: StreamItem): void {
    if (this.sink) this.sink(item);
    else this.items.push(item);
  }

  /** Feeds bytes. */
  feed(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const f = findFrame(this.buf);
      if (f.kind === 'incomplete') return;
      if (f.kind === 'error') {
        this.emit({ kind: 'error', reason: f.reason });
        this.buf = Buffer.alloc(0);
        return;
      }
      const raw = this.buf.subarray(0, f.length);
      this.buf = this.buf.subarray(f.length);
      if (f.kind === 'keepalive') this.emit({ kind: 'crlf', length: f.length });
      else this.emit({ kind: 'message', message: mustParse(raw, true), raw });
    }
  }

  /** The next complete message (CRLF items before it are skipped). */
  async nextMessage(what = 'a message'): Promise<AnyMessage> {
    for (;;) {
      const item = await this.items.next(what);
      if (item.kind === 'message') return item.message;
      if (item.kind === 'error') throw new Error(`stream framing error: ${item.reason}`);
    }
  }
}

/** A raw TCP client connected to a SIP listener. */
export class TcpPeer {
  readonly stream = new StreamCollector();
  /** Resolves when the socket has closed (after the server's FIN or a reset). */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.stream.feed(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connects to `host`:`port`. */
  static async connect(port: number, host = '127.0.0.1'): Promise<TcpPeer> {
    const socket = createConnection({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new TcpPeer(socket);
  }

  /** The local port of the client socket. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Writes bytes and waits until they are handed to the kernel. */
  write(data: string | Buffer): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve, reject) => this.socket.write(buf, (err) => (err ? reject(err) : resolve())));
  }

  /** Writes one byte per write call, yielding to the event loop between them. */
  async writeBytewise(data: string | Buffer): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (let i = 0; i < buf.length; i++) {
      await this.write(buf.subarray(i, i + 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The next complete message received. */
  nextMessage(what = 'a message'): Promise<AnyMessage> {
    return this.stream.nextMessage(what);
  }

  /** Resolves when the socket closes; rejects after the guard timeout. */
  async waitClosed(what = 'the connection to close'): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
    });
    try {
      await Promise.race([this.closed, guard]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Destroys the socket and waits for it to close. */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

/** A raw TCP server that frames what its clients send (a peer the transport dials). */
export class TcpListenerPeer {
  /** Accepted connections, in order. */
  readonly accepted = new AsyncQueue<TcpPeerConnection>();
  /** Every message from every connection, tagged with its connection's index. */
  readonly messages = new AsyncQueue<{ message: AnyMessage; connection: number }>();
  private readonly sockets: Socket[] = [];
  private count = 0;

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Listens on `host` (default 127.0.0.1) at `port` (default 0: a free one). */
  static async listen(host = '127.0.0.1', port = 0): Promise<TcpListenerPeer> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    const peer = new TcpListenerPeer(server, typeof address === 'object' && address ? address.port : port);
    server.on('connection', (socket) => peer.onConnection(socket));
    return peer;
  }

  /** Connections accepted so far. */
  get connectionCount(): number {
    return this.count;
  }

  private onConnection(socket: Socket): void {
    const index = this.count++;
    this.sockets.push(socket);
    const collector = new StreamCollector((item) => {
      if (item.kind === 'message') this.messages.push({ message: item.message, connection: index });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => collector.feed(chunk));
    this.accepted.push({ index, socket });
  }

  /** The next message from any connection. */
  async nextMessage(what = 'a message'): Promise<{ message: AnyMessage; connection: number }> {
    return this.messages.next(what);
  }

  /** Closes the server and every accepted connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One connection accepted by a {@link TcpListenerPeer}. */
export interface TcpPeerConnection {
  index: number;
  socket: Socket;
}

/** Fields of a raw request built by {@link rawRequest}. */
export interface RawRequestOptions {
  method?: string;
  uri?: string;
  /** Whole Via header values, top first; each becomes its own line unless joined by commas. */
  via?: string[];
  callId?: string;
  cseq?: number;
  /** Max-Forwards value as written; null leaves the header out. Default `70`. */
  maxForwards?: string | null;
  /** Extra header lines, `Name: value`, written as given. */
  headers?: string[];
  body?: string;
  /** Writes no Content-Length when false. Default true. */
  contentLength?: boolean;
}

/**
 * A request as wire text with CRLF line ends. Defaults: `OPTIONS sip:agent@gw`,
 * one Via `SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-test;rport`, Content-Length.
 */
export function rawRequest(o: RawRequestOptions = {}): string {
  const method = o.method ?? 'OPTIONS';
  const body = o.body ?? '';
  const lines = [
    `${method} ${o.uri ?? 'sip:agent@gw.example'} SIP/2.0`,
    ...(o.via ?? ['SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-test;rport']).map((v) => `Via: ${v}`),
    ...(o.maxForwards === null ? [] : [`Max-Forwards: ${o.maxForwards ?? '70'}`]),
    'From: <sip:cc@trunk.example>;tag=from1',
    'To: <sip:agent@gw.example>',
    `Call-ID: ${o.callId ?? 'call-1@test'}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    ...(o.headers ?? []),
  ];
  if (o.contentLength !== false) lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
