/**
 * Routing errors. Each knows the SIP status the INVITE is answered with.
 * (To be reconciled with the obs catalogue's AgentlineError by the lead.)
 */

/** Stable routing error codes and their SIP statuses. */
export const ROUTE_ERRORS = {
  /** The source address is in no trunk's ACL. */
  route_source_denied: 403,
  /** A token header was present but matched no agent. */
  route_token_unknown: 403,
  /** No token header, and the Request-URI user is no agent's extension. */
  route_extension_unknown: 404,
  /** The directory could not be read. */
  route_unavailable: 503,
} as const;

/** A routing error code. */
export type RouteErrorCode = keyof typeof ROUTE_ERRORS;

/** A routing failure carrying its stable code and SIP status. */
export class RouteError extends Error {
  /** Stable, machine-readable code (also the metric label). */
  readonly code: RouteErrorCode;
  /** SIP final response status for the INVITE. */
  readonly sipStatus: number;

  /**
   * @param code stable code; fixes the SIP status
   * @param message context in brackets, e.g. `unknown extension [ext:7001, trunk:five9]`
   */
  constructor(code: RouteErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RouteError';
    this.code = code;
    this.sipStatus = ROUTE_ERRORS[code];
  }
}
