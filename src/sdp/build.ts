/**
 * Writing SDP: the session skeleton and the audio m-line shared by answers and
 * offers, and their serialization (CRLF line ends, RFC 4566 §5). The descriptions built
 * here are written directly, byte for byte as sdp-transform's writer would (its line
 * order and formats), at a twentieth of its cost (a 200 OK per call carries one); any
 * other field (a caller that adds lines) goes through sdp-transform.
 */
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { write } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SdpError } from './errors.ts';
import type { CodecName, MediaDirection, SdpValue } from './types.ts';

/** Default `o=` username. */
export const DEFAULT_USERNAME = 'agentline';
/** Default packetization time in milliseconds (RFC 3551 §4.5: 20 ms for G.711). */
export const DEFAULT_PTIME = 20;
/** Default codecs, in our order of preference. */
export const DEFAULT_CODECS: readonly CodecName[] = ['PCMU', 'PCMA'];
/** Static payload types of RFC 3551 §6. */
export const STATIC_PT: Readonly<Record<CodecName, number>> = { PCMU: 0, PCMA: 8 };

/** Identity fields of the `o=` line (RFC 4566 §5.2). */
export interface Origin {
  username: string;
  sessionId: string;
  sessionVersion: number;
  address: string;
}

/** One audio m-line to write. */
export interface AudioLine {
  port: number;
  protocol: string;
  codecs: readonly { name: CodecName; pt: number }[];
  telephoneEvent?: { pt: number; fmtp?: string };
  ptime: number;
  direction: MediaDirection;
  rtcpMux: boolean;
}

/** A fresh random session id (RFC 4566 §5.2 only asks for uniqueness), decimal digits. */
export function randomSessionId(): string {
  return String(randomInt(1, 2 ** 47));
}

/** 6 for an IPv6 literal, else 4 (IPv4 literal or host name). */
export function ipVersion(address: string): 4 | 6 {
  // Every IPv6 literal has a colon, no IPv4 literal or host name does: the regex only when it may match.
  return address.includes(':') && isIPv6(address) ? 6 : 4;
}

/**
 * Checks what the caller gave us about our side.
 * @throws SdpError `sdp_bad_options`
 */
export function checkLocal(o: { address: string; port: number; ptime?: number; codecs?: readonly CodecName[] }): void {
  if (typeof o.address !== 'string' || !/^[^\s]+$/.test(o.address)) {
    throw new SdpError('sdp_bad_options', `bad local address [address:${String(o.address)}]`);
  }
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    throw new SdpError('sdp_bad_options', `bad local port [port:${String(o.port)}]`);
  }
  if (o.ptime !== undefined && !(Number.isInteger(o.ptime) && o.ptime >= 1 && o.ptime <= 200)) {
    throw new SdpError('sdp_bad_options', `bad ptime [ptime:${String(o.ptime)}]`);
  }
  if (o.codecs !== undefined && (o.codecs.length === 0 || o.codecs.some((c) => !(c in STATIC_PT)))) {
    throw new SdpError('sdp_bad_options', `bad codec list [codecs:${o.codecs.join(' ')}]`);
  }
}

/** A session with `o=`, `s=-`, session-level `c=` and `t=0 0` (RFC 3264 §5), no media yet. */
export function sessionSkeleton(origin: Origin): SessionDescription {
  const ipVer = ipVersion(origin.address);
  return {
    version: 0,
    origin: { ...origin, netType: 'IN', ipVer },
    name: '-',
    connection: { version: ipVer, ip: origin.address },
    timing: { start: 0, stop: 0 },
    media: [],
  };
}

/** The audio m-line with rtpmap for every format, telephone-event fmtp, ptime, rtcp-mux and direction. */
export function audioMedia(line: AudioLine): MediaDescription {
  const rtp: MediaDescription['rtp'] = line.codecs.map((c) => ({ payload: c.pt, codec: c.name, rate: 8000 }));
  const fmtp: MediaDescription['fmtp'] = [];
  const te = line.telephoneEvent;
  if (te !== undefined) {
    rtp.push({ payload: te.pt, codec: 'telephone-event', rate: 8000 });
    if (te.fmtp !== undefined) fmtp.push({ payload: te.pt, config: te.fmtp });
  }
  const pts = [...line.codecs.map((c) => c.pt), ...(te === undefined ? [] : [te.pt])];
  const media: MediaDescription = {
    type: 'audio',
    port: line.port,
    protocol: line.protocol,
    payloads: pts.join(' '),
    rtp,
    fmtp,
    ptime: line.ptime,
    direction: line.direction,
  };
  if (line.rtcpMux) media.rtcpMux = 'rtcp-mux';
  return media;
}

/**
 * The text of a session from {@link sessionSkeleton} up to its media (`v=`, `o=`, `s=`, `c=`,
 * `t=`), byte for byte as {@link serialize} writes it, without building the description.
 * @param timing the `t=` values (default `0 0`)
 */
export function writeSessionHead(origin: Origin, timing?: { start: SdpValue; stop: SdpValue }): string {
  const ipVer = ipVersion(origin.address);
  const t = timing === undefined ? '0 0' : `${num(timing.start)} ${num(timing.stop)}`;
  return `v=0\r\no=${origin.username} ${origin.sessionId} ${num(origin.sessionVersion)} IN IP${ipVer} ${origin.address}\r\n`
    + `s=-\r\nc=IN IP${ipVer} ${origin.address}\r\nt=${t}\r\n`;
}

