/**
 * Prompt audio for playback, decoded once and shared by every call of the process:
 * WAV files (8/16 kHz PCM, µ-law, A-law; see `wav.ts`) keyed by path, size and mtime (a
 * path is stat'ed at most once per `fileCheckIntervalMs`, not before every play), and
 * text rendered by a {@link TextToSpeech} keyed by voice and text. An LRU bounded in bytes
 * keeps them in memory; rendered speech can also persist in a cache directory, so a
 * restart does not run the engine again. Concurrent requests for the same prompt share
 * one load. Failures are not cached.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shareAudio } from './encoded-audio.ts';
import { MediaError } from './errors.ts';
import { EspeakTts, type TextToSpeech } from './tts.ts';
import { decodeWav8k, encodeWav, readWav8k } from './wav.ts';

/** Options of {@link PromptCache}. */
export interface PromptCacheOptions {
  /** Speech engine (default: espeak-ng, voice `en`, 160 words per minute). */
  tts?: TextToSpeech;
  /** Memory budget of cached PCM, bytes (default 32 MiB; 1 s of 8 kHz PCM16 is 16 000 bytes). */
  maxBytes?: number;
  /** Directory where rendered speech persists as 8 kHz WAV files (default: memory only). */
  ttsCacheDir?: string;
  /**
   * How long a WAV file's size and mtime are trusted before a play stats the file again,
   * ms (default 1000; 0 stats before every play). An edited prompt is heard at most this
   * much later. At 600 calls with 2.8 s prompts, a stat per play was about 215 a second.
   */
  fileCheckIntervalMs?: number;
  /** Monotonic time, ms (default `performance.now`). */
  now?: () => number;
  /** A file's size and mtime (default `fs.promises.stat`; tests count the calls). */
  stat?: (path: string) => Promise<{ size: number; mtimeMs: number }>;
}

/** The last stat of a WAV file: its cache key and when it was taken. */
interface FileCheck {
  key: string;
  at: number;
}

/** Counters of a cache, for tests and metrics. */
export interface PromptCacheStats {
  /** Requests served from memory (or joined an in-flight load). */
  hits: number;
  /** Requests that loaded from disk or rendered. */
  misses: number;
  /** Speech renders by the engine. */
  renders: number;
  /** Bytes of PCM held. */
  bytes: number;
}

/** The shared prompt store. */
export class PromptCache {
  private readonly tts: TextToSpeech;
  private readonly maxBytes: number;
  private readonly dir: string | undefined;
  // Map iteration order is insertion order: re-inserting on use makes it an LRU.
  private readonly entries = new Map<string, Int16Array>();
  private readonly loading = new Map<string, Promise<Int16Array>>();
  private readonly counters: PromptCacheStats = { hits: 0, misses: 0, renders: 0, bytes: 0 };
  /** The last successful stat per path (one small entry per prompt file ever played). */
  private readonly checks = new Map<string, FileCheck>();
  /** Plays of a path whose check is under way (its stat, then its load if it changed). */
  private readonly statting = new Map<string, Promise<Int16Array>>();
  private readonly checkIntervalMs: number;
  private readonly now: () => number;
  private readonly statFile: (path: string) => Promise<{ size: number; mtimeMs: number }>;

  constructor(options: PromptCacheOptions = {}) {
    this.tts = options.tts ?? new EspeakTts();
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.dir = options.ttsCacheDir;
    this.checkIntervalMs = options.fileCheckIntervalMs ?? 1000;
    this.now = options.now ?? performance.now.bind(performance);
    this.statFile = options.stat ?? stat;
  }

  /** A snapshot of the counters. */
  get stats(): PromptCacheStats {
    return { ...this.counters };
  }

  /**
   * `text` spoken by the engine, as 8 kHz PCM (shared: do not modify).
   * @throws MediaError `media_tts_unavailable` naming the package, `media_tts_failed`
   */
  speak(text: string): Promise<Int16Array> {
    const key = `tts\0${this.tts.voiceKey}\0${text}`;
    return this.get(key, () => this.renderSpeech(text));
  }

  /**
   * A WAV file as 8 kHz PCM (shared: do not modify). A changed file (size or mtime) is read
   * again, once `fileCheckIntervalMs` has passed since the path was last stat'ed.
   * @throws MediaError `media_io_failed`, `media_wav_invalid`, `media_wav_unsupported` (naming the format)
   */
  file(path: string): Promise<Int16Array> {
    const check = this.checks.get(path);
    if (check !== undefined && this.now() - check.at < this.checkIntervalMs) return this.get(check.key, () => readWav8k(path));
    // The calls that ask while a stat of the path is under way wait for it: one stat, not one each.
    const statting = this.statting.get(path);
    if (statting !== undefined) {
      this.counters.hits++;
      return statting;
    }
    const p = this.statAndGet(path).finally(() => this.statting.delete(path));
    this.statting.set(path, p);
    return p;
  }

  private async statAndGet(path: string): Promise<Int16Array> {
    const at = this.now();
    let key: string;
    try {
      const s = await this.statFile(path);
      key = `file\0${path}\0${s.size}\0${s.mtimeMs}`;
    } catch (error) {
      this.checks.delete(path);
      throw new MediaError('media_io_failed', `cannot read WAV file [path:${path}]`, { cause: error });
    }
    this.checks.set(path, { key, at });
    return this.get(key, () => readWav8k(path));
  }

  private get(key: string, load: () => Promise<Int16Array>): Promise<Int16Array> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.counters.hits++;
      this.entries.delete(key);
      this.entries.set(key, cached);
      return Promise.resolve(cached);
    }
    const inFlight = this.loading.get(key);
    if (inFlight !== undefined) {
      this.counters.hits++;
      return inFlight;
    }
    this.counters.misses++;
    const p = load().then(
      (pcm) => {
        this.loading.delete(key);
        // Every call that plays it shares this buffer: its G.711 encodings are made once.
        shareAudio(pcm);
        this.store(key, pcm);
        return pcm;
      },
      (error: unknown) => {
        this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, p);
    return p;
  }

  private store(key: string, pcm: Int16Array): void {
    if (pcm.byteLength > this.maxBytes) return;
    this.entries.set(key, pcm);
    this.counters.bytes += pcm.byteLength;
    for (const [k, v] of this.entries) {
      if (this.counters.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.counters.bytes -= v.byteLength;
    }
  }

  /** Renders through the engine, or reads the cache directory's earlier render. */
  private async renderSpeech(text: string): Promise<Int16Array> {
    const file = this.dir === undefined ? undefined : join(this.dir, `${sha256(`${this.tts.voiceKey}\0${text}`)}.wav`);
    if (file !== undefined) {
      const saved = await readFile(file).then((b) => decodeWav8k(b), () => undefined);
      if (saved !== undefined) return saved;
    }
    this.counters.renders++;
    const pcm = await this.tts.render(text);
    if (file !== undefined && this.dir !== undefined) await persist(this.dir, file, pcm);
    return pcm;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Writes a render atomically (temp file + rename); a failure only costs a later re-render. */
async function persist(dir: string, file: string, pcm: Int16Array): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, encodeWav(pcm));
    await rename(tmp, file);
  } catch {
    // The cache directory is an optimization; the render itself succeeded.
  }
}
