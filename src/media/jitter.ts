/**
 * A jitter buffer that orders packets by RTP sequence number and plays them out by RTP
 * timestamp, reframed into fixed frames, with injected time.
 *
 * Packets arrive already decoded to PCM (one sample per timestamp unit, as for G.711) and
 * are copied into preallocated slots: a ring indexed by `seq & mask` (`jitter-ring.ts`), so
 * the 16-bit wrap needs no special case. {@link JitterBuffer.pop}, called once per 20 ms tick, hands out
 * exactly one frame of `frameMs` (160 samples at 8 kHz) cut from the packets in sequence
 * order, each placed where its timestamp says (RFC 3550 §5.1: the timestamp is the
 * sampling instant of the packet's first sample). So a caller's packetization does not
 * matter: a 30, 40 or 60 ms packet spans several frames, two 10 ms packets make one, and a
 * gap in the timestamps plays as silence of that length.
 *
 * Playout starts `delayMs` after the first packet (or once `delayMs` of audio is buffered,
 * plus what a packet holds beyond one frame) and starts over the same way after an
 * underrun. A missing packet with later ones waiting is declared lost and concealed by
 * silence up to the next packet's timestamp (also when it was missing at an underrun: the
 * timeline is kept then); a packet that arrives after its place was played or concealed
 * is late and dropped. Zero-length placeholders (RFC 4733 events, comfort noise) keep their
 * sequence number and play one frame of silence; the audio after them is re-anchored to
 * its own timestamp, as after an underrun or a timestamp jump (senders differ on whether
 * audio timestamps advance during an event). Buffered audio never exceeds `maxDelayMs`:
 * the oldest packets are dropped instead. Nothing is allocated per packet.
 */
import { jitterGeometry } from './jitter-geometry.ts';
import { EMPTY, FILLED, JitterRing } from './jitter-ring.ts';
import { seqAdd, timestampDiff } from './rtp.ts';
import { JitterFrame } from './jitter-types.ts';
import type { JitterBufferOptions, JitterStats } from './jitter-types.ts';

export { JitterFrame } from './jitter-types.ts';
export type { JitterBufferOptions, JitterFrameKind, JitterStats } from './jitter-types.ts';

/** Jitter buffer; see the module comment. */
export class JitterBuffer extends JitterRing {
  private readonly clockRate: number;
  private readonly frameSamples: number;
  private readonly delayMs: number;
  private readonly delaySamples: number;
  private readonly frame: JitterFrame;
  /** RTP timestamp of the current frame's first sample (valid while anchored). */
  private playTs = 0;

  /** @throws MediaError `media_invalid_argument` for a capacity that is not a power of two or too small */
  constructor(options: JitterBufferOptions = {}) {
    const g = jitterGeometry(options);
    super(g.capacity, g.maxPayload, g.maxDelaySamples, g.clockRate);
    this.clockRate = g.clockRate;
    this.delayMs = g.delayMs;
    this.frameSamples = g.frameSamples;
    this.delaySamples = g.delaySamples;
    this.frame = new JitterFrame(this.frameSamples);
  }

  /**
   * Checks options without building a buffer (for owners that build it later, lazily).
   * @throws MediaError `media_invalid_argument` as the constructor does
   */
  static validate(options: JitterBufferOptions): void {
    jitterGeometry(options);
  }

  /** A snapshot of the counters. */
  get stats(): JitterStats {
    const bufferedMs = (this.bufferedSamples * 1000) / this.clockRate;
    return { ...this.counters, jitterMs: this.jitter.jitterMs, buffered: this.bufferedCount, bufferedMs };
  }

  /** Interarrival jitter, ms. */
  get jitterMs(): number {
    return this.jitter.jitterMs;
  }

  /** Interarrival jitter in RTP timestamp units (for RTCP report blocks). */
  get jitterTimestampUnits(): number {
    return this.jitter.jitter;
  }

