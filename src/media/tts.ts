/**
 * Text to speech through espeak-ng (Debian package `espeak-ng`): the text goes to the
 * engine's stdin (never on the command line, so a text starting with `-` is not read as
 * an option), the engine writes a WAV on stdout (16-bit mono, 22 050 Hz), and the audio
 * is band-limited and resampled to 8 kHz for G.711. Rendering is slow (tens of ms per
 * sentence): callers cache the result (see `prompts.ts`).
 */
import { spawn } from 'node:child_process';
import { MediaError } from './errors.ts';
import { resampleTo8k } from './resample-rate.ts';

/** The Debian package that provides the engine, named in `media_tts_unavailable` errors. */
export const TTS_PACKAGE = 'espeak-ng';

/** Renders text to 8 kHz PCM. */
export interface TextToSpeech {
  /** Identifies the voice and settings (part of cache keys), e.g. `espeak-ng:en:160`. */
  readonly voiceKey: string;
  /**
   * Renders `text` to 8 kHz mono PCM16.
   * @throws MediaError `media_tts_unavailable` (engine not installed), `media_tts_failed`
   */
  render(text: string): Promise<Int16Array>;
}

/** Options of {@link EspeakTts}. */
export interface EspeakOptions {
  /** Executable (default `espeak-ng`, looked up on the PATH). */
  command?: string;
  /** espeak-ng voice (`-v`, default `en`). */
  voice?: string;
  /** Speed in words per minute (`-s`, default 160). */
  wordsPerMinute?: number;
  /** Longest render before the engine is killed, ms (default 10000). */
  timeoutMs?: number;
  /** Longest text accepted, characters (default 5000). */
  maxChars?: number;
}

/** A decoded engine output: mono PCM16 at its own rate. */
export interface PcmAt {
  samples: Int16Array;
  sampleRate: number;
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

/**
 * Reads a streamed PCM16 mono WAV at any rate (espeak-ng writes placeholder sizes when
 * its output is a pipe: the data runs to the end of the bytes).
 * @throws MediaError `media_tts_failed` when it is not a mono 16-bit PCM WAV
 */
export function decodeEngineWav(data: Uint8Array): PcmAt {
  const fail = (what: string): MediaError => new MediaError('media_tts_failed', `engine output is not usable audio [${what}]`);
  if (data.length < 12 || fourcc(data, 0) !== 'RIFF' || fourcc(data, 8) !== 'WAVE') throw fail(`${data.length} bytes, no RIFF/WAVE header`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let sampleRate = 0;
  let offset = 12;
  while (offset + 8 <= data.length) {
    const id = fourcc(data, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= data.length) {
      const tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (tag !== 1 || channels !== 1 || bits !== 16) throw fail(`format ${tag}, ${channels} channel(s), ${bits} bit`);
      sampleRate = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      if (sampleRate === 0) throw fail('data before fmt');
      const end = Math.min(data.length, body + size);
      const samples = new Int16Array((end - body) >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return { samples, sampleRate };
    }
    offset = body + size + (size & 1);
  }
  throw fail('no data chunk');
}

/** Runs `command args`, feeding `input` on stdin; resolves with stdout. */
function run(command: string, args: string[], input: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    // A missing binary fails the spawn (ENOENT) and then closes the pipes.
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`exit ${code ?? signal}: ${err.trim().slice(0, 200)}`));
    });
    child.stdin.end(input);
  });
}

/** espeak-ng as a {@link TextToSpeech}. */
export class EspeakTts implements TextToSpeech {
  readonly voiceKey: string;
  private readonly command: string;
  private readonly voice: string;
  private readonly wpm: number;
  private readonly timeoutMs: number;
  private readonly maxChars: number;

  constructor(options: EspeakOptions = {}) {
    this.command = options.command ?? 'espeak-ng';
    this.voice = options.voice ?? 'en';
    this.wpm = options.wordsPerMinute ?? 160;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxChars = options.maxChars ?? 5000;
    this.voiceKey = `espeak-ng:${this.voice}:${this.wpm}`;
  }

  /**
   * Renders `text` (`espeak-ng --stdout -v <voice> -s <wpm> --stdin`) to 8 kHz PCM.
   * @throws MediaError `media_tts_unavailable` naming the package when the engine is not
   *   installed; `media_tts_failed` for an empty or too long text, an engine error or no audio
   */
  async render(text: string): Promise<Int16Array> {
    const spoken = text.trim();
    if (spoken === '' || spoken.length > this.maxChars) {
      throw new MediaError('media_tts_failed', `text to speak is empty or too long [chars:${spoken.length}, max:${this.maxChars}]`);
    }
    let wav: Buffer;
    try {
      wav = await run(this.command, ['--stdout', '-v', this.voice, '-s', String(this.wpm), '--stdin'], spoken, this.timeoutMs);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        throw new MediaError('media_tts_unavailable', `text to speech needs espeak-ng [package:${TTS_PACKAGE}, command:${this.command}]`, { cause: error });
      }
      throw new MediaError('media_tts_failed', `espeak-ng failed [voice:${this.voice}]`, { cause: error });
    }
    const { samples, sampleRate } = decodeEngineWav(wav);
    if (samples.length === 0) throw new MediaError('media_tts_failed', `espeak-ng produced no audio [voice:${this.voice}]`);
    return resampleTo8k(samples, sampleRate);
  }
}
