/**
 * A reader of classic pcap files (the format `tcpdump -w` writes; not pcapng) that yields
 * the UDP datagrams with their capture timestamps. Format: a 24-byte global header (magic,
 * version, zone, sigfigs, snaplen, link type), then per packet a 16-byte record header
 * (seconds, fraction, captured length, original length) and the captured bytes. The magic
 * gives the byte order and the fraction's unit: 0xa1b2c3d4 µs, 0xa1b23c4d ns.
 * Link types: Ethernet (what Linux `lo` gives, with zero MACs), BSD loopback (NULL, LOOP),
 * raw IP, Linux cooked captures v1 and v2 (`-i any`). IPv4 (first fragments only) and IPv6
 * without extension headers.
 */

/** Link-layer header types (tcpdump.org/linktypes.html). */
export const LinkType = { NULL: 0, EN10MB: 1, RAW_BSD: 12, RAW: 101, LOOP: 108, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

/** A UDP datagram of a capture. */
export interface PcapUdp {
  /** Capture time, ms since the Unix epoch (the kernel's timestamp; sub-µs when the file is in ns). */
  timeMs: number;
  srcPort: number;
  dstPort: number;
  /** The captured part of the UDP payload (a view into the file's buffer). */
  payload: Uint8Array;
}

/** The global header's fields that matter here. */
export interface PcapHeader {
  linkType: number;
  /** True when the record fractions are nanoseconds (else microseconds). */
  nanos: boolean;
  littleEndian: boolean;
  snaplen: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const IPPROTO_UDP = 17;

/** Parses the 24-byte global header. @throws Error for pcapng or an unknown magic */
export function readPcapHeader(buf: Uint8Array): PcapHeader {
  if (buf.length < 24) throw new Error(`pcap too short [bytes:${buf.length}]`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magicBe = view.getUint32(0, false);
  const magicLe = view.getUint32(0, true);
  let littleEndian: boolean;
  let nanos: boolean;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    littleEndian = true;
    nanos = magicLe === 0xa1b23c4d;
  } else if (magicBe === 0xa1b2c3d4 || magicBe === 0xa1b23c4d) {
    littleEndian = false;
    nanos = magicBe === 0xa1b23c4d;
  } else if (magicBe === 0x0a0d0d0a) {
    throw new Error('pcapng is not supported: write classic pcap (tcpdump -w does by default)');
  } else {
    throw new Error(`not a pcap file [magic:0x${magicBe.toString(16)}]`);
  }
  return { linkType: view.getUint32(20, littleEndian), nanos, littleEndian, snaplen: view.getUint32(16, littleEndian) };
}

/**
 * The UDP datagrams of a classic pcap file, in file order; other packets are skipped, and
 * so is a truncated last record (a capture stopped mid-write).
 */
export function* udpDatagrams(buf: Uint8Array): Generator<PcapUdp> {
  const header = readPcapHeader(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = header.littleEndian;
  const unit = header.nanos ? 1e-6 : 1e-3;
  for (let off = 24; off + 16 <= buf.length;) {
    const sec = view.getUint32(off, le);
    const frac = view.getUint32(off + 4, le);
    const caplen = view.getUint32(off + 8, le);
    const start = off + 16;
    off = start + caplen;
    if (off > buf.length) return;
    const udp = udpOf(buf.subarray(start, off), header.linkType);
    if (udp !== undefined) yield { timeMs: sec * 1000 + frac * unit, ...udp };
  }
}

/** Network-layer protocol and offset of a frame, per link type. */
function networkOf(frame: Uint8Array, linkType: number): { ethertype: number; offset: number } | undefined {
  switch (linkType) {
    case LinkType.EN10MB: {
      if (frame.length < 14) return undefined;
      let offset = 12;
      let ethertype = be16(frame, offset);
      while (ethertype === ETHERTYPE_VLAN && frame.length >= offset + 6) {
        offset += 4;
        ethertype = be16(frame, offset);
      }
      return { ethertype, offset: offset + 2 };
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (frame.length < 4) return undefined;
      // The family is in the capturing host's byte order (NULL) or network order (LOOP): try both.
      const family = frame[0] === 0 ? be32(frame, 0) : le32(frame, 0);
      if (family === 2) return { ethertype: ETHERTYPE_IPV4, offset: 4 };
      if (family === 24 || family === 28 || family === 30) return { ethertype: ETHERTYPE_IPV6, offset: 4 };
      return undefined;
    }
    case LinkType.RAW:
    case LinkType.RAW_BSD: {
      const version = (frame[0] ?? 0) >> 4;
      return { ethertype: version === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, offset: 0 };
    }
    case LinkType.LINUX_SLL:
      return frame.length < 16 ? undefined : { ethertype: be16(frame, 14), offset: 16 };
    case LinkType.LINUX_SLL2:
      return frame.length < 20 ? undefined : { ethertype: be16(frame, 0), offset: 20 };
    default:
      throw new Error(`unsupported pcap link type [linktype:${linkType}]`);
  }
}

/** The UDP header fields and payload of a frame, or undefined for anything else. */
function udpOf(frame: Uint8Array, linkType: number): Omit<PcapUdp, 'timeMs'> | undefined {
  const net = networkOf(frame, linkType);
  if (net === undefined) return undefined;
  let udp: number;
  if (net.ethertype === ETHERTYPE_IPV4) {
    const ip = net.offset;
    if (frame.length < ip + 20 || frame[ip]! >> 4 !== 4) return undefined;
    // Later fragments carry no UDP header.
    if (frame[ip + 9] !== IPPROTO_UDP || (be16(frame, ip + 6) & 0x1fff) !== 0) return undefined;
    udp = ip + (frame[ip]! & 0x0f) * 4;
  } else if (net.ethertype === ETHERTYPE_IPV6) {
    const ip = net.offset;
    if (frame.length < ip + 40 || frame[ip + 6] !== IPPROTO_UDP) return undefined;
    udp = ip + 40;
  } else {
    return undefined;
  }
  if (frame.length < udp + 8) return undefined;
  return { srcPort: be16(frame, udp), dstPort: be16(frame, udp + 2), payload: frame.subarray(udp + 8) };
}

function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function le32(b: Uint8Array, at: number): number {
  return ((b[at + 3]! << 24) | (b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!) >>> 0;
}
