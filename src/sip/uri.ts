/**
 * SIP, SIPS and TEL URIs (RFC 3261 §19.1, RFC 3966), and any other scheme kept opaque
 * (RFC 4475 unkscm: unknown schemes must parse; the UAS answers 416).
 */
import { SipParseError } from './errors.ts';
import { Params, parseParamsToEnd, type Param } from './grammar.ts';
import { detach } from './headers.ts';

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

const IPV6_RE = /^\[[0-9a-fA-F:.]+\]$/;
const SCHEME_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
/** Whitespace (Unicode too), control characters, `<`, `>` and `"`. */
// eslint-disable-next-line no-control-regex
const ILLEGAL_RE = /[\s\x00-\x1f\x7f<>"]/;
/**
 * RFC 3261 §25.1 hostname or IPv4address: dot-separated labels of letters and digits with
 * inner hyphens, and an optional final dot. Each label is written as alternating runs
 * (`alnum+ (-+ alnum+)*`) so that no two ways of matching exist and the match stays linear:
 * the obvious `(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.?)+` backtracks exponentially on a long
 * label with a bad last character (one datagram could hold the event loop for hours).
 */
const HOST_RE = /^[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*(?:\.[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*)*\.?$/;

/** True when `text` holds whitespace, a control character, `<`, `>` or `"` between `a` and `b`. */
function hasIllegalChar(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) return true;
    if (c > 127) return ILLEGAL_RE.test(text.slice(a, b)); // Unicode spaces: leave them to the regex
  }
  return false;
}

/** Lower-case scheme of `text` (its `:` is at index `scheme.length`); sip/sips/tel by character codes. */
function readScheme(text: string): string {
  const c0 = text.charCodeAt(0) | 0x20;
  const c1 = text.charCodeAt(1) | 0x20;
  const c2 = text.charCodeAt(2) | 0x20;
  if (c0 === 115 && c1 === 105 && c2 === 112) {
    if (text.charCodeAt(3) === 58) return 'sip';
    if ((text.charCodeAt(3) | 0x20) === 115 && text.charCodeAt(4) === 58) return 'sips';
  } else if (c0 === 116 && c1 === 101 && c2 === 108 && text.charCodeAt(3) === 58) {
    return 'tel';
  }
  const m = SCHEME_RE.exec(text);
  if (!m) throw new SipParseError('bad_uri', 'bad URI scheme');
  return m[0].slice(0, -1).toLowerCase();
}

/**
 * Parses a URI. Whitespace, `<`, `>` and `"` are never part of a URI (RFC 4475 ltgtruri, lwsruri).
 * @throws SipParseError with code `bad_uri`
 */
export function parseUri(text: string): Uri {
  const scheme = readScheme(text);
  const colon = scheme.length;
  // sip, sips and tel parts are each checked by their own grammar; only their free-form
  // parts (userinfo, headers) need the check for illegal characters.
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, text, colon + 1);
  const rest = text.slice(colon + 1);
  if (scheme === 'tel') return parseTelUri(rest);
  if (ILLEGAL_RE.test(rest)) throw new SipParseError('bad_uri', 'illegal character in URI');
  if (rest.length === 0) throw new SipParseError('bad_uri', 'empty URI');
  return new Uri(scheme, undefined, undefined, '', undefined, new Params(), [], rest);
}

/** `userinfo@hostport;params?headers` from `start` in `text`, by indices (no intermediate strings). */
function parseSipUri(scheme: string, text: string, start: number): Uri {
  // '@' cannot appear unescaped in parameters or headers (RFC 3261 §25.1), so the
  // first one ends the userinfo even when the user part holds ';' or '?' (RFC 4475 semiuri).
  let user: string | undefined;
  let password: string | undefined;
  let i = start;
  const at = text.indexOf('@', start);
  if (at >= 0) {
    if (hasIllegalChar(text, start, at)) throw new SipParseError('bad_uri', 'illegal character in URI');
    const colon = text.indexOf(':', start);
    user = text.slice(start, colon >= 0 && colon < at ? colon : at);
    if (colon >= 0 && colon < at) password = text.slice(colon + 1, at);
    if (user.length === 0) throw new SipParseError('bad_uri', 'empty user part');
    i = at + 1;
  }
  let end = text.length;
  let headers: Param[] = [];
  const q = text.indexOf('?', i);
  if (q >= 0) {
    if (ILLEGAL_RE.test(text.slice(q + 1))) throw new SipParseError('bad_uri', 'illegal character in URI');
    headers = parseUriHeaders(text.slice(q + 1));
    end = q;
  }
  const semi = text.indexOf(';', i);
  const hpEnd = semi >= 0 && semi < end ? semi : end;
  const hostStop = hostEnd(text, i, hpEnd);
  const host = text.slice(i, hostStop);
  checkHost(host);
  const port = hostStop < hpEnd ? portAt(text, hostStop, hpEnd) : undefined;
  let params: Params;
  if (hpEnd === end) params = new Params();
  else params = parseParamsToEnd(end === text.length ? text : text.slice(0, end), hpEnd, true);
  return new Uri(scheme, user, password, host, port, params, headers);
}

function parseTelUri(rest: string): Uri {
  const semi = rest.indexOf(';');
  const number = semi >= 0 ? rest.slice(0, semi) : rest;
  if (!/^\+?[0-9A-Fa-f*#().\-pPwW]+$/.test(number)) throw new SipParseError('bad_uri', 'bad tel number');
  const params = semi >= 0 ? parseParamsToEnd(rest, semi, true) : new Params();
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
  const hostStop = hostEnd(s, 0, s.length);
  const host = s.slice(0, hostStop);
  checkHost(host);
  return { host, port: hostStop < s.length ? portAt(s, hostStop, s.length) : undefined };
}

/** Where the host starting at `a` ends, before `b`: after `]` for IPv6, else at the first `:`. */
function hostEnd(text: string, a: number, b: number): number {
  if (text.charCodeAt(a) === 91 /* [ */) {
    const close = text.indexOf(']', a);
    if (close < 0 || close >= b) throw new SipParseError('bad_uri', 'bad IPv6 reference');
    return close + 1;
  }
  const colon = text.indexOf(':', a);
  return colon < 0 || colon > b ? b : colon;
}

/** Hosts that passed the check lately: SIP traffic names the same few hosts again and again. */
const goodHosts = ['', '', '', ''];
let nextGood = 0;

function checkHost(host: string): void {
  if (host.length > 0 && (host === goodHosts[0] || host === goodHosts[1] || host === goodHosts[2] || host === goodHosts[3])) {
    return;
  }
  if (host.charCodeAt(0) === 91) {
    if (!IPV6_RE.test(host)) throw new SipParseError('bad_uri', 'bad IPv6 reference');
  } else if (!HOST_RE.test(host)) {
    throw new SipParseError('bad_uri', 'bad host');
  }
  if (host.length <= 64) {
    goodHosts[nextGood] = detach(host);
    nextGood = (nextGood + 1) & 3;
  }
}

/** The port in `text` from the `:` at `colon` to `b`: 1 to 5 digits, at most 65535. */
function portAt(text: string, colon: number, b: number): number {
  if (text.charCodeAt(colon) !== 58 /* : */) throw new SipParseError('bad_uri', 'bad host');
  const n = b - colon - 1;
  if (n < 1 || n > 5) throw new SipParseError('bad_uri', 'bad port');
  let port = 0;
  for (let i = colon + 1; i < b; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new SipParseError('bad_uri', 'bad port');
    port = port * 10 + d;
  }
  if (port > 65535) throw new SipParseError('bad_uri', 'bad port');
  return port;
}
