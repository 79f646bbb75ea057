/**
 * The error catalogue (STYLE.md principle 4): every failure Agentline reports has a
 * stable `code` that maps to a SIP status, an HTTP status and a metric label. Tests
 * assert codes, never messages. Messages carry context in brackets:
 * `unknown extension [ext:7001, trunk:five9]`.
 */

/** One catalogue entry. */
export interface ErrorSpec {
  /** SIP final status to answer with (RFC 3261 §21), when the error ends a SIP request. */
  readonly sip?: number;
  /** HTTP status for the Handoff/admin APIs, when the error ends an HTTP request. */
  readonly http?: number;
  /** Short message, before the bracketed context. */
  readonly message: string;
  /** What it means and when it happens, for docs and operators. */
  readonly description: string;
}

/** Every error code with its statuses. Adding a code is adding a line here. */
export const ERRORS = {
  route_token_unknown: { sip: 403, message: 'unknown agent token', description: 'X-PolyAi-Auth-Token matched no agent.' },
  route_extension_unknown: { sip: 404, message: 'unknown extension', description: 'The Request-URI user part matched no agent extension on the trunk.' },
  acl_denied: { sip: 403, message: 'source not allowed', description: 'The request came from an address outside the trunk ACL.' },
  agent_busy: { sip: 486, message: 'agent at concurrency limit', description: 'The agent already has its maximum number of live calls.' },
  sdp_invalid: { sip: 400, message: 'invalid SDP', description: 'The SDP body could not be parsed (RFC 4566).' },
  sdp_no_audio: { sip: 488, message: 'no usable audio stream', description: 'No RTP/AVP or RTP/AVPF audio m-line with a non-zero port.' },
  sdp_no_common_codec: { sip: 488, message: 'no common codec', description: 'The offer has no codec we support (PCMU, PCMA).' },
  sdp_answer_mismatch: { sip: 488, message: 'SDP answer does not match the offer', description: 'An answer broke RFC 3264 §6 rules against our offer.' },
  draining: { sip: 503, http: 503, message: 'node is draining', description: 'The node got SIGTERM and takes no new calls; answered with Retry-After.' },
  overloaded: { sip: 503, http: 503, message: 'node is overloaded', description: 'Load shedding: too many calls or requests in flight; answered with Retry-After.' },
  media_ports_exhausted: { sip: 503, message: 'no free RTP port', description: 'Every port of the configured RTP range is in use.' },
  media_bind_failed: {
    sip: 503,
    message: 'cannot bind RTP socket',
    description: 'No RTP socket could be bound on the configured address within the bind attempts (ports taken by another process, or an address that is not local); the INVITE is answered 503 with Retry-After.',
  },
  media_session_closed: {
    sip: 503,
    message: 'media closed',
    description: 'Media was asked of an RTP session or socket pool already closed (a call racing the node\'s shutdown); before the answer the INVITE gets 503 with Retry-After.',
  },
  media_invalid_argument: {
    message: 'invalid media argument',
    description: 'A media API got a value outside its contract (a DTMF character outside 0-9 * # A-D, an RTP port range without an even/odd pair, a jitter capacity that is not a power of two): a configuration or programming error.',
  },
  media_io_failed: {
    message: 'media file I/O failed',
    description: 'A prompt WAV could not be read, or a call recording could not be created or written (missing folder, permissions, full disk); a failed recording is logged and the call goes on.',
  },
  media_wav_invalid: {
    message: 'invalid WAV file',
    description: 'A prompt file is not RIFF/WAVE or is truncated; `playFile` rejects and the agent decides what to do.',
  },
  media_wav_unsupported: {
    message: 'unsupported WAV format',
    description: 'A prompt WAV is valid but not playable (supported: mono PCM 16-bit at 8 or 16 kHz, mono µ-law/A-law at 8 kHz); the message names the format found and `playFile` rejects.',
  },
  media_tts_unavailable: {
    message: 'text-to-speech unavailable',
    description: 'A `say` prompt needs espeak-ng, which is not installed; the prompt is skipped (the agent may fall back to WAV prompts).',
  },
  media_tts_failed: {
    message: 'text-to-speech failed',
    description: 'espeak-ng ran but gave no usable audio (timed out, exited non-zero, or wrote no PCM WAV); the prompt is skipped.',
  },
  transaction_unknown: { sip: 481, message: 'call or transaction does not exist', description: 'A request matched no dialog or transaction (RFC 3261 §12.2.2).' },
  request_terminated: { sip: 487, message: 'request terminated', description: 'The INVITE was cancelled before it was answered (RFC 3261 §9.2).' },
  method_not_allowed: { sip: 405, message: 'method not allowed', description: 'A SIP method we do not handle (RFC 3261 §8.2.1).' },
  bad_extension: { sip: 420, message: 'unsupported extension', description: 'A Require header named an option tag we do not support (RFC 3261 §8.2.2.3).' },
  bad_request: { sip: 400, http: 400, message: 'bad request', description: 'A malformed SIP message or HTTP request.' },
  unauthorized: { http: 401, message: 'unauthorized', description: 'Missing or unknown API key.' },
  not_found: { http: 404, message: 'not found', description: 'No such record in the key scope (out-of-scope records look missing too).' },
  conflict: { http: 409, message: 'conflict', description: 'The admin change clashes with what exists (a taken slug, extension or destination in use).' },
  rate_limited: { http: 429, message: 'rate limited', description: 'Too many requests for this key.' },
  unavailable: { sip: 503, http: 503, message: 'service unavailable', description: 'A dependency is down or the node cannot serve now.' },
  config_invalid: { message: 'invalid configuration', description: 'The configuration failed validation at startup.' },
  store_unavailable: { sip: 503, http: 503, message: 'store unavailable', description: 'The record store (SQLite or Redis) failed or timed out.' },
  agent_failed: { message: 'agent failed', description: 'The agent threw or its bot connection broke; the call ends with the default destination.' },
  internal: { sip: 500, http: 500, message: 'internal error', description: 'A bug: an error without a catalogue code.' },
} as const satisfies Record<string, ErrorSpec>;

