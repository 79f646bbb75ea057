/**
 * The jitter buffer's `concealed` counter: frames of audio time played as silence for
 * missing packets, as the call record reports them (`RtpSessionStats.concealed`), apart
 * from `lost`, which counts packets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JitterBuffer } from './jitter.ts';
import type { JitterFrameKind } from './jitter.ts';

/**
 * Pushes packets `seqs` (each `samples` long, back to back in timestamps) at time 0, then
 * pops `ticks` frames 20 ms apart; returns the kinds of the frames after playout began.
 */
function play(jb: JitterBuffer, seqs: number[], samples: number, ticks: number): JitterFrameKind[] {
  const pcm = new Int16Array(samples).fill(1000);
  for (const seq of seqs) jb.push(seq, seq * samples, pcm, 0);
  const kinds: JitterFrameKind[] = [];
  for (let t = 0; t < ticks; t++) kinds.push(jb.pop(t * 20).kind);
  return kinds.filter((k) => k !== 'empty');
}

const count = (kinds: JitterFrameKind[], kind: JitterFrameKind): number => kinds.filter((k) => k === kind).length;

test('one lost 60 ms packet is one packet lost and three frames concealed', () => {
  const jb = new JitterBuffer({ delayMs: 40, maxDelayMs: 400 });
  const kinds = play(jb, [0, 1, 3, 4], 480, 20);
  assert.equal(count(kinds, 'lost'), 3);
  assert.equal(jb.stats.lost, 1);
  assert.equal(jb.stats.concealed, 3);
});

test('a lost 10 ms packet whose frame still has audio conceals no frame', () => {
  const jb = new JitterBuffer({ delayMs: 40 });
  const kinds = play(jb, [0, 1, 2, 4, 5, 6, 7], 80, 8);
  assert.equal(count(kinds, 'lost'), 0);
  assert.equal(jb.stats.lost, 1);
  assert.equal(jb.stats.concealed, 0);
});

test('two lost 20 ms packets conceal two frames; the late arrival of one changes neither count', () => {
  const jb = new JitterBuffer({ delayMs: 40 });
  const kinds = play(jb, [0, 1, 4, 5], 160, 6);
  assert.deepEqual(kinds, ['audio', 'audio', 'lost', 'lost', 'audio', 'audio']);
  assert.equal(jb.push(2, 320, new Int16Array(160), 200), false);
  const s = jb.stats;
  assert.equal(s.lost, 2);
  assert.equal(s.concealed, 2);
  assert.equal(s.late, 1);
});

test('no loss, no concealment: a gap in the sender timestamps plays as silent, not lost', () => {
  const jb = new JitterBuffer({ delayMs: 20 });
  const pcm = new Int16Array(160);
  jb.push(0, 0, pcm, 0);
  jb.push(1, 480, pcm, 0);
  const kinds = Array.from({ length: 5 }, (_, t) => jb.pop(t * 20).kind);
  assert.deepEqual(kinds, ['audio', 'silent', 'silent', 'audio', 'empty']);
  assert.equal(jb.stats.concealed, 0);
});
