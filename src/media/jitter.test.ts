import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JitterBuffer } from './jitter.ts';
import type { JitterBufferOptions } from './jitter.ts';
import { MediaError } from './errors.ts';

/** A 4-byte payload that names its sequence number. */
function payload(seq: number): Uint8Array {
  return Uint8Array.from([seq >> 8, seq & 0xff, 0xaa, 0xbb]);
}

/** Drives a buffer: `arrivals[t]` are the seqs pushed at tick t (20 ms), then one pop per tick. */
function run(arrivals: number[][], options: JitterBufferOptions = {}, extraTicks = 10): { out: string[]; jb: JitterBuffer } {
  const jb = new JitterBuffer(options);
  const out: string[] = [];
  for (let t = 0; t < arrivals.length + extraTicks; t++) {
    const now = t * 20;
    for (const seq of arrivals[t] ?? []) jb.push(seq, seq * 160, payload(seq), now);
    const f = jb.pop(now);
    if (f.kind === 'audio') {
      assert.equal(f.length, 4);
      assert.equal((f.payload[0]! << 8) | f.payload[1]!, f.seq, 'payload belongs to the slot');
      out.push(String(f.seq));
    } else if (f.kind === 'lost') out.push(`lost:${f.seq}`);
    else if (f.kind === 'silent') out.push(`silent:${f.seq}`);
    else out.push('-');
  }
  return { out, jb };
}

const played = (out: string[]): string[] => out.filter((s) => s !== '-');

test('in-order stream plays after the initial delay', () => {
  const { out, jb } = run([[100], [101], [102], [103]], { delayMs: 40 }, 3);
  assert.deepEqual(out, ['-', '100', '101', '102', '103', '-', '-']);
  const s = jb.stats;
  assert.equal(s.received, 4);
  assert.equal(s.lost + s.late + s.duplicate + s.reordered + s.dropped, 0);
  assert.equal(s.underruns, 1);
  assert.equal(s.jitterMs, 0);
});

test('reordered packets come out in order', () => {
  const { out, jb } = run([[1], [3], [2], [4], [6, 5]], { delayMs: 60 });
  assert.deepEqual(played(out), ['1', '2', '3', '4', '5', '6']);
  assert.equal(jb.stats.reordered, 2);
  assert.equal(jb.stats.lost, 0);
});

test('a reordered packet older than the first one, before playout, is still played', () => {
  const { out } = run([[11], [10], [12]], { delayMs: 60 });
  assert.deepEqual(played(out), ['10', '11', '12']);
});

test('lost packet is concealed; it counts late when it shows up afterwards', () => {
  const { out, jb } = run([[1], [2], [], [4], [5], [3], [6]], { delayMs: 40 });
  assert.deepEqual(played(out), ['1', '2', 'lost:3', '4', '5', '6']);
  const s = jb.stats;
  assert.equal(s.lost, 1);
  assert.equal(s.late, 1);
  assert.equal(s.received, 6);
});

test('duplicates are dropped, whether buffered or already played', () => {
  const { out, jb } = run([[1], [2, 2], [3], [1, 4], [5]], { delayMs: 40 });
  assert.deepEqual(played(out), ['1', '2', '3', '4', '5']);
  assert.equal(jb.stats.duplicate, 2);
  assert.equal(jb.stats.late, 0);
});

test('sequence numbers wrap at 65535', () => {
  const seqs = [65533, 65534, 65535, 0, 1, 2];
  const arrivals = [[65533], [65535], [65534], [0], [2], [1]];
  const { out, jb } = run(arrivals, { delayMs: 60 });
  assert.deepEqual(played(out), seqs.map(String));
  assert.equal(jb.stats.lost, 0);
  assert.equal(jb.stats.reordered, 2);
});

test('underrun rebuffers instead of declaring loss', () => {
  // The stream pauses for 5 ticks, then resumes at the next sequence number.
  const { out, jb } = run([[1], [2], [3], [], [], [], [], [], [4], [5], [6]], { delayMs: 40 });
  assert.deepEqual(played(out), ['1', '2', '3', '4', '5', '6']);
  assert.equal(jb.stats.lost, 0);
  assert.ok(jb.stats.underruns >= 1);
});

