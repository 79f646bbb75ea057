/**
 * RTP fixed header codec (RFC 3550 §5.1) and sequence-number arithmetic.
 *
 * Parsing fills a caller-owned {@link RtpHeader} (no allocation; the payload is described
 * by offset and length into the packet); writing goes into a preallocated buffer. Invalid
 * packets make `parseRtpHeader` return false: a socket must never throw on what the
 * network sends it.
 */

/** Size of the fixed RTP header in bytes (RFC 3550 §5.1). */
export const RTP_HEADER_SIZE = 12;
/** The only RTP version in use (RFC 3550 §5.1: V = 2). */
export const RTP_VERSION = 2;
/** Most CSRC identifiers a header can carry (4-bit CC). */
export const RTP_MAX_CSRC = 15;

/** A parsed RTP header, meant to be reused across packets. */
export class RtpHeader {
  /** Version field; always 2 after a successful parse. */
  version = RTP_VERSION;
  /** P bit: the packet ends with padding (already excluded from the payload). */
  padding = false;
  /** X bit: a header extension follows the CSRC list (RFC 3550 §5.3.1). */
  extension = false;
  /** CC: number of valid entries in {@link csrc}. */
  csrcCount = 0;
  /** M bit; for audio, the first packet of a talkspurt (RFC 3551 §4.1). */
  marker = false;
  /** PT, 0–127. */
  payloadType = 0;
  /** 16-bit sequence number. */
  sequenceNumber = 0;
  /** 32-bit RTP timestamp, in clock-rate units. */
  timestamp = 0;
  /** 32-bit synchronization source, unsigned. */
  ssrc = 0;
  /** CSRC identifiers; only the first {@link csrcCount} are meaningful. */
  readonly csrc = new Uint32Array(RTP_MAX_CSRC);
  /** Profile-defined 16 bits of the header extension (0 when none). */
  extensionProfile = 0;
  /** Byte offset of the extension data (after its 4-byte header) within the packet. */
  extensionOffset = 0;
  /** Length of the extension data in bytes (a multiple of 4). */
  extensionLength = 0;
  /** Number of padding bytes at the end of the packet (0 when P is clear). */
  paddingLength = 0;
  /** Byte offset of the payload within the packet. */
  payloadOffset = 0;
  /** Payload length in bytes, padding excluded. */
  payloadLength = 0;
}

/** Fields needed to write an RTP header. */
export interface RtpWriteFields {
  /** PT, 0–127. */
  payloadType: number;
  /** 16-bit sequence number (masked). */
  sequenceNumber: number;
  /** 32-bit RTP timestamp (masked). */
  timestamp: number;
  /** 32-bit SSRC. */
  ssrc: number;
  /** M bit (default false). */
  marker?: boolean;
  /** CSRC identifiers to write (at most 15; default none). */
  csrc?: ArrayLike<number>;
}

/**
 * True when the packet is RTCP rather than RTP on a multiplexed port: RFC 5761 §4 sets
 * RTCP packet types 192–223 apart from RTP payload types (second byte with M bit).
 */
export function isRtcpPacket(buf: Uint8Array, length = buf.length, start = 0): boolean {
  if (length < 2) return false;
  const pt = buf[start + 1]!;
  return pt >= 192 && pt <= 223;
}

/**
 * Parses an RTP header into `out`.
 * @param buf the packet
 * @param length bytes of `buf` that belong to the packet (default: all)
 * @param out reused header object; undefined content when false is returned
 * @param start where the packet starts in `buf` (default 0); `out`'s payload and extension
 *   offsets are indexes into `buf`, this included
 * @returns false when the packet is not valid RTP (too short, version ≠ 2, CSRC list or
 *   extension overrunning the packet, bad padding count)
 */
