/**
 * The *Query module* of a Five9 IVR script, pointed at the Handoff API:
 * `GET {apiBase}/v1/{account}/{project}/handoff_state?shared_id=…` with `x-api-key`, a
 * per-attempt timeout, retries with exponential backoff on 5xx, timeouts and connection
 * errors, and after a `429` that says when to come back (`Retry-After`, RFC 6585 §4,
 * honoured up to a cap); never on another 4xx. Every retry counts in one budget. The
 * module's three branches: success (the JSON mapped to variables), error, timeout.
 * Every result says why it took its branch.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HandoffState, JsonObject, QueryAttempt, QueryFailureKind, QueryOptions, QueryResult } from './types.ts';

/** Default per-attempt timeout, ms. */
export const DEFAULT_QUERY_TIMEOUT_MS = 2000;
/** Default retries after the first attempt. */
export const DEFAULT_QUERY_RETRIES = 2;
/** Default first backoff, ms (doubled at each retry). */
export const DEFAULT_QUERY_BACKOFF_MS = 250;
/** Default cap on the wait a 429's `Retry-After` asks for, ms. */
export const DEFAULT_QUERY_MAX_RETRY_AFTER_MS = 5000;

/** What one attempt produced. */
type AttemptOutcome =
  | { ok: true; status: number; handoff: HandoffState; detail: string }
  | {
    ok: false; status?: number; kind: QueryFailureKind; errorCode?: string; detail: string; retry: boolean;
    /** A 429's `Retry-After`, ms from the answer (uncapped). */
    retryAfterMs?: number;
  };

/** The request URL (the key travels in a header, never in the URL). */
export function handoffUrl(opts: QueryOptions, sharedId: string): string {
  const base = opts.apiBase.replace(/\/+$/, '');
  const path = `/v1/${encodeURIComponent(opts.account)}/${encodeURIComponent(opts.project)}/handoff_state`;
  const wait = opts.waitSec === undefined ? '' : `&wait=${opts.waitSec}`;
  return `${base}${path}?shared_id=${encodeURIComponent(sharedId)}${wait}`;
}

/**
 * Runs the Query module for `sharedId`. Never rejects: every failure is a branch.
 * @param signal aborts the wait between retries and the request in flight
 */
export async function queryHandoff(opts: QueryOptions, sharedId: string, signal?: AbortSignal): Promise<QueryResult> {
  const url = handoffUrl(opts, sharedId);
  const retries = opts.retries ?? DEFAULT_QUERY_RETRIES;
  const backoffMs = opts.backoffMs ?? DEFAULT_QUERY_BACKOFF_MS;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_QUERY_MAX_RETRY_AFTER_MS;
  const attempts: QueryAttempt[] = [];
  const started = performance.now();
  let last: AttemptOutcome | undefined;
  for (let i = 0; i <= retries; i++) {
    if (i > 0) {
      const delay = attempts[i - 1]?.retryAfterMs ?? backoffMs * 2 ** (i - 1);
      const waited = await sleep(delay, true, signal === undefined ? {} : { signal }).catch(() => false);
      if (!waited) break;
    }
    const t0 = performance.now();
    last = await attempt(url, opts, signal);
    attempts.push(attemptRecord(last, elapsedSince(t0), maxRetryAfterMs));
    if (last.ok || !last.retry) break;
  }
  return resultOf(url, last, attempts, elapsedSince(started), retries);
}

