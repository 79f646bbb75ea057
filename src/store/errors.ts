/**
 * Typed store errors. Every backend throws these and only these, so callers
 * (routing, call, api) classify failures by `code` and never by message or
 * by a backend's own error class.
 */

/**
 * Stable store error codes.
 * - `conflict`: a uniqueness rule was violated (slug, extension, token hash, key hash, record id).
 * - `not_found`: the entity an operation names (or depends on) does not exist.
 * - `invalid`: an argument breaks an entity invariant (bad slug, negative limit, bad cursor).
 * - `store_unavailable`: the backend failed (I/O, lock timeout, closed store); retrying may help.
 */
export type StoreErrorCode = 'conflict' | 'not_found' | 'invalid' | 'store_unavailable';

/** An error raised by a {@link Store} backend, carrying a stable {@link StoreErrorCode}. */
export class StoreError extends Error {
  /** Stable, machine-readable code; tests and callers branch on this. */
  readonly code: StoreErrorCode;

  /**
   * @param code stable error code
   * @param message human message with context in brackets, e.g. `slug taken [tenant:acme]`
   * @param options optional underlying cause (kept for logs, never shown to API clients)
   */
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** True when `err` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
