/**
 * Writing SDP: the session skeleton and the audio m-line shared by answers and
 * offers, serialized by sdp-transform (CRLF line ends, RFC 4566 §5).
 */
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { write } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SdpError } from './errors.ts';
import type { CodecName, MediaDirection } from './types.ts';

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
  return isIPv6(address) ? 6 : 4;
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
 * A rejected stream: same type and protocol, port 0, formats kept (RFC 3264 §6:
 * "at least one MUST be present"), no attributes.
 */
export function rejectedMedia(type: string, protocol: string, formats: string): MediaDescription {
  return { type, port: 0, protocol, payloads: formats === '' ? '0' : formats, rtp: [], fmtp: [] };
}

/** Serializes a session description to SDP text with CRLF line ends. */
export function serialize(session: SessionDescription): string {
  return write(session);
}
