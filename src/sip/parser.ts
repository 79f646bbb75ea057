/**
 * Parser for SIP requests and responses (RFC 3261 §7, §20, §25), strict where RFC 4475
 * says a message is invalid and tolerant where it says a message is valid however odd
 * (LWS, folding, compact forms, odd casing, unknown schemes and methods).
 * It never throws: every failure comes back as a `SipParseError` with a stable code.
 */
import { SipParseError } from './errors.ts';
import { isToken, isTokenChar } from './grammar.ts';
import { SINGLETON_HEADERS, headerKey } from './headers.ts';
import { SipRequest, SipResponse, type AnyMessage, type Header } from './message.ts';
import { parseUri } from './uri.ts';

/** Limits that protect the process from hostile or broken peers. */
export interface ParseLimits {
  /** Largest message accepted, headers and body, in bytes. Default 65535. */
  maxMessageBytes: number;
  /** Most header lines accepted (after unfolding). Default 128. */
  maxHeaders: number;
  /** Longest header line (after unfolding), in characters. Default 8192. */
  maxLineLength: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: Readonly<ParseLimits> = { maxMessageBytes: 65535, maxHeaders: 128, maxLineLength: 8192 };

/** Options for one parse. */
export interface ParseOptions {
  limits?: Partial<ParseLimits>;
  /**
   * True for stream transports (TCP/TLS): Content-Length is required (RFC 3261 §18.3,
   * §20.14). False for datagrams: absent Content-Length means the rest of the datagram.
   */
  stream?: boolean;
}

/**
 * What was readable of a message that failed: enough to answer a request with 400
 * (RFC 3261 §8.2.6 copies Via, From, To, Call-ID and CSeq).
 */
export interface PartialMessage {
  isRequest: boolean;
  method?: string;
  headers: Header[];
}

/** The result of a parse. */
export type ParseResult =
  | { ok: true; message: AnyMessage }
  | { ok: false; error: SipParseError; partial: PartialMessage | undefined };

/** Parses one message from `buf` (one datagram, or one frame cut by the stream framer). */
export function parseMessage(buf: Buffer, options: ParseOptions = {}): ParseResult {
  const limits = options.limits ? { ...DEFAULT_LIMITS, ...options.limits } : DEFAULT_LIMITS;
  let partial: PartialMessage | undefined;
  try {
    if (buf.length > limits.maxMessageBytes) {
      throw new SipParseError('too_large', 'Message Too Large', 513);
    }
    const head = splitHead(buf);
    const lines = headLines(head.text, limits);
    const startLine = lines.shift() as string;
    const msg = parseStartLineOrPartial(startLine, lines, limits);
    partial = { isRequest: msg.isRequest, headers: msg.headers };
    if (msg.isRequest) partial.method = msg.method;
    readHeaders(lines, msg, limits);
    readBody(buf, head.bodyStart, msg, options.stream === true);
    validate(msg);
    return { ok: true, message: msg };
  } catch (err) {
    if (err instanceof PartialError) return { ok: false, error: err.error, partial: err.partial };
    const error = err instanceof SipParseError ? err : new SipParseError('bad_header_value', 'Malformed message');
    return { ok: false, error, partial };
  }
}

/** Locates the blank line that ends the headers (CRLF CRLF; bare LF tolerated). */
function splitHead(buf: Buffer): { text: string; bodyStart: number } {
  let start = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line (keep-alives on streams).
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  let end = buf.indexOf('\r\n\r\n', start, 'latin1');
  let sep = 4;
  if (end < 0) {
    end = buf.indexOf('\n\n', start, 'latin1');
    sep = 2;
  }
  if (end < 0) throw new SipParseError('no_header_end', 'Incomplete headers');
  return { text: buf.toString('utf8', start, end), bodyStart: end + sep };
}

/** Splits the head into logical lines, unfolding continuation lines (RFC 3261 §7.3.1). */
function headLines(text: string, limits: ParseLimits): string[] {
  const raw = text.split(/\r?\n/);
  const lines: string[] = [];
  for (const line of raw) {
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && lines.length > 1) {
      lines[lines.length - 1] += ' ' + line.trim();
    } else {
      lines.push(line);
    }
    if ((lines[lines.length - 1] as string).length > limits.maxLineLength) {
      throw new SipParseError('line_too_long', 'Header Line Too Long');
    }
  }
  if (lines.length - 1 > limits.maxHeaders) throw new SipParseError('too_many_headers', 'Too Many Headers');
  return lines;
}

/**
 * Parses the start line. A request in another SIP version still has its headers read, so
 * that the transport can answer 505 (RFC 3261 §8.2.6 copies Via, From, To, Call-ID, CSeq;
 * RFC 4475 §3.1.2.14).
 */
function parseStartLineOrPartial(line: string, lines: string[], limits: ParseLimits): AnyMessage {
  try {
    return parseStartLine(line);
  } catch (err) {
    const parts = line.split(' ');
    if (!(err instanceof SipParseError) || err.code !== 'bad_version' || parts.length !== 3) throw err;
    const holder = new SipRequest(parts[0] as string, parseUri('sip:invalid'));
    try {
      readHeaders(lines, holder, limits);
    } catch {
      throw err;
    }
    throw new PartialError(err, { isRequest: true, method: holder.method, headers: holder.headers });
  }
}

/** A start-line failure that still carries the readable headers. */
class PartialError extends Error {
  constructor(readonly error: SipParseError, readonly partial: PartialMessage) {
    super(error.message);
  }
}

const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/i;

