/** The Via header (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { SipParseError } from './errors.ts';
import { Params, isTokenChar, isWs, parseParams } from './grammar.ts';
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
 * Parses one Via element. LWS may surround the `/` separators (RFC 4475 §3.1.1.1).
 * @throws SipParseError with code `bad_header_value`, or `bad_version` (505) for another SIP version
 */
export function parseVia(value: string): Via {
  const parts: string[] = [];
  let i = 0;
  const s = value;
  for (let k = 0; k < 3; k++) {
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    const start = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    if (i === start) throw new SipParseError('bad_header_value', 'bad Via protocol');
    parts.push(s.slice(start, i));
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    if (k < 2) {
      if (s[i] !== '/') throw new SipParseError('bad_header_value', 'bad Via protocol');
      i++;
    }
  }
  const [name, version, transport] = parts as [string, string, string];
  if (name.toUpperCase() !== 'SIP') throw new SipParseError('bad_header_value', 'bad Via protocol');
  if (version !== '2.0') throw new SipParseError('bad_version', 'SIP Version Not Supported', 505);
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  const hostStart = i;
  while (i < s.length && s[i] !== ';' && !isWs(s.charCodeAt(i))) i++;
  const { host, port } = parseHostPort(s.slice(hostStart, i));
  const { params, end } = parseParams(s, i);
  if (end < s.length) throw new SipParseError('bad_header_value', 'trailing characters in Via');
  return new Via(transport.toUpperCase(), host, port, params);
}
