/**
 * Parser for SIP requests and responses (RFC 3261 §7, §20, §25), strict where RFC 4475
 * says a message is invalid and tolerant where it says a message is valid however odd
 * (LWS, folding, compact forms, odd casing, unknown schemes and methods).
 * It never throws: every failure comes back as a `SipParseError` with a stable code.
 */
import { SipParseError } from './errors.ts';
import { isToken, isWs } from './grammar.ts';
import { SINGLETON_HEADERS, detach, headerKey } from './headers.ts';
import type { AnyMessage, Header, SipRequest } from './message.ts';
import { foreignVersion, parseStartLine } from './start-line.ts';

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
  /** The SIP-Version of a request line that is not SIP/2.0 (e.g. `SIP/3.0`), as written. */
  version?: string;
}

/** The result of a parse. */
export type ParseResult =
  | { ok: true; message: AnyMessage }
  | { ok: false; error: SipParseError; partial: PartialMessage | undefined };

/** Parses one message from `buf` (one datagram, or one frame cut by the stream framer). */
export function parseMessage(buf: Buffer, options: ParseOptions = {}): ParseResult {
  const limits = options.limits ? { ...DEFAULT_LIMITS, ...options.limits } : DEFAULT_LIMITS;
  let msg: AnyMessage | undefined;
  let foreign: string | undefined;
  try {
    if (buf.length > limits.maxMessageBytes) {
      throw new SipParseError('too_large', 'Message Too Large', 513);
    }
    const head = splitHead(buf);
    const text = head.text;
    const nl = lineFeed(text, 0);
    const stop = contentEnd(text, 0, nl);
    checkControls(text, nl + 1);
    if (stop > limits.maxLineLength) throw new SipParseError('line_too_long', 'Header Line Too Long');
    const startLine = text.slice(0, stop);
    msg = parseStartLine(startLine);
    foreign = msg.isRequest ? foreignVersion(startLine) : undefined;
    const scan = readHeaders(text, nl + 1, msg, limits);
    // RFC 3261 §8.2.2 (§21.5.20): a request of another SIP version is answered 505; its
    // headers are read first, so that the transport can copy them into the answer (§8.2.6).
    if (foreign !== undefined) throw new SipParseError('bad_version', 'SIP Version Not Supported', 505);
    readBody(buf, head.bodyStart, msg, scan, options.stream === true);
    validate(msg, scan);
    return { ok: true, message: msg };
  } catch (err) {
    const error = err instanceof SipParseError ? err : new SipParseError('bad_header_value', 'Malformed message');
    return { ok: false, error, partial: msg === undefined ? undefined : partialOf(msg, foreign) };
  }
}

/** What a failed parse had read: the start line and the headers before the failure. */
function partialOf(msg: AnyMessage, version: string | undefined): PartialMessage {
  const partial: PartialMessage = { isRequest: msg.isRequest, headers: msg.headers };
  if (msg.isRequest) partial.method = msg.method;
  if (version !== undefined) partial.version = version;
  return partial;
}

/** The blank line that ends the headers; a Buffer needle searches faster than a string. */
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** Locates the blank line that ends the headers (CRLF CRLF; bare LF tolerated). */
function splitHead(buf: Buffer): { text: string; bodyStart: number } {
  let start = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line (keep-alives on streams).
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  let end = buf.indexOf(CRLFCRLF, start);
  let sep = 4;
  if (end < 0) {
    end = buf.indexOf('\n\n', start, 'latin1');
    sep = 2;
    // A sloppy CRLF LF: the CR belongs to the last header line's end.
    if (end > start && buf[end - 1] === 13) {
      end--;
      sep = 3;
    }
  }
  if (end < 0) throw new SipParseError('no_header_end', 'Incomplete headers');
  return { text: buf.toString('utf8', start, end), bodyStart: end + sep };
}

/** Index of the LF that ends the line starting at `pos`, or the text length. */
function lineFeed(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl;
}

/** Where the content of the line from `pos` to its LF at `nl` stops: before its CR, if any. */
function contentEnd(text: string, pos: number, nl: number): number {
  return nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
}

/**
 * A CR that does not end a line has no place in a head (RFC 3261 §7.3.1, §25.1): echoed
 * into a response it would split a header. A NUL is allowed only as a quoted-pair
 * (`\` NUL, RFC 3261 §25.1; RFC 4475 intmeth), never bare, where it would cut a C string.
 */
function checkControls(text: string, firstHeader: number): void {
  for (let nul = text.indexOf('\0'); nul >= 0; nul = text.indexOf('\0', nul + 1)) {
    if (text.charCodeAt(nul - 1) !== 92 /* \ */) {
      throw new SipParseError(nul < firstHeader ? 'bad_start_line' : 'bad_header_line', 'NUL in message head');
    }
  }
  for (let cr = text.indexOf('\r'); cr >= 0; cr = text.indexOf('\r', cr + 1)) {
    if (text.charCodeAt(cr + 1) !== 10) {
      throw new SipParseError(cr < firstHeader ? 'bad_start_line' : 'bad_header_line', 'CR without LF in message head');
    }
  }
}

