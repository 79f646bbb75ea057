import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { MediaError } from './errors.ts';
import { EspeakTts, decodeEngineWav } from './tts.ts';
import { encodeWav } from './wav.ts';
import { frameEnergy } from './tone.ts';

const haveEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

test('a missing engine rejects with media_tts_unavailable naming the Debian package', async () => {
  const tts = new EspeakTts({ command: 'espeak-ng-not-installed-here' });
  await assert.rejects(tts.render('hello'), (e: unknown) => {
    assert.ok(e instanceof MediaError);
    assert.equal(e.code, 'media_tts_unavailable');
    assert.match(e.message, /package:espeak-ng/);
    return true;
  });
});

test('empty text and an engine error are media_tts_failed', async () => {
  const tts = new EspeakTts({ command: 'false' });
  await assert.rejects(tts.render('   '), (e: unknown) => e instanceof MediaError && e.code === 'media_tts_failed');
  await assert.rejects(tts.render('hello'), (e: unknown) => e instanceof MediaError && e.code === 'media_tts_failed');
});

test('engine WAV: any rate, sizes left open by a pipe', () => {
  const wav = encodeWav(new Int16Array([1, -2, 3, -4]), 22050);
  // espeak-ng writes 0x7ffff000-ish sizes when its output is not seekable.
  new DataView(wav.buffer).setUint32(40, 0x7ffff000, true);
  const { samples, sampleRate } = decodeEngineWav(wav);
  assert.equal(sampleRate, 22050);
  assert.deepEqual([...samples], [1, -2, 3, -4]);
  assert.throws(() => decodeEngineWav(new Uint8Array(10)), (e: unknown) => e instanceof MediaError && e.code === 'media_tts_failed');
});

test('espeak-ng renders speech at 8 kHz', { skip: haveEspeak ? false : 'espeak-ng not installed' }, async () => {
  const pcm = await new EspeakTts().render('-v is not an option here');
  // Roughly a second of speech, not silence.
  assert.ok(pcm.length > 4000 && pcm.length < 80000, `samples ${pcm.length}`);
  assert.ok(frameEnergy(pcm) > 1e4);
});
