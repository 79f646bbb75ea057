import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JitterBuffer } from './jitter.ts';
import type { JitterBufferOptions, JitterFrameKind } from './jitter.ts';
import { MediaError } from './errors.ts';

/** Sample n of the test signal: a ramp, never 0 (silence), unique below 32000 samples. */
const ramp = (n: number): number => (n % 32000) + 1;

/** Packet `i` of a stream of `ptime`-sample packets: the ramp from sample i × ptime. */
function packet(i: number, ptime: number): Int16Array {
  return Int16Array.from({ length: ptime }, (_, k) => ramp(i * ptime + k));
}

interface Played {
  kind: JitterFrameKind;
  seq: number;
  samples: Int16Array;
}

interface RunOptions {
  /** Samples per packet (default 160). */
  ptime?: number;
  /** Sequence number of packet 0 (default 0); packet i has seq start + i and timestamp i × ptime. */
  start?: number;
  jitter?: JitterBufferOptions;
  /** Ticks popped after the last arrivals (default 10). */
  extraTicks?: number;
}

/** Drives a buffer: `arrivals[t]` are the seqs pushed at tick t (20 ms), then one pop per tick. */
function run(arrivals: number[][], o: RunOptions = {}): { frames: Played[]; jb: JitterBuffer } {
  const ptime = o.ptime ?? 160;
  const start = o.start ?? 0;
  const jb = new JitterBuffer(o.jitter);
  const frames: Played[] = [];
  for (let t = 0; t < arrivals.length + (o.extraTicks ?? 10); t++) {
    const now = t * 20;
    for (const seq of arrivals[t] ?? []) {
      const i = (seq - start) & 0xffff;
      jb.push(seq, (0xfffff000 + i * ptime) >>> 0, packet(i, ptime), now);
    }
    const f = jb.pop(now);
    frames.push({ kind: f.kind, seq: f.seq, samples: Int16Array.from(f.samples) });
  }
  return { frames, jb };
}

/** Old-style labels: the packet played per tick (160-sample packets), `lost:`/`silent:` seq, `-` for empty. */
function labels(frames: Played[], start = 0): string[] {
  return frames.map((f) => {
    if (f.kind === 'empty') return '-';
    if (f.kind !== 'audio') return `${f.kind}:${f.seq}`;
    const i = (f.seq - start) & 0xffff;
    assert.deepEqual([...f.samples], [...packet(i, 160)], `frame of seq ${f.seq} holds its packet`);
    return String(f.seq);
  });
}

const played = (out: string[]): string[] => out.filter((s) => s !== '-');

/** Every frame from the first audio frame to the last one, end to end. */
function audioSpan(frames: Played[]): Int16Array {
  const first = frames.findIndex((f) => f.kind === 'audio');
  const last = frames.findLastIndex((f) => f.kind === 'audio');
  assert.ok(first >= 0, 'some audio played');
  const out = new Int16Array((last - first + 1) * 160);
  for (let i = first; i <= last; i++) out.set(frames[i]!.samples, (i - first) * 160);
  return out;
}

/** The ramp of `packets` × `ptime` samples with the packets in `lost` silenced. */
function expectedSignal(packets: number, ptime: number, lost: ReadonlySet<number> = new Set()): Int16Array {
  const out = new Int16Array(packets * ptime);
  for (let i = 0; i < packets; i++) if (!lost.has(i)) out.set(packet(i, ptime), i * ptime);
  return out;
}

/**
 * Arrivals per 20 ms tick of a real-time stream: packet i is sent at i × ptime / 8 ms and
 * arrives `delayOf(i)` ms later; packets in `lost` never arrive.
 */
function realTime(packets: number, ptime: number, delayOf: (i: number) => number = () => 0, lost: ReadonlySet<number> = new Set()): number[][] {
  const arrivals: Array<Array<{ seq: number; at: number }>> = [];
  for (let i = 0; i < packets; i++) {
    if (lost.has(i)) continue;
    const at = (i * ptime) / 8 + delayOf(i);
    (arrivals[Math.ceil(at / 20)] ??= []).push({ seq: i, at });
  }
  return Array.from(arrivals, (a) => (a ?? []).sort((x, y) => x.at - y.at).map((p) => p.seq));
}

const PTIMES = [80, 240, 320, 480]; // 10, 30, 40, 60 ms

