import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RtpHeader,
  SequenceExtender,
  isRtcpPacket,
  parseRtpHeader,
  seqAdd,
  seqAfter,
  seqDiff,
  timestampDiff,
  writeRtpHeader,
} from './rtp.ts';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

test('parses a plain PCMU packet', () => {
  // V=2, M=1, PT=0, seq=0x1234, ts=0xdeadbeef, ssrc=0x01020304, 4 payload bytes
  const pkt = hex('80 80 1234 deadbeef 01020304 ffffffff');
  const h = new RtpHeader();
  assert.equal(parseRtpHeader(pkt, pkt.length, h), true);
  assert.equal(h.marker, true);
  assert.equal(h.payloadType, 0);
  assert.equal(h.sequenceNumber, 0x1234);
  assert.equal(h.timestamp, 0xdeadbeef);
  assert.equal(h.ssrc, 0x01020304);
  assert.equal(h.payloadOffset, 12);
  assert.equal(h.payloadLength, 4);
});

test('parses CSRC list, header extension and padding', () => {
  // CC=2, X=1, P=1; extension profile 0xBEDE with 1 word; payload 2 bytes; padding 2
  const pkt = hex('b2 08 0001 00000010 00000001 0000000a 0000000b bede0001 11223344 aabb 0002');
  const h = new RtpHeader();
  assert.equal(parseRtpHeader(pkt, pkt.length, h), true);
  assert.equal(h.payloadType, 8);
  assert.equal(h.csrcCount, 2);
  assert.deepEqual([h.csrc[0], h.csrc[1]], [10, 11]);
  assert.equal(h.extensionProfile, 0xbede);
  assert.equal(h.extensionOffset, 24);
  assert.equal(h.extensionLength, 4);
  assert.equal(h.paddingLength, 2);
  assert.equal(h.payloadOffset, 28);
  assert.equal(h.payloadLength, 2);
  assert.deepEqual([...pkt.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)], [0xaa, 0xbb]);
});

test('rejects invalid packets without throwing', () => {
  const h = new RtpHeader();
  const cases = [
    hex('80 00 0001 00000000'), // too short
    hex('40 00 0001 00000000 00000000'), // version 1
    hex('83 00 0001 00000000 00000000 00000001'), // CC=3 overruns
    hex('90 00 0001 00000000 00000000 bede'), // extension header truncated
    hex('90 00 0001 00000000 00000000 bede0002 00000000'), // extension data overruns
    hex('a0 00 0001 00000000 00000000 aa00'), // padding count 0
    hex('a0 00 0001 00000000 00000000 aa09'), // padding larger than packet
  ];
  for (const pkt of cases) assert.equal(parseRtpHeader(pkt, pkt.length, h), false, Buffer.from(pkt).toString('hex'));
  // length beyond the buffer
  assert.equal(parseRtpHeader(new Uint8Array(12), 20, h), false);
});

test('honours the length argument (reused receive buffer)', () => {
  const buf = new Uint8Array(1500);
  const n = writeRtpHeader(buf, 0, { payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3 });
  const h = new RtpHeader();
  assert.equal(parseRtpHeader(buf, n + 160, h), true);
  assert.equal(h.payloadLength, 160);
});

test('write → parse round trip (property)', () => {
  const buf = new Uint8Array(200);
  const h = new RtpHeader();
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 127 }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
      (payloadType, sequenceNumber, timestamp, ssrc, marker, csrc) => {
        const n = writeRtpHeader(buf, 0, { payloadType, sequenceNumber, timestamp, ssrc, marker, csrc });
        assert.equal(n, 12 + 4 * csrc.length);
        assert.equal(parseRtpHeader(buf, n + 10, h), true);
        assert.equal(h.payloadType, payloadType);
        assert.equal(h.sequenceNumber, sequenceNumber);
        assert.equal(h.timestamp, timestamp);
        assert.equal(h.ssrc, ssrc);
        assert.equal(h.marker, marker);
        assert.deepEqual([...h.csrc.subarray(0, h.csrcCount)], csrc);
        assert.equal(h.payloadLength, 10);
      },
    ),
  );
});

test('parser never throws on random bytes (fuzz)', () => {
  const h = new RtpHeader();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const ok = parseRtpHeader(bytes, bytes.length, h);
      if (ok) assert.ok(h.payloadOffset + h.payloadLength + h.paddingLength === bytes.length && h.payloadLength >= 0);
    }),
    { numRuns: 2000 },
  );
});

test('write throws RangeError when the buffer is too small', () => {
  assert.throws(() => writeRtpHeader(new Uint8Array(11), 0, { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 }), RangeError);
});

test('RTCP demultiplexing by packet type (RFC 5761 §4)', () => {
  assert.equal(isRtcpPacket(hex('80c8')), true); // SR 200
  assert.equal(isRtcpPacket(hex('81c9')), true); // RR 201
  assert.equal(isRtcpPacket(hex('8000')), false); // PCMU
  assert.equal(isRtcpPacket(hex('80e5')), false); // telephone-event 101 with marker
  assert.equal(isRtcpPacket(hex('80')), false);
});

test('sequence arithmetic wraps at 2^16', () => {
  assert.equal(seqDiff(1, 65535), 2);
  assert.equal(seqDiff(65535, 1), -2);
  assert.equal(seqDiff(100, 100), 0);
  assert.equal(seqDiff(32767, 0), 32767);
  assert.equal(seqDiff(32768, 0), -32768);
  assert.equal(seqAfter(0, 65535), true);
  assert.equal(seqAfter(65535, 0), false);
  assert.equal(seqAdd(65535, 1), 0);
  assert.equal(seqAdd(0, -1), 65535);
  assert.equal(timestampDiff(10, 0xfffffff6), 20);
  assert.equal(timestampDiff(0xfffffff6, 10), -20);
});

test('SequenceExtender counts cycles and places stragglers in the previous cycle', () => {
  const x = new SequenceExtender();
  assert.equal(x.extend(65534), 65534);
  assert.equal(x.extend(65535), 65535);
  assert.equal(x.extend(0), 65536);
  assert.equal(x.extend(65533), 65533); // reordered from before the wrap
  assert.equal(x.extend(1), 65537);
  assert.equal(x.highestExtended, 65537);
  x.reset();
  assert.equal(x.extend(7), 7);
});

test('a packet inside a larger buffer parses as it does alone, offsets counted in the buffer (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 80 }),
      fc.nat(40),
      fc.nat(40),
      (packet, before, after) => {
        // Some valid packets among the random ones: version 2 in the first byte.
        if (packet.length > 0) packet[0] = (packet[0]! & 0x3f) | 0x80;
        const buf = new Uint8Array(before + packet.length + after).fill(0xaa);
        buf.set(packet, before);
        const alone = new RtpHeader();
        const inside = new RtpHeader();
        const ok = parseRtpHeader(packet, packet.length, alone);
        assert.equal(parseRtpHeader(buf, packet.length, inside, before), ok);
        if (!ok) return;
        assert.equal(inside.payloadOffset, alone.payloadOffset + before);
        assert.equal(inside.payloadLength, alone.payloadLength);
        if (alone.extension) assert.equal(inside.extensionOffset, alone.extensionOffset + before);
        assert.deepEqual({ ...inside, payloadOffset: 0, extensionOffset: 0 }, { ...alone, payloadOffset: 0, extensionOffset: 0 });
        assert.equal(isRtcpPacket(buf, packet.length, before), isRtcpPacket(packet));
      },
    ),
  );
  assert.equal(parseRtpHeader(new Uint8Array(20), 12, new RtpHeader(), 10), false, 'runs past the buffer');
});
