/**
 * Bounded metric labels (STYLE.md principle 10): every label value comes from a
 * fixed list or from a capped set, so a hostile peer cannot grow the series count.
 */

/** Label value used for anything outside the allowed set. */
export const OTHER = 'other';

/** SIP methods we count by name (RFC 3261 and extensions); others count as `other`. */
export const SIP_METHODS = [
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'UPDATE',
  'INFO', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'MESSAGE', 'PUBLISH',
] as const;

/** How a call ended, for `agentline_calls_total{outcome}`. */
export const CALL_OUTCOMES = [
  /** The agent resolved the call. */
  'contained',
  /** The agent handed the call back with a destination (BYE or REFER). */
  'handoff',
  /** The caller hung up first. */
  'caller_hangup',
  /** Refused before answer (ACL, routing, busy, codec, draining). */
  'rejected',
  /** Ended by an error (agent failure, media timeout, store failure). */
  'failed',
] as const;

/** A call outcome label. */
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** `'other'` unless `value` is one of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[], value: string): T | typeof OTHER {
  return (allowed as readonly string[]).includes(value) ? (value as T) : OTHER;
}

/** The method label: upper-cased known method, else `other`. */
export function methodLabel(method: string): string {
  return oneOf(SIP_METHODS, method.toUpperCase());
}

/** A status label: the integer as text when in `[min, max]`, else `other`. */
export function statusLabel(code: number, min = 100, max = 699): string {
  return Number.isInteger(code) && code >= min && code <= max ? String(code) : OTHER;
}

/**
 * Accepts the first `max` distinct values it sees, then maps new ones to `other`.
 * For labels whose values are known only at run time (HTTP route templates, store
 * ops, parse error kinds).
 */
export class CappedLabel {
  readonly #seen = new Set<string>();
  readonly #max: number;
  readonly #maxLength: number;

  /**
   * @param max distinct values kept. Default 64
   * @param maxLength longest value kept, in characters. Default 64
   */
  constructor(max = 64, maxLength = 64) {
    this.#max = max;
    this.#maxLength = maxLength;
  }

  /** The label to use for `value`. */
  value(value: string): string {
    if (value === '' || value.length > this.#maxLength) return OTHER;
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max) return OTHER;
    this.#seen.add(value);
    return value;
  }
}
