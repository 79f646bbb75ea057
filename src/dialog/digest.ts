/**
 * SIP digest authentication (RFC 3261 §22, RFC 2617, RFC 7616; RFC 8760 for SHA-256 in
 * SIP): parsing challenges and credentials, computing the response a UAC sends, and a
 * stateless nonce scheme for a UAS. Uses node:crypto only.
 *
 * Not covered: `userhash`/`username*` (RFC 7616 §3.4.4–3.4.5), nonce-count replay tracking
 * (the nonce scheme is stateless; a nonce is valid until it expires) and SHA-512-256, whose
 * RFC 7616 §3.9.2 example only matches a truncated SHA-512 rather than the FIPS SHA-512/256
 * its §3.2 names, so peers disagree; a UAC skips such a challenge for the next one.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isTokenChar, quote, skipQuoted, unquote } from '../sip/index.ts';

/** Supported digest algorithms in their canonical spelling (RFC 7616 §3.3, RFC 8760 §2.2). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** Quality of protection (RFC 7616 §3.3): `auth-int` also covers the message body. */
export type DigestQop = 'auth' | 'auth-int';

/** A parsed `WWW-Authenticate`/`Proxy-Authenticate` Digest challenge (RFC 7616 §3.3). */
export interface DigestChallenge {
  realm: string; nonce: string;
  /** `MD5` when the challenge names none (RFC 7616 §3.3). */
  algorithm: DigestAlgorithm;
  /** Offered qop options; empty when the challenge has no qop (RFC 2069 compatibility). */
  qop: DigestQop[];
  /** True for `stale=TRUE`: retry with the new nonce without asking the user (RFC 7616 §3.3). */
  stale: boolean;
  opaque?: string; domain?: string;
}

/** A parsed `Authorization`/`Proxy-Authorization` Digest credential (RFC 7616 §3.4). */
export interface DigestCredentials {
  username: string; realm: string; nonce: string; uri: string;
  /** Request-digest as sent (hex). */
  response: string;
  /** `MD5` when the credentials name none. */
  algorithm: DigestAlgorithm;
  cnonce?: string; opaque?: string; qop?: DigestQop;
  /** Nonce count exactly as sent (8 hex digits), hashed verbatim. */
  nc?: string;
}

/** The shared secret of a user: the password, or a precomputed HA1 = H(user:realm:password). */
export type DigestSecret = { password: string } | { ha1: string };

/** Inputs of {@link computeResponse}. `nc` as a number is formatted as 8 hex digits. */
export type DigestResponseInput = {
  algorithm: DigestAlgorithm; username: string; realm: string; nonce: string;
  method: string; uri: string; qop?: DigestQop; nc?: string | number; cnonce?: string;
  /** Message body for `auth-int` (default empty). */
  body?: string | Uint8Array;
} & DigestSecret;

