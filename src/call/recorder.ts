/**
 * Per-call recording (optional, `CallSettings.recordDir`): an 8 kHz 16-bit 2-channel WAV,
 * written as it goes through the media layer's streaming writer. Channel 1 (left) is the
 * caller as the agent hears it (the jitter buffer's output), channel 2 (right) what the
 * gateway sent (the agent's audio, prompts, silence).
 *
 * The two channels are aligned on the ONE 20 ms media clock: each frame is filed under
 * the clock's current tick, and one stereo frame is written per tick. A side with nothing
 * in a tick (the caller before its first RTP packet, or our audio while an RFC 4733 digit
 * is on the wire) is silence there, and so are ticks with nothing at all (a stalled clock
 * skips tick numbers), so the file's time is the call's media time.
 */
import type { MediaClock } from '../media/clock.ts';
import { FRAME_SAMPLES } from '../media/rtp-outbound.ts';
import { WavRecorder, type WavRecording } from '../media/wav-writer.ts';

/** Channel of the caller (inbound audio), 0-based. */
export const CALLER_CHANNEL = 0;
/** Channel of what the gateway sent (the agent), 0-based. */
export const AGENT_CHANNEL = 1;
const CHANNELS = 2;
/** Most silent ticks filled in for one jump of the clock (1 min); a larger jump is cut short. */
const MAX_GAP_TICKS = 3000;

/** What the recorder needs of the media clock: the tick being dispatched. */
export type RecorderClock = Pick<MediaClock, 'currentTick'>;

/** Records both directions of one call into a 2-channel WAV file. */
export class CallRecorder {
  readonly #caller = new Int16Array(FRAME_SAMPLES);
  readonly #agent = new Int16Array(FRAME_SAMPLES);
  readonly #stereo = new Int16Array(CHANNELS * FRAME_SAMPLES);
  /** The tick whose frames are being gathered; -1 before the first frame. */
  #tick = -1;
  #hasCaller = false;
  #hasAgent = false;
  #closing: Promise<WavRecording> | undefined;

  private constructor(
    private readonly wav: WavRecorder,
    private readonly clock: RecorderClock,
  ) {}

  /**
   * Creates the file.
   * @param clock the media clock that paces the call (frames are filed under its current tick)
   * @throws MediaError `media_io_failed` when it cannot be created
   */
  static async open(path: string, clock: RecorderClock): Promise<CallRecorder> {
    return new CallRecorder(await WavRecorder.open(path, { channels: CHANNELS }), clock);
  }

  /** Path of the recording. */
  get path(): string {
    return this.wav.path;
  }

  /** The caller's frame of this tick (copied). */
  inbound(frame: Int16Array): void {
    if (!this.#at(this.clock.currentTick)) return;
    copyFrame(frame, this.#caller);
    this.#hasCaller = true;
  }

  /** Our frame of this tick (copied). */
  outbound(frame: Int16Array): void {
    if (!this.#at(this.clock.currentTick)) return;
    copyFrame(frame, this.#agent);
    this.#hasAgent = true;
  }

  /**
   * Writes the last tick and finishes the file. Idempotent.
   * @throws MediaError `media_io_failed` when a write failed
   */
  close(): Promise<WavRecording> {
    if (this.#closing === undefined) {
      if (this.#tick >= 0) this.#flush();
      this.#closing = this.wav.close();
    }
    return this.#closing;
  }

  /** Moves to `tick`, writing the ticks before it; false once closed. */
  #at(tick: number): boolean {
    if (this.#closing !== undefined) return false;
    if (this.#tick < 0) this.#tick = tick;
    if (tick <= this.#tick) return true;
    this.#flush();
    const silent = Math.min(tick - this.#tick - 1, MAX_GAP_TICKS);
    for (let i = 0; i < silent; i++) this.#flush();
    this.#tick = tick;
    return true;
  }

  /** Writes one stereo frame of what this tick gathered, silence for a side without a frame. */
  #flush(): void {
    const out = this.#stereo;
    const caller = this.#hasCaller ? this.#caller : undefined;
    const agent = this.#hasAgent ? this.#agent : undefined;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      out[CHANNELS * i + CALLER_CHANNEL] = caller === undefined ? 0 : caller[i]!;
      out[CHANNELS * i + AGENT_CHANNEL] = agent === undefined ? 0 : agent[i]!;
    }
    this.#hasCaller = this.#hasAgent = false;
    this.wav.write(out);
  }
}

/** Copies one frame, padding a short one with silence. */
function copyFrame(src: Int16Array, dst: Int16Array): void {
  const n = Math.min(src.length, dst.length);
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
  if (n < dst.length) dst.fill(0, n);
}
