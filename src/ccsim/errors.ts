/**
 * Errors of the contact-center emulator. Each carries a stable `code` (asserted by tests,
 * used as the error kind in load summaries); messages carry context in brackets.
 */

/** Stable codes for every way the emulator refuses or fails. */
export type CcsimErrorCode =
  /** More custom headers than the contact center sends (Five9: 10). */
  | 'ccsim_too_many_headers'
  /** A header name or value the contact center could not send. */
  | 'ccsim_bad_header'
  /** An option that makes no sense (bad duration, digits, rate...). */
  | 'ccsim_bad_option'
  /** The emulator's SIP or RTP sockets could not be opened. */
  | 'ccsim_setup_failed'
  /** The emulator was closed while a call ran. */
  | 'ccsim_closed';

/** A typed emulator error; `code` is stable, `message` is for humans. */
export class CcsimError extends Error {
  override readonly name = 'CcsimError';
  /**
   * @param code stable error code
   * @param message human text with context in brackets, e.g. `too many custom headers [count:11, max:10]`
   */
  constructor(
    readonly code: CcsimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [${code}]`, options);
  }
}

/** True for a {@link CcsimError}. */
export function isCcsimError(err: unknown): err is CcsimError {
  return err instanceof CcsimError;
}