  /** Drops all buffered packets and playout state (new SSRC); counters are kept. */
  reset(): void {
    this.slotSeq.fill(-1);
    this.slotState.fill(EMPTY);
    this.primed = false;
    this.playing = false;
    this.moved = false;
    this.fillSinceMs = -1;
    this.bufferedCount = 0;
    this.bufferedSamples = 0;
    this.headOffset = 0;
    this.anchored = false;
    this.concealing = false;
    this.jitter.reset();
  }

  /**
   * Offers one packet.
   * @param seq RTP sequence number
   * @param timestamp RTP timestamp (of the packet's first sample)
   * @param pcm samples holding the packet's audio at `offset` (copied; may be reused by the caller)
   * @param receivedAtMs arrival time, ms, same clock as `pop`
   * @param offset where the audio starts in `pcm` (default 0)
   * @param length samples (default: to the end). Zero makes a placeholder entry for a
   *   non-audio packet sharing the sequence space; it does not feed the jitter estimate.
   * @returns true when buffered; false when late, duplicate or larger than a slot
   */
  push(seq: number, timestamp: number, pcm: Int16Array, receivedAtMs: number, offset = 0, length = pcm.length - offset): boolean {
    const base = this.place(seq, timestamp, receivedAtMs, length);
    if (base < 0) return false;
    const storage = this.storage;
    for (let i = 0; i < length; i++) storage[base + i] = pcm[offset + i]!;
    this.slotRaw[base / this.maxPayload] = 0;
    this.trim();
    return true;
  }

  /**
   * {@link push} for a G.711 payload (one byte per sample), decoded through `table` (256
   * entries) straight into its slot: one pass over the samples instead of a decode and a copy.
   * @param payload the packet, its audio at `offset`
   * @param length payload bytes (= samples)
   * @param decode false while nobody takes the frames (every `pop` passes `samples` false):
   *   the bytes are copied as they are (no table lookup, half the stores' width) and decoded
   *   only if a listener comes before the packet is played out (issue #4)
   */
  pushG711(
    seq: number, timestamp: number, payload: Uint8Array, offset: number, length: number, table: Int16Array, receivedAtMs: number, decode = true,
  ): boolean {
    const base = this.place(seq, timestamp, receivedAtMs, length);
    if (base < 0) return false;
    const idx = base / this.maxPayload;
    if (decode) {
      const storage = this.storage;
      for (let i = 0; i < length; i++) storage[base + i] = table[payload[offset + i]!]!;
      this.slotRaw[idx] = 0;
    } else {
      // A loop, not `set(payload.subarray(…))`: no view object per packet for the scavenger.
      const raw = (this.raw ??= new Uint8Array(this.storage.length));
      for (let i = 0; i < length; i++) raw[base + i] = payload[offset + i]!;
      this.slotRaw[idx] = 1;
      this.slotTable[idx] = table;
    }
    this.trim();
    return true;
  }

  /**
   * Takes the frame for this tick. Call once per frame period.
   * @param nowMs current time, ms, same clock as `push`
   * @param samples false: play the frame out without writing its samples (nobody takes
   *   them; every count, the timeline and the frame's other fields are as with true)
   * @returns the reused {@link JitterFrame}; its samples are valid until the next call
   */
  pop(nowMs: number, samples = true): JitterFrame {
    const f = this.frame;
    f.audioSamples = 0;
    if (!this.playing && !this.readyToPlay(nowMs)) return this.empty(f, samples);
    if (this.bufferedCount === 0) {
      // Underrun: wait for the stream to come back and rebuffer before playing again.
      this.counters.underruns++;
      this.playing = false;
      this.fillSinceMs = -1;
      return this.empty(f, samples);
    }
    if (!this.playing) this.restart();
    f.seq = this.nextSeq;
    const filled = this.fill(f, samples);
    if (samples) f.samples.fill(0, filled);
    f.timestamp = this.playTs;
    this.playTs = (this.playTs + this.frameSamples) >>> 0;
    f.kind = f.audioSamples > 0 ? 'audio' : this.concealing ? 'lost' : 'silent';
    if (f.kind === 'lost') this.counters.concealed++;
    return f;
  }

