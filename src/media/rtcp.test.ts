import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  roundTripMs,
  writeBye,
  writeReceiverReport,
  writeSdesCname,
  writeSenderReport,
} from './rtcp.ts';
import type { ReportBlock } from './rtcp.ts';
import { InterarrivalJitter, ReceptionStats } from './rtp-stats.ts';

const block: ReportBlock = {
  ssrc: 0x11223344,
  fractionLost: 25,
  cumulativeLost: -3,
  extendedHighestSeq: 0x1_0005,
  jitter: 42,
  lastSr: 0xaabbccdd,
  delaySinceLastSr: 65536,
};

test('SR + SDES + BYE compound packet round-trips', () => {
  const buf = new Uint8Array(256);
  let n = writeSenderReport(buf, 0, {
    ssrc: 0xcafebabe,
    sender: { ntpSeconds: 3900000000, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 50, octetCount: 8000 },
    reports: [block],
  });
  assert.equal(n, 52);
  n += writeSdesCname(buf, n, 0xcafebabe, 'agentline@host');
  n += writeBye(buf, n, 0xcafebabe);
  assert.equal(n % 4, 0);
  const packets = parseRtcp(buf, n);
  assert.ok(packets);
  assert.equal(packets.length, 3);
  const [sr, sdes, bye] = packets;
  assert.equal(sr?.type, 'sr');
  if (sr?.type === 'sr') {
    assert.equal(sr.ssrc, 0xcafebabe);
    assert.equal(sr.sender.packetCount, 50);
    assert.equal(sr.sender.ntpFraction, 0x80000000);
    assert.deepEqual(sr.reports, [block]);
  }
  assert.deepEqual(sdes, { type: 'sdes', chunks: [{ ssrc: 0xcafebabe, cname: 'agentline@host' }] });
  assert.deepEqual(bye, { type: 'bye', ssrcs: [0xcafebabe] });
});

test('RR with zero and with several blocks', () => {
  const buf = new Uint8Array(256);
  assert.equal(writeReceiverReport(buf, 0, { ssrc: 1, reports: [] }), 8);
  assert.deepEqual(parseRtcp(buf, 8), [{ type: 'rr', ssrc: 1, reports: [] }]);
  const n = writeReceiverReport(buf, 0, { ssrc: 2, reports: [block, { ...block, ssrc: 9, cumulativeLost: 0x7fffff }] });
  assert.equal(n, 56);
  const p = parseRtcp(buf, n)?.[0];
  assert.equal(p?.type, 'rr');
  if (p?.type === 'rr') assert.equal(p.reports[1]?.cumulativeLost, 0x7fffff);
});

test('wire format of an RR header (RFC 3550 §6.4.2)', () => {
  const buf = new Uint8Array(32);
  writeReceiverReport(buf, 0, { ssrc: 0x01020304, reports: [block] });
  assert.equal(Buffer.from(buf.subarray(0, 8)).toString('hex'), '81c9000701020304');
});

test('invalid RTCP returns null', () => {
  assert.equal(parseRtcp(new Uint8Array([0x80, 0xc8])), null);
  assert.equal(parseRtcp(Uint8Array.from([0x40, 0xc9, 0, 1, 0, 0, 0, 1])), null); // version 1
  assert.equal(parseRtcp(Uint8Array.from([0x80, 0xc9, 0, 5, 0, 0, 0, 1])), null); // length overruns
  assert.equal(parseRtcp(Uint8Array.from([0x81, 0xc9, 0, 1, 0, 0, 0, 1])), null); // RC=1 without block
  // padding on a packet that is not last
  const buf = new Uint8Array(16);
  writeReceiverReport(buf, 0, { ssrc: 1, reports: [] });
  writeReceiverReport(buf, 8, { ssrc: 2, reports: [] });
  buf[0] = buf[0]! | 0x20;
  assert.equal(parseRtcp(buf), null);
});

test('unknown packet types are kept by number', () => {
  const buf = Uint8Array.from([0x80, 0xcd, 0, 1, 0, 0, 0, 1]); // 205 RTPFB
  assert.deepEqual(parseRtcp(buf), [{ type: 'other', packetType: 205 }]);
});

test('parser never throws on random bytes (fuzz)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      parseRtcp(bytes);
    }),
    { numRuns: 2000 },
  );
});

