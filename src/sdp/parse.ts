/**
 * Reading SDP: a strict-enough wrapper over our lenient reader (`reader.ts`, which reads
 * what sdp-transform's parser would), and small readers for the fields offer/answer needs.
 * The reader silently skips lines it does not understand, so validity (RFC 4566 §5) is checked here.
 */
import { SdpError } from './errors.ts';
import { lineEnd, readSdp } from './reader.ts';
import type { CodecName, MediaDirection, ParsedSdp, SdpDescription, SdpMedia, SdpRtpMap } from './types.ts';

/** Largest SDP body we parse, in characters; far above any real audio offer. */
export const MAX_SDP_LENGTH = 64 * 1024;

/** Transport protocols we accept on an audio m-line (RFC 3551, RFC 4585). */
export const ACCEPTED_PROTOCOLS: readonly string[] = ['RTP/AVP', 'RTP/AVPF'];

const SPACE = /\s/;
const STATIC_CODECS: ReadonlyMap<number, CodecName> = new Map([
  [0, 'PCMU'],
  [8, 'PCMA'],
]);

/**
 * Parses an SDP body. Every non-empty line must be `<letter>=...` and the first
 * must be `v=0` (RFC 4566 §5); every m-line must have a type, a numeric port and a protocol.
 * @throws SdpError `sdp_invalid` on anything else, never another error type
 */
export function parseSdp(text: unknown): ParsedSdp {
  if (typeof text !== 'string' || text.length > MAX_SDP_LENGTH) {
    throw new SdpError('sdp_invalid', `not an SDP body [type:${typeof text}]`);
  }
  checkSdpLines(text);
  let session: SdpDescription;
  try {
    session = readSdp(text);
  } catch (cause) {
    // readSdp is written never to throw; this keeps the contract above if it ever did.
    throw new SdpError('sdp_invalid', 'SDP parser failed', { cause });
  }
  session.media.forEach((m, i) => {
    if (typeof m.type !== 'string' || m.type === '' || typeof m.protocol !== 'string') {
      throw new SdpError('sdp_invalid', `malformed m-line [index:${i}]`);
    }
    mediaPort(m, i);
  });
  // Every m-line has just been checked to be a ParsedMedia.
  return session as ParsedSdp;
}

/**
 * Checks the line structure without splitting the body:
 * the first non-blank line is `v=0` (surrounding blanks allowed) and every non-blank line
 * starts with `<lowercase letter>=`. Line ends are CRLF, CR or LF.
 * @throws SdpError `sdp_invalid`, naming the first bad line's number among the non-blank lines
 */
export function checkSdpLines(text: string): void {
  let lineNo = 0;
  for (let start = 0; start <= text.length;) {
    const end = lineEnd(text, start);
    if (!isBlank(text, start, end)) {
      lineNo++;
      if (lineNo === 1 && text.slice(start, end).trim() !== 'v=0') throw new SdpError('sdp_invalid', 'SDP must start with v=0');
      if (!isLineStart(text, start)) throw new SdpError('sdp_invalid', `malformed SDP line [line:${lineNo}]`);
    }
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
  }
  if (lineNo === 0) throw new SdpError('sdp_invalid', 'SDP must start with v=0');
}

/** True when `text[start, end)` is only whitespace (what `trim()` removes). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 11 || c === 12) continue;
    if (c < 128 || !SPACE.test(text[i] as string)) return false;
  }
  return true;
}

/** `<a-z>=` at `at`. */
function isLineStart(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c >= 97 && c <= 122 && text.charCodeAt(at + 1) === 61;
}

/**
 * The m-line's port. A `port/count` form (RFC 4566 §5.14) yields the first port.
 * @throws SdpError `sdp_invalid` when it is not an integer in 0–65535
 */
export function mediaPort(media: SdpMedia, index = 0): number {
  const raw = String(media.port as unknown);
  const port = /^\d{1,5}(\/\d+)?$/.test(raw) ? Number.parseInt(raw, 10) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new SdpError('sdp_invalid', `bad m-line port [index:${index}, port:${raw}]`);
  }
  return port;
}

