/**
 * The HTTP server: Fastify with the Handoff API, the admin API, health, metrics and the
 * OpenAPI document. Cross-cutting concerns are hooks: URL guards (`onRequest`), gzip
 * (`onSend`), request metrics by route template (`onResponse`), and one error handler
 * that answers every failure as `{ error: { code, message } }`.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import type { Metrics } from '../obs/index.ts';
import { registerAdminCalls } from './admin-calls.ts';
import { registerAdminDirectory } from './admin-directory.ts';
import { adminAuth, Directory } from './auth.ts';
import { failure, NOT_FOUND_JSON, sendFailure, toFailure } from './errors.ts';
import { gzipOnSend } from './gzip.ts';
import { registerHandoff } from './handoff.ts';
import { registerDocs, registerOps } from './ops.ts';
import { isMalformedQuery, parseQueryString } from './query.ts';
import { TokenBuckets } from './rate-limit.ts';
import { HttpFailureError, RouteTable } from './route.ts';
import type { ApiDeps } from './types.ts';
import { HandoffWaiters } from './waiters.ts';
import type { OpenApiDocument } from './openapi.ts';

/** Default largest request body (admin JSON), bytes. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Default longest URL, characters. */
export const DEFAULT_MAX_URL_LENGTH = 4096;
/** Longest path parameter, characters (longer ones answer 400). */
export const MAX_PARAM_LENGTH = 256;

/** A built (not yet listening) API server. */
export interface ApiServer {
  /** The Fastify instance (`inject()` for tests). */
  app: FastifyInstance;
  /** The OpenAPI document it serves. */
  openapi: OpenApiDocument;
  /** Handoff API requests held by `wait=` right now. */
  readonly waiting: number;
  /**
   * Forgets cached API keys, tenants and agents; call after a directory change (the
   * admin service's `onDirectoryChange`) so that a revoked key stops working at once.
   */
  invalidate(): void;
  /** Listens; resolves to the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Releases waiting long-polls (503), then closes the server. Idempotent. */
  close(): Promise<void>;
}

/** Builds the server: every route registered, nothing listening yet. */
export async function createApiServer(deps: ApiDeps): Promise<ApiServer> {
  const s = deps.settings;
  const now = deps.now ?? Date.now;
  const app = Fastify({
    logger: false,
    bodyLimit: s.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, querystringParser: parseQueryString },
    // Time to receive a whole request (not to answer it: `wait=` holds answers longer).
    requestTimeout: 30_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: (err, _request, reply) => sendFailure(reply, toFailure(err)),
  });
  installHooks(app, deps.metrics, s.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH, s.gzipMinBytes ?? 1024);
  app.setErrorHandler((err, _request, reply) =>
    sendFailure(reply, err instanceof HttpFailureError ? err.failure : toFailure(err, deps.logger)));
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('application/json; charset=utf-8').send(NOT_FOUND_JSON));

  const table = new RouteTable();
  const waiters = new HandoffWaiters(deps.store);
  const directory = new Directory(deps.store, { ttlMs: s.lookupCacheMs ?? 1000, now });
  registerHandoff(app, table, {
    store: deps.store, waiters, now, maxWaitSec: s.maxWaitSec, directory,
    limiter: new TokenBuckets({ perSec: s.rateLimit.perKeyPerSec, burst: s.rateLimit.burst, now }),
  });
  const auth = adminAuth(s.adminKey);
  registerAdminDirectory(app, table, deps.admin, auth);
  registerAdminCalls(app, table, deps.admin, deps.calls, auth);
  registerOps(app, table, deps.metrics, deps.readiness ?? []);
  const openapi = registerDocs(app, table);
  await app.ready();

  let closing: Promise<void> | undefined;
  return {
    app, openapi,
    get waiting() {
      return waiters.size;
    },
    invalidate: () => directory.invalidate(),
    listen: async (host, port) => {
      await app.listen({ host, port });
      const addr = app.server.address();
      return typeof addr === 'object' && addr !== null ? addr.port : port;
    },
    close: () => (closing ??= (async () => {
      waiters.close();
      await app.close();
    })()),
  };
}

/** The global hooks, callback style: no promise per request on the hot path. */
function installHooks(app: FastifyInstance, metrics: Metrics, maxUrlLength: number, gzipMinBytes: number): void {
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    // Answering without calling done() ends the request here.
    if (request.url.length > maxUrlLength) sendFailure(reply, failure('bad_request', { url: 'too long' }));
    else if (isMalformedQuery(request.query)) sendFailure(reply, failure('bad_request', { query: 'malformed encoding' }));
    else done();
  });
  app.addHook('onSend', gzipOnSend(gzipMinBytes));
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.httpRequest(route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
