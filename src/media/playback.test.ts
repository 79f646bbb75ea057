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

test('readEncoded gives the frames read gives, encoded, with encoded silence as padding', async () => {
  const { encodeG711, g711Silence } = await import('./g711.ts');
  const { shareAudio } = await import('./encoded-audio.ts');
  for (const law of ['PCMU', 'PCMA'] as const) {
    const prompt = Int16Array.from({ length: 250 }, (_, i) => (i * 997) % 20000 - 10000);
    shareAudio(prompt);
    const fill = (q: PlaybackQueue): Array<Promise<boolean>> => [
      q.play(prompt), q.play(new Int16Array(0)), q.play(ramp(130, -500)), q.play(prompt),
    ];
    const pcmQueue = new PlaybackQueue();
    const encQueue = new PlaybackQueue();
    const pcmDone = fill(pcmQueue);
    const encDone = fill(encQueue);
    const frame = new Int16Array(160);
    const expected = new Uint8Array(160);
    const packet = new Uint8Array(12 + 160).fill(0x42);
    for (let n = 0; ; n++) {
      const playing = pcmQueue.read(frame);
      assert.equal(encQueue.readEncoded(law, packet, 12, 160), playing, `frame ${n}`);
      assert.equal(encQueue.pendingSamples, pcmQueue.pendingSamples);
      if (!playing) break;
      encodeG711(law, frame, expected);
      if (n === 3) {
        // The last frame: 630 samples in all, so 150 of them, then silence.
        assert.equal(expected[150], g711Silence(law));
      }
      assert.deepEqual(packet.subarray(12), expected, `frame ${n}`);
      assert.deepEqual(packet.subarray(0, 12), new Uint8Array(12).fill(0x42), 'the header is left alone');
    }
    assert.deepEqual(await Promise.all(encDone), await Promise.all(pcmDone));
    assert.equal(encQueue.idle, true);
  }
});
