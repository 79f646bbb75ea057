/**
 * Streaming WAV recorder: PCM16 frames (mono, or channels interleaved) are appended as
 * they come (buffered, written asynchronously in order), and the RIFF/data sizes are fixed
 * in the header on close.
 * A file cut short by a crash still reads (readers take the data to the end of file).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { MediaError } from './errors.ts';
import { WAV_HEADER_SIZE, writePcm16le, writeWavHeader } from './wav.ts';

/** Options of {@link WavRecorder.open}. */
export interface WavRecorderOptions {
  /** Sample rate written in the header, Hz (default 8000). */
  sampleRate?: number;
  /** Channels written in the header (default 1); frames are then written interleaved. */
  channels?: number;
  /** Bytes gathered before one write to disk (default 32768, about 2 s at 8 kHz). */
  bufferBytes?: number;
}

/** What {@link WavRecorder.close} reports. */
export interface WavRecording {
  /** Path of the file. */
  path: string;
  /** Samples written (all channels). */
  samples: number;
  /** Duration, ms. */
  durationMs: number;
}

/** Appends PCM16 frames to a WAV file. */
export class WavRecorder {
  private buffer: Uint8Array;
  private used = 0;
  private position = WAV_HEADER_SIZE;
  private samples = 0;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closing: Promise<WavRecording> | undefined;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly sampleRate: number,
    private readonly bufferBytes: number,
    private readonly channels = 1,
  ) {
    this.buffer = new Uint8Array(bufferBytes);
  }

  /**
   * Creates (or truncates) the file and writes a provisional header.
   * @throws MediaError `media_io_failed` when the file cannot be created
   */
  static async open(path: string, options: WavRecorderOptions = {}): Promise<WavRecorder> {
    const sampleRate = options.sampleRate ?? 8000;
    const channels = options.channels ?? 1;
    const bufferBytes = Math.max(1024, options.bufferBytes ?? 32768) & ~1;
    let file: FileHandle;
    try {
      file = await open(path, 'w');
      const header = new Uint8Array(WAV_HEADER_SIZE);
      writeWavHeader(header, 0, sampleRate, channels);
      await file.write(header, 0, WAV_HEADER_SIZE, 0);
    } catch (error) {
      throw new MediaError('media_io_failed', `cannot create recording [path:${path}]`, { cause: error });
    }
    return new WavRecorder(file, path, sampleRate, bufferBytes, channels);
  }

  /** Samples accepted so far. */
  get samplesWritten(): number {
    return this.samples;
  }

  /**
   * Appends samples (copied at once, so the caller may reuse `frame`).
   * @param length samples to take from `frame` (default all)
   * @returns false when the recorder is closed (the frame is ignored)
   */
  write(frame: Int16Array, length = frame.length): boolean {
    if (this.closing !== undefined) return false;
    let i = 0;
    const n = Math.min(length, frame.length);
    while (i < n) {
      const take = Math.min(n - i, (this.buffer.length - this.used) / 2);
      writePcm16le(frame.subarray(i, i + take), this.buffer, this.used);
      this.used += take * 2;
      i += take;
      if (this.used === this.buffer.length) this.flush();
    }
    this.samples += n;
    return true;
  }

  /**
   * Writes what is buffered, fixes the header sizes and closes the file. Idempotent.
   * @throws MediaError `media_io_failed` when any write failed
   */
  close(): Promise<WavRecording> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private flush(): void {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    const at = this.position;
    this.position += this.used;
    this.buffer = new Uint8Array(this.bufferBytes);
    this.used = 0;
    this.pending = this.pending.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await this.file.write(chunk, 0, chunk.length, at);
      } catch (error) {
        this.failure = error;
      }
    });
  }

  private async finish(): Promise<WavRecording> {
    this.flush();
    await this.pending;
    const dataBytes = Math.min(this.position - WAV_HEADER_SIZE, 0xffffffff - 36);
    try {
      if (this.failure !== undefined) throw this.failure;
      const header = new Uint8Array(WAV_HEADER_SIZE);
      writeWavHeader(header, dataBytes, this.sampleRate, this.channels);
      await this.file.write(header, 0, WAV_HEADER_SIZE, 0);
    } catch (error) {
      await this.file.close().catch(() => undefined);
      throw new MediaError('media_io_failed', `cannot write recording [path:${this.path}]`, { cause: error });
    }
    await this.file.close();
    return { path: this.path, samples: this.samples, durationMs: (this.samples * 1000) / (this.sampleRate * this.channels) };
  }
}
