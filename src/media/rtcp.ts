/**
 * RTCP packets of RFC 3550 §6: Sender Report (§6.4.1), Receiver Report (§6.4.2),
 * SDES CNAME (§6.5) and BYE (§6.6), written into caller buffers and parsed from compound
 * packets. RTCP runs every few seconds, so parsing returns plain objects.
 */
import { readU32, writeU32 } from './rtp.ts';

/** RTCP packet types (RFC 3550 §12.1). */
export const RTCP_SR = 200;
/** Receiver Report packet type. */
export const RTCP_RR = 201;
/** Source Description packet type. */
export const RTCP_SDES = 202;
/** Goodbye packet type. */
export const RTCP_BYE = 203;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2208988800;
const TWO_32 = 0x100000000;

/** One reception report block (RFC 3550 §6.4.1), 24 bytes on the wire. */
export interface ReportBlock {
  /** SSRC of the source this block reports on. */
  ssrc: number;
  /** Fraction lost since the previous report, 0–255 (/256). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit. */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  lastSr: number;
  /** Delay since that SR, in units of 1/65536 s (0 if none). */
  delaySinceLastSr: number;
}

/** The sender-info section of an SR. */
export interface SenderInfo {
  /** NTP timestamp, integer seconds since 1900. */
  ntpSeconds: number;
  /** NTP timestamp, fraction of a second (/2^32). */
  ntpFraction: number;
  /** RTP timestamp corresponding to the same instant. */
  rtpTimestamp: number;
  /** Packets sent since the start of transmission. */
  packetCount: number;
  /** Payload octets sent since the start of transmission. */
  octetCount: number;
}

/** Sender Report (PT 200). */
export interface SenderReport {
  type: 'sr';
  ssrc: number;
  sender: SenderInfo;
  reports: ReportBlock[];
}

/** Receiver Report (PT 201). */
export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

/** Source Description (PT 202); only CNAME items are kept. */
export interface SourceDescription {
  type: 'sdes';
  chunks: { ssrc: number; cname?: string }[];
}

/** Goodbye (PT 203). */
export interface Goodbye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

/** Any other RTCP packet type, kept by number only. */
export interface OtherRtcp {
  type: 'other';
  packetType: number;
}

/** One packet of a compound RTCP packet. */
export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRtcp;

/**
 * Converts a Unix time in milliseconds to a 64-bit NTP timestamp (RFC 3550 §4).
 * @returns `[seconds, fraction]`, both unsigned 32-bit
 */
export function ntpFromUnixMs(unixMs: number): [number, number] {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * TWO_32);
  return [(seconds + NTP_UNIX_OFFSET) >>> 0, Math.min(fraction, TWO_32 - 1) >>> 0];
}

