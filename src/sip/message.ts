/**
 * The SIP message model (RFC 3261 §7): requests and responses as an ordered header list
 * (names keep their wire spelling) plus a body, with case-insensitive, compact-form-aware
 * lookup and cached structured views of the headers the stack reads on every message.
 */
import type { NameAddr} from './address.ts';
import { parseNameAddr } from './address.ts';
import { SipParseError } from './errors.ts';
import { firstListComma, isToken, isTokenChar, isWs, splitList } from './grammar.ts';
import { headerKey, isListHeader } from './headers.ts';
import type { Uri } from './uri.ts';
import { parseVia, type Via } from './via.ts';

/** One header line. `name` is spelt as received or configured; `key` is its lookup key. */
export interface Header {
  readonly name: string;
  readonly key: string;
  readonly value: string;
}

/** The CSeq header (RFC 3261 §20.16). */
export interface CSeq {
  seq: number;
  method: string;
}

const EMPTY = Buffer.alloc(0);
/** RFC 3261 §8.1.1.5: the sequence number must be below 2**31. */
const MAX_CSEQ = 2 ** 31 - 1;

/** Hoisted: a regular expression literal in a function body is a new object per call. */
const LINE_BREAKER = /[\r\n\0]/;

/**
 * A header line must stay one line: CR, LF or NUL in a value (or a name that is not a
 * token) would let text from a peer or an agent inject headers (RFC 3261 §7.3.1).
 */
function checkLine(name: string, value: string): void {
  if (!isToken(name)) throw new SipParseError('bad_header_value', `bad header name [${JSON.stringify(name)}]`);
  if (LINE_BREAKER.test(value)) throw new SipParseError('bad_header_value', `CR, LF or NUL in header value [${name}]`);
}

/** Fields shared by requests and responses. */
export abstract class SipMessage {
  /** Header lines in order. Mutate through the methods so cached views stay fresh. */
  readonly headers: Header[] = [];
  /** The body (Content-Length bytes). */
  body: Buffer = EMPTY;
  // Structured views, parsed on first use (plain fields: cheaper than a Map per message).
  private viasView: Via[] | undefined;
  private fromView: NameAddr | undefined;
  private toView: NameAddr | undefined;
  private cseqView: CSeq | undefined;
  private contactsView: NameAddr[] | undefined;
  private routesView: NameAddr[] | undefined;
  private recordRoutesView: NameAddr[] | undefined;

  abstract readonly isRequest: boolean;

  /** The first value of a header (whole line value for non-list headers), or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return isListHeader(key) ? splitList(h.value)[0] : h.value;
    return undefined;
  }

  /** Every value of a header: list headers split on their commas, across all lines. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const list = isListHeader(key);
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (list) for (const v of splitList(h.value)) out.push(v);
      else out.push(h.value);
    }
    return out;
  }

  /** True when at least one line of the header is present. */
  has(name: string): boolean {
    const key = headerKey(name);
    return this.headers.some((h) => h.key === key);
  }

  /**
   * Replaces every line of the header by one line (keeping the given spelling).
   * @throws SipParseError `bad_header_value` for a name that is not a token or a value with CR, LF or NUL
   */
  set(name: string, value: string | number): this {
    const text = String(value);
    checkLine(name, text);
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    this.removeKey(key);
    const line = { name, key, value: text };
    if (idx >= 0) this.headers.splice(Math.min(idx, this.headers.length), 0, line);
    else this.headers.push(line);
    return this;
  }

  /**
   * Appends a header line after the existing ones.
   * @throws SipParseError `bad_header_value` for a name that is not a token or a value with CR, LF or NUL
   */
  append(name: string, value: string | number): this {
    const text = String(value);
    checkLine(name, text);
    const key = headerKey(name);
    this.headers.push({ name, key, value: text });
    this.invalidate(key);
    return this;
  }

  /**
   * Inserts a header line before the existing ones (e.g. our Via on a request).
   * @throws SipParseError `bad_header_value` for a name that is not a token or a value with CR, LF or NUL
   */
  prepend(name: string, value: string | number): this {
    const text = String(value);
    checkLine(name, text);
    const key = headerKey(name);
    this.headers.unshift({ name, key, value: text });
    this.invalidate(key);
    return this;
  }

  /** Removes every line of the header. */
  remove(name: string): this {
    this.removeKey(headerKey(name));
    return this;
  }

  private removeKey(key: string): void {
    for (let i = this.headers.length - 1; i >= 0; i--) if (this.headers[i]?.key === key) this.headers.splice(i, 1);
    this.invalidate(key);
  }

  /**
   * Replaces the first element of the top Via line by `via` (e.g. stamped with received
   * and rport, RFC 3261 §18.2.1), keeping the line's other elements and its spelling.
   * `via` becomes the parsed top Via as it is: nothing is parsed again.
   * @throws SipParseError `missing_header` when there is no Via; `bad_header_value` for CR, LF or NUL
   */
  setTopVia(via: Via): this {
    const index = this.headers.findIndex((h) => h.key === 'via');
    const line = this.headers[index];
    if (line === undefined) throw new SipParseError('missing_header', 'Missing Via');
    const comma = firstListComma(line.value);
    const value = comma < 0 ? via.toString() : via.toString() + line.value.slice(comma);
    checkLine(line.name, value);
    this.headers[index] = { name: line.name, key: line.key, value };
    if (this.viasView !== undefined && this.viasView.length > 0) this.viasView[0] = via;
    return this;
  }

