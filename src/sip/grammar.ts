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
 * Parses `;name=value;flag` generic parameters (RFC 3261 §25.1 generic-param) starting at a
 * `;` in `s`, allowing LWS around `;` and `=` (RFC 4475 §3.1.1.1). Values are tokens, hosts
 * (IPv6 references included) or quoted strings, kept as written.
 * @returns the parameters and the index where parsing stopped (end of string or a `,`)
 * @throws SipParseError on an empty name or a malformed value
 */
export function parseParams(s: string, start: number): { params: Params; end: number } {
  const list: Param[] = [];
  let i = start;
  const n = s.length;
  while (i < n) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (s.charCodeAt(i) !== 59 /* ; */) {
      throw new SipParseError('bad_header_value', `unexpected "${s[i]}" in parameters`);
    }
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) throw new SipParseError('bad_header_value', 'empty parameter');
    const name = s.slice(nameStart, i);
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let value: string | undefined;
    if (i < n && s.charCodeAt(i) === 61 /* = */) {
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      [value, i] = readParamValue(s, i, name);
    }
    list.push({ name, value });
  }
  return { params: new Params(list), end: i };
}

function readParamValue(s: string, i: number, name: string): [string, number] {
  if (s.charCodeAt(i) === 34) {
    const end = skipQuoted(s, i);
    if (end < 0) throw new SipParseError('bad_header_value', `unbalanced quote in parameter ${name}`);
    return [s.slice(i, end), end];
  }
  const vStart = i;
  if (s.charCodeAt(i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SipParseError('bad_header_value', `bad IPv6 reference in parameter ${name}`);
    return [s.slice(i, close + 1), close + 1];
  }
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (!(isTokenChar(c) || c === 58 /* : */ || c === 91 || c === 93)) break;
    i++;
  }
  if (i === vStart) throw new SipParseError('bad_header_value', `empty value for parameter ${name}`);
  return [s.slice(vStart, i), i];
}
