import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpOutbound } from './rtp-outbound.ts';
import { RtpInbound } from './rtp-inbound.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import { RtpHeader, parseRtpHeader, writeRtpHeader } from './rtp.ts';
import { dominantFrequency, generateTone } from './tone.ts';

function outbound(name: 'PCMU' | 'PCMA' = 'PCMU', pt = 0): RtpOutbound {
  return new RtpOutbound({ codec: { name, pt }, telephoneEventPt: 101, ssrc: 0x1234, initialSeq: 65534, initialTimestamp: 0xffffff00 });
}

function inbound(name: 'PCMU' | 'PCMA' = 'PCMU', pt = 0): { rx: RtpInbound; digits: DtmfEvent[] } {
  const digits: DtmfEvent[] = [];
  return { rx: new RtpInbound({ codec: { name, pt }, telephoneEventPt: 101, onDigit: (d) => digits.push(d) }), digits };
}

test('outbound: seq and timestamp wrap, marker on the first packet, silence when idle', () => {
  const tx = outbound();
  const h = new RtpHeader();
  const seen: [number, number, boolean, number][] = [];
  for (let tick = 10; tick < 14; tick++) {
    const n = tx.build(tick);
    assert.equal(n, 172);
    assert.ok(parseRtpHeader(tx.packet, n, h));
    seen.push([h.sequenceNumber, h.timestamp, h.marker, tx.packet[12]!]);
  }
  assert.deepEqual(seen, [
    [65534, 0xffffff00, true, 0xff],
    [65535, 0xffffffa0, false, 0xff],
    [0, 0x40, false, 0xff],
    [1, 0xe0, false, 0xff],
  ]);
  assert.equal(h.ssrc, 0x1234);
  // A skipped tick (stalled clock) shows as a timestamp jump, not a sequence gap.
  tx.build(20);
  assert.ok(parseRtpHeader(tx.packet, 172, h));
  assert.deepEqual([h.sequenceNumber, h.timestamp], [2, (0xffffff00 + 10 * 160) >>> 0]);
  assert.equal(tx.packets, 0, 'counted only when the session sends');
  tx.markSent();
  assert.equal(tx.octets, 160);
});

test('outbound ring keeps the last packets intact', () => {
  const tx = outbound();
  tx.build(0);
  const first = tx.packet;
  const copy = Buffer.from(first);
  tx.build(1);
  tx.build(2);
  tx.build(3);
  assert.deepEqual(first, copy);
  tx.build(4);
  assert.equal(tx.packet, first);
});

test('audio crosses outbound → inbound (PCMA, dynamic pt) and DTMF mutes it', () => {
  const tx = outbound('PCMA', 96);
  const { rx, digits } = inbound('PCMA', 96);
  void tx.playback.play(generateTone(1000, 400));
  const pcm = new Int16Array(160);
  const kinds: string[] = [];
  let toneFrames = 0;
  for (let tick = 0; tick < 30; tick++) {
    if (tick === 5) tx.dtmf.enqueue('7');
    const n = tx.build(tick);
    assert.ok(rx.parse(tx.packet, n));
    rx.accept(tx.packet, tick * 20);
    const kind = rx.tick(tick * 20, pcm);
    kinds.push(kind ?? 'none');
    if (kind === 'audio' && dominantFrequency(pcm, [500, 1000, 2000])?.freqHz === 1000) toneFrames++;
  }
  assert.deepEqual(digits.map((d) => d.digit), ['7']);
  assert.equal(kinds.filter((k) => k === 'silent').length, 7, 'the 7 DTMF packets play as silence');
  assert.ok(toneFrames >= 15, String(toneFrames));
  assert.equal(rx.jitter.stats.lost, 0);
  assert.equal(rx.reception.lost, 0);
});

test('inbound: unknown payload types are refused; a new SSRC restarts the stream', () => {
  const { rx } = inbound();
  const buf = new Uint8Array(172);
  writeRtpHeader(buf, 0, { payloadType: 18, sequenceNumber: 1, timestamp: 0, ssrc: 1 });
  assert.equal(rx.parse(buf, 172), false);
  writeRtpHeader(buf, 0, { payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1 });
  assert.equal(rx.parse(buf, 172), true);
  rx.accept(buf, 0);
  assert.equal(rx.remoteSsrc, 1);
  writeRtpHeader(buf, 0, { payloadType: 0, sequenceNumber: 40000, timestamp: 0, ssrc: 2 });
  assert.ok(rx.parse(buf, 172));
  rx.accept(buf, 20);
  assert.equal(rx.remoteSsrc, 2);
  assert.equal(rx.reception.expected, 1);
  assert.equal(rx.packets, 2);
});

test('inbound: DTMF under its own SSRC is still reported and leaves audio alone', () => {
  const { rx, digits } = inbound();
  const buf = new Uint8Array(16);
  const audio = new Uint8Array(172);
  writeRtpHeader(audio, 0, { payloadType: 0, sequenceNumber: 100, timestamp: 0, ssrc: 5 });
  assert.ok(rx.parse(audio, 172));
  rx.accept(audio, 0);
  for (let i = 0; i < 3; i++) {
    writeRtpHeader(buf, 0, { payloadType: 101, sequenceNumber: 7 + i, timestamp: 999, ssrc: 6 });
    buf.set([3, 0x8a, 0x03, 0x20], 12);
    assert.ok(rx.parse(buf, 16));
    rx.accept(buf, 20 + i);
  }
  assert.deepEqual(digits.map((d) => d.digit), ['3']);
  assert.equal(rx.remoteSsrc, 5);
  assert.equal(rx.reception.received, 1);
});

test('inbound: no frames before the first packet; timeout ends a DTMF event without end packets', () => {
  const { rx, digits } = inbound();
  const pcm = new Int16Array(160).fill(7);
  assert.equal(rx.tick(0, pcm), undefined);
  const buf = new Uint8Array(16);
  writeRtpHeader(buf, 0, { payloadType: 101, sequenceNumber: 1, timestamp: 50, ssrc: 9 });
  buf.set([11, 0x0a, 0x00, 0xa0], 12);
  assert.ok(rx.parse(buf, 16));
  rx.accept(buf, 0);
  rx.tick(400, pcm);
  assert.equal(digits.length, 0);
  rx.tick(600, pcm);
  assert.deepEqual(digits.map((d) => [d.digit, d.endedBy]), [['#', 'timeout']]);
});