  /** Every Via element, top first. */
  get vias(): Via[] {
    return (this.viasView ??= this.parseAll('via', parseVia));
  }

  /** The top Via. @throws SipParseError when there is none */
  get via(): Via {
    const v = this.vias[0];
    if (!v) throw new SipParseError('missing_header', 'Missing Via');
    return v;
  }

  /** The From address. @throws SipParseError when missing or malformed */
  get from(): NameAddr {
    return (this.fromView ??= parseNameAddr(this.required('from')));
  }

  /** The To address. @throws SipParseError when missing or malformed */
  get to(): NameAddr {
    return (this.toView ??= parseNameAddr(this.required('to')));
  }

  /** The Call-ID. @throws SipParseError when missing */
  get callId(): string {
    return this.required('call-id');
  }

  /** The CSeq. @throws SipParseError when missing or malformed */
  get cseq(): CSeq {
    return (this.cseqView ??= parseCSeq(this.required('cseq')));
  }

  /** Contact addresses (`*` gives one wildcard entry). */
  get contacts(): NameAddr[] {
    return (this.contactsView ??= this.parseAll('contact', parseContact));
  }

  /** Record-Route addresses in order. */
  get recordRoutes(): NameAddr[] {
    return (this.recordRoutesView ??= this.parseAll('record-route', parseNameAddr));
  }

  /** Route addresses in order. */
  get routes(): NameAddr[] {
    return (this.routesView ??= this.parseAll('route', parseNameAddr));
  }

  /** Content-Type media type in lower case without parameters, or undefined. */
  get contentType(): string | undefined {
    const v = this.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  }

  /** Every element of a list header (by lookup key), parsed; like getAll with fewer arrays. */
  private parseAll<T>(key: string, parse: (value: string) => T): T[] {
    const out: T[] = [];
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (h.value.indexOf(',') < 0) out.push(parse(h.value));
      else for (const v of splitList(h.value)) out.push(parse(v));
    }
    return out;
  }

  /** The value of a header that is not a list (From, To, Call-ID, CSeq), by lookup key. */
  private required(key: string): string {
    for (const h of this.headers) if (h.key === key) return h.value;
    throw new SipParseError('missing_header', `Missing ${key}`);
  }

  /** Drops the cached view of a header (by lookup key); called by every mutator. */
  protected invalidate(key: string): void {
    switch (key) {
      case 'via': this.viasView = undefined; break;
      case 'from': this.fromView = undefined; break;
      case 'to': this.toView = undefined; break;
      case 'cseq': this.cseqView = undefined; break;
      case 'contact': this.contactsView = undefined; break;
      case 'route': this.routesView = undefined; break;
      case 'record-route': this.recordRoutesView = undefined; break;
    }
  }
}

function parseContact(value: string): NameAddr {
  return parseNameAddr(value, true);
}

/** A SIP request. */
export class SipRequest extends SipMessage {
  readonly isRequest = true;
  /**
   * @param method method as written (case-sensitive, RFC 3261 §7.1)
   * @param uri the Request-URI
   */
  constructor(
    public method: string,
    public uri: Uri,
  ) {
    super();
  }
}

/** A SIP response. */
export class SipResponse extends SipMessage {
  readonly isRequest = false;
  /**
   * @param status status code 100-699
   * @param reason reason phrase (may be empty, RFC 4475 noreason)
   */
  constructor(
    public status: number,
    public reason: string,
  ) {
    super();
  }
}

/** A request or a response. */
export type AnyMessage = SipRequest | SipResponse;

/**
 * Parses a CSeq value: `1 INVITE`, with LWS allowed around and between (RFC 4475 wsinv).
 * @throws SipParseError `bad_header_value` when malformed or when the number is not
 * below 2**31 (RFC 3261 §8.1.1.5, RFC 4475 scalar02)
 */
export function parseCSeq(value: string): CSeq {
  const n = value.length;
  let i = 0;
  while (i < n && isWs(value.charCodeAt(i))) i++;
  let seq = 0;
  const digits = i;
  for (; i < n; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
  }
  if (i === digits || i - digits > 10) throw new SipParseError('bad_header_value', 'Bad CSeq');
  if (seq > MAX_CSEQ) throw new SipParseError('bad_header_value', 'CSeq out of range');
  const gap = i;
  while (i < n && isWs(value.charCodeAt(i))) i++;
  const methodStart = i;
  while (i < n && isTokenChar(value.charCodeAt(i))) i++;
  const methodEnd = i;
  while (i < n && isWs(value.charCodeAt(i))) i++;
  if (gap === methodStart || methodEnd === methodStart || i < n) throw new SipParseError('bad_header_value', 'Bad CSeq');
  return { seq, method: value.slice(methodStart, methodEnd) };
}
