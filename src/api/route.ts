/**
 * Routes described once: a {@link RouteSpec} carries the zod schemas that validate the
 * request and the response shapes per status, so the same object registers the Fastify
 * route and feeds the OpenAPI document (STYLE.md principle 8).
 */
import type {
  FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, onRequestHookHandler,
} from 'fastify';
import type { z } from 'zod';
import { failure, type HttpFailure } from './errors.ts';

/** Security scheme names of the OpenAPI document. */
export type SecurityKind = 'apiKey' | 'admin';

/** One documented response. */
export interface ResponseSpec {
  description: string;
  /** Body schema (JSON unless `contentType` says otherwise). */
  schema?: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
  /** Response headers worth documenting (`Retry-After`). */
  headers?: Record<string, string>;
}

/** A route: method, path, schemas, documented responses. */
export interface RouteSpec {
  method: Extract<HTTPMethods, 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'>;
  /** Fastify pattern: `/v1/:account_id/:project_id/handoff_state`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  security?: SecurityKind;
  params?: z.ZodType;
  query?: z.ZodType;
  /** Request body schema: documented, and validated unless `handlerValidates`. */
  body?: z.ZodType;
  /**
   * True when the handler validates `rawQuery` and `rawBody` itself (the admin service
   * does, with messages naming every problem); the schemas are then documentation only.
   */
  handlerValidates?: boolean;
  responses: Record<number, ResponseSpec>;
  /** Hidden from the OpenAPI document (`/docs` itself). */
  hidden?: boolean;
}

/** The validated request, typed by the spec's schemas. */
export interface RouteInput<S extends RouteSpec> {
  params: S['params'] extends z.ZodType ? z.output<S['params']> : undefined;
  query: S['query'] extends z.ZodType ? z.output<S['query']> : undefined;
  body: S['body'] extends z.ZodType ? z.output<S['body']> : undefined;
  /** The parsed JSON body before validation. */
  rawBody: unknown;
  /** The parsed query before validation (a plain object). */
  rawQuery: Record<string, unknown>;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** A route handler: returns the body to send (or the reply, when it sent itself). */
export type RouteHandler<S extends RouteSpec> = (input: RouteInput<S>) => Promise<unknown> | unknown;

/** Thrown by validation; the error handler sends it as is. */
export class HttpFailureError extends Error {
  /** @param failure what to answer */
  constructor(readonly failure: HttpFailure) {
    super(failure.body.error.message);
    this.name = 'HttpFailureError';
  }
}

/**
 * Parses one part of the request; a failure names the first offending field only, never
 * echoing the value (it may be an injection attempt).
 */
export function parsePart<S extends z.ZodType>(schema: S, value: unknown, part: 'path' | 'query' | 'body'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? '(all)' : issue.path.map(String).join('.');
  // Our own refinement messages are safe to show; zod's others may quote the input.
  const context: Record<string, string> = { [part]: field };
  if (issue?.code === 'custom') context['reason'] = issue.message;
  throw new HttpFailureError(failure('bad_request', context));
}

/** Every spec registered, in order; the OpenAPI document reads it. */
export class RouteTable {
  readonly specs: RouteSpec[] = [];

  /**
   * Registers a route on `app` and records its spec.
   * @param hooks `onRequest` hooks (auth, rate limit) run before parsing and validation
   */
  add<S extends RouteSpec>(app: FastifyInstance, spec: S, handler: RouteHandler<S>, hooks: onRequestHookHandler[] = []): void {
    this.specs.push(spec);
    app.route({
      method: spec.method,
      url: spec.url,
      onRequest: hooks,
      handler: async (request, reply) => {
        const validate = spec.handlerValidates !== true;
        const input = {
          params: spec.params ? parsePart(spec.params, request.params, 'path') : undefined,
          query: spec.query && validate ? parsePart(spec.query, request.query, 'query') : undefined,
          body: spec.body && validate ? parsePart(spec.body, request.body, 'body') : undefined,
          rawBody: request.body, rawQuery: request.query as Record<string, unknown>, request, reply,
        } as RouteInput<S>;
        return handler(input);
      },
    });
  }
}