function checkVersion(v: string): void {
  if (v === 'SIP/2.0') return;
  const m = VERSION_RE.exec(v);
  if (!m) throw new SipParseError('bad_start_line', 'Malformed Start Line');
  if (m[1] !== '2' || m[2] !== '0') throw new SipParseError('bad_version', 'SIP Version Not Supported', 505);
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version, single spaces only
 * (RFC 4475 §3.1.2.7, §3.1.2.8, §3.1.2.10); Status-Line = SIP-Version SP 3DIGIT SP Reason.
 */
function parseStartLine(line: string): AnyMessage {
  if (line.startsWith('SIP/') || line.startsWith('sip/')) return parseStatusLine(line);
  const parts = line.split(' ');
  if (parts.length !== 3 || !isToken(parts[0] as string) || (parts[1] as string).length === 0) {
    throw new SipParseError('bad_start_line', 'Malformed Request Line');
  }
  checkVersion(parts[2] as string);
  const uriText = parts[1] as string;
  const uri = parseUri(uriText);
  // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (uri.isSip && uri.headers.length > 0) throw new SipParseError('bad_uri', 'Headers Not Allowed In Request-URI');
  return new SipRequest(parts[0] as string, uri);
}

function parseStatusLine(line: string): SipResponse {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) throw new SipParseError('bad_start_line', 'Malformed Status Line');
  checkVersion(line.slice(0, sp1));
  const sp2 = line.indexOf(' ', sp1 + 1);
  const code = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (!/^[1-6][0-9][0-9]$/.test(code)) throw new SipParseError('bad_status', 'Bad Status Code');
  return new SipResponse(Number(code), sp2 < 0 ? '' : line.slice(sp2 + 1));
}

/** `name *(SP/HTAB) ":" value` for every header line (RFC 3261 §7.3.1). */
function readHeaders(lines: string[], msg: AnyMessage, _limits: ParseLimits): void {
  for (const line of lines) {
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError('bad_header_line', 'Malformed Header Line');
    let nameEnd = colon;
    while (nameEnd > 0 && (line.charCodeAt(nameEnd - 1) === 32 || line.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    for (let i = 0; i < nameEnd; i++) {
      if (!isTokenChar(line.charCodeAt(i))) throw new SipParseError('bad_header_line', 'Malformed Header Name');
    }
    if (nameEnd === 0) throw new SipParseError('bad_header_line', 'Malformed Header Name');
    const name = line.slice(0, nameEnd);
    msg.headers.push({ name, key: headerKey(name), value: line.slice(colon + 1).trim() });
  }
}

/** Reads the body by Content-Length (RFC 3261 §18.3, §20.14). */
function readBody(buf: Buffer, bodyStart: number, msg: AnyMessage, stream: boolean): void {
  const available = Math.max(0, buf.length - bodyStart);
  const cls = msg.headers.filter((h) => h.key === 'content-length');
  if (cls.length > 1) throw new SipParseError('duplicate_header', 'Multiple Content-Length');
  const cl = cls[0];
  if (cl === undefined) {
    if (stream) throw new SipParseError('bad_content_length', 'Content-Length Required');
    msg.body = available > 0 ? buf.subarray(bodyStart) : msg.body;
    return;
  }
  if (!/^[0-9]{1,10}$/.test(cl.value)) throw new SipParseError('bad_content_length', 'Bad Content-Length');
  const length = Number(cl.value);
  // A datagram shorter than its Content-Length is answered 400 (RFC 3261 §18.3);
  // extra bytes after the body are discarded (RFC 4475 §3.1.1.12).
  if (length > available) throw new SipParseError('body_truncated', 'Content-Length Exceeds Body');
  if (length > 0) msg.body = buf.subarray(bodyStart, bodyStart + length);
}

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/** Checks what RFC 3261 §8.1.1 and RFC 4475 require; parses the structured headers. */
function validate(msg: AnyMessage): void {
  const seen = new Set<string>();
  for (const h of msg.headers) {
    if (SINGLETON_HEADERS.has(h.key)) {
      if (seen.has(h.key)) throw new SipParseError('duplicate_header', `Duplicate ${h.name}`);
      seen.add(h.key);
    }
  }
  for (const key of REQUIRED) {
    if (!seen.has(key) && !msg.has(key)) throw new SipParseError('missing_header', `Missing ${key === 'call-id' ? 'Call-ID' : key}`);
  }
  if (msg.vias.length === 0) throw new SipParseError('missing_header', 'Missing Via');
  void msg.from;
  void msg.to;
  const cseq = msg.cseq;
  if (msg.isRequest) {
    if (cseq.method !== msg.method) throw new SipParseError('cseq_mismatch', 'CSeq Method Mismatch');
    void msg.contacts;
    void msg.routes;
    validateScalars(msg);
  }
}

function validateScalars(msg: SipRequest): void {
  const mf = msg.get('max-forwards');
  if (mf !== undefined && !(/^[0-9]{1,10}$/.test(mf) && Number(mf) <= 255)) {
    throw new SipParseError('bad_header_value', 'Bad Max-Forwards');
  }
  const expires = msg.get('expires');
  if (expires !== undefined && !/^[0-9]{1,10}$/.test(expires)) throw new SipParseError('bad_header_value', 'Bad Expires');
  const date = msg.get('date');
  // SIP-date is RFC 1123 and always in GMT (RFC 3261 §20.17, RFC 4475 §3.1.2.16).
  if (date !== undefined && !/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(date)) {
    throw new SipParseError('bad_header_value', 'Bad Date');
  }
}