export function parseRtpHeader(buf: Uint8Array, length: number, out: RtpHeader, start = 0): boolean {
  if (start < 0 || start + length > buf.length || length < RTP_HEADER_SIZE) return false;
  const s = start;
  const b0 = buf[s]!;
  if (b0 >> 6 !== RTP_VERSION) return false;
  const b1 = buf[s + 1]!;
  out.version = RTP_VERSION;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.csrcCount = b0 & 0x0f;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[s + 2]! << 8) | buf[s + 3]!;
  out.timestamp = readU32(buf, s + 4);
  out.ssrc = readU32(buf, s + 8);
  // `offset` counts from the packet's start.
  let offset = RTP_HEADER_SIZE + 4 * out.csrcCount;
  if (offset > length) return false;
  for (let i = 0; i < out.csrcCount; i++) out.csrc[i] = readU32(buf, s + RTP_HEADER_SIZE + 4 * i);
  out.extensionProfile = 0;
  out.extensionOffset = 0;
  out.extensionLength = 0;
  if (out.extension) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the data.
    if (offset + 4 > length) return false;
    out.extensionProfile = (buf[s + offset]! << 8) | buf[s + offset + 1]!;
    out.extensionLength = ((buf[s + offset + 2]! << 8) | buf[s + offset + 3]!) * 4;
    out.extensionOffset = s + offset + 4;
    offset += 4 + out.extensionLength;
    if (offset > length) return false;
  }
  out.paddingLength = 0;
  if (out.padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const count = buf[s + length - 1]!;
    if (count === 0 || offset + count > length) return false;
    out.paddingLength = count;
  }
  out.payloadOffset = s + offset;
  out.payloadLength = length - offset - out.paddingLength;
  return true;
}

/**
 * Writes an RTP header (no extension, no padding) at `offset` of `buf`.
 * @returns the number of header bytes written (12 + 4 × CSRC count)
 * @throws RangeError when the buffer is too small (a programming error)
 */
export function writeRtpHeader(buf: Uint8Array, offset: number, fields: RtpWriteFields): number {
  const csrc = fields.csrc;
  const cc = csrc === undefined ? 0 : Math.min(csrc.length, RTP_MAX_CSRC);
  const size = RTP_HEADER_SIZE + 4 * cc;
  if (offset + size > buf.length) throw new RangeError(`RTP header does not fit [need:${size}]`);
  buf[offset] = (RTP_VERSION << 6) | cc;
  buf[offset + 1] = (fields.marker === true ? 0x80 : 0) | (fields.payloadType & 0x7f);
  buf[offset + 2] = (fields.sequenceNumber >> 8) & 0xff;
  buf[offset + 3] = fields.sequenceNumber & 0xff;
  writeU32(buf, offset + 4, fields.timestamp);
  writeU32(buf, offset + 8, fields.ssrc);
  for (let i = 0; i < cc; i++) writeU32(buf, offset + RTP_HEADER_SIZE + 4 * i, csrc![i]!);
  return size;
}

/** Reads a big-endian unsigned 32-bit integer. */
export function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

/** Writes a big-endian 32-bit integer (the value is taken modulo 2^32). */
export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

/**
 * Signed distance `a − b` between two 16-bit sequence numbers, in [−32768, 32767]:
 * positive when `a` comes after `b` across the wrap (RFC 3550 §A.1 arithmetic).
 */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** True when sequence number `a` is after `b` (modulo 2^16). */
export function seqAfter(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** Adds `n` (may be negative) to a sequence number, wrapping at 2^16. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Signed distance `a − b` between two 32-bit RTP timestamps. */
export function timestampDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Extends 16-bit sequence numbers to a monotonic counter (cycles × 65536 + seq), as
 * RFC 3550 §A.1 does for the "extended highest sequence number received". Packets from
 * just before a wrap that arrive after it are placed in the previous cycle.
 */
export class SequenceExtender {
  private started = false;
  private highest = 0;

  /** The largest extended sequence number seen so far (0 before the first packet). */
  get highestExtended(): number {
    return this.highest;
  }

  /** Forgets all state (new SSRC). */
  reset(): void {
    this.started = false;
    this.highest = 0;
  }

  /**
   * @param seq a 16-bit sequence number
   * @returns its extended value, relative to the highest seen so far
   */
  extend(seq: number): number {
    if (!this.started) {
      this.started = true;
      this.highest = seq & 0xffff;
      return this.highest;
    }
    const extended = this.highest + seqDiff(seq, this.highest & 0xffff);
    if (extended > this.highest) this.highest = extended;
    return extended;
  }
}
