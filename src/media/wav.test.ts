import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, decodeWav8k, encodeWav, readWav8k } from './wav.ts';
import { WavRecorder } from './wav-writer.ts';
import { MediaError } from './errors.ts';
import { encodeAlaw, encodeUlaw } from './g711.ts';
import { generateTone, goertzelPower } from './tone.ts';

interface FmtSpec {
  tag: number;
  channels?: number;
  rate: number;
  bits: number;
  extensible?: boolean;
}

/** Builds a WAV file by hand, with an optional odd-sized chunk before `data`. */
function wav(spec: FmtSpec, data: Uint8Array, opts: { junk?: number; dataSize?: number } = {}): Uint8Array {
  const fmtSize = spec.extensible === true ? 40 : 16;
  const fmt = Buffer.alloc(8 + fmtSize);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(fmtSize, 4);
  fmt.writeUInt16LE(spec.extensible === true ? 0xfffe : spec.tag, 8);
  const ch = spec.channels ?? 1;
  fmt.writeUInt16LE(ch, 10);
  fmt.writeUInt32LE(spec.rate, 12);
  fmt.writeUInt32LE((spec.rate * ch * spec.bits) / 8, 16);
  fmt.writeUInt16LE((ch * spec.bits) / 8, 20);
  fmt.writeUInt16LE(spec.bits, 22);
  if (spec.extensible === true) {
    fmt.writeUInt16LE(22, 24);
    fmt.writeUInt16LE(spec.tag, 32); // sub-format GUID starts with the tag
  }
  const parts: Buffer[] = [Buffer.from('RIFF\0\0\0\0WAVE', 'ascii'), fmt];
  if (opts.junk !== undefined) {
    const junk = Buffer.alloc(8 + opts.junk + (opts.junk & 1));
    junk.write('LIST', 0, 'ascii');
    junk.writeUInt32LE(opts.junk, 4);
    parts.push(junk);
  }
  const head = Buffer.alloc(8);
  head.write('data', 0, 'ascii');
  head.writeUInt32LE(opts.dataSize ?? data.length, 4);
  parts.push(head, Buffer.from(data));
  const out = Buffer.concat(parts);
  out.writeUInt32LE(out.length - 8, 4);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function pcmBytes(pcm: Int16Array): Uint8Array {
  const b = Buffer.alloc(pcm.length * 2);
  pcm.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

const isCode = (code: string) => (e: unknown) => e instanceof MediaError && e.code === code;

test('PCM16 8 kHz round-trips through encodeWav', () => {
  const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
  const file = encodeWav(pcm);
  assert.equal(file.length, 44 + 12);
  const { format, samples } = decodeWav(file);
  assert.deepEqual(format, { formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16 });
  assert.deepEqual(samples, pcm);
});

test('PCM16 16 kHz is resampled to 8 kHz', () => {
  const tone = generateTone(1000, 100, { sampleRate: 16000 });
  const out = decodeWav8k(wav({ tag: 1, rate: 16000, bits: 16 }, pcmBytes(tone)));
  assert.equal(out.length, 800);
  assert.ok(goertzelPower(out.subarray(400, 560), 1000) > 0.9 * 8000 ** 2);
});

test('µ-law, A-law and EXTENSIBLE µ-law decode to PCM', () => {
  const tone = generateTone(1000, 20);
  const u = new Uint8Array(160);
  const a = new Uint8Array(160);
  encodeUlaw(tone, u);
  encodeAlaw(tone, a);
  for (const [file, name] of [
    [wav({ tag: 7, rate: 8000, bits: 8 }, u), 'µ-law'],
    [wav({ tag: 6, rate: 8000, bits: 8 }, a), 'A-law'],
    [wav({ tag: 7, rate: 8000, bits: 8, extensible: true }, u, { junk: 3 }), 'extensible'],
  ] as const) {
    const pcm = decodeWav8k(file);
    assert.equal(pcm.length, 160, name);
    assert.ok(goertzelPower(pcm, 1000) > 0.9 * 8000 ** 2, name);
  }
});

test('unsupported formats name what was found', () => {
  const cases: [FmtSpec, RegExp][] = [
    [{ tag: 1, channels: 2, rate: 8000, bits: 16 }, /PCM, 2 channel\(s\), 8000 Hz, 16 bit/],
    [{ tag: 3, rate: 8000, bits: 32 }, /IEEE float/],
    [{ tag: 1, rate: 44100, bits: 16 }, /44100 Hz/],
    [{ tag: 1, rate: 8000, bits: 8 }, /8 bit/],
    [{ tag: 7, rate: 16000, bits: 8 }, /µ-law, 1 channel\(s\), 16000 Hz/],
    [{ tag: 99, rate: 8000, bits: 16 }, /format 99/],
  ];
  for (const [spec, re] of cases) {
    assert.throws(
      () => decodeWav(wav(spec, new Uint8Array(64))),
      (e: unknown) => isCode('media_wav_unsupported')(e) && re.test((e as Error).message),
      JSON.stringify(spec),
    );
  }
});

test('invalid files are media_wav_invalid', () => {
  assert.throws(() => decodeWav(new Uint8Array(10)), isCode('media_wav_invalid'));
  assert.throws(() => decodeWav(Buffer.from('RIFF\0\0\0\0AVI LIST')), isCode('media_wav_invalid'));
  const noData = wav({ tag: 1, rate: 8000, bits: 16 }, new Uint8Array(0)).subarray(0, 36);
  assert.throws(() => decodeWav(noData), /no data chunk/);
});

test('data size 0 or too large (unfinished recording) reads to the end', () => {
  const pcm = Int16Array.from([5, 6, 7]);
  assert.deepEqual(decodeWav(wav({ tag: 1, rate: 8000, bits: 16 }, pcmBytes(pcm), { dataSize: 0 })).samples, pcm);
  assert.deepEqual(decodeWav(wav({ tag: 1, rate: 8000, bits: 16 }, pcmBytes(pcm), { dataSize: 0xffffffff })).samples, pcm);
});

test('streaming recorder appends frames and fixes the header on close', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agentline-wav-'));
  try {
    const path = join(dir, 'rec.wav');
    const rec = await WavRecorder.open(path, { bufferBytes: 1024 });
    const frame = new Int16Array(160);
    const all: number[] = [];
    for (let f = 0; f < 20; f++) {
      frame.fill(f * 100 - 1000);
      rec.write(frame);
      all.push(...frame);
    }
    rec.write(frame, 10);
    all.push(...frame.subarray(0, 10));
    const [done, again] = await Promise.all([rec.close(), rec.close()]);
    assert.deepEqual(done, { path, samples: 3210, durationMs: 401.25 });
    assert.equal(again, done);
    assert.equal(rec.write(frame), false);
    const bytes = await readFile(path);
    assert.equal(bytes.readUInt32LE(4), 36 + 3210 * 2);
    assert.equal(bytes.readUInt32LE(40), 3210 * 2);
    assert.deepEqual([...(await readWav8k(path))], all);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file errors are media_io_failed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agentline-wav-'));
  try {
    await assert.rejects(readWav8k(join(dir, 'missing.wav')), isCode('media_io_failed'));
    await assert.rejects(WavRecorder.open(join(dir, 'no', 'such', 'dir.wav')), isCode('media_io_failed'));
    await writeFile(join(dir, 'bad.wav'), 'hello');
    await assert.rejects(readWav8k(join(dir, 'bad.wav')), isCode('media_wav_invalid'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