/** The report of one attempt; a `Retry-After` is kept as the wait it gets (capped). */
function attemptRecord(outcome: AttemptOutcome, latencyMs: number, maxRetryAfterMs: number): QueryAttempt {
  const record: QueryAttempt = { latencyMs, detail: outcome.detail };
  if (outcome.status !== undefined) record.status = outcome.status;
  if (outcome.ok) return record;
  record.kind = outcome.kind;
  if (outcome.retryAfterMs !== undefined) record.retryAfterMs = Math.min(outcome.retryAfterMs, maxRetryAfterMs);
  return record;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as ms from `nowMs`
 * (a date in the past is 0); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with the day's name; Date.parse alone would take '-5' as a year.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** One GET under its own timeout (which also covers reading the body). */
async function attempt(url: string, opts: QueryOptions, outer: AbortSignal | undefined): Promise<AttemptOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onOuter = (): void => controller.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.apiKey !== undefined) headers['x-api-key'] = opts.apiKey;
    const res = await fetch(url, { headers, signal: controller.signal });
    const body = await res.text();
    return classify(res.status, res.statusText, body, parseRetryAfter(res.headers.get('retry-after'), Date.now()));
  } catch (err) {
    if (timedOut) return { ok: false, kind: 'timeout', detail: `no answer within ${timeoutMs} ms`, retry: true };
    if (outer?.aborted === true) return { ok: false, kind: 'connection', detail: 'aborted', retry: false };
    return { ok: false, kind: 'connection', detail: connectionDetail(err), retry: true };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Milliseconds since `t0`, to 0.1 ms. */
function elapsedSince(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

/** Maps an HTTP answer (and a 429's `Retry-After`, ms) to an outcome. */
function classify(status: number, statusText: string, body: string, retryAfterMs: number | undefined): AttemptOutcome {
  const json = parseJson(body);
  if (status === 200) {
    const handoff = asHandoff(json);
    if (handoff) return { ok: true, status, handoff, detail: '200 OK' };
    return { ok: false, status, kind: 'invalid_response', detail: '200 without a JSON object with "data"', retry: false };
  }
  const errorCode = apiErrorCode(json);
  const detail = `${status} ${errorCode ?? statusText}`.trim();
  const base = { ok: false as const, status, detail, ...(errorCode === undefined ? {} : { errorCode }) };
  if (status >= 500) return { ...base, kind: 'http_5xx', retry: true };
  // RFC 6585 §4: a 429 with Retry-After says when the same request will be taken.
  if (status === 429 && retryAfterMs !== undefined) return { ...base, kind: 'http_4xx', retry: true, retryAfterMs };
  if (status >= 400) return { ...base, kind: 'http_4xx', retry: false };
  return { ...base, kind: 'invalid_response', retry: false };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function asHandoff(json: unknown): HandoffState | undefined {
  if (!isObject(json) || !isObject(json['data'])) return undefined;
  return {
    ...(typeof json['id'] === 'string' ? { id: json['id'] } : {}),
    ...(typeof json['shared_id'] === 'string' ? { shared_id: json['shared_id'] } : {}),
    data: json['data'] as JsonObject,
  };
}

/** The stable code of `{ "error": { "code" } }`. */
function apiErrorCode(json: unknown): string | undefined {
  if (!isObject(json) || !isObject(json['error'])) return undefined;
  const code = json['error']['code'];
  return typeof code === 'string' ? code : undefined;
}

/** `connection refused [ECONNREFUSED]` from fetch's `TypeError: fetch failed` and its cause. */
function connectionDetail(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable', UND_ERR_SOCKET: 'connection closed',
  };
  if (code !== undefined) return `${words[code] ?? 'connection failed'} [${code}]`;
  const message = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
  return `connection failed [${message}]`;
}

/** The branch and its reason. */
function resultOf(url: string, last: AttemptOutcome | undefined, attempts: QueryAttempt[], latencyMs: number, retries: number): QueryResult {
  const n = attempts.length;
  const tries = `${n} attempt${n === 1 ? '' : 's'}`;
  const history = attempts.slice(0, -1).map((a) => a.detail).join(', ');
  const retried = history === '' ? '' : `; retried after: ${history}`;
  if (last === undefined) return { branch: 'error', reason: 'aborted before the first attempt', url, kind: 'connection', attempts, latencyMs };
  if (last.ok) {
    return { branch: 'success', reason: `${last.detail} after ${tries}${retried}`, url, status: last.status, attempts, latencyMs, handoff: last.handoff };
  }
  const status = last.status === undefined ? {} : { status: last.status };
  const code = last.errorCode === undefined ? {} : { errorCode: last.errorCode };
  const why = last.retry ? (n > retries ? `gave up after ${tries}` : `stopped after ${tries}`) : `not retried (${noRetryWhy(last.kind, last.status)})`;
  const reason = `${last.detail}; ${why}${retried}`;
  const branch = last.kind === 'timeout' ? 'timeout' : 'error';
  return { branch, reason, url, kind: last.kind, attempts, latencyMs, ...status, ...code };
}

function noRetryWhy(kind: QueryFailureKind, status: number | undefined): string {
  if (status === 429) return 'a 429 without Retry-After does not say when to come back';
  if (kind === 'http_4xx') return 'a 4xx answer will not change on retry';
  if (kind === 'invalid_response') return 'the answer is not a handoff record';
  return 'aborted';
}
