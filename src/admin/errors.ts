/**
 * Typed errors of the admin service layer (shared by the CLI and the admin HTTP API).
 * Each carries a stable code and the HTTP status the admin API answers with; callers
 * branch on `code`, never on the message. Store failures that are not the caller's
 * fault (`store_unavailable`) are not wrapped: they pass through as StoreError.
 */
import { isStoreError } from '../store/index.ts';

/**
 * Stable admin error codes.
 * - `bad_request`: the input failed validation (zod at the boundary, or an entity rule).
 * - `not_found`: a tenant, agent, API key or call the request names does not exist (in its scope).
 * - `conflict`: a uniqueness rule would break (slug, extension, key), or a change would
 *   leave the agent inconsistent (removing its default destination).
 */
export type AdminErrorCode = 'bad_request' | 'not_found' | 'conflict';

/** HTTP status per admin error code, for the admin API. */
export const ADMIN_HTTP_STATUS: Readonly<Record<AdminErrorCode, number>> = {
  bad_request: 400,
  not_found: 404,
  conflict: 409,
};

/** An admin operation refused; `code` is stable, `message` carries context in brackets. */
export class AdminError extends Error {
  /** Stable, machine-readable code. */
  readonly code: AdminErrorCode;
  /** HTTP status for the admin API (400, 404, 409). */
  readonly httpStatus: number;
  /** For `bad_request` from validation: one `path: reason` line per problem. */
  readonly problems: readonly string[];

  /**
   * @param code stable code
   * @param message human message, e.g. `unknown tenant [tenant:acme]`
   * @param options validation problem lines, underlying cause
   */
  constructor(code: AdminErrorCode, message: string, options: { problems?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdminError';
    this.code = code;
    this.httpStatus = ADMIN_HTTP_STATUS[code];
    this.problems = options.problems ?? [];
  }
}

/** True when `err` is an {@link AdminError}, optionally with the given code. */
export function isAdminError(err: unknown, code?: AdminErrorCode): err is AdminError {
  return err instanceof AdminError && (code === undefined || err.code === code);
}

/**
 * Translates a StoreError that the caller caused (`conflict`, `not_found`, `invalid`)
 * into an AdminError; anything else (including `store_unavailable`) is returned as is.
 */
export function fromStoreError(err: unknown): unknown {
  if (isStoreError(err, 'conflict')) return new AdminError('conflict', err.message, { cause: err });
  if (isStoreError(err, 'not_found')) return new AdminError('not_found', err.message, { cause: err });
  if (isStoreError(err, 'invalid')) return new AdminError('bad_request', err.message, { cause: err });
  return err;
}

/** Runs a store operation, translating caller-caused StoreErrors with {@link fromStoreError}. */
export async function guardStore<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw fromStoreError(err);
  }
}
