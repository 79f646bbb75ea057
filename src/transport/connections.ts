/**
 * The pool of stream connections of one transport: lookup by id (responses go back on
 * the request's connection, RFC 3261 §18.2.2) and by remote endpoint (requests reuse an
 * open connection, inbound or outbound, §18.1.1), a connection limit, and shared connects.
 */
import type { Socket } from 'node:net';
import { endpointKey, formatEndpoint } from './address.ts';
import { StreamConnection, type CloseReason, type ConnectionHooks } from './connection.ts';
import { TransportError } from './errors.ts';
import { connectTcp } from './tcp.ts';
import type { Endpoint, Protocol, TimerScheduler } from './types.ts';

/** How the pool makes connections. */
export interface PoolOptions {
  protocol: Protocol;
  maxConnections: number;
  connectTimeoutMs: number;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  maxWriteBufferBytes: number;
  now: () => number;
  timers: TimerScheduler;
  /** Frame, bad-stream, ping and byte events of every connection; `onClose` after removal. */
  hooks: ConnectionHooks;
  /** Called when an outbound connection is established. */
  onDialled?: (conn: StreamConnection) => void;
}

/** The open connections of one protocol. */
export class ConnectionPool {
  private readonly byId = new Map<string, StreamConnection>();
  private readonly byRemote = new Map<string, StreamConnection>();
  private readonly pending = new Map<string, Promise<StreamConnection>>();
  private readonly hooks: ConnectionHooks;
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.hooks = { ...opts.hooks, onClose: (conn, reason) => this.onClose(conn, reason) };
  }

  /** Number of open connections. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Takes ownership of a connected socket.
   * @returns the connection, or undefined when the pool is full or closed (the socket is destroyed)
   */
  adopt(socket: Socket, outbound: boolean): StreamConnection | undefined {
    if (this.closed || this.byId.size >= this.opts.maxConnections || socket.remoteAddress === undefined) {
      socket.destroy();
      return undefined;
    }
    const id = `${this.opts.protocol}-${++this.seq}`;
    const conn = new StreamConnection(socket, { ...this.opts, id, outbound, hooks: this.hooks });
    this.byId.set(id, conn);
    this.byRemote.set(endpointKey(conn.remote), conn);
    return conn;
  }

  /** The open connection with this id, if any. */
  get(id: string): StreamConnection | undefined {
    const conn = this.byId.get(id);
    return conn?.isOpen ? conn : undefined;
  }

  /** An open connection to `remote` (inbound or outbound), if any. */
  find(remote: Endpoint): StreamConnection | undefined {
    const conn = this.byRemote.get(endpointKey({ ...remote, protocol: this.opts.protocol }));
    return conn?.isOpen ? conn : undefined;
  }

  /**
   * An open connection to `remote`, reused or dialled; concurrent callers share one connect.
   * @throws TransportError `connection_limit`, `connect_failed`, `connect_timeout`, `closed`
   */
  obtain(remote: Endpoint): Promise<StreamConnection> {
    const existing = this.find(remote);
    if (existing) return Promise.resolve(existing);
    const key = endpointKey({ ...remote, protocol: this.opts.protocol });
    let dialing = this.pending.get(key);
    if (!dialing) {
      dialing = this.dial(remote).finally(() => this.pending.delete(key));
      this.pending.set(key, dialing);
    }
    return dialing;
  }

  /** Destroys every connection and waits for their sockets to close. Idempotent. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.byId.values()];
    for (const conn of all) conn.destroy('local');
    await Promise.all(all.map((c) => c.whenClosed()));
    await Promise.allSettled([...this.pending.values()]);
  }

  private async dial(remote: Endpoint): Promise<StreamConnection> {
    const target = { ...remote, protocol: this.opts.protocol };
    if (this.closed) throw new TransportError('closed', `transport closed [${formatEndpoint(target)}]`);
    if (this.byId.size >= this.opts.maxConnections) {
      throw new TransportError('connection_limit', `too many connections [max:${this.opts.maxConnections}]`);
    }
    const socket = await connectTcp(target, this.opts.connectTimeoutMs, this.opts.timers);
    const conn = this.adopt(socket, true);
    if (!conn && this.closed) throw new TransportError('closed', `transport closed [${formatEndpoint(target)}]`);
    if (!conn) throw new TransportError('connection_limit', `too many connections [max:${this.opts.maxConnections}]`);
    // Key by the address we dialled too, in case the socket reports another spelling.
    this.byRemote.set(endpointKey(target), conn);
    this.opts.onDialled?.(conn);
    return conn;
  }

  private onClose(conn: StreamConnection, reason: CloseReason): void {
    this.byId.delete(conn.id);
    for (const [key, c] of this.byRemote) if (c === conn) this.byRemote.delete(key);
    // Another open connection to the same peer takes over the remote key.
    for (const other of this.byId.values()) {
      const key = endpointKey(other.remote);
      if (other.isOpen && !this.byRemote.has(key)) this.byRemote.set(key, other);
    }
    this.opts.hooks.onClose(conn, reason);
  }
}
