/**
 * The ring under the jitter buffer (`jitter.ts`): where each packet sits, by `seq & mask`
 * (so the 16-bit wrap needs no special case), what became of each sequence number (filled,
 * played, concealed), and the counts; the playout (frames cut by RTP timestamp) is
 * `JitterBuffer`'s. Slot i's samples are `storage[i × maxPayload …]`.
 */
import { seqAdd, seqDiff } from './rtp.ts';
import { InterarrivalJitter } from './rtp-stats.ts';

export const EMPTY = 0;
export const FILLED = 1;
export const PLAYED = 2;
export const CONCEALED = 3;

/** See the module comment. */
export abstract class JitterRing {
  /** Largest packet a slot holds, samples. */
  readonly maxPayload: number;
  protected readonly mask: number;
  protected readonly maxDelaySamples: number;
  protected readonly slotSeq: Int32Array;
  protected readonly slotState: Uint8Array;
  protected readonly slotTimestamp: Uint32Array;
  protected readonly slotLength: Uint16Array;
  /**
   * Slot i holds the packet's G.711 bytes, not yet decoded, at `raw[i × maxPayload …]`, and
   * their decode table in `slotTable[i]` (nobody took the audio when it came: see
   * `JitterBuffer.pushG711`); otherwise its samples are in `storage`.
   */
  protected readonly slotRaw: Uint8Array;
  protected readonly slotTable: Array<Int16Array | undefined>;
  /** Slot i's samples are `storage[i × maxPayload …]` (offsets, not one view per slot). */
  protected readonly storage: Int16Array;
  /** Undecoded G.711 bytes (made with the first packet kept so). */
  protected raw: Uint8Array | undefined;
  protected readonly jitter: InterarrivalJitter;
  protected readonly counters = { received: 0, lost: 0, concealed: 0, late: 0, duplicate: 0, reordered: 0, dropped: 0, underruns: 0 };
  protected primed = false;
  /** Playout has moved past a packet (played, dropped or skipped). */
  protected moved = false;
  protected fillSinceMs = -1;
  protected nextSeq = 0;
  protected highestSeq = 0;
  /** Packets waiting, placeholders included. */
  protected bufferedCount = 0;
  /** Audio samples waiting (the played part of the head packet excluded). */
  protected bufferedSamples = 0;
  /** Samples of the head packet (`nextSeq`) already played. */
  protected headOffset = 0;
  /** False: the next audio packet sets the play position to its own timestamp. */
  protected anchored = false;
  /** A packet was lost and no audio played since: gap silence is concealment. */
  protected concealing = false;
  /** Duration of the latest audio packet, samples. */
  protected lastPacketSamples = 0;
  /** Playout is under way (set and cleared by the playout). */
  protected playing = false;

  /**
   * @param capacity slots (a power of two)
   * @param maxPayload samples a slot holds
   * @param maxDelaySamples audio buffered at most (the oldest packets are dropped beyond)
   */
  constructor(capacity: number, maxPayload: number, maxDelaySamples: number, clockRate: number) {
    this.maxPayload = maxPayload;
    this.maxDelaySamples = maxDelaySamples;
    this.mask = capacity - 1;
    this.slotSeq = new Int32Array(capacity).fill(-1);
    this.slotState = new Uint8Array(capacity);
    this.slotTimestamp = new Uint32Array(capacity);
    this.slotLength = new Uint16Array(capacity);
    this.slotRaw = new Uint8Array(capacity);
    this.slotTable = new Array<Int16Array | undefined>(capacity).fill(undefined);
    this.storage = new Int16Array(capacity * maxPayload);
    this.jitter = new InterarrivalJitter(clockRate);
  }

