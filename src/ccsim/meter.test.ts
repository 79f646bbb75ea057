import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateTone } from '../media/index.ts';
import { AudioMeter, dbfs } from './meter.ts';

function frames(pcm: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) out.push(pcm.subarray(i, i + 160));
  return out;
}

test('silence is not heard', () => {
  const m = new AudioMeter();
  for (let i = 0; i < 50; i++) m.push(new Int16Array(160));
  assert.deepEqual(m.report, { heard: false, activeMs: 0, peakDbfs: -100 });
});

test('a tone is heard, and the Goertzel check finds its frequency, not another', () => {
  const tone = generateTone(1000, 200);
  const m = new AudioMeter({ detectHz: 1000 });
  const other = new AudioMeter({ detectHz: 440 });
  for (const f of frames(tone)) {
    m.push(f);
    other.push(f);
  }
  assert.equal(m.report.heard, true);
  assert.equal(m.report.activeMs, 200);
  assert.ok(m.report.peakDbfs > -16 && m.report.peakDbfs < -14, `peak ${m.report.peakDbfs}`);
  assert.deepEqual(m.report.tone, { hz: 1000, heard: true, activeMs: 200 });
  assert.equal(other.report.tone?.heard, false);
});

test('a short blip is not enough to count as heard', () => {
  const m = new AudioMeter({ minActiveMs: 60 });
  for (const f of frames(generateTone(800, 40))) m.push(f);
  assert.equal(m.report.heard, false);
  assert.equal(m.report.activeMs, 40);
});

test('dbfs of a full-scale square is 0', () => {
  assert.equal(dbfs(32768 * 32768), 0);
  assert.equal(dbfs(0), -100);
  assert.equal(dbfs(1e-12), -100);
});