const ALGORITHMS = new Map<string, DigestAlgorithm>(
  (['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const).map((a) => [a.toLowerCase(), a]),
);

/** H(data) in lowercase hex; strings are hashed as UTF-8 (RFC 7616 §3.4.1). */
function hashHex(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(data).digest('hex');
}

/** The canonical algorithm for a (case-insensitive) name; MD5 when absent; undefined if unknown. */
function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  return value === undefined ? 'MD5' : ALGORITHMS.get(value.trim().toLowerCase());
}

function parseQop(value: string): DigestQop | undefined {
  const v = value.trim().toLowerCase();
  return v === 'auth' || v === 'auth-int' ? v : undefined;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

function skipSpace(s: string, i: number, commas = false): number {
  while (i < s.length && (isSpace(s.charCodeAt(i)) || (commas && s.charCodeAt(i) === 44))) i++;
  return i;
}

function readToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** One `name = value` auth-param (RFC 7616 §3.3 / RFC 7235 §2.1); value unquoted. */
function readAuthParam(s: string, start: number): { name: string; value: string; end: number } | 'stop' | undefined {
  const nameEnd = readToken(s, start);
  if (nameEnd === start) return undefined;
  let i = skipSpace(s, nameEnd);
  // A token not followed by `=` starts another challenge in the same list (RFC 7235 §4.1).
  if (s.charCodeAt(i) !== 61 /* = */) return 'stop';
  i = skipSpace(s, i + 1);
  let value: string;
  if (s.charCodeAt(i) === 34 /* " */) {
    const end = skipQuoted(s, i);
    if (end < 0) return undefined;
    value = unquote(s.slice(i, end));
    i = end;
  } else {
    const vStart = i;
    while (i < s.length && !isSpace(s.charCodeAt(i)) && s.charCodeAt(i) !== 44) i++;
    value = s.slice(vStart, i);
  }
  return { name: s.slice(start, nameEnd).toLowerCase(), value, end: i };
}

/**
 * Parses `Digest name=value, …` into lowercase names and unquoted values, tolerant of
 * whitespace (folded lines included) and case. Undefined when the scheme is not Digest,
 * the list is malformed or a parameter repeats (RFC 7616 §3.3: at most once each).
 */
function parseDigestParams(value: string): Map<string, string> | undefined {
  let i = skipSpace(value, 0);
  const schemeEnd = readToken(value, i);
  if (value.slice(i, schemeEnd).toLowerCase() !== 'digest') return undefined;
  if (schemeEnd < value.length && !isSpace(value.charCodeAt(schemeEnd))) return undefined;
  const params = new Map<string, string>();
  i = schemeEnd;
  for (;;) {
    i = skipSpace(value, i, true);
    if (i >= value.length) return params;
    const p = readAuthParam(value, i);
    if (p === 'stop') return params;
    if (p === undefined || params.has(p.name)) return undefined;
    params.set(p.name, p.value);
    i = skipSpace(value, p.end);
    if (i < value.length && value.charCodeAt(i) !== 44 /* , */) return undefined;
  }
}

/**
 * Parses a `WWW-Authenticate`/`Proxy-Authenticate` value (RFC 3261 §22.2, §22.3;
 * RFC 7616 §3.3). Undefined when it is not a Digest challenge, lacks realm or nonce, names
 * an unsupported algorithm or offers only unknown qop values: try the next header then.
 */
export function parseChallenge(headerValue: string): DigestChallenge | undefined {
  const p = parseDigestParams(headerValue);
  const realm = p?.get('realm');
  const nonce = p?.get('nonce');
  if (p === undefined || realm === undefined || !nonce) return undefined;
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (algorithm === undefined) return undefined;
  const qopValue = p.get('qop');
  const qop: DigestQop[] = [];
  for (const item of qopValue?.split(',') ?? []) {
    const q = parseQop(item);
    if (q !== undefined && !qop.includes(q)) qop.push(q);
  }
  if (qopValue !== undefined && qop.length === 0) return undefined;
  const challenge: DigestChallenge = {
    realm, nonce, algorithm, qop, stale: p.get('stale')?.trim().toLowerCase() === 'true',
  };
  const opaque = p.get('opaque');
  const domain = p.get('domain');
  if (opaque !== undefined) challenge.opaque = opaque;
  if (domain !== undefined) challenge.domain = domain;
  return challenge;
}

/**
 * The first challenge we support among several header values, in the order received:
 * the UAS lists its preferred algorithm first (RFC 8760 §2.4, RFC 7616 §3.7).
 */
export function selectChallenge(headerValues: readonly string[]): DigestChallenge | undefined {
  for (const v of headerValues) {
    const c = parseChallenge(v);
    if (c !== undefined) return c;
  }
  return undefined;
}

/**
 * Parses an `Authorization`/`Proxy-Authorization` value (RFC 3261 §22.2, RFC 7616 §3.4).
 * Undefined when it is not Digest, a required field is missing (username, realm, nonce,
 * uri, response; cnonce and nc with qop), or algorithm/qop is unsupported.
 */
export function parseCredentials(headerValue: string): DigestCredentials | undefined {
  const p = parseDigestParams(headerValue);
  if (p === undefined) return undefined;
  const [username, realm, nonce, uri, response] =
    ['username', 'realm', 'nonce', 'uri', 'response'].map((n) => p.get(n));
  if (username === undefined || realm === undefined || !nonce || uri === undefined || !response) {
    return undefined;
  }
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (algorithm === undefined) return undefined;
  const creds: DigestCredentials = { username, realm, nonce, uri, response, algorithm };
  const qopValue = p.get('qop');
  const cnonce = p.get('cnonce');
  const nc = p.get('nc');
  if (qopValue !== undefined) {
    const qop = parseQop(qopValue);
    if (qop === undefined || !cnonce || nc === undefined || !/^[0-9a-fA-F]{1,8}$/.test(nc)) return undefined;
    creds.qop = qop;
    creds.nc = nc;
  }
  if (cnonce !== undefined) creds.cnonce = cnonce;
  const opaque = p.get('opaque');
  if (opaque !== undefined) creds.opaque = opaque;
  return creds;
}

/** `nc` as 8 lowercase hex digits (RFC 7616 §3.4: nc-value = 8LHEX). */
function formatNc(nc: string | number): string {
  if (typeof nc === 'string') return nc;
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw new RangeError(`bad nonce count ${nc}`);
  return nc.toString(16).padStart(8, '0');
}

/** HA1 = H(username ":" realm ":" password), lowercase hex (RFC 7616 §3.4.2, non-sess form). */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashHex(algorithm, `${username}:${realm}:${password}`);
}

/**
 * The request-digest (RFC 7616 §3.4.1), lowercase hex:
 * HA1 per §3.4.2 (`-sess`: H(H(user:realm:pass):nonce:cnonce)), HA2 per §3.4.3
 * (`auth-int`: H(method:uri:H(body))), response KD(HA1, nonce:nc:cnonce:qop:HA2), or the
 * RFC 2069 form H(HA1:nonce:HA2) without qop. A given `ha1` is the non-sess HA1 and must
 * use the same hash as `algorithm`.
 * @throws TypeError when qop is set without nc/cnonce, or a -sess algorithm lacks cnonce
 */
export function computeResponse(input: DigestResponseInput): string {
  const { algorithm, nonce, cnonce, qop } = input;
  const H = (data: string | Uint8Array): string => hashHex(algorithm, data);
  const sess = algorithm.endsWith('-sess');
  if ((sess || qop !== undefined) && !cnonce) throw new TypeError(`digest ${algorithm}/${qop} needs a cnonce`);
  if (qop !== undefined && input.nc === undefined) throw new TypeError('digest qop needs a nonce count');
  let ha1 = 'ha1' in input ? input.ha1.toLowerCase() : computeHa1(algorithm, input.username, input.realm, input.password);
  if (sess) ha1 = H(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = qop === 'auth-int'
    ? H(`${input.method}:${input.uri}:${H(input.body ?? '')}`)
    : H(`${input.method}:${input.uri}`);
  if (qop === undefined) return H(`${ha1}:${nonce}:${ha2}`);
  return H(`${ha1}:${nonce}:${formatNc(input.nc ?? 1)}:${cnonce}:${qop}:${ha2}`);
}

/** Options of {@link buildAuthorization}. */
export interface AuthorizationOptions {
  username: string;
  password: string;
  /** Method of the request being authenticated (RFC 3261 §22.4). */
  method: string;
  /** digest-uri: the Request-URI (RFC 3261 §22.4). */
  uri: string;
  /** Body for qop=auth-int (default empty). */
  body?: string | Uint8Array;
  /** Client nonce (default 16 random bytes in hex). */
  cnonce?: string;
  /** Nonce count: how many requests used this nonce, this one included (default 1). */
  nc?: number;
}

/**
 * The `Authorization`/`Proxy-Authorization` value a UAC sends in answer to `challenge`
 * (RFC 3261 §22.2–22.3, RFC 7616 §3.4). Prefers qop=auth when offered, auth-int when only
 * that is offered, none when the challenge has no qop (RFC 2069; cnonce only for -sess).
 * Quoted: username, realm, nonce, uri, response, cnonce, opaque; nc is 8 hex digits.
 */
export function buildAuthorization(challenge: DigestChallenge, options: AuthorizationOptions): string {
  const { algorithm, realm, nonce } = challenge;
  const qop: DigestQop | undefined = challenge.qop.includes('auth') ? 'auth' : challenge.qop[0];
  const needsCnonce = qop !== undefined || algorithm.endsWith('-sess');
  const cnonce = needsCnonce ? (options.cnonce ?? randomBytes(16).toString('hex')) : undefined;
  const nc = qop === undefined ? undefined : formatNc(options.nc ?? 1);
  const response = computeResponse({
    algorithm, username: options.username, password: options.password, realm, nonce,
    method: options.method, uri: options.uri, qop, nc, cnonce, body: options.body,
  });
  const parts = [
    `username=${quote(options.username)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`,
    `uri=${quote(options.uri)}`, `response=${quote(response)}`, `algorithm=${algorithm}`,
  ];
  if (cnonce !== undefined) parts.push(`cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`);
  return `Digest ${parts.join(', ')}`;
}

/** The header value for a challenge (RFC 3261 §22.1, RFC 7616 §3.3). */
export function formatChallenge(challenge: DigestChallenge): string {
  const parts = [`realm=${quote(challenge.realm)}`];
  if (challenge.domain !== undefined) parts.push(`domain=${quote(challenge.domain)}`);
  parts.push(`nonce=${quote(challenge.nonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  parts.push(`algorithm=${challenge.algorithm}`);
  if (challenge.qop.length > 0) parts.push(`qop=${quote(challenge.qop.join(','))}`);
  if (challenge.stale) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

/** Server secret keying the nonce HMAC; keep it stable across restarts to honour live nonces. */
export type NonceSecret = string | Uint8Array;

/** Nonce bytes before the 32-byte HMAC-SHA-256: issue time (ms, big-endian u64) + 8 random bytes. */
const NONCE_HEAD = 16;

function nonceMac(secret: NonceSecret, head: Uint8Array, realm: string, algorithm: DigestAlgorithm): Buffer {
  return createHmac('sha256', secret)
    .update('agentline-digest-nonce\0').update(head)
    .update(`${realm}\0${algorithm}`).digest();
}

/** Options of {@link createChallenge}. */
export interface ChallengeOptions {
  realm: string;
  /** Default `MD5` for interoperability; issue a `SHA-256` challenge first to prefer it (RFC 8760 §2.4). */
  algorithm?: DigestAlgorithm;
  secret: NonceSecret;
  /** Current time, ms since the epoch; stamped into the nonce. */
  now: number;
  /** Offered qop values (default `['auth']`; `[]` for none). */
  qop?: DigestQop[];
  /** Set when re-challenging a request whose only fault was an expired nonce (RFC 7616 §3.3). */
  stale?: boolean;
  opaque?: string;
}

/**
 * A `WWW-Authenticate`/`Proxy-Authenticate` value with a stateless nonce: base64url of
 * issue time + random salt + HMAC-SHA-256(secret) over them, the realm and the algorithm
 * (RFC 7616 §3.3 leaves the nonce format to the server), so no nonce table is needed.
 */
export function createChallenge(options: ChallengeOptions): string {
  const algorithm = options.algorithm ?? 'MD5';
  const head = Buffer.alloc(NONCE_HEAD);
  head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(options.now))), 0);
  randomBytes(8).copy(head, 8);
  const nonce = Buffer.concat([head, nonceMac(options.secret, head, options.realm, algorithm)]).toString('base64url');
  const challenge: DigestChallenge = {
    realm: options.realm, nonce, algorithm, qop: options.qop ?? ['auth'], stale: options.stale ?? false,
  };
  if (options.opaque !== undefined) challenge.opaque = options.opaque;
  return formatChallenge(challenge);
}

/** The issue time (ms) of a nonce we made for this realm and algorithm, or undefined. */
function nonceIssuedAt(nonce: string, realm: string, algorithm: DigestAlgorithm, secret: NonceSecret): number | undefined {
  // 48 bytes are exactly 64 base64url characters, so any other text is not ours.
  if (!/^[A-Za-z0-9_-]{64}$/.test(nonce)) return undefined;
  const raw = Buffer.from(nonce, 'base64url');
  const head = raw.subarray(0, NONCE_HEAD);
  if (!timingSafeEqual(raw.subarray(NONCE_HEAD), nonceMac(secret, head, realm, algorithm))) return undefined;
  return Number(head.readBigUInt64BE(0));
}

/** Constant-time comparison of two hex digests, case-insensitively. */
function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Options of {@link verifyCredentials}: the user's password or HA1 plus request context. */
export type VerifyOptions = {
  /** Our realm; credentials for another realm fail with `realm_mismatch`. */
  realm: string;
  /** Method of the request carrying the credentials. */
  method: string;
  secret: NonceSecret;
  /** Current time, ms since the epoch. */
  now: number;
  /** Nonce lifetime in ms (default 300000 = 5 min). */
  maxNonceAgeMs?: number;
  /** Request body, for qop=auth-int (default empty). */
  body?: string | Uint8Array;
} & DigestSecret;

/** Outcome of {@link verifyCredentials}. */
export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: 'stale' | 'bad_response' | 'bad_nonce' | 'realm_mismatch' };

/**
 * Checks credentials against a nonce from {@link createChallenge} (RFC 7616 §3.4, §3.5),
 * comparing digests in constant time. `stale` is reported only when the response is
 * otherwise right, so the UAC may retry silently with a fresh nonce (RFC 7616 §3.3).
 * The caller may also compare `credentials.uri` with the Request-URI (RFC 7616 §3.4.6).
 */
export function verifyCredentials(credentials: DigestCredentials, options: VerifyOptions): VerifyResult {
  const { realm, nonce, algorithm } = credentials;
  if (realm !== options.realm) return { ok: false, reason: 'realm_mismatch' };
  const issuedAt = nonceIssuedAt(nonce, realm, algorithm, options.secret);
  if (issuedAt === undefined) return { ok: false, reason: 'bad_nonce' };
  const secret: DigestSecret = 'ha1' in options ? { ha1: options.ha1 } : { password: options.password };
  let expected: string;
  try {
    expected = computeResponse({
      algorithm, username: credentials.username, realm, nonce, method: options.method,
      uri: credentials.uri, qop: credentials.qop, nc: credentials.nc, cnonce: credentials.cnonce,
      body: options.body, ...secret,
    });
  } catch {
    return { ok: false, reason: 'bad_response' };
  }
  if (!hexEqual(expected, credentials.response)) return { ok: false, reason: 'bad_response' };
  const maxAge = options.maxNonceAgeMs ?? 300_000;
  const age = options.now - issuedAt;
  if (age > maxAge || age < -maxAge) return { ok: false, reason: 'stale' };
  return { ok: true };
}
