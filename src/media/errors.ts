/**
 * Errors of the media layer. Each carries a stable `code` used as the metric label and
 * asserted by tests; messages carry context in brackets.
 */

/** Stable codes for every way the media layer can fail. */
export type MediaErrorCode =
  | 'media_ports_exhausted'
  | 'media_bind_failed'
  | 'media_invalid_argument'
  | 'media_wav_invalid'
  | 'media_wav_unsupported'
  | 'media_session_closed'
  | 'media_io_failed'
  /** Text-to-speech engine (espeak-ng) not installed. */
  | 'media_tts_unavailable'
  /** Text-to-speech engine ran but gave no usable audio. */
  | 'media_tts_failed';

/** A typed media error; `code` is stable, `message` is for humans. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  /**
   * @param code stable error code (metric label)
   * @param message human text with context in brackets, e.g. `no free port [range:10000-10010]`
   */
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [${code}]`, options);
  }
}
