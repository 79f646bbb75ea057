/**
 * The per-tick send path must not deoptimize when a playback ends (issue #4): V8 compiles
 * it with `PlaybackQueue.read` inlined once it is hot; a branch of `read` that had not
 * run by then (a playback's end, a mark) made the compiled path bail out for every call
 * of the tick at the first prompt's end, and its recompile took the media core for
 * milliseconds. playback.ts runs those branches at load; this checks the outcome with
 * V8's own optimization status.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import { shareAudio } from './encoded-audio.ts';
import { PlaybackQueue } from './playback.ts';

v8.setFlagsFromString('--allow-natives-syntax');
// V8 intrinsics parse only in code compiled after the flag is set: hence `new Function`.
const prepare = new Function('f', '%PrepareFunctionForOptimization(f);') as (f: unknown) => void;
const optimizeOnNextCall = new Function('f', '%OptimizeFunctionOnNextCall(f);') as (f: unknown) => void;
/** V8's OptimizationStatus bit kOptimized (1 << 4). */
const optimized = new Function('f', 'return (%GetOptimizationStatus(f) & 16) !== 0;') as (f: unknown) => boolean;

/** The send path of one tick, reduced to the queue read it inlines. */
function sendTick(q: PlaybackQueue, frame: Int16Array): boolean {
  return q.read(frame);
}

test('a playback ending, a mark and the next playback starting keep the compiled send path', async () => {
  const frame = new Int16Array(160);
  const q = new PlaybackQueue();
  // Mid-prompt ticks only, as the path sees before the first prompt of a call ends.
  const first = q.play(new Int16Array(160 * 40));
  prepare(sendTick);
  for (let i = 0; i < 5; i++) sendTick(q, frame);
  optimizeOnNextCall(sendTick);
  sendTick(q, frame);
  assert.equal(optimized(sendTick), true, 'the test needs the path compiled first');
  const mark = q.play(new Int16Array(0));
  const second = q.play(new Int16Array(100));
  while (sendTick(q, frame)); // the first ends mid-frame, the mark settles, the second plays out
  assert.equal(optimized(sendTick), true, 'the send path deoptimized at a playback end');
  assert.deepEqual(await Promise.all([first, mark, second]), [true, true, true]);
});

/** The same with the frame taken encoded, as the sender does without a recorder. */
function sendEncodedTick(q: PlaybackQueue, packet: Uint8Array): boolean {
  return q.readEncoded('PCMU', packet, 12, 160);
}

test('the encoded send path keeps its compiled code from a shared prompt to the next playback', async () => {
  const packet = new Uint8Array(172);
  const q = new PlaybackQueue();
  const prompt = new Int16Array(160 * 40 + 50);
  shareAudio(prompt);
  const first = q.play(prompt);
  prepare(sendEncodedTick);
  for (let i = 0; i < 5; i++) sendEncodedTick(q, packet);
  optimizeOnNextCall(sendEncodedTick);
  sendEncodedTick(q, packet);
  assert.equal(optimized(sendEncodedTick), true, 'the test needs the path compiled first');
  const mark = q.play(new Int16Array(0));
  const second = q.play(new Int16Array(100)); // not shared: encoded straight into the packet
  while (sendEncodedTick(q, packet));
  assert.equal(optimized(sendEncodedTick), true, 'the encoded send path deoptimized at a playback end');
  assert.deepEqual(await Promise.all([first, mark, second]), [true, true, true]);
});