/** The m-line's format list as written (the reader gives a number when there is one). */
export function mediaFormats(media: SdpMedia): string {
  return media.payloads === undefined ? '' : String(media.payloads).trim();
}

/**
 * The m-line's RTP payload types in offer order.
 * @throws SdpError `sdp_invalid` when one is not an integer in 0–127 (RFC 3551 §3)
 */
export function payloadTypes(media: SdpMedia): number[] {
  const formats = mediaFormats(media);
  if (formats === '') return [];
  return formats.split(/\s+/).map((f) => {
    const pt = /^\d{1,3}$/.test(f) ? Number(f) : NaN;
    if (!(pt >= 0 && pt <= 127)) throw new SdpError('sdp_invalid', `bad payload type [pt:${f}]`);
    return pt;
  });
}

/** The rtpmap entry for a payload type, first one wins. */
function rtpmapFor(media: SdpMedia, pt: number): SdpRtpMap | undefined {
  return media.rtp.find((r) => r.payload === pt);
}

/**
 * The G.711 codec a payload type stands for on this m-line: `a=rtpmap` when present
 * (dynamic or remapped), else the static table of RFC 3551 §6 (0 = PCMU, 8 = PCMA).
 */
export function codecOf(media: SdpMedia, pt: number): CodecName | undefined {
  const map = rtpmapFor(media, pt);
  if (!map) return STATIC_CODECS.get(pt);
  const name = String(map.codec).toUpperCase();
  if (name !== 'PCMU' && name !== 'PCMA') return undefined;
  if (Number(map.rate) !== 8000) return undefined;
  // Mono only: G.711 stereo (PCMU/8000/2) is another format.
  if (map.encoding !== undefined && Number(map.encoding) !== 1) return undefined;
  return name;
}

/** True when `pt` is telephone-event/8000 (RFC 4733 §7.1.1) on this m-line. */
export function isTelephoneEvent(media: SdpMedia, pt: number): boolean {
  const map = rtpmapFor(media, pt);
  return map !== undefined && String(map.codec).toLowerCase() === 'telephone-event' && Number(map.rate) === 8000;
}

/** The `a=fmtp` value for a payload type, if any. */
export function fmtpOf(media: SdpMedia, pt: number): string | undefined {
  const entry = media.fmtp.find((f) => f.payload === pt);
  return entry === undefined ? undefined : String(entry.config);
}

/** Direction of an m-line: its own attribute, else the session's, else sendrecv (RFC 4566 §6). */
export function directionOf(session: SdpDescription, media: SdpMedia): MediaDirection {
  return media.direction ?? session.direction ?? 'sendrecv';
}

/** Connection address of an m-line: its own `c=`, else the session's (RFC 4566 §5.7). */
export function connectionOf(session: SdpDescription, media: SdpMedia): string | undefined {
  const ip = media.connection?.ip ?? session.connection?.ip;
  return ip === undefined || ip === '' ? undefined : String(ip);
}

/**
 * True for the old-style hold address (RFC 3264 §8.4: `c=IN IP4 0.0.0.0`); `::` is
 * treated the same for IPv6 peers that copied the idiom.
 */
export function isHoldAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** `a=ptime` in milliseconds when it is a sane integer (1–200), else undefined. */
export function ptimeOf(media: SdpMedia): number | undefined {
  const p = media.ptime;
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 200 ? p : undefined;
}

/** `a=rtcp` port (RFC 3605) when present and valid. */
export function rtcpPortOf(media: SdpMedia): number | undefined {
  const p = media.rtcp?.port;
  return typeof p === 'number' && Number.isInteger(p) && p > 0 && p <= 65535 ? p : undefined;
}

/** The direction the other side takes in reply to `dir` (RFC 3264 §6.1). */
export function reverseDirection(dir: MediaDirection): MediaDirection {
  if (dir === 'sendonly') return 'recvonly';
  if (dir === 'recvonly') return 'sendonly';
  return dir;
}