/** Sample-exact comparison that names the first difference instead of dumping arrays. */
function assertSamples(actual: Int16Array, expected: Int16Array): void {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      assert.fail(`sample ${i} (frame ${Math.floor(i / 160)}): got ${actual[i]}, want ${expected[i]} [lengths ${actual.length}/${expected.length}]`);
    }
  }
}

test('in-order stream plays after the initial delay', () => {
  const { frames, jb } = run([[100], [101], [102], [103]], { jitter: { delayMs: 40 }, extraTicks: 3, start: 100 });
  assert.deepEqual(labels(frames, 100), ['-', '100', '101', '102', '103', '-', '-']);
  const s = jb.stats;
  assert.equal(s.received, 4);
  assert.equal(s.lost + s.late + s.duplicate + s.reordered + s.dropped, 0);
  assert.equal(s.underruns, 1);
  assert.equal(s.jitterMs, 0);
});

for (const ptime of PTIMES) {
  const ms = ptime / 8;
  test(`${ms} ms packets in order are reframed into 20 ms frames, sample-exact, at their real pace`, () => {
    const packets = 9600 / ptime; // 1.2 s
    const { frames, jb } = run(realTime(packets, ptime), { ptime });
    assertSamples(audioSpan(frames), expectedSignal(packets, ptime));
    assert.equal(frames.filter((f) => f.kind === 'audio').length, 60, 'one 20 ms frame per 160 samples sent');
    const s = jb.stats;
    assert.equal(s.lost + s.late + s.duplicate + s.reordered + s.dropped, 0);
    assert.equal(s.underruns, 1, 'only at the end of the stream');
    assert.equal(s.received, packets);
  });

  test(`${ms} ms packets reordered by the network come out in order, sample-exact`, () => {
    const packets = 9600 / ptime;
    // Every third packet is held back 15 ms: with 10 ms packets it overtakes the next one.
    const { frames, jb } = run(realTime(packets, ptime, (i) => (i % 3 === 1 ? 15 : 0)), { ptime, jitter: { delayMs: 60 } });
    assertSamples(audioSpan(frames), expectedSignal(packets, ptime));
    assert.equal(jb.stats.lost, 0);
    assert.equal(jb.stats.late, 0);
    if (ms < 15) assert.ok(jb.stats.reordered > 0, 'some packets arrived out of order');
  });

  test(`${ms} ms packets with loss: the gaps are silence of the lost duration, the rest sample-exact`, () => {
    const packets = 9600 / ptime;
    const lost = new Set([3, 7, 8]);
    const { frames, jb } = run(realTime(packets, ptime, () => 0, lost), { ptime });
    assertSamples(audioSpan(frames), expectedSignal(packets, ptime, lost));
    assert.equal(jb.stats.lost, 3);
    assert.equal(jb.stats.late, 0);
  });
}

test('10 ms packets: a lost one leaves half a frame of audio, the frame is audio, the loss counted', () => {
  const lost = new Set([5]);
  const { frames, jb } = run(realTime(20, 80, () => 0, lost), { ptime: 80 });
  const span = audioSpan(frames);
  assertSamples(span, expectedSignal(20, 80, lost));
  assert.ok(frames.every((f) => f.kind !== 'lost'), 'every frame still has audio in it');
  assert.equal(jb.stats.lost, 1);
});

test('60 ms packets: a lost one while the next waits is concealed as three lost frames', () => {
  // All arrive at once but 2: playout finds 3 waiting when it reaches 2.
  const { frames, jb } = run([[0, 1, 3, 4]], { ptime: 480, jitter: { delayMs: 40, maxDelayMs: 400 }, extraTicks: 20 });
  const kinds = frames.map((f) => f.kind).filter((k) => k !== 'empty');
  assert.deepEqual(kinds, [...Array(6).fill('audio'), 'lost', 'lost', 'lost', ...Array(6).fill('audio')]);
  assert.equal(jb.stats.lost, 1);
});

test('a gap in the sender’s timestamps plays as silence of that length, without loss', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(0, 0, packet(0, 160), 0);
  jb.push(1, 160 + 320, packet(1, 160), 0); // the sender's clock skipped two frames
  const kinds = Array.from({ length: 5 }, (_, t) => jb.pop(t * 20).kind);
  assert.deepEqual(kinds, ['audio', 'silent', 'silent', 'audio', 'empty']);
  assert.equal(jb.stats.lost, 0);
});

