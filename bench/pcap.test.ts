// Hand-run with the bench: `node --import tsx --test bench/pcap.test.ts bench/spacing.test.ts`
// (scripts/run-tests.mjs covers src/ and test/ only). Synthetic files: no tcpdump needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkType, readPcapHeader, udpDatagrams } from './pcap.ts';

/** An IPv4 + UDP packet from 127.0.0.1:src to 127.0.0.1:dst with `payload`. */
function ipv4Udp(src: number, dst: number, payload: number[]): Buffer {
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(src, 0);
  udp.writeUInt16BE(dst, 2);
  udp.writeUInt16BE(udp.length, 4);
  Buffer.from(payload).copy(udp, 8);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udp.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ip.set([127, 0, 0, 1], 12);
  ip.set([127, 0, 0, 1], 16);
  return Buffer.concat([ip, udp]);
}

/** An IPv6 + UDP packet. */
function ipv6Udp(src: number, dst: number, payload: number[]): Buffer {
  const v4 = ipv4Udp(src, dst, payload).subarray(20);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(v4.length, 4);
  ip[6] = 17;
  return Buffer.concat([ip, v4]);
}

interface Rec {
  sec: number;
  frac: number;
  frame: Buffer;
  /** Captured bytes (default all). */
  caplen?: number;
}

function pcap(linkType: number, records: Rec[], opts: { nanos?: boolean; bigEndian?: boolean } = {}): Buffer {
  const le = opts.bigEndian !== true;
  const u32 = (b: Buffer, v: number, at: number): number => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const u16 = (b: Buffer, v: number, at: number): number => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const head = Buffer.alloc(24);
  u32(head, opts.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(head, 2, 4);
  u16(head, 4, 6);
  u32(head, 262144, 16);
  u32(head, linkType, 20);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const h = Buffer.alloc(16);
    const caplen = r.caplen ?? r.frame.length;
    u32(h, r.sec, 0);
    u32(h, r.frac, 4);
    u32(h, caplen, 8);
    u32(h, r.frame.length, 12);
    parts.push(h, r.frame.subarray(0, caplen));
  }
  return Buffer.concat(parts);
}

const ether = (ethertype: number, packet: Buffer): Buffer => {
  const h = Buffer.alloc(14);
  h.writeUInt16BE(ethertype, 12);
  return Buffer.concat([h, packet]);
};

const RTP = [0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0, 0, 0, 1];

test('reads tcpdump -i lo: Ethernet with zero MACs, nanosecond timestamps', () => {
  const file = pcap(LinkType.EN10MB, [
    { sec: 1_700_000_000, frac: 123_456_789, frame: ether(0x0800, ipv4Udp(34000, 44000, RTP)) },
    { sec: 1_700_000_000, frac: 143_456_789, frame: ether(0x0800, ipv4Udp(34000, 44000, RTP)) },
  ], { nanos: true });
  assert.deepEqual(readPcapHeader(file), { linkType: 1, nanos: true, littleEndian: true, snaplen: 262144 });
  const got = [...udpDatagrams(file)];
  assert.equal(got.length, 2);
  assert.equal(got[0]!.srcPort, 34000);
  assert.equal(got[0]!.dstPort, 44000);
  assert.deepEqual([...got[0]!.payload], RTP);
  // ns precision survives as epoch ms (to well under a microsecond).
  assert.ok(Math.abs(got[1]!.timeMs - got[0]!.timeMs - 20) < 1e-3);
  assert.ok(Math.abs(got[0]!.timeMs - 1_700_000_000_123.4568) < 1e-3);
});

test('reads microsecond and big-endian files', () => {
  const file = pcap(LinkType.EN10MB, [{ sec: 10, frac: 250, frame: ether(0x0800, ipv4Udp(1, 2, [])) }], { bigEndian: true });
  const [d] = [...udpDatagrams(file)];
  assert.equal(d!.timeMs, 10_000.25);
  assert.equal(readPcapHeader(file).nanos, false);
});

