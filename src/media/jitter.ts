/**
 * A small jitter buffer keyed by RTP sequence number, with injected time.
 *
 * Packets are copied into preallocated slots (a ring indexed by `seq & mask`, so the
 * 16-bit wrap needs no special case); {@link JitterBuffer.pop}, called once per 20 ms
 * tick, hands out the next frame in sequence order. Playout starts `delayMs` after the
 * first packet (or once that much audio is buffered) and starts over the same way after
 * an underrun. A missing packet with later ones waiting is declared lost and concealed;
 * a packet that arrives after its slot was played or concealed is late and dropped.
 * Buffered audio never exceeds `maxDelayMs`: the oldest frames are dropped instead.
 * Nothing is allocated per packet.
 */
import { MediaError } from './errors.ts';
import { seqAdd, seqDiff } from './rtp.ts';
import { InterarrivalJitter } from './rtp-stats.ts';

/** Options of {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /** Ring size in packets; a power of two above `maxDelayMs / frameMs` (default 32). */
  capacity?: number;
  /** Largest payload a slot holds, bytes (default 512; larger packets are refused). */
  maxPayload?: number;
  /** Playout delay built up before playing, ms (default 40). */
  delayMs?: number;
  /** Most audio held before the oldest is dropped, ms (default 200). */
  maxDelayMs?: number;
  /** Duration of one packet, ms (default 20). */
  frameMs?: number;
  /** RTP clock rate for the jitter estimate, Hz (default 8000). */
  clockRate?: number;
}

/**
 * What one {@link JitterBuffer.pop} yields:
 * - `audio`: a packet's payload;
 * - `silent`: a zero-length entry held the slot (a non-audio packet such as DTMF);
 * - `lost`: the packet is missing while later ones wait: conceal it (play silence);
 * - `empty`: nothing to play yet (before playout starts, or an underrun).
 */
export type JitterFrameKind = 'audio' | 'silent' | 'lost' | 'empty';

/** The frame handed out by {@link JitterBuffer.pop}; one object, reused. */
export class JitterFrame {
  /** See {@link JitterFrameKind}. */
  kind: JitterFrameKind = 'empty';
  /** Sequence number of the slot (meaningless for `empty`). */
  seq = 0;
  /** RTP timestamp of the packet (`audio`/`silent` only). */
  timestamp = 0;
  /** Slot storage; valid bytes are `payload[0..length)` until the next `pop`. */
  payload: Uint8Array = new Uint8Array(0);
  /** Number of valid payload bytes. */
  length = 0;
}

/** Counters of a {@link JitterBuffer}. */
export interface JitterStats {
  /** Packets pushed, whatever became of them. */
  received: number;
  /** Slots concealed because their packet had not arrived in time. */
  lost: number;
  /** Packets that arrived after their slot was played or concealed (also counted in `lost`). */
  late: number;
  /** Packets received twice. */
  duplicate: number;
  /** Packets that arrived after a higher sequence number. */
  reordered: number;
  /** Buffered packets dropped to keep the delay under `maxDelayMs`. */
  dropped: number;
  /** Times playout ran dry and had to rebuffer. */
  underruns: number;
  /** Interarrival jitter (RFC 3550 §6.4.1), ms. */
  jitterMs: number;
  /** Packets currently waiting. */
  buffered: number;
}

const EMPTY = 0;
const FILLED = 1;
const PLAYED = 2;
const CONCEALED = 3;

/** Jitter buffer; see the module comment. */
export class JitterBuffer {
  private readonly mask: number;
  private readonly maxPayload: number;
  private readonly delayMs: number;
  private readonly delayFrames: number;
  private readonly maxFrames: number;
  private readonly slotSeq: Int32Array;
  private readonly slotState: Uint8Array;
  private readonly slotTimestamp: Uint32Array;
  private readonly slotLength: Uint16Array;
  private readonly slotView: Uint8Array[];
  private readonly frame = new JitterFrame();
  private readonly jitter: InterarrivalJitter;
  private readonly counters = { received: 0, lost: 0, late: 0, duplicate: 0, reordered: 0, dropped: 0, underruns: 0 };
  private primed = false;
  private playing = false;
  private playedAny = false;
  private fillSinceMs = -1;
  private nextSeq = 0;
  private highestSeq = 0;
  private bufferedCount = 0;

  /** @throws MediaError `media_invalid_argument` for a capacity that is not a power of two or too small */
  constructor(options: JitterBufferOptions = {}) {
    const capacity = options.capacity ?? 32;
    const frameMs = options.frameMs ?? 20;
    this.maxPayload = options.maxPayload ?? 512;
    this.delayMs = options.delayMs ?? 40;
    this.delayFrames = Math.max(1, Math.ceil(this.delayMs / frameMs));
    this.maxFrames = Math.max(this.delayFrames + 1, Math.floor((options.maxDelayMs ?? 200) / frameMs));
    if ((capacity & (capacity - 1)) !== 0 || capacity <= this.maxFrames || capacity > 4096) {
      throw new MediaError('media_invalid_argument', `jitter capacity must be a power of two above ${this.maxFrames} [capacity:${capacity}]`);
    }
    this.mask = capacity - 1;
    this.slotSeq = new Int32Array(capacity).fill(-1);
    this.slotState = new Uint8Array(capacity);
    this.slotTimestamp = new Uint32Array(capacity);
    this.slotLength = new Uint16Array(capacity);
    const storage = new Uint8Array(capacity * this.maxPayload);
    this.slotView = Array.from({ length: capacity }, (_, i) => storage.subarray(i * this.maxPayload, (i + 1) * this.maxPayload));
    this.jitter = new InterarrivalJitter(options.clockRate ?? 8000);
  }

