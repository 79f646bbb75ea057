import type { SdpErrorCode } from './types.ts';

/**
 * An SDP negotiation failure with a stable `code`. The caller maps it to a SIP
 * status (`sdp_invalid` → 400, others → 488 Not Acceptable Here, RFC 3261 §21.4.26)
 * through the obs error catalogue, which lists the same codes.
 */
export class SdpError extends Error {
  /** Stable, machine-readable code; tests and metrics use it, not the message. */
  readonly code: SdpErrorCode;

  /**
   * @param code stable error code
   * @param message human text; context goes in brackets, e.g. `no common codec [offered:18 9]`
   * @param options standard `cause`
   */
  constructor(code: SdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SdpError';
    this.code = code;
  }
}

/** True when `err` is an {@link SdpError}. */
export function isSdpError(err: unknown): err is SdpError {
  return err instanceof SdpError;
}
