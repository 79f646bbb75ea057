/**
 * Errors of the SIP message layer. Each carries a stable `code` (metric label) and, for
 * requests, the status the transport answers with (400, or 505 for a wrong version).
 */

/** Stable codes for every way a message can fail to parse. */
export type SipParseErrorCode =
  | 'too_large'
  | 'too_many_headers'
  | 'line_too_long'
  | 'no_header_end'
  | 'bad_start_line'
  | 'bad_version'
  | 'bad_status'
  | 'bad_header_line'
  | 'bad_header_value'
  | 'duplicate_header'
  | 'missing_header'
  | 'cseq_mismatch'
  | 'bad_content_length'
  | 'body_truncated'
  | 'bad_uri';

/** A message that cannot be accepted, with the reason phrase to answer it with. */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  /**
   * @param code stable error code, used as the metric label
   * @param reason short human text, safe to put in a reason phrase (no CR/LF)
   * @param status the SIP status a request is answered with (400 by default; 505 for a bad version)
   */
  constructor(
    readonly code: SipParseErrorCode,
    readonly reason: string,
    readonly status: number = 400,
  ) {
    super(`${reason} [${code}]`);
  }
}
