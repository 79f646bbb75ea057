/**
 * Outbound audio sources. Each media-clock tick a session pulls one frame from its
 * source; {@link PlaybackQueue} is the usual one: prompts and bot audio queued as PCM,
 * silence when empty, and `clear()` to cut playback at once for barge-in.
 */
import { encodeRange, shareAudio, sharedEncodings } from './encoded-audio.ts';
import type { SharedEncodings } from './encoded-audio.ts';
import { g711Silence } from './g711.ts';
import type { G711Law } from './g711.ts';

/** Something that yields 20 ms of 8 kHz PCM per tick. */
export interface AudioSource {
  /**
   * Fills the next frame.
   * @param dst frame to fill (160 samples for 20 ms at 8 kHz)
   * @returns false when there is nothing to play (the caller sends silence)
   */
  read(dst: Int16Array): boolean;
  /**
   * Optional, and preferred by the sender when present: the next frame already encoded, as
   * {@link read} would give it once encoded in `law` (shared prompts are then copied from
   * their one encoding, see encoded-audio.ts). Same frame, same return value.
   * @param dst packet buffer; the frame's `samples` bytes go at `at`
   */
  readEncoded?(law: G711Law, dst: Uint8Array, at: number, samples: number): boolean;
}

interface QueueItem {
  pcm: Int16Array;
  /** The PCM's shared encodings, looked up once (undefined: not shared). */
  encodings: SharedEncodings | undefined;
  offset: number;
  done: ((completed: boolean) => void) | undefined;
}

/** A FIFO of PCM buffers played back to back. Implements {@link AudioSource}. */
export class PlaybackQueue implements AudioSource {
  private items: QueueItem[] = [];
  private head = 0;
  private samples = 0;

  /** Samples waiting to be played. */
  get pendingSamples(): number {
    return this.samples;
  }

  /** True when nothing is queued. */
  get idle(): boolean {
    return this.head >= this.items.length;
  }

  /**
   * Queues 8 kHz PCM without a completion signal (for streamed frames).
   * The buffer is kept by reference: do not change it until it has played.
   */
  enqueue(pcm: Int16Array): void {
    this.push(pcm, undefined);
  }

  /**
   * Queues 8 kHz PCM and tells when it has been played out.
   * A zero-length buffer acts as a mark: it resolves when playback reaches it.
   * @returns true once the last sample went out, false if cleared before that
   */
  play(pcm: Int16Array): Promise<boolean> {
    return new Promise((resolve) => this.push(pcm, resolve));
  }

  /** Drops everything queued at once (barge-in); pending `play` promises resolve false. */
  clear(): void {
    const dropped = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.samples = 0;
    for (const item of dropped) item.done?.(false);
  }

  /** {@link AudioSource.read}: pads the last partial frame with silence. */
  read(dst: Int16Array): boolean {
    this.settleMarks();
    if (this.idle) return false;
    let filled = 0;
    while (filled < dst.length && !this.idle) {
      const item = this.items[this.head]!;
      const take = Math.min(dst.length - filled, item.pcm.length - item.offset);
      for (let k = 0; k < take; k++) dst[filled + k] = item.pcm[item.offset + k]!;
      filled += take;
      this.consume(item, take);
    }
    if (filled < dst.length) dst.fill(0, filled);
    return true;
  }

  /** {@link AudioSource.readEncoded}: the frame {@link read} would give, encoded; the padding is encoded silence. */
  readEncoded(law: G711Law, dst: Uint8Array, at: number, samples: number): boolean {
    this.settleMarks();
    if (this.idle) return false;
    let filled = 0;
    while (filled < samples && !this.idle) {
      const item = this.items[this.head]!;
      const take = Math.min(samples - filled, item.pcm.length - item.offset);
      encodeRange(law, item.pcm, item.encodings, item.offset, take, dst, at + filled);
      filled += take;
      this.consume(item, take);
    }
    if (filled < samples) dst.fill(g711Silence(law), at + filled, at + samples);
    return true;
  }

  /** `take` samples of the head item were played. */
  private consume(item: QueueItem, take: number): void {
    item.offset += take;
    this.samples -= take;
    if (item.offset >= item.pcm.length) this.finishHead();
    this.settleMarks();
  }

  private push(pcm: Int16Array, done: QueueItem['done']): void {
    this.items.push({ pcm, encodings: sharedEncodings(pcm), offset: 0, done });
    this.samples += pcm.length;
  }

  /** Resolves zero-length items (marks) now at the head. */
  private settleMarks(): void {
    while (!this.idle && this.items[this.head]!.pcm.length === 0) this.finishHead();
  }

  private finishHead(): void {
    const item = this.items[this.head]!;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    item.done?.(true);
  }
}

/**
 * Runs every branch of {@link PlaybackQueue.read} and {@link PlaybackQueue.readEncoded} (a
 * playback's end, a mark, a partial last frame, `clear`, the compaction of a long queue, both
 * laws, shared and unshared audio) a few dozen times, so that V8 has their
 * type feedback before the per-tick send path gets hot and is compiled with `read`
 * inlined. Without it, the first prompt to end after that compile (issue #4: about 3 s
 * into the first calls) hits a branch the compiled code never saw: the whole inlined send
 * path of that tick deoptimizes for every call of the tick, and its recompile then takes
 * the media core for milliseconds (the bench saw an 8 ms send pass there, every run).
 */
function warmUp(): void {
  const frame = new Int16Array(160);
  const packet = new Uint8Array(172);
  const audio = new Int16Array(100);
  const prompt = new Int16Array(100);
  shareAudio(prompt);
  for (let round = 0; round < 40; round++) {
    const law = round % 2 === 0 ? 'PCMU' : 'PCMA';
    const q = new PlaybackQueue();
    for (let i = 0; i < 70; i++) void q.play(i % 2 === 0 ? audio : prompt);
    q.enqueue(audio);
    void q.play(new Int16Array(0));
    if (round < 20) while (q.read(frame));
    else while (q.readEncoded(law, packet, 12, 160));
    void q.play(audio);
    q.clear();
  }
}
warmUp();