test('a timestamp jump beyond the maximum delay, either way, re-anchors playout instead of waiting', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(0, 1000, packet(0, 160), 0);
  jb.push(1, 1000 + 8000 * 60, packet(1, 160), 0); // a minute ahead
  jb.push(2, 5, packet(2, 160), 0); // and back
  const f = Array.from({ length: 3 }, (_, t) => {
    const p = jb.pop(t * 20);
    return [p.kind, p.samples[0]];
  });
  assert.deepEqual(f, [['audio', ramp(0)], ['audio', ramp(160)], ['audio', ramp(320)]]);
});

test('reordered packets come out in order', () => {
  const { frames, jb } = run([[1], [3], [2], [4], [6, 5]], { jitter: { delayMs: 60 } });
  assert.deepEqual(played(labels(frames)), ['1', '2', '3', '4', '5', '6']);
  assert.equal(jb.stats.reordered, 2);
  assert.equal(jb.stats.lost, 0);
});

test('a reordered packet older than the first one, before playout, is still played', () => {
  const { frames } = run([[11], [10], [12]], { jitter: { delayMs: 60 } });
  assert.deepEqual(played(labels(frames)), ['10', '11', '12']);
});

test('lost packet is concealed; it counts late when it shows up afterwards', () => {
  const { frames, jb } = run([[1], [2], [], [4], [5], [3], [6]], { jitter: { delayMs: 40 } });
  assert.deepEqual(played(labels(frames)), ['1', '2', 'lost:3', '4', '5', '6']);
  const s = jb.stats;
  assert.equal(s.lost, 1);
  assert.equal(s.late, 1);
  assert.equal(s.received, 6);
});

test('duplicates are dropped, whether buffered or already played', () => {
  const { frames, jb } = run([[1], [2, 2], [3], [1, 4], [5]], { jitter: { delayMs: 40 } });
  assert.deepEqual(played(labels(frames)), ['1', '2', '3', '4', '5']);
  assert.equal(jb.stats.duplicate, 2);
  assert.equal(jb.stats.late, 0);
});

test('sequence numbers wrap at 65535', () => {
  const seqs = [65533, 65534, 65535, 0, 1, 2];
  const arrivals = [[65533], [65535], [65534], [0], [2], [1]];
  const { frames, jb } = run(arrivals, { jitter: { delayMs: 60 }, start: 65533 });
  assert.deepEqual(played(labels(frames, 65533)), seqs.map(String));
  assert.equal(jb.stats.lost, 0);
  assert.equal(jb.stats.reordered, 2);
});

test('underrun rebuffers instead of declaring loss', () => {
  // The stream pauses for 5 ticks, then resumes at the next sequence number.
  const { frames, jb } = run([[1], [2], [3], [], [], [], [], [], [4], [5], [6]], { jitter: { delayMs: 40 } });
  assert.deepEqual(played(labels(frames)), ['1', '2', '3', '4', '5', '6']);
  assert.equal(jb.stats.lost, 0);
  assert.ok(jb.stats.underruns >= 1);
});

test('a burst beyond maxDelayMs drops the oldest packets', () => {
  const burst = Array.from({ length: 20 }, (_, i) => i + 1);
  const { frames, jb } = run([burst], { jitter: { delayMs: 40, maxDelayMs: 200 } });
  assert.deepEqual(played(labels(frames)), ['11', '12', '13', '14', '15', '16', '17', '18', '19', '20']);
  assert.equal(jb.stats.dropped, 10);
});

test('a burst of 60 ms packets keeps at most maxDelayMs of audio', () => {
  const jb = new JitterBuffer({ delayMs: 40, maxDelayMs: 200 });
  for (let i = 0; i < 10; i++) jb.push(i, i * 480, packet(i, 480), 0);
  assert.ok(jb.stats.bufferedMs <= 200, String(jb.stats.bufferedMs));
  assert.equal(jb.stats.dropped, 7);
  const first = jb.pop(0);
  assert.equal(first.samples[0], ramp(7 * 480), 'playout starts at the oldest packet kept');
});

test('a jump far ahead counts the skipped packets as lost', () => {
  const { frames, jb } = run([[1], [2], [3], [1003], [1004]], { jitter: { delayMs: 40 } });
  assert.ok(played(labels(frames)).includes('1004'));
  assert.ok(jb.stats.lost >= 999, String(jb.stats.lost));
});

