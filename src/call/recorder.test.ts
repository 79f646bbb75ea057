import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaError } from '../media/errors.ts';
import { readStereoWav, type StereoWav } from '../../test/support/stereo-wav.ts';
import { CallRecorder } from './recorder.ts';

const frame = (value: number, length = 160): Int16Array => new Int16Array(length).fill(value);

/** The value of each 160-sample frame of a channel (its first sample; the frames are constant but padded ones). */
function perFrame(channel: Int16Array): number[] {
  const out: number[] = [];
  const frames = channel.length / 160;
  for (let i = 0; i < frames; i++) {
    const f = channel.subarray(i * 160, (i + 1) * 160);
    assert.ok(f.every((v) => v === f[0]) || i === frames - 1, `frame ${i} is one value`);
    out.push(f[0]!);
  }
  return out;
}

async function withRecorder(fn: (rec: CallRecorder, clock: { currentTick: number }) => void): Promise<{ wav: StereoWav; durationMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'recorder-'));
  try {
    const clock = { currentTick: -1 };
    const rec = await CallRecorder.open(join(dir, 'call.wav'), clock);
    fn(rec, clock);
    const r = await rec.close();
    assert.equal(r.path, join(dir, 'call.wav'));
    return { wav: readStereoWav(await readFile(r.path)), durationMs: r.durationMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('stereo: caller on channel 1, gateway on channel 2, one frame per tick, silence where a side had nothing', async () => {
  const { wav, durationMs } = await withRecorder((rec, clock) => {
    clock.currentTick = 10;
    rec.outbound(frame(210)); // the caller's RTP has not started yet
    clock.currentTick = 11;
    rec.inbound(frame(111));
    rec.outbound(frame(211));
    clock.currentTick = 12;
    rec.inbound(frame(112)); // our RFC 4733 digit on the wire: no outbound frame
    clock.currentTick = 15; // the clock stalled and skipped 13 and 14
    rec.outbound(frame(215)); // either order within a tick
    rec.inbound(frame(115));
    clock.currentTick = 16;
    rec.inbound(frame(116, 100)); // a short frame is padded with silence
  });
  assert.equal(wav.sampleRate, 8000);
  assert.deepEqual(perFrame(wav.caller), [0, 111, 112, 0, 0, 115, 116]);
  assert.deepEqual(perFrame(wav.agent), [210, 211, 0, 0, 0, 215, 0]);
  assert.deepEqual([...wav.caller.subarray(6 * 160 + 98, 6 * 160 + 102)], [116, 116, 0, 0]);
  assert.equal(durationMs, 140, 'seven 20 ms frames');
});

test('a frame written twice in one tick keeps the last; frames after close are ignored; close is idempotent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recorder-'));
  try {
    const clock = { currentTick: 3 };
    const rec = await CallRecorder.open(join(dir, 'call.wav'), clock);
    rec.inbound(frame(1));
    rec.inbound(frame(2));
    const closing = rec.close();
    clock.currentTick = 4;
    rec.outbound(frame(9));
    assert.equal(rec.close(), closing);
    await closing;
    const wav = readStereoWav(await readFile(join(dir, 'call.wav')));
    assert.deepEqual(perFrame(wav.caller), [2]);
    assert.deepEqual(perFrame(wav.agent), [0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an empty recording is a valid stereo WAV; a folder that does not exist is media_io_failed', async () => {
  const { wav } = await withRecorder(() => undefined);
  assert.equal(wav.caller.length, 0);
  await assert.rejects(
    CallRecorder.open(join(tmpdir(), 'no-such-dir-agentline', 'x', 'call.wav'), { currentTick: 0 }),
    (e: unknown) => e instanceof MediaError && e.code === 'media_io_failed',
  );
});
