/**
 * SIP, SIPS and TEL URIs (RFC 3261 §19.1, RFC 3966), and any other scheme kept opaque
 * (RFC 4475 §3.1.1.13: unknown schemes must parse; the UAS answers 416).
 */
import { SipParseError } from './errors.ts';
import { Params, parseParams, type Param } from './grammar.ts';

/** A parsed URI. For unknown schemes only `scheme` and `opaque` are meaningful. */
export class Uri {
  /**
   * @param scheme lower-case scheme: `sip`, `sips`, `tel`, or another
   * @param user user part as written (still %-escaped); for `tel` the number
   * @param password password part as written, if any
   * @param host host name, IPv4 address or bracketed IPv6 reference (`[::1]`)
   * @param port port number, undefined when absent
   * @param params URI parameters (`;transport=tcp;lr`)
   * @param headers URI headers (`?subject=x`), not allowed in a Request-URI
   * @param opaque the part after `scheme:` for schemes we do not understand
   */
  constructor(
    public scheme: string,
    public user: string | undefined,
    public password: string | undefined,
    public host: string,
    public port: number | undefined,
    public params: Params = new Params(),
    public headers: Param[] = [],
    public opaque?: string,
  ) {}

  /** True for `sip:` and `sips:`. */
  get isSip(): boolean {
    return this.scheme === 'sip' || this.scheme === 'sips';
  }

  /** The user part with %-escapes decoded (invalid escapes kept as written). */
  get userDecoded(): string | undefined {
    return this.user === undefined ? undefined : decodeEscapes(this.user);
  }

  /** Host without IPv6 brackets, for socket calls. */
  get hostAddress(): string {
    return this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
  }

  /** A deep copy. */
  clone(): Uri {
    return new Uri(this.scheme, this.user, this.password, this.host, this.port,
      this.params.clone(), this.headers.map((h) => ({ ...h })), this.opaque);
  }

  /** The URI in its textual form. */
  toString(): string {
    if (this.opaque !== undefined) return `${this.scheme}:${this.opaque}`;
    if (this.scheme === 'tel') return `tel:${this.user ?? ''}${this.params.toString()}`;
    let s = `${this.scheme}:`;
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += `:${this.password}`;
      s += '@';
    }
    s += this.host;
    if (this.port !== undefined) s += `:${this.port}`;
    s += this.params.toString();
    if (this.headers.length > 0) {
      s += '?' + this.headers.map((h) => `${h.name}=${h.value ?? ''}`).join('&');
    }
    return s;
  }
}

/** Decodes %-escapes; a malformed escape is left as written. */
export function decodeEscapes(s: string): string {
  if (s.indexOf('%') === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

const SCHEME_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const HOST_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.?)+$|^[a-zA-Z0-9]$/;
const IPV6_RE = /^\[[0-9a-fA-F:.]+\]$/;

/**
 * Parses a URI. Whitespace, `<`, `>` and `"` are never part of a URI (RFC 4475 §3.1.2.9).
 * @throws SipParseError with code `bad_uri`
 */
export function parseUri(text: string): Uri {
  const m = SCHEME_RE.exec(text);
  if (!m) throw new SipParseError('bad_uri', 'bad URI scheme');
  if (/[\s<>"]/.test(text)) throw new SipParseError('bad_uri', 'illegal character in URI');
  const scheme = (m[1] as string).toLowerCase();
  const rest = text.slice(m[0].length);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') return parseTelUri(rest);
  if (rest.length === 0) throw new SipParseError('bad_uri', 'empty URI');
  return new Uri(scheme, undefined, undefined, '', undefined, new Params(), [], rest);
}

function parseSipUri(scheme: string, rest: string): Uri {
  // '@' cannot appear unescaped in parameters or headers (RFC 3261 §25.1), so the
  // first one ends the userinfo even when the user part holds ';' or '?' (RFC 4475 §3.1.1.2).
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(':');
    user = colon >= 0 ? info.slice(0, colon) : info;
    if (colon >= 0) password = info.slice(colon + 1);
    if (user.length === 0) throw new SipParseError('bad_uri', 'empty user part');
    rest = rest.slice(at + 1);
  }
  let headers: Param[] = [];
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = parseUriHeaders(rest.slice(q + 1));
    rest = rest.slice(0, q);
  }
  const semi = rest.indexOf(';');
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  const params = semi >= 0 ? parseParams(rest, semi).params : new Params();
  const { host, port } = parseHostPort(hostport);
  return new Uri(scheme, user, password, host, port, params, headers);
}

function parseTelUri(rest: string): Uri {
  const semi = rest.indexOf(';');
  const number = semi >= 0 ? rest.slice(0, semi) : rest;
  if (!/^\+?[0-9A-Fa-f*#().\-pPwW]+$/.test(number)) throw new SipParseError('bad_uri', 'bad tel number');
  const params = semi >= 0 ? parseParams(rest, semi).params : new Params();
  return new Uri('tel', number, undefined, '', undefined, params);
}

function parseUriHeaders(s: string): Param[] {
  if (s.length === 0) return [];
  return s.split('&').map((h) => {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new SipParseError('bad_uri', 'bad URI header');
    return { name: h.slice(0, eq), value: h.slice(eq + 1) };
  });
}

/**
 * Parses `host[:port]` where host is a name, an IPv4 address or `[IPv6]`.
 * @throws SipParseError with code `bad_uri`
 */
export function parseHostPort(s: string): { host: string; port: number | undefined } {
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new SipParseError('bad_uri', 'bad IPv6 reference');
    host = s.slice(0, close + 1);
    if (!IPV6_RE.test(host)) throw new SipParseError('bad_uri', 'bad IPv6 reference');
    const after = s.slice(close + 1);
    if (after.length > 0) {
      if (after[0] !== ':') throw new SipParseError('bad_uri', 'bad host');
      portText = after.slice(1);
    }
  } else {
    const colon = s.indexOf(':');
    host = colon >= 0 ? s.slice(0, colon) : s;
    if (colon >= 0) portText = s.slice(colon + 1);
    if (!HOST_RE.test(host)) throw new SipParseError('bad_uri', 'bad host');
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) throw new SipParseError('bad_uri', 'bad port');
    port = Number(portText);
    if (port > 65535) throw new SipParseError('bad_uri', 'bad port');
  }
  return { host, port };
}
