/**
 * A single-pass SDP reader (RFC 4566 §5) that fills only the fields offer/answer reads
 * ({@link SdpDescription}), each with the value sdp-transform's `parse` gives it: the regular
 * expressions of its grammar, replayed with `charCodeAt` on the line in place. On the sample
 * offers it takes about a third of sdp-transform's time and allocates three fifths as much
 * (one offer per call); sdp-transform stays its oracle in `reader.test.ts`. It never throws:
 * `parseSdp` validates what comes out.
 *
 * Where a scan stops at a line's `end`, `text.charCodeAt(end)` is CR, LF or NaN, never a
 * character the code then looks for: a test there fails, as the regex fails at the line end.
 */
import type { MediaDirection, SdpDescription, SdpMedia, SdpRtpMap, SdpValue } from './types.ts';

const LF = 10;
const CR = 13;
const SPACE = 32;
const SLASH = 47;
const EQUALS = 61;
const A = 97;
const C = 99;
const M = 109;
const T = 116;

/** Character classes of the grammar's regexes, as bits of {@link CLASSES} (ASCII only). */
const DIGIT = 1; // \d
const WORD = 2; // \w
const PROTO = 4; // [\w/]
const CODEC = 8; // [\w\-.]
const DOT = 16; // \. (with DIGIT: the ptime value)

const CLASSES = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const word = /\w/.test(ch) ? WORD | PROTO | CODEC : 0;
  CLASSES[c] = (/\d/.test(ch) ? DIGIT : 0) | word | (ch === '/' ? PROTO : 0) | (ch === '-' ? CODEC : 0) | (ch === '.' ? CODEC | DOT : 0);
}

/**
 * Reads an SDP body. Lines end with CRLF, CR or LF as sdp-transform splits them (RFC 4566 §5:
 * "parsers SHOULD be tolerant and also accept records terminated with a single newline
 * character"); only `<a-z>=` lines count, and what its grammar does not match is skipped.
 */
export function readSdp(text: string): SdpDescription {
  const session: SdpDescription = { media: [] };
  let media: SdpMedia | undefined;
  for (let start = 0; start < text.length;) {
    const end = lineEnd(text, start);
    // RFC 4566 §5: `<type>=<value>` with a one-letter type; only m, a, c and t carry what we read.
    if (end - start >= 2 && text.charCodeAt(start + 1) === EQUALS) {
      const type = text.charCodeAt(start);
      const at = start + 2;
      if (type === M) {
        // RFC 4566 §5: a media-level section "starts with an "m=" line and is terminated by
        // either the next "m=" line or by the end of the session description".
        media = { rtp: [], fmtp: [] };
        session.media.push(media);
        readMediaLine(text, at, end, media);
      } else if (type === A) {
        readAttribute(text, at, end, session, media);
      } else if (type === C) {
        readConnection(text, at, end, media ?? session);
      } else if (type === T && media === undefined) {
        // RFC 4566 §5: t= belongs to the session; sdp-transform files a stray one after an m= under that media.
        readTiming(text, at, end, session);
      }
    }
    start = end + 1;
  }
  return session;
}

/** Index of the CR or LF ending the line that starts at `start` (the text's length for the last). */
export function lineEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= CR && (c === LF || c === CR)) return i;
  }
  return text.length;
}

/**
 * `m=<media> <port> <proto> <fmt> ...` (RFC 4566 §5.14) as /^(\w*) (\d*) ([\w/]*)(?: (.*))?/:
 * no field is set unless the first three and their spaces are there, so a
 * `<port>/<number of ports>` line gets none (and `parseSdp` refuses it).
 */
function readMediaLine(text: string, at: number, end: number, media: SdpMedia): void {
  const typeEnd = scan(text, at, end, WORD);
  if (text.charCodeAt(typeEnd) !== SPACE) return;
  const portEnd = scan(text, typeEnd + 1, end, DIGIT);
  if (text.charCodeAt(portEnd) !== SPACE) return;
  const protoEnd = scan(text, portEnd + 1, end, PROTO);
  media.type = toIntIfInt(text.slice(at, typeEnd));
  media.port = digitsValue(text, typeEnd + 1, portEnd);
  media.protocol = toIntIfInt(text.slice(portEnd + 1, protoEnd));
  if (text.charCodeAt(protoEnd) !== SPACE) return;
  // `.` stops at U+2028 and U+2029 too: line terminators to JavaScript, not to the split.
  let i = protoEnd + 1;
  while (i < end && text.charCodeAt(i) !== 0x2028 && text.charCodeAt(i) !== 0x2029) i++;
  media.payloads = toIntIfInt(text.slice(protoEnd + 1, i));
}

/**
 * One `a=` line (RFC 4566 §6). sdp-transform takes the first entry of its grammar whose regex
 * matches; no entry before the ones read here matches a line that starts with their literal
 * prefixes, so the prefix picks the same entry. The regexes are anchored at the start only:
 * `a=rtcp-mux-only` sets `rtcpMux` and `a=sendonly2` the direction, as there.
 */