  /** An empty frame; it still takes its time on the stream's timeline once anchored. */
  private empty(f: JitterFrame, samples: boolean): JitterFrame {
    f.kind = 'empty';
    if (samples) f.samples.fill(0);
    if (this.anchored) this.playTs = (this.playTs + this.frameSamples) >>> 0;
    return f;
  }

  /**
   * Playout (re)starts. After an underrun whose next packet is missing (lost), the timeline
   * is kept so that the loss is concealed by silence of its own length; otherwise (first
   * start, a pause in the stream) the next packet sets the play position.
   */
  private restart(): void {
    this.playing = true;
    const idx = this.nextSeq & this.mask;
    const headMissing = this.slotSeq[idx] !== this.nextSeq || this.slotState[idx] !== FILLED;
    if (!headMissing) this.anchored = false;
  }

  private readyToPlay(nowMs: number): boolean {
    if (!this.primed || this.bufferedCount === 0) return false;
    // Beyond the delay, one packet's worth more than a frame: with 60 ms packets the next
    // one is due 60 ms after the last, not 20.
    const threshold = this.delaySamples + Math.max(0, this.lastPacketSamples - this.frameSamples);
    return this.bufferedSamples >= threshold || (this.fillSinceMs >= 0 && nowMs - this.fillSinceMs >= this.delayMs);
  }

  /**
   * Fills the frame from the packets in sequence order.
   * @returns samples filled: the whole frame, or less when the buffer ran dry or a placeholder ended it
   */
  private fill(f: JitterFrame, samples: boolean): number {
    let pos = 0;
    while (pos < this.frameSamples) {
      const seq = this.nextSeq;
      const idx = seq & this.mask;
      if (this.slotSeq[idx] !== seq || this.slotState[idx] !== FILLED) {
        if (this.bufferedCount === 0) break;
        // Missing while later packets wait: lost. The next packet's timestamp says how long.
        this.conceal(seq);
        this.nextSeq = seqAdd(seq, 1);
        continue;
      }
      if (this.slotLength[idx] === 0) {
        this.consumeHead(idx);
        this.anchored = false;
        break;
      }
      pos = this.copyHead(idx, f, pos, samples);
    }
    return pos;
  }

  /**
   * Plays from the head packet into the frame at `pos` (its samples written only when
   * `samples`), or the silence before it; returns the new position.
   */
  private copyHead(idx: number, f: JitterFrame, pos: number, samples: boolean): number {
    const length = this.slotLength[idx]!;
    const offset = this.headOffset;
    if (offset === 0) {
      const timestamp = this.slotTimestamp[idx]!;
      const ahead = timestampDiff(timestamp, (this.playTs + pos) >>> 0);
      if (!this.anchored || ahead < 0 || ahead > this.maxDelaySamples) {
        // Start, restart, or a timestamp jump either way: the packet sets the play position
        // (audio that arrived is never cut to fit the old timeline).
        this.playTs = (timestamp - pos) >>> 0;
        this.anchored = true;
      } else if (ahead > 0) {
        const n = Math.min(ahead, this.frameSamples - pos);
        if (samples) f.samples.fill(0, pos, pos + n);
        return pos + n;
      }
      if (f.audioSamples === 0) f.seq = this.nextSeq;
    }
    const n = Math.min(length - offset, this.frameSamples - pos);
    if (samples) {
      const base = idx * this.maxPayload + offset;
      const out = f.samples;
      if (this.slotRaw[idx] === 1) {
        const raw = this.raw!;
        const table = this.slotTable[idx]!;
        for (let i = 0; i < n; i++) out[pos + i] = table[raw[base + i]!]!;
      } else {
        const storage = this.storage;
        for (let i = 0; i < n; i++) out[pos + i] = storage[base + i]!;
      }
    }
    f.audioSamples += n;
    this.bufferedSamples -= n;
    this.concealing = false;
    if (offset + n >= length) this.consumeHead(idx);
    else this.headOffset = offset + n;
    return pos + n;
  }

}