/** Bits of the headers validation looks for: the singletons (RFC 3261 §20) and Via. */
const HEADER_BIT = new Map<string, number>();
for (const key of [...SINGLETON_HEADERS, 'via', 'contact', 'route', 'expires', 'date']) HEADER_BIT.set(key, 1 << HEADER_BIT.size);
const bit = (key: string): number => HEADER_BIT.get(key) as number;
let singletonMask = 0;
for (const key of SINGLETON_HEADERS) singletonMask |= bit(key);
const CONTENT_LENGTH = bit('content-length');
const MAX_FORWARDS = bit('max-forwards');
const CONTACT = bit('contact');
const ROUTE = bit('route');
const EXPIRES = bit('expires');
const DATE = bit('date');

/** What reading the header lines found. */
interface HeadScan {
  /** HEADER_BIT bits of the headers present. */
  seen: number;
  /** The Content-Length value, when present. */
  contentLength: string | undefined;
  /** The Max-Forwards value, when present. */
  maxForwards: string | undefined;
}

/**
 * Reads every header line, unfolding continuation lines (RFC 3261 §7.3.1), and checks
 * singletons are not repeated (RFC 4475 multi01, mcl01). Works on indices into `text`:
 * a line becomes a string of its own only when it is folded.
 */
function readHeaders(text: string, pos: number, msg: AnyMessage, limits: ParseLimits): HeadScan {
  const n = text.length;
  let seen = 0;
  let contentLength: string | undefined;
  let maxForwards: string | undefined;
  let count = 0;
  while (pos < n) {
    const nl = lineFeed(text, pos);
    const stop = contentEnd(text, pos, nl);
    let next = nl + 1;
    let h: NameInfo;
    if (next < n && isWs(text.charCodeAt(next))) {
      let line = text.slice(pos, stop);
      while (next < n && isWs(text.charCodeAt(next))) {
        const nl2 = lineFeed(text, next);
        line += ' ' + text.slice(next, contentEnd(text, next, nl2)).trim();
        next = nl2 + 1;
        if (line.length > limits.maxLineLength) throw new SipParseError('line_too_long', 'Header Line Too Long');
      }
      h = readHeaderLine(line, 0, line.length, msg);
    } else {
      if (stop - pos > limits.maxLineLength) throw new SipParseError('line_too_long', 'Header Line Too Long');
      if (stop === pos) {
        pos = next;
        continue;
      }
      h = readHeaderLine(text, pos, stop, msg);
    }
    pos = next;
    if (++count > limits.maxHeaders) throw new SipParseError('too_many_headers', 'Too Many Headers');
    const b = h.bit;
    if (b === 0) continue;
    if (seen & b & singletonMask) {
      throw new SipParseError('duplicate_header', b === CONTENT_LENGTH ? 'Multiple Content-Length' : `Duplicate ${h.name}`);
    }
    if (b === CONTENT_LENGTH) contentLength = (msg.headers[msg.headers.length - 1] as Header).value;
    else if (b === MAX_FORWARDS) maxForwards = (msg.headers[msg.headers.length - 1] as Header).value;
    seen |= b;
  }
  return { seen, contentLength, maxForwards };
}

/**
 * Reads `name *(SP/HTAB) ":" *(SP/HTAB) value *(SP/HTAB)` in `s` from `start` to `stop`
 * (RFC 3261 §7.3.1) and appends it to `msg`.
 * @returns what is known of the header's name
 */
function readHeaderLine(s: string, start: number, stop: number, msg: AnyMessage): NameInfo {
  const colon = s.indexOf(':', start);
  if (colon < 0 || colon >= stop) throw new SipParseError('bad_header_line', 'Malformed Header Line');
  let nameEnd = colon;
  while (nameEnd > start && isWs(s.charCodeAt(nameEnd - 1))) nameEnd--;
  if (nameEnd === start) throw new SipParseError('bad_header_line', 'Malformed Header Name');
  let vs = colon + 1;
  while (vs < stop && isWs(s.charCodeAt(vs))) vs++;
  let ve = stop;
  while (ve > vs && isWs(s.charCodeAt(ve - 1))) ve--;
  const known = nameInfo(s, start, nameEnd);
  msg.headers.push({ name: known.name, key: known.key, value: s.slice(vs, ve) });
  return known;
}

/** A checked header name with its lookup key and HEADER_BIT bit (0 when it has none). */
interface NameInfo {
  name: string;
  key: string;
  bit: number;
}

