/**
 * Test helper: a bot server on a real `ws` WebSocketServer bound to 127.0.0.1, port 0,
 * that records the upgrade request and lets a test read and send messages in order.
 * Used by the WebSocket agent's tests only.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AgentContext } from '../types.ts';

/** One message the bot received: parsed JSON, or the bytes of a binary frame. */
export type Received = { binary: false; json: Record<string, unknown> } | { binary: true; bytes: Buffer };

/** One bot connection, seen from the bot's side. */
export class BotConnection {
  private readonly inbox: Received[] = [];
  private waiting: ((m: Received) => void) | undefined;
  /** Resolves when the socket closes, with its close code. */
  readonly closed: Promise<number>;

  constructor(
    readonly socket: WebSocket,
    readonly request: IncomingMessage,
  ) {
    socket.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      const m: Received = isBinary ? { binary: true, bytes: Buffer.from(buf) } : { binary: false, json: JSON.parse(buf.toString('utf8')) as Record<string, unknown> };
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(m);
      else this.inbox.push(m);
    });
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
  }

  /** The next message received (waits for it). */
  next(): Promise<Received> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => { this.waiting = resolve; });
  }

  /** The next JSON message, skipping `media` ones unless asked for. */
  async nextEvent(event?: string): Promise<Record<string, unknown>> {
    for (;;) {
      const m = await this.next();
      if (m.binary) continue;
      if (event === undefined ? m.json['event'] !== 'media' : m.json['event'] === event) return m.json;
    }
  }

  /** Sends a JSON message. */
  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }
}

/** A bot server for tests. */
export class TestBotServer {
  private readonly pending: Array<(c: BotConnection) => void> = [];
  private readonly connections: BotConnection[] = [];

  private constructor(readonly server: WebSocketServer) {
    server.on('connection', (socket, request) => {
      const c = new BotConnection(socket, request);
      const w = this.pending.shift();
      if (w) w(c);
      else this.connections.push(c);
    });
  }

  /** Starts a server on 127.0.0.1, port 0; `verify` may refuse upgrades with a status. */
  static async start(verify?: (req: IncomingMessage) => number | undefined): Promise<TestBotServer> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      ...(verify ? { verifyClient: (info: { req: IncomingMessage }, cb: (ok: boolean, code?: number) => void) => {
        const status = verify(info.req);
        if (status === undefined) cb(true);
        else cb(false, status);
      } } : {}),
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new TestBotServer(server);
  }

  /** The URL to give the agent. */
  get url(): string {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('not listening on a port');
    return `ws://127.0.0.1:${addr.port}/bot?key=secret`;
  }

  /** The next connection (waits for it). */
  accept(): Promise<BotConnection> {
    const c = this.connections.shift();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.pending.push(resolve));
  }

  /** Closes every connection and the server. */
  async close(): Promise<void> {
    for (const c of this.server.clients) c.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A call context for bot tests. */
export const TEST_CONTEXT: AgentContext = {
  tenant: { id: 't1', slug: 'acme' },
  agent: { id: 'a1', slug: 'voicebot', destinations: ['billing', 'support'], config: {} },
  conversationId: 'conv-9', sharedId: 'S-9', caller: 'sip:+15551230000@carrier', callee: 'sip:7001@gw',
  xHeaders: { 'X-five9sessionid': 'S-9', 'X-Lang': 'en' },
};
