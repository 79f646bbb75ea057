/**
 * Public types of {@link JitterBuffer}: options, the frame it hands out and its counters.
 * Contracts only; the logic lives in `jitter.ts`.
 */

/** Options of {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /**
   * Ring size in packets; a power of two above `maxDelayMs / frameMs` (default 32, enough for
   * `maxDelayMs` of 10 ms packets; shorter packets need more, or the oldest are skipped).
   */
  capacity?: number;
  /** Largest packet a slot holds, samples (= payload bytes for G.711; default 512, larger packets are refused). */
  maxPayload?: number;
  /** Playout delay built up before playing, ms (default 40). */
  delayMs?: number;
  /** Most audio held before the oldest is dropped, ms (default 200). */
  maxDelayMs?: number;
  /** Duration of one output frame, ms (default 20). */
  frameMs?: number;
  /** RTP clock rate, Hz: timestamp units per second, one sample each (default 8000). */
  clockRate?: number;
}

/**
 * What one {@link JitterBuffer.pop} yields:
 * - `audio`: the frame holds samples from packets (gaps in it are silence);
 * - `silent`: silence the stream asked for: a placeholder (a non-audio packet such as
 *   DTMF) or a gap in the sender's timestamps;
 * - `lost`: silence concealing missing packets while later ones wait;
 * - `empty`: nothing to play yet (before playout starts, or an underrun).
 */
export type JitterFrameKind = 'audio' | 'silent' | 'lost' | 'empty';

/** The frame handed out by {@link JitterBuffer.pop}; one object, reused. */
export class JitterFrame {
  /** See {@link JitterFrameKind}. */
  kind: JitterFrameKind = 'empty';
  /** Sequence number of the first packet with audio in the frame, else of where playout was (meaningless for `empty`). */
  seq = 0;
  /** RTP timestamp of the frame's first sample (meaningless for `empty`). */
  timestamp = 0;
  /** Samples from packets in this frame; the rest of {@link samples} is silence. */
  audioSamples = 0;
  /** The frame, valid until the next `pop`; all zero for `empty`. */
  readonly samples: Int16Array;

  /** @param frameSamples samples per frame (default 160) */
  constructor(frameSamples = 160) {
    this.samples = new Int16Array(frameSamples);
  }
}

/** Counters of a {@link JitterBuffer}. */
export interface JitterStats {
  /** Packets pushed, whatever became of them. */
  received: number;
  /** Packets concealed because they had not arrived in time (sequence numbers, not audio time). */
  lost: number;
  /**
   * Frames of `frameMs` handed out as `lost`: silence standing in for missing packets.
   * Counts audio time, not packets: one lost 60 ms packet is 3 frames, one lost 10 ms
   * packet in a frame whose other half arrived is 0 (that frame is `audio`).
   */
  concealed: number;
  /** Packets that arrived after their place was played or concealed (also counted in `lost`). */
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
  /** Audio currently waiting, ms. */
  bufferedMs: number;
}
