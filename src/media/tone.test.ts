import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ToneGenerator,
  detectDtmfTone,
  dominantFrequency,
  dtmfFrequencies,
  frameEnergy,
  generateDtmfTone,
  generateTone,
  goertzelPower,
} from './tone.ts';

test('Goertzel power of an on-bin sine is about A²', () => {
  const frame = generateTone(1000, 20, { amplitude: 10000 });
  assert.equal(frame.length, 160);
  const p = goertzelPower(frame, 1000);
  assert.ok(Math.abs(p / 1e8 - 1) < 0.01, String(p));
  assert.ok(goertzelPower(frame, 2000) < p / 1000);
});

test('dominantFrequency picks the tone and reports its share', () => {
  const frame = generateTone(1000, 20);
  const d = dominantFrequency(frame, [400, 1000, 2000, 3000]);
  assert.equal(d?.freqHz, 1000);
  assert.ok(d!.share > 0.95, String(d?.share));
  assert.equal(dominantFrequency(new Int16Array(160), [1000]), undefined);
});

test('generator keeps phase across frames', () => {
  const whole = generateTone(440, 40);
  const gen = new ToneGenerator(440);
  const a = new Int16Array(160);
  const b = new Int16Array(160);
  gen.fill(a);
  gen.fill(b);
  assert.deepEqual([...a, ...b], [...whole]);
});

test('dual tone clips instead of wrapping', () => {
  const frame = new Int16Array(160);
  new ToneGenerator([500, 500], { amplitude: 30000 }).fill(frame);
  assert.ok(Math.max(...frame) === 32767 && Math.min(...frame) === -32768);
  assert.ok(frameEnergy(frame) > 0);
});

test('DTMF tones are generated and detected for every digit', () => {
  for (const digit of '0123456789*#ABCD') {
    const tone = generateDtmfTone(digit, 40);
    assert.ok(tone);
    assert.equal(detectDtmfTone(tone), digit, digit);
  }
  assert.deepEqual(dtmfFrequencies('5'), [770, 1336]);
  assert.equal(dtmfFrequencies('x'), undefined);
  assert.equal(generateDtmfTone('x', 40), undefined);
  assert.equal(detectDtmfTone(new Int16Array(320)), undefined);
  assert.equal(detectDtmfTone(generateTone(1000, 40)), undefined);
});