test('reads the other loopback and cooked link types, IPv4 and IPv6', () => {
  const v4 = ipv4Udp(5004, 6000, RTP);
  const v6 = ipv6Udp(5006, 6002, RTP);
  const nullHead = (family: number, bigEndian: boolean): Buffer => {
    const b = Buffer.alloc(4);
    if (bigEndian) b.writeUInt32BE(family);
    else b.writeUInt32LE(family);
    return b;
  };
  const sll = (proto: number): Buffer => {
    const b = Buffer.alloc(16);
    b.writeUInt16BE(proto, 14);
    return b;
  };
  const sll2 = (proto: number): Buffer => {
    const b = Buffer.alloc(20);
    b.writeUInt16BE(proto, 0);
    return b;
  };
  const cases: Array<[number, Buffer[]]> = [
    [LinkType.NULL, [Buffer.concat([nullHead(2, false), v4]), Buffer.concat([nullHead(30, false), v6])]],
    [LinkType.LOOP, [Buffer.concat([nullHead(2, true), v4]), Buffer.concat([nullHead(24, true), v6])]],
    [LinkType.RAW, [v4, v6]],
    [LinkType.LINUX_SLL, [Buffer.concat([sll(0x0800), v4]), Buffer.concat([sll(0x86dd), v6])]],
    [LinkType.LINUX_SLL2, [Buffer.concat([sll2(0x0800), v4]), Buffer.concat([sll2(0x86dd), v6])]],
  ];
  for (const [linkType, frames] of cases) {
    const got = [...udpDatagrams(pcap(linkType, frames.map((frame, i) => ({ sec: 1, frac: i, frame }))))];
    assert.deepEqual(got.map((d) => [d.srcPort, d.dstPort, d.payload.length]), [[5004, 6000, 12], [5006, 6002, 12]], `link type ${linkType}`);
  }
});

test('skips what is not UDP, later fragments, a VLAN tag is followed, a truncated last record is dropped', () => {
  const tcp = ipv4Udp(1, 2, []);
  tcp[9] = 6;
  const fragment = ipv4Udp(1, 2, []);
  fragment.writeUInt16BE(0x0010, 6); // fragment offset 16
  const vlan = Buffer.concat([Buffer.alloc(12), Buffer.from([0x81, 0x00, 0, 5, 0x08, 0x00]), ipv4Udp(7, 8, [])]);
  const file = pcap(LinkType.EN10MB, [
    { sec: 1, frac: 0, frame: ether(0x0800, tcp) },
    { sec: 1, frac: 1, frame: ether(0x0800, fragment) },
    { sec: 1, frac: 2, frame: ether(0x0806, Buffer.alloc(28)) },
    { sec: 1, frac: 3, frame: vlan },
    { sec: 1, frac: 4, frame: ether(0x0800, ipv4Udp(9, 10, RTP)) },
  ]);
  const got = [...udpDatagrams(file.subarray(0, file.length - 5))];
  assert.deepEqual(got.map((d) => d.srcPort), [7]);
});

test('a snaplen shorter than the packet keeps the headers and what fits of the payload', () => {
  const frame = ether(0x0800, ipv4Udp(34000, 44000, [...RTP, ...Array<number>(160).fill(0xff)]));
  const [d] = [...udpDatagrams(pcap(LinkType.EN10MB, [{ sec: 1, frac: 0, frame, caplen: 64 }]))];
  assert.equal(d!.payload.length, 64 - 14 - 20 - 8);
  assert.equal(d!.payload[2], 0x12);
});

test('refuses pcapng and unknown files with a clear error', () => {
  const ng = Buffer.alloc(28);
  ng.writeUInt32BE(0x0a0d0d0a, 0);
  assert.throws(() => readPcapHeader(ng), /pcapng is not supported/);
  assert.throws(() => readPcapHeader(Buffer.alloc(24)), /not a pcap file/);
  assert.throws(() => [...udpDatagrams(pcap(147, [{ sec: 0, frac: 0, frame: Buffer.alloc(40) }]))], /unsupported pcap link type \[linktype:147\]/);
});