/**
 * Header names seen recently, in buckets of two chosen by length and four characters. A
 * name equal to a bucket's entry was checked when it was stored: its characters need no
 * second look, and its key no Map lookup (which would hash the fresh name string again).
 */
const recentNames: Array<NameInfo | undefined> = new Array(512);

/**
 * Key and bit of the header name in `s` from `start` to `end`. A name found in the cache
 * is compared in place and its cached string used: no string is cut for it.
 * @throws SipParseError when the name is not a token
 */
function nameInfo(s: string, start: number, end: number): NameInfo {
  const n = end - start;
  let h = (n * 31 + s.charCodeAt(start)) | 0;
  h = (h * 31 + s.charCodeAt(start + (n >> 1))) | 0;
  h = (h * 31 + s.charCodeAt(start + ((n * 3) >> 2))) | 0;
  h = (h * 31 + s.charCodeAt(end - 1)) | 0;
  const slot = (h ^ (h >>> 9)) & 510;
  const first = recentNames[slot];
  if (first !== undefined && first.name.length === n && s.startsWith(first.name, start)) return first;
  const second = recentNames[slot + 1];
  if (second !== undefined && second.name.length === n && s.startsWith(second.name, start)) return second;
  const name = s.slice(start, end);
  if (!isToken(name)) throw new SipParseError('bad_header_line', 'Malformed Header Name');
  const key = headerKey(name);
  // Only a cached name is detached from the message text (see `detach`).
  const info = { name: n <= 64 ? detach(name) : name, key, bit: HEADER_BIT.get(key) ?? 0 };
  if (n <= 64) {
    // The newest name takes the first place; the one it displaces moves to the second.
    recentNames[slot + 1] = first;
    recentNames[slot] = info;
  }
  return info;
}

/** Reads the body by Content-Length (RFC 3261 §18.3, §20.14). */
function readBody(buf: Buffer, bodyStart: number, msg: AnyMessage, scan: HeadScan, stream: boolean): void {
  const available = Math.max(0, buf.length - bodyStart);
  if (scan.contentLength === undefined) {
    if (stream) throw new SipParseError('bad_content_length', 'Content-Length Required');
    if (available > 0) msg.body = buf.subarray(bodyStart);
    return;
  }
  const length = parseDigits(scan.contentLength);
  if (length < 0) throw new SipParseError('bad_content_length', 'Bad Content-Length');
  // A datagram shorter than its Content-Length is answered 400 (RFC 3261 §18.3);
  // extra bytes after the body are discarded (RFC 4475 dblreq).
  if (length > available) throw new SipParseError('body_truncated', 'Content-Length Exceeds Body');
  if (length > 0) msg.body = buf.subarray(bodyStart, bodyStart + length);
}

/** 1 to 10 decimal digits as a number, or -1. */
function parseDigits(text: string): number {
  if (text.length === 0 || text.length > 10) return -1;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const REQUIRED: ReadonlyArray<[number, string]> = [
  [bit('via'), 'Via'], [bit('from'), 'From'], [bit('to'), 'To'], [bit('call-id'), 'Call-ID'], [bit('cseq'), 'CSeq'],
];
let requiredMask = 0;
for (const [b] of REQUIRED) requiredMask |= b;

/** Checks what RFC 3261 §8.1.1 and RFC 4475 require; parses the structured headers. */
function validate(msg: AnyMessage, scan: HeadScan): void {
  const seen = scan.seen;
  if ((seen & requiredMask) !== requiredMask) {
    const [, name] = REQUIRED.find(([b]) => !(seen & b)) as [number, string];
    throw new SipParseError('missing_header', `Missing ${name}`);
  }
  if (msg.vias.length === 0) throw new SipParseError('missing_header', 'Missing Via');
  void msg.from;
  void msg.to;
  const cseq = msg.cseq;
  if (msg.isRequest) {
    if (cseq.method !== msg.method) throw new SipParseError('cseq_mismatch', 'CSeq Method Mismatch');
    if (seen & CONTACT) void msg.contacts;
    if (seen & ROUTE) void msg.routes;
    validateScalars(msg, scan);
  }
}

/** SIP-date is RFC 1123 and always in GMT (RFC 3261 §20.17, RFC 4475 baddate). */
const DATE_RE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function validateScalars(msg: SipRequest, scan: HeadScan): void {
  const seen = scan.seen;
  if (scan.maxForwards !== undefined) {
    const mf = parseDigits(scan.maxForwards);
    if (mf < 0 || mf > 255) throw new SipParseError('bad_header_value', 'Bad Max-Forwards');
  }
  if (seen & EXPIRES && parseDigits(msg.get('expires') as string) < 0) {
    throw new SipParseError('bad_header_value', 'Bad Expires');
  }
  if (seen & DATE && !DATE_RE.test(msg.get('date') as string)) {
    throw new SipParseError('bad_header_value', 'Bad Date');
  }
}
