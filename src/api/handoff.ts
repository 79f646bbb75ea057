/**
 * `GET /v1/{account_id}/{project_id}/handoff_state`: the Handoff API, compatible with the
 * public PolyAI one (ARCHITECTURE.md "Handoff API"). Auth and the per-key rate limit run
 * as `onRequest` hooks, before the query is even validated; the lookup is scoped to the
 * key (`handoff-lookup.ts`).
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ApiKey, HandoffDocument } from '../store/index.ts';
import { credentialFrom, type Directory } from './auth.ts';
import { failure, NOT_FOUND_JSON, sendFailure } from './errors.ts';
import { findWithWait, type HandoffRequest, type LookupContext } from './handoff-lookup.ts';
import type { TokenBuckets } from './rate-limit.ts';
import type { RouteSpec, RouteTable } from './route.ts';
import { errorSchema, handoffParamsSchema, handoffQuerySchema, handoffStateSchema } from './schemas.ts';

/** The route pattern (also the metrics label). */
export const HANDOFF_ROUTE = '/v1/:account_id/:project_id/handoff_state';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The documented contract of the endpoint. */
export const handoffSpec = {
  method: 'GET',
  url: HANDOFF_ROUTE,
  operationId: 'getHandoffState',
  summary: 'Read the hand-over state of a conversation',
  description: 'Compatible with the PolyAI Handoff API. A record outside the key\'s scope, expired, or missing answers the same 404. '
    + 'Responses of 1 KiB or more are gzip-compressed when `Accept-Encoding: gzip` is sent.',
  tags: ['Handoff API'],
  security: 'apiKey',
  params: handoffParamsSchema,
  query: handoffQuerySchema,
  responses: {
    200: { description: 'The record: the agent\'s state at handoff.', schema: handoffStateSchema },
    400: { description: 'Malformed path or query (bad characters, too long, neither shared_id nor id).', schema: errorSchema('bad_request') },
    401: { description: 'Missing, unknown or revoked API key.', schema: errorSchema('unauthorized') },
    404: { description: 'No such record in the key\'s scope (or it expired, or `wait` ended first).', schema: errorSchema('not_found') },
    429: { description: 'Too many requests for this key.', schema: errorSchema('rate_limited'), headers: { 'Retry-After': 'Seconds until a request is allowed again.' } },
    503: { description: 'The store is unavailable or the node is stopping; retry.', schema: errorSchema('unavailable'), headers: { 'Retry-After': 'Seconds to wait before retrying.' } },
  },
} as const satisfies RouteSpec;

/** What the handoff route needs. */
export interface HandoffRouteContext extends LookupContext {
  directory: Directory;
  limiter: TokenBuckets;
  /** Cap on `wait=`, s. */
  maxWaitSec: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Handoff API key the request authenticated with (set by the auth hook). */
    handoffApiKey: ApiKey | null;
  }
}

/** Registers the endpoint on `app`. */
export function registerHandoff(app: FastifyInstance, table: RouteTable, ctx: HandoffRouteContext): void {
  // Declared up front (a stable object shape), set per request by the auth hook.
  app.decorateRequest('handoffApiKey', null);
  table.add(app, handoffSpec, async ({ params, query, request, reply }) => {
    const key = request.handoffApiKey;
    if (key === null) return sendFailure(reply, failure('unauthorized'));
    const waitSec = Math.min(query.wait ?? 0, ctx.maxWaitSec);
    const lookup: HandoffRequest = {
      account: params.account_id, project: params.project_id, waitSec,
      ...(query.shared_id === undefined ? { id: query.id } : { sharedId: query.shared_id }),
    };
    // Only a held request needs to notice the client going away.
    const abort = waitSec > 0 ? abortOnClose(reply.raw) : undefined;
    try {
      const found = await findWithWait(ctx, key, lookup, abort?.signal);
      if (found === 'closed') return sendFailure(reply, failure('unavailable', undefined, { 'retry-after': '1' }));
      if (found === undefined) return reply.code(404).type(JSON_TYPE).send(NOT_FOUND_JSON);
      return reply.type(JSON_TYPE).send(renderRecord(found));
    } finally {
      abort?.dispose();
    }
  }, [authenticate(ctx)]);
}

/**
 * The 200 body, written by hand (no schema serializer: `data` is free-form): the stored
 * JSON text of `data` goes out as it is, never parsed and serialised again.
 */
export function renderRecord(record: HandoffDocument): string {
  const sharedId = record.sharedId === undefined ? 'null' : JSON.stringify(record.sharedId);
  return `{"id":${JSON.stringify(record.id)},"shared_id":${sharedId},"data":${record.dataJson}}`;
}

/**
 * The `onRequest` hook: key → 401, then the key's token bucket → 429 with Retry-After.
 * Callback style and synchronous on a cache hit (no promise, no closure per request).
 */
function authenticate(ctx: HandoffRouteContext) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const plain = credentialFrom(request.headers, 'x-api-key');
    const found = plain === undefined ? undefined : ctx.directory.apiKey(plain);
    if (found instanceof Promise) found.then((key) => admit(ctx, key, request, reply, done), done);
    else admit(ctx, found, request, reply, done);
  };
}

/** Lets an authenticated, not rate-limited request through; answering without done() ends it here. */
function admit(ctx: HandoffRouteContext, key: ApiKey | undefined, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (key === undefined) {
    sendFailure(reply.header('www-authenticate', 'Bearer'), failure('unauthorized'));
    return;
  }
  const retryAfter = ctx.limiter.take(key.id);
  if (retryAfter > 0) {
    sendFailure(reply, failure('rate_limited', undefined, { 'retry-after': String(retryAfter) }));
    return;
  }
  request.handoffApiKey = key;
  done();
}

/** An AbortSignal that fires when the client goes away before the response is sent. */
function abortOnClose(res: ServerResponse): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) ac.abort();
  };
  res.once('close', onClose);
  return { signal: ac.signal, dispose: () => res.off('close', onClose) };
}