  /** A snapshot of the counters. */
  get stats(): JitterStats {
    return { ...this.counters, jitterMs: this.jitter.jitterMs, buffered: this.bufferedCount };
  }

  /** Interarrival jitter, ms. */
  get jitterMs(): number {
    return this.jitter.jitterMs;
  }

  /** Interarrival jitter in RTP timestamp units (for RTCP report blocks). */
  get jitterTimestampUnits(): number {
    return this.jitter.jitter;
  }

  /**
   * Drops all buffered packets and playout state (new SSRC); counters are kept.
   */
  reset(): void {
    this.slotSeq.fill(-1);
    this.slotState.fill(EMPTY);
    this.primed = false;
    this.playing = false;
    this.playedAny = false;
    this.fillSinceMs = -1;
    this.bufferedCount = 0;
    this.jitter.reset();
  }

  /**
   * Offers one packet.
   * @param seq RTP sequence number
   * @param timestamp RTP timestamp
   * @param payload bytes holding the payload at `offset` (copied; may be reused by the caller)
   * @param receivedAtMs arrival time, ms, same clock as `pop`
   * @param offset where the payload starts in `payload` (default 0)
   * @param length payload bytes (default: to the end). Zero makes a placeholder entry
   *   for a non-audio packet sharing the sequence space; it does not feed the jitter estimate.
   * @returns true when buffered; false when late, duplicate or larger than a slot
   */
  push(seq: number, timestamp: number, payload: Uint8Array, receivedAtMs: number, offset = 0, length = payload.length - offset): boolean {
    this.counters.received++;
    if (length > this.maxPayload || length < 0) return false;
    if (length > 0) this.jitter.update(timestamp, receivedAtMs);
    if (this.fillSinceMs < 0) this.fillSinceMs = receivedAtMs;
    if (!this.primed) {
      this.primed = true;
      this.nextSeq = seq;
      this.highestSeq = seq;
    } else if (!this.admit(seq)) {
      return false;
    }
    const idx = seq & this.mask;
    this.slotSeq[idx] = seq;
    this.slotState[idx] = FILLED;
    this.slotTimestamp[idx] = timestamp >>> 0;
    this.slotLength[idx] = length;
    const slot = this.slotView[idx]!;
    for (let i = 0; i < length; i++) slot[i] = payload[offset + i]!;
    this.bufferedCount++;
    return true;
  }

  /**
   * Takes the frame for this tick. Call once per frame period.
   * @param nowMs current time, ms, same clock as `push`
   * @returns the reused {@link JitterFrame}; its payload is valid until the next call
   */
  pop(nowMs: number): JitterFrame {
    const f = this.frame;
    f.length = 0;
    if (!this.playing && !this.readyToPlay(nowMs)) {
      f.kind = 'empty';
      return f;
    }
    this.playing = true;
    const seq = this.nextSeq;
    const idx = seq & this.mask;
    f.seq = seq;
    if (this.slotSeq[idx] === seq && this.slotState[idx] === FILLED) {
      this.slotState[idx] = PLAYED;
      this.bufferedCount--;
      this.playedAny = true;
      this.nextSeq = seqAdd(seq, 1);
      f.timestamp = this.slotTimestamp[idx]!;
      f.payload = this.slotView[idx]!;
      f.length = this.slotLength[idx]!;
      f.kind = f.length > 0 ? 'audio' : 'silent';
    } else if (this.bufferedCount > 0) {
      this.conceal(seq);
      this.nextSeq = seqAdd(seq, 1);
      f.kind = 'lost';
    } else {
      // Underrun: wait for the stream to come back and rebuffer before playing again.
      this.counters.underruns++;
      this.playing = false;
      this.fillSinceMs = -1;
      f.kind = 'empty';
    }
    return f;
  }

  private readyToPlay(nowMs: number): boolean {
    if (!this.primed || this.bufferedCount === 0) return false;
    const span = seqDiff(this.highestSeq, this.nextSeq) + 1;
    return span >= this.delayFrames || (this.fillSinceMs >= 0 && nowMs - this.fillSinceMs >= this.delayMs);
  }

  /** Classifies a packet after the first; true when it should be stored. */
  private admit(seq: number): boolean {
    let d = seqDiff(seq, this.nextSeq);
    if (d < 0 && !this.playedAny && !this.playing && seqDiff(this.highestSeq, seq) < this.maxFrames) {
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
    if (d >= this.maxFrames) this.skipTo(seqAdd(seq, 1 - this.maxFrames));
    return true;
  }

  /** Moves playout forward to `seq`, dropping what was buffered before it. */
  private skipTo(seq: number): void {
    const n = seqDiff(seq, this.nextSeq);
    for (let i = 0; i < Math.min(n, this.mask + 1); i++) {
      const s = seqAdd(this.nextSeq, i);
      const idx = s & this.mask;
      if (this.slotSeq[idx] === s && this.slotState[idx] === FILLED) {
        this.slotState[idx] = PLAYED;
        this.bufferedCount--;
        this.counters.dropped++;
      } else {
        this.conceal(s);
      }
    }
    if (n > this.mask + 1) this.counters.lost += n - (this.mask + 1);
    this.nextSeq = seq;
  }

  private conceal(seq: number): void {
    const idx = seq & this.mask;
    this.slotSeq[idx] = seq;
    this.slotState[idx] = CONCEALED;
    this.counters.lost++;
  }
}
