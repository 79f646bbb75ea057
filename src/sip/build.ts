/**
 * Builders for the messages a UA creates (RFC 3261 §8.1.1, §8.2.6): responses copied
 * from requests, identifiers (tags, branches, Call-IDs), and reason phrases.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import type { NameAddr } from './address.ts';
import { BRANCH_COOKIE } from './via.ts';
import { SipResponse, type SipRequest } from './message.ts';
import type { PartialMessage } from './parser.ts';

/** Standard reason phrases (RFC 3261 §21 and friends). */
export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone',
  413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 421: 'Extension Required', 422: 'Session Interval Too Small', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending', 500: 'Server Internal Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large', 600: 'Busy Everywhere', 603: 'Decline',
  604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** Random bytes drawn in blocks (one CSPRNG call per 4 KiB instead of one per token), each used once. */
const entropy = Buffer.alloc(4096);
let entropyAt = entropy.length;

/** Random token of `bytes` bytes, url-safe base64 (fits the RFC 3261 `token` class). */
export function randomToken(bytes = 8): string {
  if (bytes > 256) return randomBytes(bytes).toString('base64url');
  if (entropyAt + bytes > entropy.length) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  const token = entropy.toString('base64url', entropyAt, entropyAt + bytes);
  entropyAt += bytes;
  return token;
}

/** A new tag (RFC 3261 §19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return randomToken(6);
}

/** A new branch with the RFC 3261 magic cookie (§8.1.1.7). */
export function newBranch(): string {
  return BRANCH_COOKIE + randomToken(9);
}

/** A new Call-ID, globally unique (§8.1.1.4). */
export function newCallId(host?: string): string {
  return host ? `${randomToken(12)}@${host}` : randomToken(16);
}

/** Headers a response copies from its request (RFC 3261 §8.2.6.2). */
const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/**
 * Builds a response to `req`: Via (all), From, To, Call-ID and CSeq copied (and Timestamp
 * for 100, §8.2.6.1); a To tag added when `toTag` is given and the request had none
 * (§8.2.6.2; never for 100).
 */
export function createResponse(req: SipRequest | PartialMessage, status: number, reason?: string, toTag?: string): SipResponse {
  const res = new SipResponse(status, reason ?? REASONS[status] ?? '');
  for (const h of req.headers) {
    // §8.2.6.1: a 100 (Trying) also carries the request's Timestamp.
    if (!COPIED.has(h.key) && !(status === 100 && h.key === 'timestamp')) continue;
    if (h.key === 'to' && toTag !== undefined && status !== 100) {
      res.headers.push({ name: h.name, key: h.key, value: withTag(h.value, toTag) });
    } else {
      // Header lines are immutable (mutators replace them), so the request's are shared.
      res.headers.push(h);
    }
  }
  return res;
}

/** Appends `;tag=` unless the To already has one (in-dialog requests keep theirs). */
function withTag(toValue: string, tag: string): string {
  // Appending is right for both forms: in addr-spec form the URI ends at the first ';'.
  // Header parameters follow the closing '>' of a name-addr: a `tag` URI parameter
  // inside the brackets (or text in the display name) is not a To tag.
  const gt = toValue.lastIndexOf('>');
  const params = gt >= 0 ? toValue.slice(gt + 1) : toValue;
  return TAG_PARAM.test(params) ? toValue : `${toValue};tag=${tag}`;
}

const TAG_PARAM = /;\s*tag\s*=/i;

/** The address of a NameAddr with a new tag, as header text. */
export function addressWithTag(addr: NameAddr, tag: string): string {
  const copy = addr.clone();
  copy.params.set('tag', tag);
  return copy.toString();
}

/** Sanitizes text for a reason phrase: no CR/LF or control characters, bounded length. */
export function reasonPhrase(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 120);
}
