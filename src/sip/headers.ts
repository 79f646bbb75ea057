/**
 * Header-name knowledge: compact forms (RFC 3261 §7.3.3 and later RFCs), canonical
 * spellings for the headers we emit, and which headers may carry comma-separated lists
 * (RFC 3261 §7.3.1).
 */

/** Compact form (single letter, lower case) → canonical lower-case long name. */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type',
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact', // RFC 3841
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject',
  t: 'to',
  u: 'allow-events', // RFC 6665
  v: 'via',
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 4474
};

/** Canonical spellings for output, keyed by lower-case long name. */
const CANONICAL: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'rack': 'RAck',
  'rseq': 'RSeq',
};

/**
 * Headers whose values are comma-separated lists (RFC 3261 §7.3.1): several lines of
 * one of these are equivalent to one line with the values joined by commas.
 * Authorization-style headers and Date are not lists even though they hold commas.
 */
const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via', 'contact', 'route', 'record-route', 'allow', 'supported', 'require',
  'proxy-require', 'unsupported', 'accept', 'accept-encoding', 'accept-language',
  'content-encoding', 'content-language', 'in-reply-to', 'alert-info', 'call-info',
  'error-info', 'warning', 'allow-events', 'path', 'service-route', 'p-asserted-identity',
  'reason', 'accept-contact', 'reject-contact', 'request-disposition',
]);

/** Headers that must appear at most once in a message (RFC 3261 §20; RFC 4475 multi01). */
export const SINGLETON_HEADERS: ReadonlySet<string> = new Set([
  'call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type',
]);

const keyCache = new Map<string, string>();
/** Names longer than this are not cached: a peer inventing names cannot grow the cache much. */
const MAX_CACHED_NAME = 64;

/**
 * Lower-case long form of a header name, used as the lookup key.
 * `v` → `via`, `Content-LENGTH` → `content-length`.
 */
export function headerKey(name: string): string {
  let key = keyCache.get(name);
  if (key !== undefined) return key;
  const lower = name.toLowerCase();
  key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
  if (keyCache.size < 4096 && name.length <= MAX_CACHED_NAME) {
    key = KNOWN_KEYS.get(key) ?? detach(key);
    keyCache.set(detach(name), key);
  }
  return key;
}

/**
 * Keys of the headers the stack reads, as the string literals of this module: lookups
 * with literals (`msg.get('call-id')`) then compare equal keys by identity.
 */
const KNOWN_KEYS = new Map<string, string>();
for (const key of [...Object.values(COMPACT), ...SINGLETON_HEADERS, ...LIST_HEADERS, 'expires', 'date', 'timestamp']) {
  KNOWN_KEYS.set(key, key);
}

/**
 * A copy of `s` that does not keep alive the string it was cut from: V8 represents a
 * slice of 13 or more characters as a view of its parent, so caching a header name sliced
 * from a message would pin the whole message text for the life of the cache.
 */
export function detach(s: string): string {
  return (' ' + s).slice(1);
}

/** True when the header (given by key) may carry a comma-separated list of values. */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

/** Canonical spelling of a header for output: `call-id` → `Call-ID`, `x-foo` → `X-Foo`. */
export function canonicalName(name: string): string {
  const key = headerKey(name);
  // Own properties only: `constructor` or `toString` must not find Object.prototype's.
  if (Object.hasOwn(CANONICAL, key)) return CANONICAL[key] as string;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}
