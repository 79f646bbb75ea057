/**
 * A strict query-string parser for Fastify's `querystringParser`: percent-decoding that
 * refuses bad escapes and invalid UTF-8 (WHATWG's `URLSearchParams` would silently
 * substitute U+FFFD), `+` as space, repeated keys as arrays (which schemas then refuse),
 * and a null-prototype result (no `__proto__` games). Anything malformed marks the
 * result, and the request answers `400 bad_request` before any handler runs.
 */

/** Set on a parsed query whose text was malformed. */
export const MALFORMED_QUERY: unique symbol = Symbol('agentline.malformedQuery');

/** A parsed query: decoded strings, arrays for repeated keys. */
export type ParsedQuery = Record<string, string | string[]> & { [MALFORMED_QUERY]?: true };

/** Decodes one component; undefined on bad escapes or invalid UTF-8. */
export function strictDecode(text: string): string | undefined {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined; // URIError: malformed escape or invalid UTF-8 sequence
  }
}

/**
 * Result objects inherit from a null-prototype object: no `__proto__` or `constructor`
 * from Object.prototype, yet V8 keeps them in fast (non-dictionary) mode, unlike
 * `Object.create(null)` itself.
 */
const Empty = function Empty(this: object) {} as unknown as new () => ParsedQuery;
Empty.prototype = Object.create(null) as object;

/** Parses `a=1&b=2` (no leading `?`). Never throws. */
export function parseQueryString(text: string): ParsedQuery {
  const out = new Empty();
  if (text === '') return out;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = strictDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = strictDecode(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) {
      out[MALFORMED_QUERY] = true;
      continue;
    }
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

/** True when the request's parsed query was malformed. */
export function isMalformedQuery(query: unknown): boolean {
  return typeof query === 'object' && query !== null && (query as ParsedQuery)[MALFORMED_QUERY] === true;
}
