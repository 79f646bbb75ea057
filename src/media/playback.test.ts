import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlaybackQueue } from './playback.ts';

const ramp = (n: number, from = 1): Int16Array => Int16Array.from({ length: n }, (_, i) => from + i);

test('frames span queued buffers and the tail is padded with silence', async () => {
  const q = new PlaybackQueue();
  const a = q.play(ramp(100));
  const b = q.play(ramp(100, 1000));
  assert.equal(q.pendingSamples, 200);
  const frame = new Int16Array(160);
  assert.equal(q.read(frame), true);
  assert.equal(frame[99], 100);
  assert.equal(frame[100], 1000);
  assert.equal(await a, true);
  assert.equal(q.read(frame), true);
  assert.equal(frame[39], 1099);
  assert.equal(frame[40], 0);
  assert.equal(await b, true);
  assert.equal(q.read(frame), false);
  assert.equal(q.idle, true);
});

test('clear drops everything at once and resolves pending plays false', async () => {
  const q = new PlaybackQueue();
  const a = q.play(ramp(400));
  q.enqueue(ramp(400));
  const frame = new Int16Array(160);
  q.read(frame);
  q.clear();
  assert.equal(await a, false);
  assert.equal(q.pendingSamples, 0);
  assert.equal(q.read(frame), false);
});

test('a zero-length play is a mark resolved when playback reaches it', async () => {
  const q = new PlaybackQueue();
  q.enqueue(ramp(160));
  let marked = false;
  void q.play(new Int16Array(0)).then((ok) => (marked = ok));
  q.enqueue(ramp(160));
  const frame = new Int16Array(160);
  q.read(frame);
  await Promise.resolve();
  assert.equal(marked, true);
  const alone = new PlaybackQueue();
  const m = alone.play(new Int16Array(0));
  assert.equal(alone.read(frame), false);
  assert.equal(await m, true);
});

test('many small frames stream through without loss', () => {
  const q = new PlaybackQueue();
  for (let i = 0; i < 1000; i++) q.enqueue(Int16Array.of(i % 30000));
  const frame = new Int16Array(160);
  const out: number[] = [];
  while (q.read(frame)) out.push(...frame);
  assert.deepEqual(out.slice(0, 1000), Array.from({ length: 1000 }, (_, i) => i));
});
