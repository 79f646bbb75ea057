/**
 * Outbound audio sources. Each media-clock tick a session pulls one frame from its
 * source; {@link PlaybackQueue} is the usual one: prompts and bot audio queued as PCM,
 * silence when empty, and `clear()` to cut playback at once for barge-in.
 */

/** Something that yields 20 ms of 8 kHz PCM per tick. */
export interface AudioSource {
  /**
   * Fills the next frame.
   * @param dst frame to fill (160 samples for 20 ms at 8 kHz)
   * @returns false when there is nothing to play (the caller sends silence)
   */
  read(dst: Int16Array): boolean;
}

interface QueueItem {
  pcm: Int16Array;
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
      item.offset += take;
      filled += take;
      this.samples -= take;
      if (item.offset >= item.pcm.length) this.finishHead();
      this.settleMarks();
    }
    if (filled < dst.length) dst.fill(0, filled);
    return true;
  }

  private push(pcm: Int16Array, done: QueueItem['done']): void {
    this.items.push({ pcm, offset: 0, done });
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
 * Runs every branch of {@link PlaybackQueue.read} (a playback's end, a mark, a partial last
 * frame, `clear`, the compaction of a long queue) a few dozen times, so that V8 has their
 * type feedback before the per-tick send path gets hot and is compiled with `read`
 * inlined. Without it, the first prompt to end after that compile (issue #4: about 3 s
 * into the first calls) hits a branch the compiled code never saw: the whole inlined send
 * path of that tick deoptimizes for every call of the tick, and its recompile then takes
 * the media core for milliseconds (the bench saw an 8 ms send pass there, every run).
 */
function warmUp(): void {
  const frame = new Int16Array(160);
  const audio = new Int16Array(100);
  for (let round = 0; round < 40; round++) {
    const q = new PlaybackQueue();
    for (let i = 0; i < 70; i++) void q.play(audio);
    q.enqueue(audio);
    void q.play(new Int16Array(0));
    while (q.read(frame));
    void q.play(audio);
    q.clear();
  }
}
warmUp();