function readAttribute(text: string, at: number, end: number, session: SdpDescription, media: SdpMedia | undefined): void {
  const direction = directionAt(text, at);
  if (direction !== undefined) {
    (media ?? session).direction = direction;
    return;
  }
  // Session-level rtpmap, fmtp, rtcp, rtcp-mux and ptime mean nothing to offer/answer: not kept.
  if (media === undefined) return;
  if (text.startsWith('rtpmap:', at)) {
    readRtpmap(text, at + 7, end, media);
  } else if (text.startsWith('fmtp:', at)) {
    readFmtp(text, at + 5, end, media);
  } else if (text.startsWith('rtcp:', at)) {
    // /^rtcp:(\d*)(?: (\S*) IP(\d) (\S*))?/: the port is all we use (RFC 3605 §2.1).
    media.rtcp = { port: digitsValue(text, at + 5, scan(text, at + 5, end, DIGIT)) };
  } else if (text.startsWith('rtcp-mux', at)) {
    media.rtcpMux = 'rtcp-mux';
  } else if (text.startsWith('ptime:', at)) {
    // /^ptime:(\d*(?:\.\d*)*)/: digits and dots, a number only when canonical (`20`, `20.5`).
    const digitsEnd = scan(text, at + 6, end, DIGIT);
    const valueEnd = scan(text, digitsEnd, end, DIGIT | DOT);
    media.ptime = valueEnd === digitsEnd ? digitsValue(text, at + 6, valueEnd) : toIntIfInt(text.slice(at + 6, valueEnd));
  }
}

/** The direction attribute (RFC 4566 §6) a line starts with, as /^(sendrecv|recvonly|sendonly|inactive)/. */
function directionAt(text: string, at: number): MediaDirection | undefined {
  if (text.startsWith('sendrecv', at)) return 'sendrecv';
  if (text.startsWith('recvonly', at)) return 'recvonly';
  if (text.startsWith('sendonly', at)) return 'sendonly';
  if (text.startsWith('inactive', at)) return 'inactive';
  return undefined;
}

/** After `rtpmap:`, as /(\d*) ([\w\-.]*)(?:\s*\/(\d*)(?:\s*\/(\S*))?)?/ (RFC 4566 §6 `a=rtpmap`). */
function readRtpmap(text: string, at: number, end: number, media: SdpMedia): void {
  const ptEnd = scan(text, at, end, DIGIT);
  if (text.charCodeAt(ptEnd) !== SPACE) return;
  const codecEnd = scan(text, ptEnd + 1, end, CODEC);
  const map: SdpRtpMap = { payload: digitsValue(text, at, ptEnd), codec: toIntIfInt(text.slice(ptEnd + 1, codecEnd)) };
  let i = spacesEnd(text, codecEnd, end);
  if (text.charCodeAt(i) === SLASH) {
    const rateEnd = scan(text, i + 1, end, DIGIT);
    map.rate = digitsValue(text, i + 1, rateEnd);
    i = spacesEnd(text, rateEnd, end);
    if (text.charCodeAt(i) === SLASH) map.encoding = toIntIfInt(text.slice(i + 1, tokenEnd(text, i + 1, end, false)));
  }
  media.rtp.push(map);
}

/** After `fmtp:`, as /(\d*) ([\S| ]*)/: the parameters run to the first white space other than a space. */
function readFmtp(text: string, at: number, end: number, media: SdpMedia): void {
  const ptEnd = scan(text, at, end, DIGIT);
  if (text.charCodeAt(ptEnd) !== SPACE) return;
  const configEnd = tokenEnd(text, ptEnd + 1, end, true);
  media.fmtp.push({ payload: digitsValue(text, at, ptEnd), config: toIntIfInt(text.slice(ptEnd + 1, configEnd)) });
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 4566 §5.7) as /^IN IP(\d) (\S*)/. */
function readConnection(text: string, at: number, end: number, section: { connection?: { ip: SdpValue } }): void {
  if (!text.startsWith('IN IP', at) || !isDigit(text.charCodeAt(at + 5)) || text.charCodeAt(at + 6) !== SPACE) return;
  section.connection = { ip: toIntIfInt(text.slice(at + 7, tokenEnd(text, at + 7, end, false))) };
}

/** `t=<start time> <stop time>` (RFC 4566 §5.9) as /^(\d*) (\d*)/. */
function readTiming(text: string, at: number, end: number, session: SdpDescription): void {
  const startEnd = scan(text, at, end, DIGIT);
  if (text.charCodeAt(startEnd) !== SPACE) return;
  const stopEnd = scan(text, startEnd + 1, end, DIGIT);
  session.timing = { start: digitsValue(text, at, startEnd), stop: digitsValue(text, startEnd + 1, stopEnd) };
}

/** End of the run from `i` of ASCII characters in any of the classes `cls`. */
function scan(text: string, i: number, end: number, cls: number): number {
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (CLASSES[c]! & cls) === 0) return i;
  }
  return end;
}

/** `\d`. */
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** End of the run from `i` of JavaScript white space (`\s*`). */
function spacesEnd(text: string, i: number, end: number): number {
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** End of the run from `i` of non-white-space (`\S*`), with spaces too when `spaces` (`[\S| ]*`). */
function tokenEnd(text: string, i: number, end: number, spaces: boolean): number {
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) && !(spaces && c === SPACE)) return i;
  }
  return end;
}

/** JavaScript's `\s`: ASCII white space and Unicode's space separators, U+2028, U+2029, U+FEFF. */
function isSpace(c: number): boolean {
  if (c <= SPACE) return c === SPACE || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** sdp-transform's `toIntIfInt`: the number when `v` is its canonical spelling, else `v`. */
export function toIntIfInt(v: string): SdpValue {
  const c = v.charCodeAt(0);
  // Canonical spellings start with a digit, `-`, `I` (Infinity) or `N` (NaN): skip Number() for the rest.
  if (!isDigit(c) && c !== 45 && c !== 73 && c !== 78) return v;
  const n = Number(v);
  return String(n) === v ? n : v;
}

/** {@link toIntIfInt} of the digits `text[from, to)`, without a string when they make a safe integer. */
function digitsValue(text: string, from: number, to: number): SdpValue {
  const length = to - from;
  // `''` and `08` are not canonical numbers; past 15 digits precision decides, so ask Number().
  if (length === 0 || (length > 1 && text.charCodeAt(from) === 48)) return text.slice(from, to);
  if (length > 15) return toIntIfInt(text.slice(from, to));
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}