test('zero-length placeholders keep order and play one silent frame each', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(1, 160, packet(0, 160), 0);
  jb.push(2, 160, new Int16Array(0), 20);
  jb.push(3, 480, packet(1, 160), 40);
  const kinds = [jb.pop(40).kind, jb.pop(60).kind, jb.pop(80).kind];
  assert.deepEqual(kinds, ['audio', 'silent', 'audio']);
  assert.equal(jb.stats.lost, 0);
});

test('a placeholder after half a frame of audio ends the frame with silence', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(1, 0, packet(0, 80), 0);
  jb.push(2, 0, new Int16Array(0), 0);
  jb.push(3, 800, packet(1, 80), 0);
  const f = jb.pop(20);
  assert.equal(f.kind, 'audio');
  assert.equal(f.audioSamples, 80);
  assert.deepEqual([...f.samples.subarray(80)], new Array(80).fill(0));
  assert.equal(jb.pop(40).samples[0], ramp(80), 'the audio after the event plays at once');
});

test('offset/length and oversize packets', () => {
  const jb = new JitterBuffer({ maxPayload: 8, delayMs: 20 });
  const pkt = Int16Array.from([0, 0, 0, 9, 8, 7, 0]);
  assert.equal(jb.push(5, 0, pkt, 0, 3, 3), true);
  assert.equal(jb.push(6, 3, new Int16Array(9), 0), false);
  const f = jb.pop(20);
  assert.deepEqual([...f.samples.subarray(0, 4)], [9, 8, 7, 0]);
  assert.equal(f.audioSamples, 3);
});

test('initial delay also elapses by time', () => {
  const jb = new JitterBuffer({ delayMs: 60 });
  jb.push(1, 0, packet(1, 160), 0);
  assert.equal(jb.pop(30).kind, 'empty');
  assert.equal(jb.pop(60).kind, 'audio');
});

test('interarrival jitter reflects uneven arrival, in timestamp units whatever the packet size', () => {
  for (const ptime of [160, 240, 480]) {
    const jb = new JitterBuffer();
    const ms = ptime / 8;
    for (let i = 0; i < 500; i++) jb.push(i, i * ptime, packet(i, ptime).subarray(0, 4), i * ms + (i % 2) * 10, 0, 4);
    assert.ok(Math.abs(jb.jitterMs - 10) < 0.5, `${ptime}: ${jb.jitterMs}`);
    assert.ok(Math.abs(jb.jitterTimestampUnits - 80) < 4, `${ptime}: ${jb.jitterTimestampUnits}`);
  }
});

test('reset forgets the stream but keeps counters', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(1, 0, packet(1, 160), 0);
  jb.reset();
  jb.push(5000, 0, packet(5000, 160), 20);
  assert.equal(jb.pop(40).seq, 5000);
  assert.equal(jb.stats.received, 2);
});

test('bad capacity is a typed error', () => {
  assert.throws(() => new JitterBuffer({ capacity: 24 }), (e: unknown) => e instanceof MediaError && e.code === 'media_invalid_argument');
  assert.throws(() => new JitterBuffer({ capacity: 8 }), MediaError);
});

test('property: any packet size, loss, delay and duplicates: each sample plays at most once, in order', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 65535 }),
      fc.constantFrom(80, 160, 240, 320, 480),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 60 }),
      (start, ptime, plan) => {
        // plan[i]: extra delay in ticks, dropped?, duplicated?
        const arrivals: number[][] = [];
        const perTick = 160 / ptime;
        plan.forEach(([delay, drop, dup], i) => {
          if (drop) return;
          const seq = (start + i) & 0xffff;
          const t = Math.floor(i / perTick) + delay;
          (arrivals[t] ??= []).push(seq);
          if (dup) (arrivals[t + 1] ??= []).push(seq);
        });
        for (let i = 0; i < arrivals.length; i++) arrivals[i] ??= [];
        const { frames, jb } = run(arrivals, { ptime, start, jitter: { delayMs: 40 }, extraTicks: 40 });
        let last = -1;
        for (const f of frames) {
          for (const v of f.samples) {
            if (v === 0) continue;
            assert.ok(v - 1 > last, `sample ${v - 1} after ${last}`);
            last = v - 1;
          }
        }
        assert.equal(jb.stats.buffered, 0, 'everything played or dropped');
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a frame played out without its samples counts and times as one played with them', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(80, 160, 480),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 60 }),
      (ptime, plan) => {
        // plan[i]: extra delay in ticks, dropped?, duplicated?, a zero-length placeholder?
        const arrivals: Array<Array<[number, boolean]>> = [];
        plan.forEach(([delay, drop, dup, placeholder], i) => {
          if (drop) return;
          const t = Math.floor((i * ptime) / 160) + delay;
          (arrivals[t] ??= []).push([i, placeholder]);
          if (dup) (arrivals[t + 1] ??= []).push([i, placeholder]);
        });
        const full = new JitterBuffer({ delayMs: 40 });
        const skipping = new JitterBuffer({ delayMs: 40 });
        for (let t = 0; t < arrivals.length + 30; t++) {
          for (const [i, placeholder] of arrivals[t] ?? []) {
            for (const jb of [full, skipping]) jb.push(i, i * ptime, packet(i, ptime), t * 20, 0, placeholder ? 0 : ptime);
          }
          const a = full.pop(t * 20);
          const b = skipping.pop(t * 20, false);
          assert.deepEqual([b.kind, b.seq, b.timestamp, b.audioSamples], [a.kind, a.seq, a.timestamp, a.audioSamples], `tick ${t}`);
        }
        assert.deepEqual(skipping.stats, full.stats);
      },
    ),
    { numRuns: 200 },
  );
});

