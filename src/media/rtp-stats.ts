/**
 * Receiver-side RTP statistics of RFC 3550 Appendix A: interarrival jitter (§6.4.1, A.8)
 * and the sequence/loss bookkeeping (A.1, A.3) that fills an RTCP report block.
 * Pure: arrival times are parameters.
 */
import { timestampDiff } from './rtp.ts';

/**
 * Interarrival jitter estimator, RFC 3550 §6.4.1 / A.8:
 * D(i,j) = (Rj − Ri) − (Sj − Si);  J += (|D| − J) / 16.
 */
export class InterarrivalJitter {
  private started = false;
  private lastArrival = 0;
  private lastTimestamp = 0;
  private value = 0;

  /** @param clockRate RTP clock rate in Hz (default 8000) */
  constructor(readonly clockRate = 8000) {}

  /** Current jitter estimate in RTP timestamp units. */
  get jitter(): number {
    return this.value;
  }

  /** Current jitter estimate in milliseconds. */
  get jitterMs(): number {
    return (this.value * 1000) / this.clockRate;
  }

  /** Forgets all state (new SSRC). */
  reset(): void {
    this.started = false;
    this.value = 0;
  }

  /**
   * Feeds one packet.
   * @param rtpTimestamp the packet's RTP timestamp (32-bit)
   * @param arrivalMs when it arrived, in milliseconds on any monotonic clock
   */
  update(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    if (this.started) {
      const d = arrival - this.lastArrival - timestampDiff(rtpTimestamp, this.lastTimestamp);
      this.value += (Math.abs(d) - this.value) / 16;
    }
    this.started = true;
    this.lastArrival = arrival;
    this.lastTimestamp = rtpTimestamp >>> 0;
  }
}

/** RFC 3550 §A.1: a jump larger than this (in packets) is not taken as in-order. */
const MAX_DROPOUT = 3000;
/** RFC 3550 §A.1: packets this far behind the highest are reordered, not a restart. */
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

/** The numbers of one RTCP reception report block (RFC 3550 §6.4.1). */
export interface ReceptionSnapshot {
  /** Fraction of packets lost since the previous report, 0–255 (fixed point /256). */
  fractionLost: number;
  /** Cumulative packets lost, clamped to the signed 24-bit range. */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles × 65536 + seq). */
  extendedHighestSeq: number;
  /** Packets expected since the first one. */
  expected: number;
  /** Packets received (duplicates included, as A.3 counts them). */
  received: number;
}

/**
 * Sequence tracking and loss accounting for one source, after RFC 3550 §A.1 and §A.3.
 * The probation of A.1 is left out: signalling already told us which peer to expect.
 */
export class ReceptionStats {
  private started = false;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private receivedCount = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;

  /** Forgets all state (new SSRC). */
  reset(): void {
    this.started = false;
    this.receivedCount = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
  }

  /**
   * Feeds one packet's sequence number.
   * @returns false when the packet looks like it belongs to a restarted stream and is
   *   held back until the next one confirms the jump (RFC 3550 §A.1)
   */
  update(seq: number): boolean {
    if (!this.started) {
      this.restart(seq);
      this.receivedCount = 1;
      return true;
    }
    const delta = (seq - this.maxSeq) & 0xffff;
    if (delta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (delta <= SEQ_MOD - MAX_MISORDER) {
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
      this.restart(seq);
    }
    this.receivedCount++;
    return true;
  }

  /** Extended highest sequence number received. */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected so far (§A.3). */
  get expected(): number {
    return this.started ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  /** Packets lost so far, may go negative with duplicates (§A.3). */
  get lost(): number {
    return this.expected - this.receivedCount;
  }

  /** Packets received so far. */
  get received(): number {
    return this.receivedCount;
  }

  /**
   * The report block numbers; also starts a new interval for `fractionLost`.
   * Call once per report sent.
   */
  snapshot(): ReceptionSnapshot {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    return {
      fractionLost: Math.min(fractionLost, 255),
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, this.lost)),
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      expected,
      received: this.receivedCount,
    };
  }

  private restart(seq: number): void {
    this.started = true;
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.receivedCount = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
  }
}