test('NTP conversion and round-trip time (RFC 3550 §6.4.1)', () => {
  const [sec, frac] = ntpFromUnixMs(1_000_500);
  assert.equal(sec, 2208988800 + 1000);
  assert.equal(frac, 0x80000000);
  const sentAt = 1_700_000_000_000;
  const [s, f] = ntpFromUnixMs(sentAt);
  const lsr = ntpMiddle32(s, f);
  // Peer held the SR 100 ms, then the report came back 350 ms after we sent it: RTT 250 ms.
  const rtt = roundTripMs({ ...block, lastSr: lsr, delaySinceLastSr: Math.round(0.1 * 65536) }, sentAt + 350);
  assert.ok(rtt !== undefined && Math.abs(rtt - 250) < 0.1, String(rtt));
  assert.equal(roundTripMs({ ...block, lastSr: 0 }, sentAt), undefined);
});

test('interarrival jitter: zero for a perfect stream, converges to |D| for alternating delay', () => {
  const j = new InterarrivalJitter(8000);
  for (let i = 0; i < 100; i++) j.update((0xfffff000 + i * 160) >>> 0, 1000 + i * 20); // wraps the timestamp
  assert.equal(j.jitter, 0);
  const k = new InterarrivalJitter(8000);
  for (let i = 0; i < 2000; i++) k.update(i * 160, i * 20 + (i % 2 === 0 ? 0 : 5)); // |D| = 5 ms = 40 units
  assert.ok(Math.abs(k.jitter - 40) < 0.5, String(k.jitter));
  assert.ok(Math.abs(k.jitterMs - 5) < 0.1);
});

test('reception stats: loss, fraction lost and wrap (RFC 3550 §A.3)', () => {
  const r = new ReceptionStats();
  for (let i = 0; i < 100; i++) if (i % 10 !== 3) r.update((65500 + i) & 0xffff);
  const snap = r.snapshot();
  assert.equal(snap.expected, 100);
  assert.equal(snap.received, 90);
  assert.equal(snap.cumulativeLost, 10);
  assert.equal(snap.fractionLost, Math.floor((10 * 256) / 100));
  assert.equal(snap.extendedHighestSeq, 65500 + 99);
  // Next interval without loss reports fraction 0 but keeps the cumulative count.
  for (let i = 100; i < 150; i++) r.update((65500 + i) & 0xffff);
  const snap2 = r.snapshot();
  assert.equal(snap2.fractionLost, 0);
  assert.equal(snap2.cumulativeLost, 10);
});

test('reception stats: a big jump is confirmed by the next packet before restarting', () => {
  const r = new ReceptionStats();
  r.update(10);
  r.update(11);
  assert.equal(r.update(40000), false);
  assert.equal(r.update(40001), true);
  assert.equal(r.expected, 1);
  assert.equal(r.received, 1);
});

test('SDES CNAME: ASCII written directly, UTF-8 otherwise, both cut at 255 bytes', () => {
  const buf = new Uint8Array(300);
  for (const cname of ['agentline-1f2e3d4c', 'agent·line-é', 'x'.repeat(300)]) {
    const n = writeSdesCname(buf, 0, 7, cname);
    const expected = Buffer.from(cname, 'utf8').subarray(0, 255);
    assert.equal(buf[9], expected.length);
    assert.deepEqual(Buffer.from(buf.subarray(10, 10 + expected.length)), expected);
    assert.ok(n % 4 === 0 && buf[10 + expected.length] === 0, 'null-terminated, padded');
  }
  fc.assert(fc.property(fc.string({ maxLength: 40 }), (cname) => {
    const n = writeSdesCname(buf, 0, 7, cname);
    const sdes = parseRtcp(buf, n)?.[0];
    return sdes?.type === 'sdes' && sdes.chunks[0]?.cname === Buffer.from(cname, 'utf8').toString('utf8');
  }));
});

test('at most 31 report blocks are written', () => {
  const one: ReportBlock = { ssrc: 1, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 };
  const buf = new Uint8Array(2048);
  const n = writeReceiverReport(buf, 0, { ssrc: 2, reports: Array.from({ length: 40 }, () => one) });
  assert.equal(n, 8 + 24 * 31);
  assert.equal(buf[0]! & 0x1f, 31);
});
