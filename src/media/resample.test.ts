import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Downsampler16to8, Upsampler8to16, resample16kTo8k, resample8kTo16k } from './resample.ts';
import { generateTone, goertzelPower } from './tone.ts';

/** Power of `freq` over a steady 20 ms window from the middle of the signal. */
function midPower(pcm: Int16Array, freq: number, rate: number): number {
  const n = rate / 50;
  const start = Math.floor(pcm.length / 2);
  return goertzelPower(pcm.subarray(start, start + n), freq, rate);
}

const dB = (ratio: number): number => 10 * Math.log10(ratio);

test('16k → 8k keeps an in-band tone at its level', () => {
  const src = generateTone(1000, 200, { sampleRate: 16000, amplitude: 10000 });
  const out = resample16kTo8k(src);
  assert.equal(out.length, src.length / 2);
  const p = midPower(out, 1000, 8000);
  assert.ok(Math.abs(dB(p / 1e8)) < 0.5, `${dB(p / 1e8)} dB`);
});

test('16k → 8k rejects content above 4 kHz instead of aliasing it', () => {
  // 6 kHz would alias to 2 kHz without the low-pass.
  const src = generateTone(6000, 200, { sampleRate: 16000, amplitude: 10000 });
  const out = resample16kTo8k(src);
  const alias = midPower(out, 2000, 8000);
  assert.ok(dB(alias / 1e8) < -40, `${dB(alias / 1e8)} dB`);
});

test('8k → 16k keeps the tone and suppresses the image', () => {
  const src = generateTone(1000, 200, { amplitude: 10000 });
  const out = resample8kTo16k(src);
  assert.equal(out.length, src.length * 2);
  assert.ok(Math.abs(dB(midPower(out, 1000, 16000) / 1e8)) < 0.5);
  assert.ok(dB(midPower(out, 7000, 16000) / 1e8) < -40, 'image at 8k − 1k');
});

test('one-shot conversion is delay-compensated (round trip lines up)', () => {
  const src = generateTone(500, 100, { amplitude: 10000 });
  const back = resample16kTo8k(resample8kTo16k(src));
  assert.equal(back.length, src.length);
  let err = 0;
  for (let i = 100; i < 700; i++) err = Math.max(err, Math.abs(back[i]! - src[i]!));
  assert.ok(err < 200, `max error ${err}`);
});

test('streaming in odd chunks equals one pass', () => {
  const src = generateTone([700, 2500], 60, { sampleRate: 16000 });
  const whole = new Int16Array(src.length / 2);
  new Downsampler16to8().process(src, whole);
  const ds = new Downsampler16to8();
  const parts: number[] = [];
  const dst = new Int16Array(200);
  for (let i = 0; i < src.length; i += 37) {
    const n = ds.process(src.subarray(i, i + 37), dst);
    parts.push(...dst.subarray(0, n));
  }
  assert.deepEqual(parts, [...whole]);
  const up = new Upsampler8to16();
  const out = new Int16Array(320);
  assert.equal(up.process(whole.subarray(0, 160), out), 320);
  up.reset();
  ds.reset();
});
