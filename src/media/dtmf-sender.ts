/**
 * RFC 4733 sender: produces, one packet per media-clock tick, the telephone-event stream
 * for queued digits (§2.5.1):
 * - every packet of an event carries the event's start timestamp; the first one has the
 *   marker bit (§2.5.1.1);
 * - updates every packet interval with a growing duration (§2.5.1.2);
 * - three end packets with the final duration (§2.5.1.4, the recommended redundancy);
 * - then an inter-digit pause during which audio flows again.
 * Pure: the caller drives it with {@link DtmfSender.next} and the current RTP timestamp.
 */
import { MediaError } from './errors.ts';
import { TELEPHONE_EVENT_SIZE, dtmfEventCode, encodeTelephoneEvent } from './dtmf.ts';

/** Options of {@link DtmfSender}. */
export interface DtmfSenderOptions {
  /** RTP clock rate of telephone-event, Hz (default 8000). */
  clockRate?: number;
  /** Time between packets = media clock period, ms (default 20). */
  packetIntervalMs?: number;
  /** Default tone duration per digit, ms (default 100). */
  durationMs?: number;
  /** Default pause after each digit, ms (default 60). */
  gapMs?: number;
  /** Power level in −dBm0, 0–63 (default 10). */
  volume?: number;
}

/** Per-digit overrides for {@link DtmfSender.enqueue}. */
export interface DtmfDigitOptions {
  /** Tone duration, ms. */
  durationMs?: number;
  /** Pause after the digit, ms. */
  gapMs?: number;
}

/** What {@link DtmfSender.next} produced for this tick; reused between ticks. */
export class DtmfPacket {
  /** The 4-byte telephone-event payload. */
  readonly payload = new Uint8Array(TELEPHONE_EVENT_SIZE);
  /** RTP timestamp to put in the header: the event's start. */
  timestamp = 0;
  /** Marker bit: first packet of the event. */
  marker = false;
  /** E bit of this packet. */
  end = false;
  /** The digit being sent. */
  digit = '';
}

interface QueuedDigit {
  digit: string;
  event: number;
  durationSamples: number;
  gapTicks: number;
}

/** Number of end packets sent per event (RFC 4733 §2.5.1.4). */
const END_PACKETS = 3;

/** Turns queued digits into the RFC 4733 packet sequence. */
export class DtmfSender {
  private readonly clockRate: number;
  private readonly intervalSamples: number;
  private readonly intervalMs: number;
  private readonly durationMs: number;
  private readonly gapMs: number;
  private readonly volume: number;
  private readonly queue: QueuedDigit[] = [];
  private current: QueuedDigit | undefined;
  private packetIndex = 0;
  private endsSent = 0;
  private gapLeft = 0;
  private eventTimestamp = 0;

  constructor(options: DtmfSenderOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.intervalMs = options.packetIntervalMs ?? 20;
    this.intervalSamples = (this.clockRate * this.intervalMs) / 1000;
    this.durationMs = options.durationMs ?? 100;
    this.gapMs = options.gapMs ?? 60;
    this.volume = options.volume ?? 10;
  }

  /** True while digits are queued, being sent, or in their trailing pause. */
  get busy(): boolean {
    return this.current !== undefined || this.gapLeft > 0 || this.queue.length > 0;
  }

  /**
   * Queues digits to send in order.
   * @param digits characters of `0-9 * # A-D`
   * @throws MediaError `media_invalid_argument` naming the first invalid character
   */
  enqueue(digits: string, options: DtmfDigitOptions = {}): void {
    const durationMs = options.durationMs ?? this.durationMs;
    const gapMs = options.gapMs ?? this.gapMs;
    const items: QueuedDigit[] = [];
    for (const digit of digits) {
      const event = dtmfEventCode(digit);
      if (event < 0) throw new MediaError('media_invalid_argument', `not a DTMF digit [digit:${JSON.stringify(digit)}]`);
      const durationSamples = Math.max(1, Math.round((durationMs * this.clockRate) / 1000));
      items.push({ digit: digit.toUpperCase(), event, durationSamples, gapTicks: Math.ceil(gapMs / this.intervalMs) });
    }
    this.queue.push(...items);
  }

  /** Drops queued digits; the digit on the wire, if any, is still ended properly. */
  clear(): void {
    this.queue.length = 0;
  }

  /**
   * Produces this tick's packet.
   * @param rtpTimestamp the stream's RTP timestamp for this tick (becomes the event's
   *   timestamp when an event starts)
   * @param out reused packet to fill
   * @returns true when `out` holds a packet to send instead of audio; false when audio
   *   should be sent this tick (idle or inter-digit pause)
   */
  next(rtpTimestamp: number, out: DtmfPacket): boolean {
    if (this.current === undefined) {
      if (this.gapLeft > 0) {
        this.gapLeft--;
        return false;
      }
      const head = this.queue.shift();
      if (head === undefined) return false;
      this.current = head;
      this.packetIndex = 0;
      this.endsSent = 0;
      this.eventTimestamp = rtpTimestamp >>> 0;
    }
    const cur = this.current;
    const elapsed = (this.packetIndex + 1) * this.intervalSamples;
    const end = elapsed >= cur.durationSamples;
    const duration = end ? cur.durationSamples : elapsed;
    encodeTelephoneEvent(out.payload, 0, cur.event, end, this.volume, duration);
    out.timestamp = this.eventTimestamp;
    out.marker = this.packetIndex === 0;
    out.end = end;
    out.digit = cur.digit;
    this.packetIndex++;
    if (end && ++this.endsSent === END_PACKETS) {
      this.current = undefined;
      this.gapLeft = cur.gapTicks;
    }
    return true;
  }
}
