/**
 * WAV (RIFF/WAVE) reading and writing for prompts and recordings.
 *
 * Reads mono PCM16 at 8 or 16 kHz and mono G.711 µ-law/A-law at 8 kHz (also inside
 * WAVE_FORMAT_EXTENSIBLE) into 8 kHz PCM16; anything else is a `media_wav_unsupported`
 * error naming what was found. Writes PCM16 8 kHz mono (or channels interleaved, for call
 * recordings), whole or streamed (see `wav-writer.ts` for the streaming recorder).
 */
import { readFile } from 'node:fs/promises';
import { MediaError } from './errors.ts';
import { decodeAlaw, decodeUlaw } from './g711.ts';
import { resample16kTo8k } from './resample.ts';

/** WAVE format tags (RFC 2361). */
const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

const FORMAT_NAMES: Record<number, string> = { 1: 'PCM', 3: 'IEEE float', 6: 'A-law', 7: 'µ-law', 2: 'MS ADPCM', 17: 'IMA ADPCM', 85: 'MP3' };

/** Size of the canonical header we write, bytes. */
export const WAV_HEADER_SIZE = 44;

/** The `fmt ` chunk of a WAV file, as found. */
export interface WavFormat {
  /** Format tag (1 PCM, 6 A-law, 7 µ-law; the sub-format for EXTENSIBLE). */
  formatTag: number;
  /** Channel count. */
  channels: number;
  /** Sample rate, Hz. */
  sampleRate: number;
  /** Bits per sample. */
  bitsPerSample: number;
}

/** A decoded WAV file. */
export interface WavAudio {
  /** The format as found in the file. */
  format: WavFormat;
  /** Samples at the file's own rate, linear 16-bit. */
  samples: Int16Array;
}

function fourcc(buf: Uint8Array, offset: number): string {
  return String.fromCharCode(buf[offset]!, buf[offset + 1]!, buf[offset + 2]!, buf[offset + 3]!);
}

function invalid(what: string): MediaError {
  return new MediaError('media_wav_invalid', `not a valid WAV file [${what}]`);
}

function describe(f: WavFormat): string {
  const name = FORMAT_NAMES[f.formatTag] ?? `format ${f.formatTag}`;
  return `${name}, ${f.channels} channel(s), ${f.sampleRate} Hz, ${f.bitsPerSample} bit`;
}

function parseFmt(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw invalid(`fmt chunk of ${size} bytes`);
  let formatTag = view.getUint16(offset, true);
  // WAVE_FORMAT_EXTENSIBLE keeps the real tag in the first two bytes of the sub-format GUID.
  if (formatTag === FORMAT_EXTENSIBLE && size >= 40) formatTag = view.getUint16(offset + 24, true);
  return {
    formatTag,
    channels: view.getUint16(offset + 2, true),
    sampleRate: view.getUint32(offset + 4, true),
    bitsPerSample: view.getUint16(offset + 14, true),
  };
}

/** Finds the fmt and data chunks (RIFF chunks are word-aligned). */
function findChunks(data: Uint8Array): { format: WavFormat; dataOffset: number; dataSize: number } {
  if (data.length < 12 || fourcc(data, 0) !== 'RIFF' || fourcc(data, 8) !== 'WAVE') throw invalid('no RIFF/WAVE header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= data.length) {
    const id = fourcc(data, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > data.length) throw invalid('truncated fmt chunk');
      format = parseFmt(view, body, size);
    } else if (id === 'data') {
      if (format === undefined) throw invalid('data chunk before fmt chunk');
      // A recording cut short may leave size 0 or 0xFFFFFFFF: take what is there.
      const available = data.length - body;
      const dataSize = size === 0 || size > available ? available : size;
      return { format, dataOffset: body, dataSize };
    }
    offset = body + size + (size & 1);
  }
  throw invalid(format === undefined ? 'no fmt chunk' : 'no data chunk');
}

function checkSupported(f: WavFormat): void {
  const mono = f.channels === 1;
  const pcm = f.formatTag === FORMAT_PCM && f.bitsPerSample === 16 && (f.sampleRate === 8000 || f.sampleRate === 16000);
  const g711 = (f.formatTag === FORMAT_MULAW || f.formatTag === FORMAT_ALAW) && f.bitsPerSample === 8 && f.sampleRate === 8000;
  if (!mono || !(pcm || g711)) {
    throw new MediaError(
      'media_wav_unsupported',
      `unsupported WAV format [found:${describe(f)}; supported: mono PCM 16 bit at 8000/16000 Hz, mono µ-law/A-law at 8000 Hz]`,
    );
  }
}

/**
 * Decodes a WAV file's bytes to linear samples at the file's own rate.
 * @throws MediaError `media_wav_invalid` (not RIFF/WAVE, truncated) or
 *   `media_wav_unsupported` (naming the format found)
 */
export function decodeWav(data: Uint8Array): WavAudio {
  const { format, dataOffset, dataSize } = findChunks(data);
  checkSupported(format);
  const bytes = data.subarray(dataOffset, dataOffset + dataSize);
  if (format.formatTag === FORMAT_PCM) {
    const samples = new Int16Array(Math.floor(bytes.length / 2));
    for (let i = 0; i < samples.length; i++) samples[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    return { format, samples };
  }
  const samples = new Int16Array(bytes.length);
  if (format.formatTag === FORMAT_MULAW) decodeUlaw(bytes, samples);
  else decodeAlaw(bytes, samples);
  return { format, samples };
}

/**
 * Decodes a WAV file's bytes to 8 kHz PCM16 (16 kHz input is low-passed and decimated).
 * @throws MediaError as {@link decodeWav}
 */
export function decodeWav8k(data: Uint8Array): Int16Array {
  const { format, samples } = decodeWav(data);
  return format.sampleRate === 16000 ? resample16kTo8k(samples) : samples;
}

/**
 * Reads a WAV file into 8 kHz PCM16.
 * @throws MediaError `media_io_failed` when the file cannot be read, else as {@link decodeWav}
 */
export async function readWav8k(path: string): Promise<Int16Array> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new MediaError('media_io_failed', `cannot read WAV file [path:${path}]`, { cause: error });
  }
  return decodeWav8k(data);
}

/**
 * Writes the canonical 44-byte PCM16 header (samples of several channels interleaved).
 * @param dataBytes size of the sample data, bytes
 * @param sampleRate Hz (default 8000)
 * @param channels channel count (default 1, mono)
 */
export function writeWavHeader(buf: Uint8Array, dataBytes: number, sampleRate = 8000, channels = 1): void {
  const view = new DataView(buf.buffer, buf.byteOffset, WAV_HEADER_SIZE);
  const ascii = (offset: number, s: string): void => {
    for (let i = 0; i < 4; i++) buf[offset + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2 * channels, true); // byte rate
  view.setUint16(32, 2 * channels, true); // block align
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
}

/**
 * Encodes PCM16 mono samples as a WAV file.
 * @param sampleRate Hz (default 8000)
 */
export function encodeWav(pcm: Int16Array, sampleRate = 8000): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_SIZE + pcm.length * 2);
  writeWavHeader(out, pcm.length * 2, sampleRate);
  writePcm16le(pcm, out, WAV_HEADER_SIZE);
  return out;
}

/** Writes samples little-endian at `offset` (independent of the host's byte order). */
export function writePcm16le(pcm: Int16Array, dst: Uint8Array, offset: number): void {
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i]!;
    dst[offset + 2 * i] = s & 0xff;
    dst[offset + 2 * i + 1] = (s >> 8) & 0xff;
  }
}
