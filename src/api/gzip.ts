/**
 * Response compression without @fastify/compress: an `onSend` hook that gzips string and
 * Buffer payloads of at least `minBytes` when the request's `Accept-Encoding` allows gzip
 * (RFC 9110 §12.5.3). Small payloads are compressed inline, large ones on libuv's
 * thread pool so that a 10 MiB record does not stall the event loop.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const gzipAsync = promisify(gzipCb);

/** Payloads up to this size are gzipped synchronously (cheaper than a thread-pool hop), bytes. */
const SYNC_MAX_BYTES = 64 * 1024;

/**
 * True when `Accept-Encoding` accepts gzip: `gzip` or `*` listed with a non-zero q-value
 * (`gzip;q=0` refuses it).
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const text = (Array.isArray(header) ? header.join(',') : header).toLowerCase();
  if (text.indexOf('gzip') === -1 && text.indexOf('*') === -1) return false;
  let star = false;
  for (const part of text.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim();
    if (name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name === '*') star = accepted;
    else return accepted;
  }
  return star;
}

/**
 * The `onSend` hook, callback style: synchronous unless a large payload is compressed.
 * String and Buffer payloads only (our JSON and HTML answers); streams pass through.
 * @param minBytes smallest payload compressed, bytes (default 1024)
 */
export function gzipOnSend(minBytes = 1024) {
  return (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (size < minBytes || reply.hasHeader('content-encoding')) return done(null, payload);
    reply.header('vary', 'Accept-Encoding');
    if (!acceptsGzip(request.headers['accept-encoding'])) return done(null, payload);
    reply.header('content-encoding', 'gzip');
    reply.removeHeader('content-length');
    if (size <= SYNC_MAX_BYTES) return done(null, gzipSync(payload));
    gzipAsync(payload).then((body) => done(null, body), (err: Error) => done(err));
    return undefined;
  };
}
