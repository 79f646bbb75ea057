import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpOutbound, SILENT_PAYLOAD } from './rtp-outbound.ts';
import { MediaError } from './errors.ts';
import { RtpInbound } from './rtp-inbound.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import { RtpHeader, parseRtpHeader, writeRtpHeader } from './rtp.ts';
import { decodeG711, encodeG711 } from './g711.ts';
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
  assert.equal(rx.jitterStats.lost, 0);
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

/** An RTP packet of `payload` (already encoded) with the given header fields. */
function rtpPacket(pt: number, seq: number, timestamp: number, payload: Uint8Array, ssrc = 0x77): Uint8Array {
  const buf = new Uint8Array(12 + payload.length);
  writeRtpHeader(buf, 0, { payloadType: pt, sequenceNumber: seq, timestamp, ssrc });
  buf.set(payload, 12);
  return buf;
}

test('inbound: 30 ms A-law packets come out as 20 ms frames, sample-exact, one per tick', () => {
  const { rx } = inbound('PCMA', 8);
  const tone = generateTone(1000, 1200);
  const encoded = new Uint8Array(tone.length);
  encodeG711('PCMA', tone, encoded);
  const expected = new Int16Array(tone.length);
  decodeG711('PCMA', encoded, expected);
  const heard: Int16Array[] = [];
  const pcm = new Int16Array(160);
  let next = 0;
  for (let t = 0; t < 70; t++) {
    // Packet i (240 samples) is sent at 30·i ms; the tick at 20·t takes what has arrived.
    for (; next * 240 < tone.length && next * 30 <= t * 20; next++) {
      const pkt = rtpPacket(8, 1000 + next, 5000 + next * 240, encoded.subarray(next * 240, (next + 1) * 240));
      assert.ok(rx.parse(pkt, pkt.length));
      rx.accept(pkt, t * 20);
    }
    if (rx.tick(t * 20, pcm) === 'audio') heard.push(Int16Array.from(pcm));
  }
  assert.equal(heard.length, 60, '1.2 s of audio in 20 ms frames');
  const joined = new Int16Array(heard.length * 160);
  heard.forEach((f, i) => joined.set(f, i * 160));
  assert.deepEqual([...joined], [...expected]);
  assert.equal(rx.jitterStats.lost, 0);
});

test('inbound: after a codec switch both laws decode by payload type (the peer catches up, RFC 3264 §8.3.2)', () => {
  const { rx, digits } = inbound('PCMU', 0);
  const tone = generateTone(1000, 100);
  const ulaw = new Uint8Array(160);
  const alaw = new Uint8Array(160);
  encodeG711('PCMU', tone, ulaw);
  encodeG711('PCMA', tone, alaw);
  rx.setCodec({ name: 'PCMA', pt: 8 }, 96);
  const pcm = new Int16Array(160);
  const freqs: number[] = [];
  const packets = [rtpPacket(0, 1, 0, ulaw), rtpPacket(8, 2, 160, alaw), rtpPacket(8, 3, 320, alaw), rtpPacket(0, 4, 480, ulaw)];
  for (const [t, pkt] of packets.entries()) {
    assert.ok(rx.parse(pkt, pkt.length), `pt ${pkt[1]}`);
    rx.accept(pkt, t * 20);
    if (rx.tick(t * 20, pcm) === 'audio') freqs.push(dominantFrequency(pcm, [500, 1000, 2000])?.freqHz ?? 0);
  }
  for (let t = 4; t < 8; t++) if (rx.tick(t * 20, pcm) === 'audio') freqs.push(dominantFrequency(pcm, [500, 1000, 2000])?.freqHz ?? 0);
  assert.deepEqual(freqs, [1000, 1000, 1000, 1000]);
  const oldEvent = rtpPacket(101, 5, 640, Uint8Array.from([1, 0x80, 0, 160]));
  assert.equal(rx.parse(oldEvent, oldEvent.length), false, 'the old telephone-event number is gone');
  const event = rtpPacket(96, 5, 640, Uint8Array.from([1, 0x80, 0, 160]));
  assert.ok(rx.parse(event, event.length));
  rx.accept(event, 200);
  assert.deepEqual(digits.map((d) => d.digit), ['1']);
});

