/** The Via header (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { SipParseError } from './errors.ts';
import { Params, isTokenChar, isWs, parseParamsToEnd } from './grammar.ts';
import { parseHostPort } from './uri.ts';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with this magic cookie. */
export const BRANCH_COOKIE = 'z9hG4bK';

/** One Via element. */
export class Via {
  /**
   * @param transport upper-case transport: `UDP`, `TCP`, `TLS`, …
   * @param host sent-by host (IPv6 in brackets)
   * @param port sent-by port, undefined when absent
   * @param params `branch`, `received`, `rport`, `maddr`, `ttl`, …
   * @param protocol protocol name and version, normally `SIP/2.0`
   */
  constructor(
    public transport: string,
    public host: string,
    public port: number | undefined,
    public params: Params = new Params(),
    public protocol = 'SIP/2.0',
  ) {}

  /** The branch parameter, if any. */
  get branch(): string | undefined {
    return this.params.get('branch') || undefined;
  }

  /** True when the branch carries the RFC 3261 magic cookie (§17.2.3 matching applies). */
  get isRfc3261(): boolean {
    return this.branch?.startsWith(BRANCH_COOKIE) ?? false;
  }

  /** `host:port` of sent-by, used in transaction matching. */
  get sentBy(): string {
    return this.port === undefined ? this.host.toLowerCase() : `${this.host.toLowerCase()}:${this.port}`;
  }

  /** A deep copy. */
  clone(): Via {
    return new Via(this.transport, this.host, this.port, this.params.clone(), this.protocol);
  }

  /** `SIP/2.0/UDP host:port;branch=…` */
  toString(): string {
    const port = this.port === undefined ? '' : `:${this.port}`;
    return `${this.protocol}/${this.transport} ${this.host}${port}${this.params.toString()}`;
  }
}

/**
 * Parses one Via element. LWS may surround the `/` separators (RFC 4475 wsinv).
 * @throws SipParseError with code `bad_header_value`, or `bad_version` (505) for another SIP version
 */
export function parseVia(value: string): Via {
  const s = value;
  // The usual spelling, without LWS, skips the general protocol reader.
  let i = s.startsWith('SIP/2.0/') ? tokenEnd(s, 8) : 8;
  let transport: string;
  if (i > 8) {
    transport = s.slice(8, i);
  } else {
    i = readProtocol(s);
    transport = s.slice(s.lastIndexOf('/', i) + 1, i).trim();
  }
  const hostStart = skipWs(s, i);
  // sent-by runs to the first ';' (LWS may precede it); a space inside fails the host check.
  let end = s.indexOf(';', hostStart);
  if (end < 0) end = s.length;
  while (end > hostStart && isWs(s.charCodeAt(end - 1))) end--;
  const { host, port } = parseSentBy(s.slice(hostStart, end));
  return new Via(upperAscii(transport), host, port, parseParamsToEnd(s, end));
}

/**
 * Reads `protocol-name LWS "/" LWS protocol-version LWS "/" LWS transport` (RFC 3261
 * §20.42), checking name and version.
 * @returns the index just past the transport token
 */
function readProtocol(s: string): number {
  let i = 0;
  let name = '';
  let version = '';
  for (let k = 0; k < 3; k++) {
    i = skipWs(s, i);
    const start = i;
    i = tokenEnd(s, i);
    if (i === start) throw new SipParseError('bad_header_value', 'bad Via protocol');
    if (k === 0) name = s.slice(start, i);
    else if (k === 1) version = s.slice(start, i);
    else break;
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 47 /* / */) throw new SipParseError('bad_header_value', 'bad Via protocol');
    i++;
  }
  if (name.toUpperCase() !== 'SIP') throw new SipParseError('bad_header_value', 'bad Via protocol');
  if (version !== '2.0') throw new SipParseError('bad_version', 'SIP Version Not Supported', 505);
  return i;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** Upper-cases ASCII letters, returning `s` itself when it has none in lower case. */
function upperAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return s.toUpperCase();
  }
  return s;
}

/** sent-by = host [ ":" port ] (RFC 3261 §20.42); a bad one is a bad header, not a bad URI. */
function parseSentBy(text: string): { host: string; port: number | undefined } {
  try {
    return parseHostPort(text);
  } catch {
    throw new SipParseError('bad_header_value', 'bad Via sent-by');
  }
}