test('a burst beyond maxDelayMs drops the oldest frames', () => {
  const burst = Array.from({ length: 20 }, (_, i) => i + 1);
  const { out, jb } = run([burst], { delayMs: 40, maxDelayMs: 200 });
  assert.deepEqual(played(out), ['11', '12', '13', '14', '15', '16', '17', '18', '19', '20']);
  assert.equal(jb.stats.dropped, 10);
});

test('a jump far ahead counts the skipped packets as lost', () => {
  const { out, jb } = run([[1], [2], [3], [1003], [1004]], { delayMs: 40 });
  assert.ok(played(out).includes('1004'));
  assert.ok(jb.stats.lost >= 999, String(jb.stats.lost));
});

test('zero-length placeholders keep order without audio', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(1, 160, payload(1), 0);
  jb.push(2, 160, new Uint8Array(0), 20);
  jb.push(3, 480, payload(3), 40);
  const kinds = [jb.pop(40).kind, jb.pop(60).kind, jb.pop(80).kind];
  assert.deepEqual(kinds, ['audio', 'silent', 'audio']);
  assert.equal(jb.stats.lost, 0);
});

test('payload offset/length and oversize packets', () => {
  const jb = new JitterBuffer({ maxPayload: 8, delayMs: 20 });
  const pkt = Uint8Array.from([0, 0, 0, 9, 8, 7, 0]);
  assert.equal(jb.push(5, 0, pkt, 0, 3, 3), true);
  assert.equal(jb.push(6, 0, new Uint8Array(9), 0), false);
  const f = jb.pop(20);
  assert.deepEqual([...f.payload.subarray(0, f.length)], [9, 8, 7]);
});

test('initial delay also elapses by time', () => {
  const jb = new JitterBuffer({ delayMs: 60 });
  jb.push(1, 0, payload(1), 0);
  assert.equal(jb.pop(30).kind, 'empty');
  assert.equal(jb.pop(60).kind, 'audio');
});

test('interarrival jitter reflects uneven arrival', () => {
  const jb = new JitterBuffer();
  for (let i = 0; i < 500; i++) jb.push(i, i * 160, payload(i), i * 20 + (i % 2) * 10);
  assert.ok(Math.abs(jb.jitterMs - 10) < 0.5, String(jb.jitterMs));
});

test('reset forgets the stream but keeps counters', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  jb.push(1, 0, payload(1), 0);
  jb.reset();
  jb.push(5000, 0, payload(5000), 20);
  assert.equal(jb.pop(40).seq, 5000);
  assert.equal(jb.stats.received, 2);
});

test('bad capacity is a typed error', () => {
  assert.throws(() => new JitterBuffer({ capacity: 24 }), (e: unknown) => e instanceof MediaError && e.code === 'media_invalid_argument');
  assert.throws(() => new JitterBuffer({ capacity: 8 }), MediaError);
});

test('property: each pushed seq plays at most once, in increasing order, and is never lost and played', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 65535 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 150 }),
      (start, plan) => {
        // plan[i]: extra delay in ticks, dropped?, duplicated?
        const arrivals: number[][] = [];
        plan.forEach(([delay, drop, dup], i) => {
          if (drop) return;
          const seq = (start + i) & 0xffff;
          (arrivals[i + delay] ??= []).push(seq);
          if (dup) (arrivals[i + delay + 1] ??= []).push(seq);
        });
        for (let i = 0; i < arrivals.length; i++) arrivals[i] ??= [];
        const { out } = run(arrivals, { delayMs: 40 }, 20);
        const seqs = played(out).map((s) => Number(s.replace(/^\w+:/, '')));
        const offsets = seqs.map((s) => (s - start) & 0xffff);
        for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i]! > offsets[i - 1]!, `order ${seqs.join(',')}`);
      },
    ),
    { numRuns: 300 },
  );
});
