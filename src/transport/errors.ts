/**
 * Errors of the transport layer. Each carries a stable `code` (metric label, asserted by
 * tests); messages carry context in brackets.
 */

/** Stable codes for every way a send or a listen can fail. */
export type TransportErrorCode =
  | 'bind_failed'
  | 'connect_failed'
  | 'connect_timeout'
  | 'connection_limit'
  | 'connection_closed'
  | 'send_failed'
  | 'unsupported_protocol'
  | 'no_route'
  | 'closed';

/** A typed transport error; `code` is stable, `message` is for humans. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  /**
   * @param code stable error code (metric label)
   * @param message human text with context in brackets, e.g. `connect failed [tcp:10.0.0.1:5060]`
   * @param options the underlying socket error, if any
   */
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [${code}]`, options);
  }
}

/** True when `err` is a {@link TransportError}, optionally with the given code. */
export function isTransportError(err: unknown, code?: TransportErrorCode): err is TransportError {
  return err instanceof TransportError && (code === undefined || err.code === code);
}
