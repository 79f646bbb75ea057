import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resampleRate, resampleTo8k } from './resample-rate.ts';
import { frameEnergy, generateTone, goertzelPower } from './tone.ts';

/** Power of `hz` in the middle of `pcm` (edges skipped), at `rate`. */
function midPower(pcm: Int16Array, hz: number, rate = 8000): number {
  const n = Math.floor(pcm.length / 2);
  return goertzelPower(pcm.subarray(n - 400, n + 400), hz, rate);
}

test('22 050 Hz speech-rate audio: a 1 kHz tone keeps its frequency and level at 8 kHz', () => {
  const src = generateTone(1000, 500, { sampleRate: 22050, amplitude: 8000 });
  const out = resampleTo8k(src, 22050);
  assert.equal(out.length, 4000);
  const p = midPower(out, 1000);
  // Goertzel power ≈ A² for a centred sine of peak A: within 1 dB of 8000².
  assert.ok(p > 0.79 * 64e6 && p < 1.26 * 64e6, `power ${p}`);
  assert.ok(midPower(out, 1000) > 50 * midPower(out, 1500));
});

test('a tone above the new Nyquist rate is suppressed, not aliased', () => {
  // 6 kHz at 22 050 Hz would alias to 2 kHz at 8 kHz.
  const out = resampleTo8k(generateTone(6000, 500, { sampleRate: 22050, amplitude: 8000 }), 22050);
  const n = out.length / 2;
  assert.ok(frameEnergy(out.subarray(n - 400, n + 400)) < 0.001 * 32e6, `energy ${frameEnergy(out)}`);
});

test('upsampling and other rates: lengths and content', () => {
  const src = generateTone(440, 200, { sampleRate: 11025 });
  const out = resampleRate(src, 11025, 8000);
  assert.equal(out.length, Math.round((src.length * 8000) / 11025));
  assert.ok(midPower(out, 440) > 0.7 * 64e6);
  const up = resampleRate(generateTone(440, 200), 8000, 48000);
  assert.equal(up.length, 9600);
  assert.ok(midPower(up, 440, 48000) > 0.7 * 64e6);
  const same = generateTone(440, 20);
  assert.equal(resampleRate(same, 8000, 8000), same);
  assert.equal(resampleRate(generateTone(440, 20, { sampleRate: 16000 }), 16000, 8000).length, 160);
  assert.throws(() => resampleRate(same, 0, 8000), RangeError);
});