/** A catalogue code. */
export type ErrorCode = keyof typeof ERRORS;

/** Context values rendered in brackets after the message. */
export type ErrorContext = Readonly<Record<string, string | number>>;

/** True when `code` is in the catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** Formats `message [k:v, k:v]`; the message alone without context. */
export function withContext(message: string, context?: ErrorContext): string {
  const pairs = context === undefined ? [] : Object.entries(context).map(([k, v]) => `${k}:${v}`);
  return pairs.length === 0 ? message : `${message} [${pairs.join(', ')}]`;
}

/** An error from the catalogue: knows its SIP and HTTP status and its metric label. */
export class AgentlineError extends Error {
  /** Stable code; also the metric label. */
  readonly code: ErrorCode;
  /** SIP status to answer with, when the catalogue gives one. */
  readonly sipStatus: number | undefined;
  /** HTTP status to answer with, when the catalogue gives one. */
  readonly httpStatus: number | undefined;
  /** Structured context, also rendered in the message. */
  readonly context: ErrorContext;

  /**
   * @param code catalogue code
   * @param message full message (use {@link errorFor} to build it from the catalogue)
   * @param options `context` to keep structured, standard `cause`
   */
  constructor(code: ErrorCode, message: string, options: { context?: ErrorContext; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentlineError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.sipStatus = spec.sip;
    this.httpStatus = spec.http;
    this.context = options.context ?? {};
  }

  /** The label for error metrics: the code. */
  get metricLabel(): ErrorCode {
    return this.code;
  }
}

/**
 * Builds the catalogue error for `code`: `errorFor('route_extension_unknown', { ext: 7001, trunk: 'five9' })`
 * has the message `unknown extension [ext:7001, trunk:five9]` and `sipStatus` 404.
 * @param code catalogue code
 * @param context key/values rendered in brackets, in insertion order
 * @param cause the underlying error, if any
 */
export function errorFor(code: ErrorCode, context?: ErrorContext, cause?: unknown): AgentlineError {
  const options = { ...(context === undefined ? {} : { context }), ...(cause === undefined ? {} : { cause }) };
  return new AgentlineError(code, withContext(ERRORS[code].message, context), options);
}

/**
 * Classifies anything thrown: an `AgentlineError` as is; an error carrying a catalogue
 * `code` (e.g. an `SdpError` from `src/sdp`) as that code; anything else as `internal`.
 */
export function toAgentlineError(err: unknown): AgentlineError {
  if (err instanceof AgentlineError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (isErrorCode(code)) return new AgentlineError(code, message, { cause: err });
  return new AgentlineError('internal', ERRORS.internal.message, { cause: err });
}

/** Public error codes of the Handoff API (ARCHITECTURE.md) by HTTP status. */
const PUBLIC_HTTP_CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * The HTTP answer for an error: status and the `{ error: { code, message } }` body.
 * Public codes only (`bad_request`, `unauthorized`, `not_found`, `conflict`, `rate_limited`,
 * `unavailable`, else `internal`); internal details stay out of the body.
 * @param err anything thrown; errors without an HTTP status become 500
 */
export function toHttpError(err: unknown): { status: number; body: { error: { code: string; message: string } } } {
  const e = toAgentlineError(err);
  const status = e.httpStatus ?? 500;
  const code = PUBLIC_HTTP_CODES[status] ?? 'internal';
  const message = code === 'internal' ? ERRORS.internal.message : e.message;
  return { status, body: { error: { code, message } } };
}