/** The middle 32 bits of an NTP timestamp, as used by LSR (RFC 3550 §6.4.1). */
export function ntpMiddle32(ntpSeconds: number, ntpFraction: number): number {
  return (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
}

/**
 * Round-trip time from a report block about our stream, RFC 3550 §6.4.1: A − LSR − DLSR.
 * @param block a report block whose `ssrc` is ours
 * @param arrivalUnixMs when the report arrived (wall clock, ms)
 * @returns the RTT in milliseconds, or undefined when the block carries no LSR
 */
export function roundTripMs(block: ReportBlock, arrivalUnixMs: number): number | undefined {
  if (block.lastSr === 0) return undefined;
  const [sec, frac] = ntpFromUnixMs(arrivalUnixMs);
  const a = ntpMiddle32(sec, frac);
  const rtt = (a - block.lastSr - block.delaySinceLastSr) >>> 0;
  return (rtt / 65536) * 1000;
}

function writeCommonHeader(buf: Uint8Array, offset: number, count: number, type: number, bytes: number): void {
  buf[offset] = 0x80 | (count & 0x1f);
  buf[offset + 1] = type;
  const words = bytes / 4 - 1; // RFC 3550 §6.4.1: length in 32-bit words minus one
  buf[offset + 2] = (words >> 8) & 0xff;
  buf[offset + 3] = words & 0xff;
}

function writeReportBlock(buf: Uint8Array, offset: number, r: ReportBlock): void {
  writeU32(buf, offset, r.ssrc);
  buf[offset + 4] = r.fractionLost & 0xff;
  const lost = r.cumulativeLost & 0xffffff; // two's complement 24-bit
  buf[offset + 5] = (lost >> 16) & 0xff;
  buf[offset + 6] = (lost >> 8) & 0xff;
  buf[offset + 7] = lost & 0xff;
  writeU32(buf, offset + 8, r.extendedHighestSeq);
  writeU32(buf, offset + 12, Math.floor(r.jitter));
  writeU32(buf, offset + 16, r.lastSr);
  writeU32(buf, offset + 20, r.delaySinceLastSr);
}

function checkFits(buf: Uint8Array, offset: number, bytes: number): void {
  if (offset + bytes > buf.length) throw new RangeError(`RTCP packet does not fit [need:${bytes}]`);
}

/**
 * Writes a Sender Report (at most 31 report blocks).
 * @returns bytes written (28 + 24 × blocks)
 * @throws RangeError when the buffer is too small
 */
export function writeSenderReport(buf: Uint8Array, offset: number, sr: Omit<SenderReport, 'type'>): number {
  const count = Math.min(sr.reports.length, 31);
  const bytes = 28 + 24 * count;
  checkFits(buf, offset, bytes);
  writeCommonHeader(buf, offset, count, RTCP_SR, bytes);
  writeU32(buf, offset + 4, sr.ssrc);
  writeU32(buf, offset + 8, sr.sender.ntpSeconds);
  writeU32(buf, offset + 12, sr.sender.ntpFraction);
  writeU32(buf, offset + 16, sr.sender.rtpTimestamp);
  writeU32(buf, offset + 20, sr.sender.packetCount);
  writeU32(buf, offset + 24, sr.sender.octetCount);
  for (let i = 0; i < count; i++) writeReportBlock(buf, offset + 28 + 24 * i, sr.reports[i]!);
  return bytes;
}

/**
 * Writes a Receiver Report (at most 31 report blocks; zero is valid).
 * @returns bytes written (8 + 24 × blocks)
 * @throws RangeError when the buffer is too small
 */
export function writeReceiverReport(buf: Uint8Array, offset: number, rr: Omit<ReceiverReport, 'type'>): number {
  const count = Math.min(rr.reports.length, 31);
  const bytes = 8 + 24 * count;
  checkFits(buf, offset, bytes);
  writeCommonHeader(buf, offset, count, RTCP_RR, bytes);
  writeU32(buf, offset + 4, rr.ssrc);
  for (let i = 0; i < count; i++) writeReportBlock(buf, offset + 8 + 24 * i, rr.reports[i]!);
  return bytes;
}

/**
 * Writes an SDES packet with one chunk holding a CNAME item (RFC 3550 §6.5.1), which
 * every compound RTCP packet must carry (§6.1).
 * @param cname canonical name, at most 255 UTF-8 bytes
 * @returns bytes written (padded to a 32-bit boundary)
 */
export function writeSdesCname(buf: Uint8Array, offset: number, ssrc: number, cname: string): number {
  // Our own CNAMEs are ASCII: written as they are, without encoding to a temporary buffer.
  const text = isShortAscii(cname) ? undefined : Buffer.from(cname, 'utf8').subarray(0, 255);
  const length = text === undefined ? cname.length : text.length;
  // chunk: SSRC, item type 1, length, text, then ≥1 null octet ending the item list, padded to 4.
  const chunk = 4 + 2 + length + 1;
  const bytes = 4 + Math.ceil(chunk / 4) * 4;
  checkFits(buf, offset, bytes);
  buf.fill(0, offset, offset + bytes);
  writeCommonHeader(buf, offset, 1, RTCP_SDES, bytes);
  writeU32(buf, offset + 4, ssrc);
  buf[offset + 8] = 1; // CNAME
  buf[offset + 9] = length;
  if (text !== undefined) buf.set(text, offset + 10);
  else for (let i = 0; i < length; i++) buf[offset + 10 + i] = cname.charCodeAt(i);
  return bytes;
}

/** True for at most 255 characters, all ASCII (one UTF-8 byte each). */
function isShortAscii(s: string): boolean {
  if (s.length > 255) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Writes a BYE packet for one SSRC (RFC 3550 §6.6), without reason.
 * @returns bytes written (8)
 */
export function writeBye(buf: Uint8Array, offset: number, ssrc: number): number {
  checkFits(buf, offset, 8);
  writeCommonHeader(buf, offset, 1, RTCP_BYE, 8);
  writeU32(buf, offset + 4, ssrc);
  return 8;
}

function parseReportBlocks(buf: Uint8Array, offset: number, count: number, end: number): ReportBlock[] | null {
  if (offset + 24 * count > end) return null;
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = offset + 24 * i;
    const raw = (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!;
    blocks.push({
      ssrc: readU32(buf, o),
      fractionLost: buf[o + 4]!,
      cumulativeLost: (raw << 8) >> 8, // sign-extend 24 bits
      extendedHighestSeq: readU32(buf, o + 8),
      jitter: readU32(buf, o + 12),
      lastSr: readU32(buf, o + 16),
      delaySinceLastSr: readU32(buf, o + 20),
    });
  }
  return blocks;
}

function parseSdes(buf: Uint8Array, offset: number, count: number, end: number): SourceDescription | null {
  const chunks: SourceDescription['chunks'] = [];
  let o = offset;
  for (let c = 0; c < count; c++) {
    if (o + 4 > end) return null;
    const chunk: { ssrc: number; cname?: string } = { ssrc: readU32(buf, o) };
    o += 4;
    while (o < end && buf[o] !== 0) {
      if (o + 2 > end) return null;
      const type = buf[o]!;
      const len = buf[o + 1]!;
      if (o + 2 + len > end) return null;
      if (type === 1) chunk.cname = Buffer.from(buf.buffer, buf.byteOffset + o + 2, len).toString('utf8');
      o += 2 + len;
    }
    o = (Math.floor(o / 4) + 1) * 4; // skip the terminating null octet(s) to the next word
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

function parseBye(buf: Uint8Array, offset: number, count: number, end: number): Goodbye | null {
  if (offset + 4 * count > end) return null;
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(readU32(buf, offset + 4 * i));
  const bye: Goodbye = { type: 'bye', ssrcs };
  const r = offset + 4 * count;
  if (r < end) {
    const len = buf[r]!;
    if (r + 1 + len > end) return null;
    bye.reason = Buffer.from(buf.buffer, buf.byteOffset + r + 1, len).toString('utf8');
  }
  return bye;
}

function parseOne(buf: Uint8Array, start: number, end: number, count: number, type: number): RtcpPacket | null {
  switch (type) {
    case RTCP_SR: {
      if (start + 28 > end) return null;
      const reports = parseReportBlocks(buf, start + 28, count, end);
      if (reports === null) return null;
      const sender: SenderInfo = {
        ntpSeconds: readU32(buf, start + 8),
        ntpFraction: readU32(buf, start + 12),
        rtpTimestamp: readU32(buf, start + 16),
        packetCount: readU32(buf, start + 20),
        octetCount: readU32(buf, start + 24),
      };
      return { type: 'sr', ssrc: readU32(buf, start + 4), sender, reports };
    }
    case RTCP_RR: {
      if (start + 8 > end) return null;
      const reports = parseReportBlocks(buf, start + 8, count, end);
      return reports === null ? null : { type: 'rr', ssrc: readU32(buf, start + 4), reports };
    }
    case RTCP_SDES:
      return parseSdes(buf, start + 4, count, end);
    case RTCP_BYE:
      return parseBye(buf, start + 4, count, end);
    default:
      return { type: 'other', packetType: type };
  }
}

/**
 * Parses a compound RTCP packet (RFC 3550 §6.1, validity checks of §A.2: version 2,
 * lengths adding up to the datagram, padding only on the last packet).
 * @returns the packets in order, or null when the datagram is not valid RTCP
 */
export function parseRtcp(buf: Uint8Array, length = buf.length): RtcpPacket[] | null {
  if (length > buf.length || length < 4) return null;
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < length) {
    if (offset + 4 > length) return null;
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return null;
    const bytes = (((buf[offset + 2]! << 8) | buf[offset + 3]!) + 1) * 4;
    const next = offset + bytes;
    if (next > length) return null;
    let end = next;
    if ((b0 & 0x20) !== 0) {
      if (next !== length) return null; // only the last packet may be padded
      const pad = buf[next - 1]!;
      if (pad === 0 || pad > bytes - 4) return null;
      end = next - pad;
    }
    const packet = parseOne(buf, offset, end, b0 & 0x1f, buf[offset + 1]!);
    if (packet === null) return null;
    packets.push(packet);
    offset = next;
  }
  return packets;
}