/** The text of {@link audioMedia}`(line)`, byte for byte as {@link serialize} writes it. */
export function writeAudioMedia(line: AudioLine): string {
  const te = line.telephoneEvent;
  let pts = '';
  let maps = '';
  for (const c of line.codecs) {
    pts += pts === '' ? num(c.pt) : ` ${num(c.pt)}`;
    maps += `a=rtpmap:${num(c.pt)} ${c.name}/8000\r\n`;
  }
  if (te !== undefined) {
    pts += pts === '' ? num(te.pt) : ` ${num(te.pt)}`;
    maps += `a=rtpmap:${num(te.pt)} telephone-event/8000\r\n`;
    if (te.fmtp !== undefined) maps += `a=fmtp:${num(te.pt)} ${te.fmtp}\r\n`;
  }
  return `m=audio ${num(line.port)} ${line.protocol} ${pts}\r\n${maps}a=ptime:${num(line.ptime)}\r\na=${line.direction}\r\n`
    + (line.rtcpMux ? 'a=rtcp-mux\r\n' : '');
}

/** The text of {@link rejectedMedia}`(type, protocol, formats)`, byte for byte as {@link serialize} writes it. */
export function writeRejectedMedia(type: string, protocol: string, formats: string): string {
  return `m=${type} 0 ${protocol} ${formats === '' ? '0' : formats}\r\n`;
}

/**
 * A rejected stream: same type and protocol, port 0, formats kept (RFC 3264 §6:
 * "at least one MUST be present"), no attributes.
 */
export function rejectedMedia(type: string, protocol: string, formats: string): MediaDescription {
  return { type, port: 0, protocol, payloads: formats === '' ? '0' : formats, rtp: [], fmtp: [] };
}

/** Serializes a session description to SDP text with CRLF line ends. */
export function serialize(session: SessionDescription): string {
  return writeDirect(session) ?? write(session);
}

/** Session fields {@link writeDirect} writes; any other (non-null) field goes to sdp-transform. */
const SESSION_FIELDS: ReadonlySet<string> = new Set(['version', 'origin', 'name', 'connection', 'timing', 'media']);
/** Media fields {@link writeDirect} writes, in the writer's order after `m=`: rtpmap, fmtp, ptime, direction, rtcp-mux. */
const MEDIA_FIELDS: ReadonlySet<string> = new Set(['type', 'port', 'protocol', 'payloads', 'rtp', 'fmtp', 'ptime', 'direction', 'rtcpMux']);

/** True when every non-null field of `o` is in `fields` (sdp-transform skips null fields too). */
function onlyFields(o: object, fields: ReadonlySet<string>): boolean {
  const record = o as Record<string, unknown>;
  for (const key in record) if (Object.hasOwn(record, key) && record[key] != null && !fields.has(key)) return false;
  return true;
}

/** sdp-transform's `%d`: `Number(arg)`, printed. */
function num(v: unknown): string {
  return String(Number(v));
}

/**
 * The writer of sdp-transform for the fields this module builds (session: v, o, s, c, t;
 * media: m, rtpmap, fmtp, ptime, direction, rtcp-mux), or undefined for anything else.
 * `version` and `name` must be set (the writer would fill them in).
 */
function writeDirect(s: SessionDescription): string | undefined {
  if (!onlyFields(s, SESSION_FIELDS) || s.version == null || s.name == null || !Array.isArray(s.media)) return undefined;
  let out = `v=${String(s.version)}\r\n`;
  const o = s.origin as SessionDescription['origin'] | undefined;
  if (o != null) out += `o=${String(o.username)} ${String(o.sessionId)} ${num(o.sessionVersion)} ${String(o.netType)} IP${num(o.ipVer)} ${String(o.address)}\r\n`;
  out += `s=${String(s.name)}\r\n`;
  if (s.connection != null) out += `c=IN IP${num(s.connection.version)} ${String(s.connection.ip)}\r\n`;
  if (s.timing != null) out += `t=${num(s.timing.start)} ${num(s.timing.stop)}\r\n`;
  for (const m of s.media) {
    const text = writeMedia(m);
    if (text === undefined) return undefined;
    out += text;
  }
  return out;
}

/** One media section as sdp-transform writes it, or undefined when it has other fields. */
function writeMedia(m: MediaDescription): string | undefined {
  if (!onlyFields(m, MEDIA_FIELDS) || m.payloads == null) return undefined;
  let out = `m=${String(m.type)} ${num(m.port)} ${String(m.protocol)} ${String(m.payloads)}\r\n`;
  for (const r of m.rtp ?? []) {
    out += `a=rtpmap:${num(r.payload)} ${String(r.codec)}`;
    if (r.encoding) out += `/${String(r.rate)}/${String(r.encoding)}`;
    else if (r.rate) out += `/${String(r.rate)}`;
    out += '\r\n';
  }
  for (const f of m.fmtp ?? []) out += `a=fmtp:${num(f.payload)} ${String(f.config)}\r\n`;
  if (m.ptime != null) out += `a=ptime:${num(m.ptime)}\r\n`;
  if (m.direction != null) out += `a=${String(m.direction)}\r\n`;
  if (m.rtcpMux != null) out += `a=${String(m.rtcpMux)}\r\n`;
  return out;
}
