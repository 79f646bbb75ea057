/**
 * HTTP errors of the Handoff and admin APIs: every failure answers
 * `{ "error": { "code", "message" } }` with a stable code (ARCHITECTURE.md "Handoff API").
 * Catalogue errors go through `toHttpError`; admin errors keep their own codes
 * (`conflict` → 409); Fastify's framework errors (bad JSON, body too large, bad URL)
 * all become `400 bad_request`.
 */
import type { FastifyError, FastifyReply } from 'fastify';
import { isAdminError } from '../admin/index.ts';
import { errorFor, toHttpError, type ErrorCode, type ErrorContext, type Logger } from '../obs/index.ts';
import { isStoreError } from '../store/index.ts';

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** A status, body and extra headers, ready to send. */
export interface HttpFailure {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

/** Builds a catalogue failure: `failure('bad_request', { query: 'wait' })`. */
export function failure(code: ErrorCode, context?: ErrorContext, headers?: Record<string, string>): HttpFailure {
  const { status, body } = toHttpError(errorFor(code, context));
  return headers === undefined ? { status, body } : { status, body, headers };
}

/**
 * The one `404 not_found` body of the Handoff API, serialised once: a record that is
 * missing, expired, or outside the key's scope all answer these exact bytes.
 */
export const NOT_FOUND_JSON = JSON.stringify(failure('not_found').body);

/** Fastify errors raised before a handler runs (body parsing, URL decoding). */
const FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty JSON body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid JSON body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid content length',
  FST_ERR_BAD_URL: 'malformed URL',
  FST_ERR_MAX_PARAM_LENGTH: 'path parameter too long',
  FST_ERR_ASYNC_CONSTRAINT: 'malformed request',
};

function frameworkFailure(err: FastifyError): HttpFailure | undefined {
  const known = FRAMEWORK_MESSAGES[err.code];
  if (known !== undefined) return { status: 400, body: { error: { code: 'bad_request', message: known } } };
  // JSON.parse's SyntaxError (statusCode 400) and prototype-poisoning refusals.
  const status = err.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status: 400, body: { error: { code: 'bad_request', message: 'malformed request' } } };
  }
  return undefined;
}

/**
 * Classifies anything a route threw: admin errors (400/404/409 with their code), store
 * errors (`store_unavailable` → 503 `unavailable`), Fastify framework errors (400), and
 * catalogue errors; everything else is `500 internal` and logged.
 */
export function toFailure(err: unknown, logger?: Logger): HttpFailure {
  if (isAdminError(err)) return { status: err.httpStatus, body: { error: { code: err.code, message: err.message } } };
  if (isStoreError(err, 'store_unavailable')) {
    logger?.warn({ err }, 'store unavailable');
    return failure('unavailable', undefined, { 'retry-after': '1' });
  }
  if (isStoreError(err, 'conflict')) return { status: 409, body: { error: { code: 'conflict', message: err.message } } };
  if (isStoreError(err, 'invalid')) return { status: 400, body: { error: { code: 'bad_request', message: err.message } } };
  if (typeof (err as FastifyError | null)?.code === 'string' && (err as FastifyError).code.startsWith('FST_')
    || err instanceof SyntaxError) {
    const framework = frameworkFailure(err as FastifyError);
    if (framework) return framework;
  }
  const { status, body } = toHttpError(err);
  if (status >= 500) logger?.error({ err }, 'HTTP request failed');
  return { status, body };
}

/** Sends a failure. */
export function sendFailure(reply: FastifyReply, f: HttpFailure): FastifyReply {
  if (f.headers !== undefined) reply.headers(f.headers);
  return reply.code(f.status).type('application/json; charset=utf-8').send(JSON.stringify(f.body));
}
