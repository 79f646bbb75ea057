/**
 * An example bot for Agentline's WebSocket agent (docs/websocket-protocol.md).
 *
 * It echoes the caller's audio back, says nothing of its own, and reacts to digits:
 * `1` sends `clear` (cuts the echo being played), `#` hands the call off to `support`.
 * It depends on `ws` only, so that it can be copied as the start of a real bot.
 *
 *   node --import tsx examples/echo-bot.ts --port 8090 [--host 127.0.0.1] [--token SECRET]
 *
 * Agent config (kind `websocket`): `{ "url": "ws://127.0.0.1:8090", "token": "SECRET" }`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** Options of {@link startEchoBot}. */
export interface EchoBotOptions {
  /** TCP port; 0 picks a free one. Default 8090. */
  port?: number;
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** When set, calls must carry `Authorization: Bearer <token>` (else 401). Default none. */
  token?: string;
  /** Where log lines go. Default: nowhere. */
  log?: (line: string) => void;
}

/** A running echo bot. */
export interface EchoBot {
  /** The port it listens on. */
  port: number;
  /** Stops listening and ends every call. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function parse(data: RawData): Json | undefined {
  try {
    const v: unknown = JSON.parse(String(data));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** One call: echo media, react to digits, end on `stop`. */
function serveCall(ws: WebSocket, log: (line: string) => void): void {
  const send = (m: Json): void => ws.send(JSON.stringify(m));
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.send(data, { binary: true }); // only after we accepted binary media (we do not)
      return;
    }
    const m = parse(data);
    switch (m?.['event']) {
      case 'start': {
        const start = (m['start'] ?? {}) as Json;
        log(`call ${String(start['conversation_id'])} from ${String(start['caller'])}`);
        send({ event: 'connected', connected: { binary: false } }); // JSON media both ways
        return;
      }
      case 'media':
        send({ event: 'media', media: { payload: (m['media'] as Json)['payload'] } });
        return;
      case 'dtmf': {
        const digit = (m['dtmf'] as Json)['digit'];
        log(`digit ${String(digit)}`);
        if (digit === '1') send({ event: 'clear' });
        if (digit === '#') send({ event: 'handoff', handoff: { contained: false, destination: 'support', data: { reason: 'pressed #' } } });
        return;
      }
      case 'stop':
        log(`stop (${String((m['stop'] as Json | undefined)?.['reason'])})`);
        ws.close(1000);
        return;
      default:
        return; // mark answers and anything new: nothing to do
    }
  });
}

/** Starts the echo bot; resolves when it listens. */
export async function startEchoBot(options: EchoBotOptions = {}): Promise<EchoBot> {
  const log = options.log ?? (() => undefined);
  const { token } = options;
  const server = new WebSocketServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8090,
    verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }, cb: (ok: boolean, code?: number) => void) => {
      if (token === undefined || info.req.headers['authorization'] === `Bearer ${token}`) cb(true);
      else cb(false, 401);
    },
  });
  server.on('connection', (ws) => serveCall(ws, log));
  await new Promise<void>((ok, fail) => {
    server.once('listening', ok);
    server.once('error', fail);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  log(`echo bot listening on ws://${options.host ?? '127.0.0.1'}:${port}`);
  return {
    port,
    close: () => new Promise<void>((done) => {
      for (const c of server.clients) c.terminate();
      server.close(() => done());
    }),
  };
}

/** Command line: `--port`, `--host`, `--token`; stops on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8090' }, host: { type: 'string', default: '127.0.0.1' }, token: { type: 'string' } },
  });
  const bot = await startEchoBot({
    port: Number(values.port), host: values.host, log: (line) => console.log(line),
    ...(values.token === undefined ? {} : { token: values.token }),
  });
  const stop = (): void => { void bot.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
