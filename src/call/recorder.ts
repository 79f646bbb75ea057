/**
 * Per-call recording (optional, `CallSettings.recordDir`): both directions mixed into one
 * 8 kHz mono WAV through the media layer's streaming writer. Each media-clock tick the RTP
 * session first emits the caller's frame (once the caller's RTP has started), then pulls
 * our outbound frame; the recorder pairs them by that order, so the two directions stay
 * aligned frame for frame without timestamps.
 */
import { FRAME_SAMPLES } from '../media/rtp-outbound.ts';
import { WavRecorder, type WavRecording } from '../media/wav-writer.ts';

/** Mixes the two directions of one call into a WAV file. */
export class CallRecorder {
  readonly #inbound = new Int16Array(FRAME_SAMPLES);
  readonly #mix = new Int16Array(FRAME_SAMPLES);
  #pendingInbound = false;

  private constructor(private readonly wav: WavRecorder) {}

  /**
   * Creates the file.
   * @throws MediaError `media_io_failed` when it cannot be created
   */
  static async open(path: string): Promise<CallRecorder> {
    return new CallRecorder(await WavRecorder.open(path));
  }

  /** Path of the recording. */
  get path(): string {
    return this.wav.path;
  }

  /** The caller's frame of this tick (copied). */
  inbound(frame: Int16Array): void {
    // A tick without an outbound read (our RFC 4733 digit on the wire) leaves a frame behind: keep it alone.
    if (this.#pendingInbound) this.wav.write(this.#inbound);
    this.#inbound.set(frame.subarray(0, FRAME_SAMPLES));
    this.#pendingInbound = true;
  }

  /** Our frame of this tick: mixed with the caller's frame of the same tick, then written. */
  outbound(frame: Int16Array): void {
    if (!this.#pendingInbound) {
      this.wav.write(frame);
      return;
    }
    const n = Math.min(frame.length, FRAME_SAMPLES);
    for (let i = 0; i < n; i++) {
      const s = frame[i]! + this.#inbound[i]!;
      this.#mix[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
    this.#pendingInbound = false;
    this.wav.write(this.#mix, n);
  }

  /**
   * Finishes the file. Idempotent.
   * @throws MediaError `media_io_failed` when a write failed
   */
  close(): Promise<WavRecording> {
    if (this.#pendingInbound) {
      this.#pendingInbound = false;
      this.wav.write(this.#inbound);
    }
    return this.wav.close();
  }
}
