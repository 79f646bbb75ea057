/**
 * What the transport does with a parsed (or unparseable) message: deliver it with
 * received/rport stamped (RFC 3261 §18.2.1), answer a malformed request itself
 * (§8.2.6: 400, 505, 513 copying Via, From, To, Call-ID, CSeq), or drop it. Pure.
 */
import {
  createResponse,
  newTag,
  parseMessage,
  parseVia,
  reasonPhrase,
  splitList,
  SipParseError,
  type AnyMessage,
  type ParseLimits,
  type ParseResult,
  type PartialMessage,
  type SipResponse,
} from '../sip/index.ts';
import type { DropEvent, Endpoint } from './types.ts';
import { stampReceived } from './via.ts';

/** The decision on one inbound message. */
export type Verdict =
  | { kind: 'deliver'; message: AnyMessage }
  | { kind: 'answer'; response: SipResponse; drop: DropEvent }
  | { kind: 'drop'; drop: DropEvent };

/** Headers a transport-made error response needs (RFC 3261 §8.2.6.2). */
const NEEDED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * Parses and judges one datagram (`stream: false`) or one stream frame (`stream: true`).
 * A message over the size limit is answered 513 from its head (RFC 3261 §21.5.14).
 */
export function judgeMessage(data: Buffer, stream: boolean, source: Endpoint, limits: ParseLimits): Verdict {
  const result = parseMessage(data, { stream, limits });
  if (!result.ok && result.error.code === 'too_large' && result.partial === undefined) {
    return judgeBadStream(data, 'too_large', result.error.message, source, limits);
  }
  return judgeParse(result, source);
}

/** Judges one parse result from `source`. */
export function judgeParse(result: ParseResult, source: Endpoint): Verdict {
  if (result.ok) {
    if (result.message.isRequest) stampReceived(result.message, source);
    return { kind: 'deliver', message: result.message };
  }
  return judgeError(result.error, result.partial, source);
}

/**
 * Judges a stream that cannot be framed or carries a message over the size limit: the
 * head read so far is parsed to find what a response needs.
 */
export function judgeBadStream(
  buffered: Buffer,
  kind: 'framing' | 'too_large',
  detail: string,
  source: Endpoint,
  limits: ParseLimits,
): Verdict {
  const end = buffered.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return judgeError(new SipParseError('too_large', 'Message Too Large', 513), undefined, source, detail);
  const head = buffered.subarray(0, end + 4);
  const parsed = parseMessage(head, { stream: kind === 'framing', limits: { ...limits, maxMessageBytes: head.length } });
  const partial = parsed.ok ? partialOf(parsed.message) : parsed.partial;
  let error: SipParseError;
  if (kind === 'too_large') error = new SipParseError('too_large', 'Message Too Large', 513);
  else if (!parsed.ok) error = parsed.error;
  else error = new SipParseError('bad_content_length', 'Content-Length Required');
  return judgeError(error, partial, source, detail);
}

function judgeError(error: SipParseError, partial: PartialMessage | undefined, source: Endpoint, detail?: string): Verdict {
  const response = errorResponse(error, partial, source);
  const drop: DropEvent = {
    reason: error.code,
    detail: detail ?? error.message,
    source,
    answered: response !== undefined,
  };
  return response ? { kind: 'answer', response, drop } : { kind: 'drop', drop };
}

/**
 * The response to a malformed request, when one can be built: a request (never an ACK,
 * §17.1.1.3) whose Via, From, To, Call-ID and CSeq lines were read. The status and reason
 * phrase come from the parse error; the top Via gets received/rport like any request.
 */
export function errorResponse(
  error: SipParseError,
  partial: PartialMessage | undefined,
  source: Endpoint,
): SipResponse | undefined {
  if (!partial?.isRequest || partial.method === undefined || partial.method.toUpperCase() === 'ACK') return undefined;
  for (const key of NEEDED) if (!partial.headers.some((h) => h.key === key)) return undefined;
  // A request line of another SIP version (RFC 4475 badvers) is answered 505 only when
  // the answer can be routed by a SIP/2.0 top Via (§18.2.2); over UDP, with none, it is
  // dropped rather than sent to the packet source. On a stream it goes on the connection.
  if (partial.version !== undefined && source.protocol === 'udp' && !hasSip20TopVia(partial)) return undefined;
  // §8.2.6.2: a final response carries a To tag (kept when the request's To has one).
  const response = createResponse(partial, error.status, reasonPhrase(error.reason), newTag());
  try {
    stampReceived(response, source);
  } catch {
    // An unreadable Via stays as received; the response is routed to the packet source.
  }
  return response;
}

/** True when the first Via element parses as SIP/2.0 with a valid sent-by. */
function hasSip20TopVia(partial: PartialMessage): boolean {
  const line = partial.headers.find((h) => h.key === 'via');
  if (line === undefined) return false;
  try {
    parseVia(splitList(line.value)[0] as string);
    return true;
  } catch {
    return false;
  }
}

function partialOf(message: AnyMessage): PartialMessage {
  const partial: PartialMessage = { isRequest: message.isRequest, headers: message.headers };
  if (message.isRequest) partial.method = message.method;
  return partial;
}
