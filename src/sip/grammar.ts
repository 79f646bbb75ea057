/**
 * Low-level RFC 3261 §25 grammar helpers shared by the URI and header parsers: character
 * classes, quoted strings, comma-separated lists and generic parameters.
 */
import { SipParseError } from './errors.ts';

const TOKEN = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') {
  TOKEN[ch.charCodeAt(0)] = 1;
}

/** RFC 3261 §25.1 `token` character. */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

/** True when `s` is a non-empty RFC 3261 `token`. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** True for SP and HTAB. */
export function isWs(code: number): boolean {
  return code === 32 || code === 9;
}

/** Index just past the closing quote of the quoted string starting at `start`, or -1. */
export function skipQuoted(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i + 1;
  }
  return -1;
}

/** Removes the quotes and quoted-pair escapes of an RFC 3261 quoted-string. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== 34) return s;
  if (s.indexOf('\\') < 0) return s.slice(1, -1);
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length - 1) out += s[++i];
    else out += c;
  }
  return out;
}

/** Quotes `s` as an RFC 3261 quoted-string, escaping `"` and `\`. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}

/**
 * Splits a list header value on the commas that separate its elements (RFC 3261 §7.3.1),
 * ignoring commas inside quoted strings and angle brackets. Elements are trimmed.
 * @throws SipParseError on an unbalanced quote or bracket
 */
export function splitList(value: string): string[] {
  if (value.indexOf(',') === -1) return [value.trim()];
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34) {
      const end = skipQuoted(value, i);
      if (end < 0) throw new SipParseError('bad_header_value', 'unbalanced quote');
      i = end - 1;
    } else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === 44 /* , */ && !angle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (angle) throw new SipParseError('bad_header_value', 'unbalanced angle bracket');
  out.push(value.slice(start).trim());
  return out;
}

/** Index of the first comma separating list elements (outside quoted strings), or -1. */
export function firstListComma(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = skipQuoted(value, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === 44 /* , */) {
      return i;
    }
  }
  return -1;
}

/** One `name[=value]` parameter; `value` is undefined for a flag such as `lr` or `rport`. */
export interface Param {
  name: string;
  value: string | undefined;
}

/** An ordered parameter list with case-insensitive lookup (names keep their spelling). */
export class Params {
  constructor(readonly list: Param[] = []) {}

  /** The value of `name`: a string, '' for a flag present without value, undefined when absent. */
  get(name: string): string | undefined {
    const p = this.find(name);
    return p === undefined ? undefined : (p.value ?? '');
  }

  /** True when the parameter is present (with or without a value). */
  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** Sets (replacing in place) or appends a parameter; `undefined` value makes a flag. */
  set(name: string, value: string | undefined): void {
    const p = this.find(name);
    if (p) p.value = value;
    else this.list.push({ name, value });
  }

  /** Removes a parameter if present. */
  delete(name: string): void {
    const lower = name.toLowerCase();
    const i = this.list.findIndex((p) => p.name.toLowerCase() === lower);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** A deep copy. */
  clone(): Params {
    return new Params(this.list.map((p) => ({ ...p })));
  }

  /** `;a=b;c` form, empty for no parameters. */
  toString(): string {
    let s = '';
    for (const p of this.list) s += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
    return s;
  }

  private find(name: string): Param | undefined {
    for (const p of this.list) if (p.name === name) return p;
    const lower = name.toLowerCase();
    for (const p of this.list) if (p.name.toLowerCase() === lower) return p;
    return undefined;
  }
}

/**
 * Runs of value characters, matched sticky from a position (native scanning beats a
 * character loop on long values such as branches). Header mode: token, `:` and brackets
 * (RFC 3261 §25.1 gen-value = token / host). URI mode: `paramchar` (unreserved, escaped and
 * `param-unreserved`), taken leniently as token characters plus `[ ] / : & + $ ( )`.
 */
const HEADER_VALUE_RUN = /[A-Za-z0-9\-.!%*_+`'~:[\]]*/y;
const URI_PARAM_RUN = /[A-Za-z0-9\-.!%*_+`'~:[\]/&$()]*/y;

/** End of the run of `re` characters starting at `i`. */
function runEnd(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  re.test(s);
  return re.lastIndex;
}

/**
 * Parses `;name=value;flag` parameters starting at a `;` in `s`. In header mode
 * (RFC 3261 §25.1 generic-param) LWS may surround `;` and `=` (RFC 4475 wsinv) and values
 * are tokens, hosts (IPv6 references included) or quoted strings, kept as written. In URI
 * mode (`uri-parameter`) names and values are `paramchar`s, which adds `/ : & + $ ( ) [ ]`.
 * @param uri true for URI parameters: errors then carry the code `bad_uri`
 * @returns the parameters and the index where parsing stopped (end of string or a `,`)
 * @throws SipParseError on an empty name or a malformed value
 */
export function parseParams(s: string, start: number, uri = false): { params: Params; end: number } {
  const list: Param[] = [];
  const end = readParams(s, start, uri, list);
  return { params: new Params(list), end };
}

/**
 * Parameters from `start` to the end of `s`, as {@link parseParams} reads them.
 * @throws SipParseError (`bad_uri` in URI mode, else `bad_header_value`) also when a `,` stops them early
 */
export function parseParamsToEnd(s: string, start: number, uri = false): Params {
  if (start >= s.length) return new Params();
  const list: Param[] = [];
  if (readParams(s, start, uri, list) < s.length) {
    throw new SipParseError(uri ? 'bad_uri' : 'bad_header_value', 'unexpected "," after parameters');
  }
  return new Params(list);
}

/** Reads parameters into `list`; returns the index where reading stopped. */
function readParams(s: string, start: number, uri: boolean, list: Param[]): number {
  const code = uri ? 'bad_uri' : 'bad_header_value';
  // Header parameters allow LWS around ';' and '='; URI parameters allow none.
  const skip = uri ? noSkip : skipWs;
  let i = start;
  const n = s.length;
  while (i < n) {
    i = skip(s, i);
    if (i >= n || s.charCodeAt(i) === 44 /* , */) break;
    if (s.charCodeAt(i) !== 59 /* ; */) throw new SipParseError(code, `unexpected "${s[i]}" in parameters`);
    i = skip(s, i + 1);
    const nameStart = i;
    i = uri ? runEnd(URI_PARAM_RUN, s, i) : tokenEnd(s, i);
    if (i === nameStart) throw new SipParseError(code, 'empty parameter');
    const name = s.slice(nameStart, i);
    i = skip(s, i);
    let value: string | undefined;
    if (i < n && s.charCodeAt(i) === 61 /* = */) {
      i = skip(s, i + 1);
      const vEnd = uri ? runEnd(URI_PARAM_RUN, s, i) : headerValueEnd(s, i, name);
      if (vEnd === i) throw new SipParseError(code, `empty value for parameter ${name}`);
      value = s.slice(i, vEnd);
      i = vEnd;
    }
    list.push({ name, value });
  }
  return i;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function noSkip(_s: string, i: number): number {
  return i;
}

function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** End of a header parameter value: a quoted string, an IPv6 reference or a token/host run. */
function headerValueEnd(s: string, i: number, name: string): number {
  const c = s.charCodeAt(i);
  if (c === 34 /* " */) {
    const end = skipQuoted(s, i);
    if (end < 0) throw new SipParseError('bad_header_value', `unbalanced quote in parameter ${name}`);
    return end;
  }
  if (c === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SipParseError('bad_header_value', `bad IPv6 reference in parameter ${name}`);
    return close + 1;
  }
  return runEnd(HEADER_VALUE_RUN, s, i);
}
