/**
 * Maps what stopped a call before its answer to the final SIP status (ARCHITECTURE.md
 * "SIP, inbound", other answers). Errors classify themselves: routing errors carry their
 * status, the rest go through the obs catalogue.
 */
import { toAgentlineError } from '../obs/index.ts';
import { RouteError } from '../routing/index.ts';
import { SessionIntervalError } from './session-timer.ts';

/** A final non-2xx answer to an INVITE. */
export interface Rejection {
  status: number;
  /** Stable code, for the log, the metric and the CDR. */
  code: string;
  /** `Retry-After` value, s, on 503. */
  retryAfterSec?: number;
  /** `Min-SE` value, s, on 422 (RFC 4028 §6). */
  minSe?: number;
}

/** The answer for `err`; 503s carry `Retry-After` (RFC 3261 §20.33). */
export function rejectionFor(err: unknown, retryAfterSec: number): Rejection {
  if (err instanceof RouteError) return withRetry({ status: err.sipStatus, code: err.code }, retryAfterSec);
  if (err instanceof SessionIntervalError) return { status: err.sipStatus, code: err.code, minSe: err.minSe };
  const e = toAgentlineError(err);
  return withRetry({ status: e.sipStatus ?? 500, code: e.code }, retryAfterSec);
}

function withRetry(r: Rejection, retryAfterSec: number): Rejection {
  return r.status === 503 ? { ...r, retryAfterSec } : r;
}

/** The headers of a rejection. */
export function rejectionHeaders(r: Rejection): Array<[string, string | number]> {
  if (r.minSe !== undefined) return [['Min-SE', r.minSe]];
  return r.retryAfterSec === undefined ? [] : [['Retry-After', r.retryAfterSec]];
}
