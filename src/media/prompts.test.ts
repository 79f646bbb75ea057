import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaError } from './errors.ts';
import { PromptCache } from './prompts.ts';
import type { TextToSpeech } from './tts.ts';
import { encodeWav } from './wav.ts';

/** A fake engine: each text renders to as many samples as it has characters. */
function fakeTts(): TextToSpeech & { calls: string[] } {
  const calls: string[] = [];
  return {
    voiceKey: 'fake:1',
    calls,
    render: (text) => {
      calls.push(text);
      if (text === 'boom') return Promise.reject(new MediaError('media_tts_failed', 'boom'));
      return Promise.resolve(new Int16Array(text.length).fill(7));
    },
  };
}

test('speech renders once per text; concurrent requests share the render', async () => {
  const tts = fakeTts();
  const cache = new PromptCache({ tts });
  const [a, b] = await Promise.all([cache.speak('hello'), cache.speak('hello')]);
  assert.equal(a, b);
  await cache.speak('hello');
  await cache.speak('other');
  assert.deepEqual(tts.calls, ['hello', 'other']);
  assert.deepEqual(cache.stats, { hits: 2, misses: 2, renders: 2, bytes: 2 * 5 + 2 * 5 });
});

test('failures are not cached', async () => {
  const tts = fakeTts();
  const cache = new PromptCache({ tts });
  await assert.rejects(cache.speak('boom'), (e: unknown) => e instanceof MediaError && e.code === 'media_tts_failed');
  await assert.rejects(cache.speak('boom'));
  assert.equal(tts.calls.length, 2);
});

test('the memory budget evicts the least recently used', async () => {
  const tts = fakeTts();
  const cache = new PromptCache({ tts, maxBytes: 20 });
  await cache.speak('aaaa'); // 8 bytes
  await cache.speak('bbbb');
  await cache.speak('aaaa'); // hit: a is now the most recent
  await cache.speak('cccc'); // 24 bytes > 20: b goes
  await cache.speak('aaaa');
  await cache.speak('bbbb');
  assert.deepEqual(tts.calls, ['aaaa', 'bbbb', 'cccc', 'bbbb']);
  assert.ok(cache.stats.bytes <= 20);
});

test('renders persist in the cache directory across instances', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prompts-'));
  try {
    const first = fakeTts();
    const pcm = await new PromptCache({ tts: first, ttsCacheDir: join(dir, 'tts') }).speak('persist me');
    const second = fakeTts();
    const again = await new PromptCache({ tts: second, ttsCacheDir: join(dir, 'tts') }).speak('persist me');
    assert.deepEqual([...again], [...pcm]);
    assert.equal(second.calls.length, 0);
    assert.equal((await readdir(join(dir, 'tts'))).filter((f) => f.endsWith('.wav')).length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('WAV files: cached by path, re-read when changed, typed errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prompts-'));
  try {
    const path = join(dir, 'p.wav');
    await writeFile(path, encodeWav(new Int16Array(160).fill(100)));
    // 0: a stat before every play (the check interval has its own test below).
    const cache = new PromptCache({ tts: fakeTts(), fileCheckIntervalMs: 0 });
    assert.equal((await cache.file(path)).length, 160);
    await cache.file(path);
    assert.equal(cache.stats.hits, 1);
    await writeFile(path, encodeWav(new Int16Array(320).fill(100)));
    assert.equal((await cache.file(path)).length, 320);
    await assert.rejects(cache.file(join(dir, 'missing.wav')), (e: unknown) => e instanceof MediaError && e.code === 'media_io_failed');
    await writeFile(path, encodeWav(new Int16Array(10), 44100));
    await assert.rejects(cache.file(path), (e: unknown) => e instanceof MediaError && e.code === 'media_wav_unsupported');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('WAV files: a path is stat\'ed at most once per check interval', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prompts-'));
  try {
    const path = join(dir, 'p.wav');
    await writeFile(path, encodeWav(new Int16Array(160).fill(100)));
    let now = 0;
    const cache = new PromptCache({ tts: fakeTts(), now: () => now });
    assert.equal((await cache.file(path)).length, 160);
    // Changed within the interval (default 1000 ms): no stat, the cached audio plays.
    await writeFile(path, encodeWav(new Int16Array(320).fill(100)));
    now = 999;
    assert.equal((await cache.file(path)).length, 160);
    assert.deepEqual([cache.stats.hits, cache.stats.misses], [1, 1]);
    // The interval is over: the stat sees the change and the file is read again.
    now = 1000;
    assert.equal((await cache.file(path)).length, 320);
    assert.deepEqual([cache.stats.hits, cache.stats.misses], [1, 2]);
    // The next interval starts at that stat: a deleted file is noticed only after it.
    await rm(path);
    now = 1999;
    assert.equal((await cache.file(path)).length, 320);
    now = 2000;
    await assert.rejects(cache.file(path), (e: unknown) => e instanceof MediaError && e.code === 'media_io_failed');
    // A failed stat is not remembered: the next play stats again.
    await writeFile(path, encodeWav(new Int16Array(80).fill(100)));
    assert.equal((await cache.file(path)).length, 80);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('WAV files: the plays that ask while a check is under way share its one stat', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prompts-'));
  try {
    const path = join(dir, 'p.wav');
    await writeFile(path, encodeWav(new Int16Array(160).fill(100)));
    let now = 0;
    let stats = 0;
    const cache = new PromptCache({ tts: fakeTts(), now: () => now, stat: (p) => (stats++, stat(p)) });
    const first = await Promise.all(Array.from({ length: 50 }, () => cache.file(path)));
    assert.equal(stats, 1);
    assert.ok(first.every((pcm) => pcm === first[0]));
    now = 1000; // the interval is over: the next plays check again, once
    await Promise.all(Array.from({ length: 50 }, () => cache.file(path)));
    assert.equal(stats, 2);
    assert.deepEqual([cache.stats.hits, cache.stats.misses], [99, 1]);
    // A failed check is shared too, and not remembered.
    await rm(path);
    now = 2000;
    const failed = await Promise.allSettled(Array.from({ length: 10 }, () => cache.file(path)));
    assert.equal(stats, 3);
    assert.ok(failed.every((r) => r.status === 'rejected' && r.reason instanceof MediaError && r.reason.code === 'media_io_failed'));
    await writeFile(path, encodeWav(new Int16Array(80).fill(100)));
    assert.equal((await cache.file(path)).length, 80);
    assert.equal(stats, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
