/**
 * The SIP message model (RFC 3261 §7): requests and responses as an ordered header list
 * (names keep their wire spelling) plus a body, with case-insensitive, compact-form-aware
 * lookup and cached structured views of the headers the stack reads on every message.
 */
import { NameAddr, parseNameAddr } from './address.ts';
import { SipParseError } from './errors.ts';
import { splitList } from './grammar.ts';
import { headerKey, isListHeader } from './headers.ts';
import type { Uri } from './uri.ts';
import { parseVia, type Via } from './via.ts';

/** One header line. `name` is spelt as received or configured; `key` is its lookup key. */
export interface Header {
  name: string;
  key: string;
  value: string;
}

/** The CSeq header (RFC 3261 §20.16). */
export interface CSeq {
  seq: number;
  method: string;
}

const EMPTY = Buffer.alloc(0);
/** RFC 3261 §8.1.1.5: the sequence number must be below 2**31. */
const MAX_CSEQ = 2 ** 31 - 1;

/** Fields shared by requests and responses. */
export abstract class SipMessage {
  /** Header lines in order. Mutate through the methods so cached views stay fresh. */
  readonly headers: Header[] = [];
  /** The body (Content-Length bytes). */
  body: Buffer = EMPTY;
  private cache = new Map<string, unknown>();

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

  /** Replaces every line of the header by one line (keeping the given spelling). */
  set(name: string, value: string | number): this {
    const key = headerKey(name);
    const idx = this.headers.findIndex((h) => h.key === key);
    this.removeKey(key);
    const line = { name, key, value: String(value) };
    if (idx >= 0) this.headers.splice(Math.min(idx, this.headers.length), 0, line);
    else this.headers.push(line);
    return this;
  }

  /** Appends a header line after the existing ones. */
  append(name: string, value: string | number): this {
    this.headers.push({ name, key: headerKey(name), value: String(value) });
    this.cache.delete(headerKey(name));
    return this;
  }

  /** Inserts a header line before the existing ones (e.g. our Via on a request). */
  prepend(name: string, value: string | number): this {
    this.headers.unshift({ name, key: headerKey(name), value: String(value) });
    this.cache.delete(headerKey(name));
    return this;
  }

  /** Removes every line of the header. */
  remove(name: string): this {
    this.removeKey(headerKey(name));
    return this;
  }

  private removeKey(key: string): void {
    for (let i = this.headers.length - 1; i >= 0; i--) if (this.headers[i]?.key === key) this.headers.splice(i, 1);
    this.cache.delete(key);
  }

  private cached<T>(key: string, make: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = make();
    this.cache.set(key, v);
    return v;
  }

  /** Every Via element, top first. */
  get vias(): Via[] {
    return this.cached('via', () => this.getAll('via').map(parseVia));
  }

  /** The top Via. @throws SipParseError when there is none */
  get via(): Via {
    const v = this.vias[0];
    if (!v) throw new SipParseError('missing_header', 'Missing Via');
    return v;
  }

  /** The From address. @throws SipParseError when missing or malformed */
  get from(): NameAddr {
    return this.cached('from', () => parseNameAddr(this.required('from')));
  }

  /** The To address. @throws SipParseError when missing or malformed */
  get to(): NameAddr {
    return this.cached('to', () => parseNameAddr(this.required('to')));
  }

  /** The Call-ID. @throws SipParseError when missing */
  get callId(): string {
    return this.required('call-id');
  }

  /** The CSeq. @throws SipParseError when missing or malformed */
  get cseq(): CSeq {
    return this.cached('cseq', () => parseCSeq(this.required('cseq')));
  }

  /** Contact addresses (`*` gives one wildcard entry). */
  get contacts(): NameAddr[] {
    return this.cached('contact', () => this.getAll('contact').map((v) => parseNameAddr(v, true)));
  }

  /** Record-Route addresses in order. */
  get recordRoutes(): NameAddr[] {
    return this.cached('record-route', () => this.getAll('record-route').map((v) => parseNameAddr(v)));
  }

  /** Route addresses in order. */
  get routes(): NameAddr[] {
    return this.cached('route', () => this.getAll('route').map((v) => parseNameAddr(v)));
  }

  /** Content-Type media type in lower case without parameters, or undefined. */
  get contentType(): string | undefined {
    const v = this.get('content-type');
    return v === undefined ? undefined : (v.split(';')[0] as string).trim().toLowerCase();
  }

  private required(key: string): string {
    const v = this.get(key);
    if (v === undefined) throw new SipParseError('missing_header', `Missing ${key}`);
    return v;
  }

  /** Called by mutators of structured fields (e.g. after setting a tag). */
  protected invalidate(key: string): void {
    this.cache.delete(key);
  }
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
   * @param reason reason phrase (may be empty, RFC 4475 §3.1.1.8)
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
 * Parses a CSeq value: `1 INVITE`, with LWS allowed between (RFC 4475 §3.1.1.1).
 * @throws SipParseError when the number is not below 2**31 (RFC 4475 §3.1.2.19)
 */
export function parseCSeq(value: string): CSeq {
  const m = /^\s*([0-9]{1,10})\s+([^\s]+)\s*$/.exec(value);
  if (!m) throw new SipParseError('bad_header_value', 'Bad CSeq');
  const seq = Number(m[1]);
  if (seq > MAX_CSEQ) throw new SipParseError('bad_header_value', 'CSeq out of range');
  return { seq, method: m[2] as string };
}