test('pushG711 decodes into the slot what decode-then-push would buffer, with the same verdicts', async () => {
  const { ALAW_TO_LINEAR, ULAW_TO_LINEAR } = await import('./g711.ts');
  for (const table of [ULAW_TO_LINEAR, ALAW_TO_LINEAR]) {
    const decoded = new JitterBuffer({ delayMs: 40 });
    const direct = new JitterBuffer({ delayMs: 40 });
    // Packets 0-9 of 160 samples behind a 12-byte header, one duplicate, one too large for a slot.
    const packets = Array.from({ length: 10 }, (_, i) => Uint8Array.from({ length: 172 }, (_, k) => (i * 31 + k * 7) & 0xff));
    const pcm = new Int16Array(160);
    const arrivals = [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9];
    for (const [t, i] of arrivals.entries()) {
      const p = packets[i]!;
      for (let k = 0; k < 160; k++) pcm[k] = table[p[12 + k]!]!;
      assert.equal(direct.pushG711(i, i * 160, p, 12, 160, table, t * 20), decoded.push(i, i * 160, pcm, t * 20), `packet ${i}`);
      const a = decoded.pop(t * 20);
      const b = direct.pop(t * 20);
      assert.deepEqual([b.kind, b.seq, [...b.samples]], [a.kind, a.seq, [...a.samples]], `tick ${t}`);
    }
    assert.equal(direct.pushG711(10, 1600, new Uint8Array(600), 0, 600, table, 220), false, 'larger than a slot');
    assert.deepEqual(direct.stats, { ...decoded.stats, received: decoded.stats.received + 1 });
  }
});

test('pushG711 without decoding: same verdicts, counts and frames; the bytes are decoded only when a frame takes them', async () => {
  const { ULAW_TO_LINEAR: table } = await import('./g711.ts');
  const decoded = new JitterBuffer({ delayMs: 40 });
  const deferred = new JitterBuffer({ delayMs: 40 });
  const packets = Array.from({ length: 12 }, (_, i) => Uint8Array.from({ length: 172 }, (_, k) => (i * 29 + k * 5) & 0xff));
  // Packet 3 lost, packet 6 duplicated. Nobody listens (pop without samples) until tick 8;
  // then a listener takes frames, first from packets pushed undecoded, then decoded ones.
  const arrivals = [0, 1, 2, 4, 5, 6, 6, 7, 8, 9, 10, 11];
  let fromUndecoded = 0;
  for (const [t, i] of arrivals.entries()) {
    const listening = t >= 8;
    const p = packets[i]!;
    assert.equal(deferred.pushG711(i, i * 160, p, 12, 160, table, t * 20, listening), decoded.pushG711(i, i * 160, p, 12, 160, table, t * 20));
    const a = decoded.pop(t * 20, listening);
    const b = deferred.pop(t * 20, listening);
    assert.deepEqual([b.kind, b.seq, b.audioSamples], [a.kind, a.seq, a.audioSamples], `tick ${t}`);
    if (!listening) continue;
    assert.deepEqual([...b.samples], [...a.samples], `tick ${t}`);
    if (b.kind === 'audio' && b.seq < 8) fromUndecoded++;
  }
  assert.ok(fromUndecoded > 0, 'a frame was decoded at playout');
  assert.deepEqual(deferred.stats, decoded.stats);
});
