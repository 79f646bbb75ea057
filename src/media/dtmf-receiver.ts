/**
 * RFC 4733 receiver: turns a stream of telephone-event packets into digits, each exactly
 * once. Pure; time comes in as `nowMs`.
 *
 * Rules (RFC 4733 §2.5.2):
 * - packets with the same RTP timestamp belong to the same event; the first packet with
 *   the E bit reports it, and the redundant end packets (§2.5.1.4) are absorbed;
 * - a packet with a newer timestamp starts a new event and ends an open one whose end
 *   packets were lost;
 * - an open event with no packet for `timeoutMs` is reported by {@link DtmfReceiver.poll};
 * - packets older than the latest event (reordered stragglers) are ignored;
 * - a long event split into segments (§2.5.1.3: same code, new timestamp inside the
 *   current event's extent) continues the event.
 */
import { TelephoneEvent, decodeTelephoneEvent, dtmfDigit } from './dtmf.ts';
import { timestampDiff } from './rtp.ts';

/** A digit the receiver reports. */
export interface DtmfEvent {
  /** The digit, `0-9 * # A-D`. */
  digit: string;
  /** RFC 4733 event code (0–15). */
  event: number;
  /** RTP timestamp of the event (of its first segment). */
  timestamp: number;
  /** Duration in milliseconds, as far as the packets told. */
  durationMs: number;
  /** Power level in −dBm0. */
  volume: number;
  /** How the event ended: an E-bit packet, a newer event, or the timeout. */
  endedBy: 'end' | 'next' | 'timeout';
}

/** Options of {@link DtmfReceiver}. */
export interface DtmfReceiverOptions {
  /** Called once per digit. */
  onDigit: (event: DtmfEvent) => void;
  /** RTP clock rate of telephone-event, Hz (default 8000). */
  clockRate?: number;
  /** An open event with no packet for this long is reported (ms, default 500). */
  timeoutMs?: number;
}

/** Turns telephone-event packets into digits. See the module comment for the rules. */
export class DtmfReceiver {
  private readonly onDigit: (event: DtmfEvent) => void;
  private readonly clockRate: number;
  private readonly timeoutMs: number;
  private readonly scratch = new TelephoneEvent();
  private seen = false;
  private open = false;
  private lastTimestamp = 0;
  private firstTimestamp = 0;
  private event = 0;
  private volume = 0;
  private duration = 0;
  private earlierSegments = 0;
  private lastPacketMs = 0;

  constructor(options: DtmfReceiverOptions) {
    this.onDigit = options.onDigit;
    this.clockRate = options.clockRate ?? 8000;
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  /** True while an event has started and not been reported. */
  get inProgress(): boolean {
    return this.open;
  }

  /**
   * Feeds one telephone-event packet.
   * @param payload packet bytes holding the payload at `offset`
   * @param timestamp the packet's RTP timestamp
   * @param nowMs arrival time (ms, monotonic)
   * @returns false when the payload is too short or not a DTMF digit (events 16+)
   */
  push(payload: Uint8Array, offset: number, length: number, timestamp: number, nowMs: number): boolean {
    const te = this.scratch;
    if (!decodeTelephoneEvent(payload, offset, length, te) || te.event > 15) return false;
    const age = this.seen ? timestampDiff(timestamp, this.lastTimestamp) : 1;
    if (age < 0) return true; // straggler from an older event
    if (age === 0) {
      if (this.open) this.update(te, nowMs);
      return true; // same event, or a redundant end packet of a reported one
    }
    if (this.open && te.event === this.event && age <= this.duration) {
      // RFC 4733 §2.5.1.3: a long event continues in a new segment.
      this.earlierSegments += age;
      this.lastTimestamp = timestamp >>> 0;
      this.duration = 0;
      this.update(te, nowMs);
      return true;
    }
    if (this.open) this.finish('next');
    this.start(te, timestamp, nowMs);
    return true;
  }

  /**
   * Reports an open event that has seen no packet for `timeoutMs`. Call on every tick.
   * @param nowMs current time (ms, same clock as `push`)
   */
  poll(nowMs: number): void {
    if (this.open && nowMs - this.lastPacketMs >= this.timeoutMs) this.finish('timeout');
  }

  /** Forgets all state without reporting (new SSRC, call ended). */
  reset(): void {
    this.seen = false;
    this.open = false;
  }

  private start(te: TelephoneEvent, timestamp: number, nowMs: number): void {
    this.seen = true;
    this.open = true;
    this.lastTimestamp = timestamp >>> 0;
    this.firstTimestamp = timestamp >>> 0;
    this.event = te.event;
    this.duration = 0;
    this.earlierSegments = 0;
    this.update(te, nowMs);
  }

  private update(te: TelephoneEvent, nowMs: number): void {
    if (te.duration > this.duration) this.duration = te.duration;
    this.volume = te.volume;
    this.lastPacketMs = nowMs;
    if (te.end) this.finish('end');
  }

  private finish(endedBy: DtmfEvent['endedBy']): void {
    this.open = false;
    const digit = dtmfDigit(this.event);
    if (digit === undefined) return;
    this.onDigit({
      digit,
      event: this.event,
      timestamp: this.firstTimestamp,
      durationMs: ((this.earlierSegments + this.duration) * 1000) / this.clockRate,
      volume: this.volume,
      endedBy,
    });
  }
}