test('outbound: a codec switch changes law and payload types from the next packet; SSRC, seq and time go on', () => {
  const tx = outbound();
  void tx.playback.play(generateTone(1000, 400));
  const h = new RtpHeader();
  const pcm = new Int16Array(160);
  const seen: Array<[number, number, number, number]> = [];
  for (let tick = 0; tick < 6; tick++) {
    if (tick === 3) tx.setCodec({ name: 'PCMA', pt: 8 }, 96);
    if (tick === 4) tx.dtmf.enqueue('1');
    const n = tx.build(tick);
    assert.ok(parseRtpHeader(tx.packet, n, h));
    if (h.payloadType !== 96) {
      decodeG711(h.payloadType === 8 ? 'PCMA' : 'PCMU', tx.packet.subarray(12, n), pcm);
      assert.equal(dominantFrequency(pcm, [500, 1000, 2000])?.freqHz, 1000, `tick ${tick} decodes with its own law`);
    }
    seen.push([h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc]);
  }
  assert.deepEqual(seen.map((s) => s[0]), [0, 0, 0, 8, 96, 96]);
  assert.ok(seen.every((s, i) => s[1] === ((65534 + i) & 0xffff) && s[3] === 0x1234));
  assert.equal(seen[3]![2], (0xffffff00 + 3 * 160) >>> 0);
});

test('inbound: audio on payload type 101 (no telephone-event negotiated) is audio, not DTMF', () => {
  const tx = outbound('PCMU', 101);
  const { rx, digits } = inbound('PCMU', 101);
  void tx.playback.play(generateTone(1000, 400));
  const pcm = new Int16Array(160);
  let toneFrames = 0;
  for (let tick = 0; tick < 20; tick++) {
    const n = tx.build(tick);
    assert.ok(rx.parse(tx.packet, n));
    rx.accept(tx.packet, tick * 20);
    if (rx.tick(tick * 20, pcm) === 'audio' && dominantFrequency(pcm, [500, 1000, 2000])?.freqHz === 1000) toneFrames++;
  }
  assert.deepEqual(digits, []);
  assert.ok(toneFrames >= 15, String(toneFrames));
});

test('outbound: an idle tick copies the precomputed silence, equal to encoding zeros in either law', () => {
  for (const [name, pt, code] of [['PCMU', 0, 0xff], ['PCMA', 8, 0xd5]] as const) {
    const encoded = new Uint8Array(160);
    encodeG711(name, new Int16Array(160), encoded);
    assert.deepEqual(SILENT_PAYLOAD[name], encoded, `${name} silence = encoded zeros`);
    assert.ok(encoded.every((b) => b === code), `${name} silence is 0x${code.toString(16)}`);
    const tx = outbound(name, pt);
    tx.build(0);
    assert.ok(tx.packet.subarray(12).equals(encoded));
    void tx.playback.play(Int16Array.from({ length: 160 }, () => 1000));
    tx.build(1);
    assert.ok(!tx.packet.subarray(12).equals(encoded), 'queued audio is encoded');
    tx.build(2);
    assert.ok(tx.packet.subarray(12).equals(encoded), 'silence again once the queue is empty');
  }
});

test('outbound: the packet handed out is exactly its length (no slice for the socket)', () => {
  const tx = outbound();
  assert.equal(tx.build(0), 172);
  assert.equal(tx.packet.length, 172);
  tx.dtmf.enqueue('5');
  assert.equal(tx.build(1), 16);
  assert.equal(tx.packet.length, 16);
});

test('inbound: the jitter buffer is made by the first audio-stream packet, not before', () => {
  const { rx, digits } = inbound();
  const pcm = new Int16Array(160);
  assert.equal(rx.tick(0, pcm), undefined);
  assert.equal(rx.jitter, undefined);
  assert.deepEqual(rx.jitterStats, {
    received: 0, lost: 0, concealed: 0, late: 0, duplicate: 0, reordered: 0, dropped: 0, underruns: 0, jitterMs: 0, buffered: 0, bufferedMs: 0,
  });
  assert.equal(rx.jitterTimestampUnits, 0);
  const event = rtpPacket(101, 1, 0, Uint8Array.from([4, 0x8a, 0, 160]), 0x99);
  assert.ok(rx.parse(event, event.length));
  rx.accept(event, 0);
  assert.deepEqual(digits.map((d) => d.digit), ['4']);
  assert.equal(rx.jitter, undefined, 'events under an SSRC of their own need no jitter buffer');
  const audio = rtpPacket(0, 10, 0, new Uint8Array(160).fill(0xff));
  assert.ok(rx.parse(audio, audio.length));
  rx.accept(audio, 20);
  assert.ok(rx.jitter !== undefined);
  assert.equal(rx.jitterStats.received, 1);
  assert.notEqual(rx.tick(40, pcm), undefined);
});

test('inbound: invalid jitter options are still refused at construction', () => {
  assert.throws(
    () => new RtpInbound({ codec: { name: 'PCMU', pt: 0 }, telephoneEventPt: 101, onDigit: () => undefined, jitter: { capacity: 6 } }),
    (e: unknown) => e instanceof MediaError && e.code === 'media_invalid_argument',
  );
});