  /** Files a packet of `length` samples; returns where its samples go in `storage`, or -1 when refused. */
  protected place(seq: number, timestamp: number, receivedAtMs: number, length: number): number {
    this.counters.received++;
    if (length > this.maxPayload || length < 0) return -1;
    // RFC 3550 §A.8: transit times compared in timestamp units, whatever the packet duration.
    if (length > 0) this.jitter.update(timestamp, receivedAtMs);
    if (this.fillSinceMs < 0) this.fillSinceMs = receivedAtMs;
    if (!this.primed) {
      this.primed = true;
      this.nextSeq = seq;
      this.highestSeq = seq;
    } else if (!this.admit(seq)) {
      return -1;
    }
    const idx = seq & this.mask;
    this.slotSeq[idx] = seq;
    this.slotState[idx] = FILLED;
    this.slotTimestamp[idx] = timestamp >>> 0;
    this.slotLength[idx] = length;
    this.bufferedCount++;
    this.bufferedSamples += length;
    if (length > 0) this.lastPacketSamples = length;
    return idx * this.maxPayload;
  }

  /** The head packet is done with: its slot stays marked for duplicate detection. */
  protected consumeHead(idx: number): void {
    this.slotState[idx] = PLAYED;
    this.bufferedCount--;
    this.headOffset = 0;
    this.moved = true;
    this.nextSeq = seqAdd(this.nextSeq, 1);
  }

  /** Classifies a packet after the first; true when it should be stored. */
  private admit(seq: number): boolean {
    let d = seqDiff(seq, this.nextSeq);
    if (d < 0 && !this.moved && !this.playing && seqDiff(this.highestSeq, seq) <= this.mask) {
      this.nextSeq = seq; // reordered ahead of the first packet, before playout began
      d = 0;
    }
    const idx = seq & this.mask;
    if (d < 0) {
      if (this.slotSeq[idx] === seq && this.slotState[idx] === PLAYED) this.counters.duplicate++;
      else this.counters.late++;
      return false;
    }
    if (this.slotSeq[idx] === seq && this.slotState[idx] === FILLED) {
      this.counters.duplicate++;
      return false;
    }
    if (seqDiff(seq, this.highestSeq) < 0) this.counters.reordered++;
    else this.highestSeq = seq;
    // The ring holds `capacity` sequence numbers from the head on.
    if (d > this.mask) this.skipTo(seqAdd(seq, -this.mask));
    return true;
  }

  /** Buffered audio never exceeds the maximum delay: the oldest packets go first (never the last one). */
  protected trim(): void {
    while (this.bufferedSamples > this.maxDelaySamples && this.bufferedCount > 1) {
      for (;;) {
        const seq = this.nextSeq;
        const idx = seq & this.mask;
        this.nextSeq = seqAdd(seq, 1);
        if (this.slotSeq[idx] === seq && this.slotState[idx] === FILLED) {
          this.drop(idx);
          break;
        }
        this.conceal(seq);
      }
    }
  }

  /** Moves playout forward to `seq`, dropping what was buffered before it. */
  private skipTo(seq: number): void {
    const n = seqDiff(seq, this.nextSeq);
    for (let i = 0; i < Math.min(n, this.mask + 1); i++) {
      const s = seqAdd(this.nextSeq, i);
      const idx = s & this.mask;
      if (this.slotSeq[idx] === s && this.slotState[idx] === FILLED) this.drop(idx);
      else this.conceal(s);
    }
    if (n > this.mask + 1) this.counters.lost += n - (this.mask + 1);
    this.nextSeq = seq;
  }

  /** Drops a buffered packet (the head, or one between the head and `skipTo`'s target). */
  private drop(idx: number): void {
    this.slotState[idx] = PLAYED;
    this.bufferedCount--;
    this.bufferedSamples -= this.slotLength[idx]! - this.headOffset;
    this.headOffset = 0;
    this.counters.dropped++;
    this.moved = true;
    this.anchored = false;
  }

  protected conceal(seq: number): void {
    const idx = seq & this.mask;
    this.slotSeq[idx] = seq;
    this.slotState[idx] = CONCEALED;
    this.counters.lost++;
    this.concealing = true;
    this.moved = true;
  }
}
