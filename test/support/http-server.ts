/**
 * A loopback HTTP server for client tests (node:http on 127.0.0.1, port 0): answers with
 * the test's handler, keeps every request, and stops without waiting for keep-alive
 * connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Answers request number `n` (1-based). */
export type TestHandler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A running {@link serve} server. */
export interface TestHttpServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Every request, in order. */
  requests: IncomingMessage[];
  /** Closes the server and its connections. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a server answering with `handler`. */
export async function serve(handler: TestHandler): Promise<TestHttpServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('the test HTTP server has no port');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { server, base: `http://127.0.0.1:${address.port}`, requests, stop };
}

/** Writes a JSON answer with `headers`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
