/**
 * The receiving half of an RTP session, without sockets: validates packets, tracks the
 * peer's SSRC and sequence (RFC 3550 §A.1), decodes audio into the jitter buffer (which
 * reframes any packet duration into 20 ms frames) and feeds telephone-events to the DTMF
 * receiver; once per tick it hands out one frame. The codec and the telephone-event
 * payload type may change mid-call ({@link RtpInbound.setCodec}). Nothing is allocated
 * per packet; the jitter buffer (about 35 KB), the decode buffer and the DTMF receiver are
 * allocated when the first packet that needs them is accepted, so a call whose peer never
 * sends (or sends only events) does not pay for them.
 */
import { DtmfReceiver } from './dtmf-receiver.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from './g711.ts';
import { JitterBuffer } from './jitter.ts';
import type { JitterBufferOptions, JitterFrameKind, JitterStats } from './jitter.ts';
import { RtpHeader, parseRtpHeader } from './rtp.ts';
import { ReceptionStats } from './rtp-stats.ts';
import type { RtpCodec } from './rtp-session-types.ts';
import { FRAME_SAMPLES } from './rtp-outbound.ts';

/** The samples of a placeholder (an event or comfort-noise packet): none. */
const NO_SAMPLES = new Int16Array(0);

/** RFC 3389 comfort noise, static payload type 13 (RFC 3551 §6): accepted, played as silence. */
const PT_COMFORT_NOISE = 13;

/** Options of {@link RtpInbound}. */
export interface RtpInboundOptions {
  /** The negotiated codec. */
  codec: RtpCodec;
  /** Payload type of telephone-event. */
  telephoneEventPt: number;
  /** Called once per received digit. */
  onDigit: (event: DtmfEvent) => void;
  /** Jitter buffer options. */
  jitter?: JitterBufferOptions;
  /** DTMF end timeout, ms (default 500). */
  dtmfTimeoutMs?: number;
}

/** Receiving half of a session. */
export class RtpInbound {
  /** The header of the packet last given to {@link parse}. */
  readonly header = new RtpHeader();
  /** Reception bookkeeping for RTCP report blocks. */
  readonly reception = new ReceptionStats();
  private readonly options: RtpInboundOptions;
  private jitterBuffer: JitterBuffer | undefined;
  private dtmf: DtmfReceiver | undefined;
  private out: Int16Array | undefined;
  private codec: RtpCodec;
  /** The codec before the last change, still decoded (RFC 3264 §8.3.2, see `setCodec`). */
  private previous: RtpCodec | undefined;
  private telephoneEventPt: number;
  private ssrc: number | undefined;
  private dtmfSsrc: number | undefined;
  /** Valid packets accepted. */
  packets = 0;
  /** Payload bytes accepted. */
  octets = 0;

  /**
   * @throws MediaError `media_invalid_argument` for jitter options the buffer refuses
   *   (checked here, although the buffer is built with the first packet)
   */
  constructor(options: RtpInboundOptions) {
    this.options = options;
    this.codec = { ...options.codec };
    this.telephoneEventPt = eventPtBeside(options.codec, options.telephoneEventPt);
    if (options.jitter !== undefined) JitterBuffer.validate(options.jitter);
  }

  /** The jitter buffer, once the peer's first audio-stream packet was accepted (undefined before). */
  get jitter(): JitterBuffer | undefined {
    return this.jitterBuffer;
  }

  /** The jitter buffer's counters (all zero before the first packet). */
  get jitterStats(): JitterStats {
    return this.jitterBuffer?.stats ?? emptyJitterStats();
  }

  /** Interarrival jitter in RTP timestamp units, for RTCP report blocks (0 before the first packet). */
  get jitterTimestampUnits(): number {
    return this.jitterBuffer?.jitterTimestampUnits ?? 0;
  }

  /** The frame {@link tick} fills when given none; reused, allocated on first use. */
  get output(): Int16Array {
    return (this.out ??= new Int16Array(FRAME_SAMPLES));
  }

  /** SSRC of the peer's audio, once known. */
  get remoteSsrc(): number | undefined {
    return this.ssrc;
  }

  /**
   * Switches to a codec and telephone-event payload type negotiated anew (re-INVITE). The
   * stream goes on (same SSRC, sequence and jitter buffer). Packets of the previous codec
   * are still decoded until the next change: the peer sends its old format until our
   * answer reaches it (RFC 3264 §8.3.2), and payload numbers keep their codec for the whole
   * session, so the two cannot be confused.
   */
  setCodec(codec: RtpCodec, telephoneEventPt: number): void {
    if (codec.pt !== this.codec.pt || codec.name !== this.codec.name) this.previous = this.codec;
    this.codec = { ...codec };
    this.telephoneEventPt = eventPtBeside(codec, telephoneEventPt);
  }

  /**
   * Parses a datagram into {@link header}.
   * @returns false unless it is valid RTP with a payload type we negotiated
   */
  parse(buf: Uint8Array, length: number, start = 0): boolean {
    if (!parseRtpHeader(buf, length, this.header, start)) return false;
    const pt = this.header.payloadType;
    return pt === this.telephoneEventPt || pt === PT_COMFORT_NOISE || this.tableOf(pt) !== undefined;
  }

  /**
   * Takes the packet last parsed (the caller has checked its source).
   * @param nowMs arrival time, monotonic ms
   * @param decode false while nobody takes the audio (every tick until then is a {@link skip}):
   *   the payload waits undecoded in the jitter buffer (`JitterBuffer.pushG711`)
   */
  accept(buf: Uint8Array, nowMs: number, decode = true): void {
    const h = this.header;
    this.packets++;
    this.octets += h.payloadLength;
    if (h.payloadType === this.telephoneEventPt) {
      // Some peers send events under an SSRC of their own: track it apart from audio.
      const dtmf = (this.dtmf ??= new DtmfReceiver({ onDigit: this.options.onDigit, timeoutMs: this.options.dtmfTimeoutMs ?? 500 }));
      if (this.dtmfSsrc !== h.ssrc) {
        this.dtmfSsrc = h.ssrc;
        dtmf.reset();
      }
      dtmf.push(buf, h.payloadOffset, h.payloadLength, h.timestamp, nowMs);
      if (h.ssrc !== this.ssrc) return;
    } else if (h.ssrc !== this.ssrc) {
      this.newSource(h.ssrc);
    }
    this.reception.update(h.sequenceNumber);
    // Events and comfort noise share the sequence space: their slots play as silence.
    const table = h.payloadType === this.telephoneEventPt ? undefined : this.tableOf(h.payloadType);
    // G.711: one byte per sample, so the payload length is the packet's duration in samples
    // (a packet longer than a slot is refused by the jitter buffer).
    const jitter = this.jitterBuffer!; // made by newSource for the first packet of the stream
    if (table === undefined) jitter.push(h.sequenceNumber, h.timestamp, NO_SAMPLES, nowMs, 0, 0);
    else jitter.pushG711(h.sequenceNumber, h.timestamp, buf, h.payloadOffset, h.payloadLength, table, nowMs, decode);
  }

  /**
   * Produces this tick's frame of received audio.
   * @param nowMs monotonic ms
   * @param pcm frame to fill (silence for gaps; default {@link output})
   * @returns what the frame holds, or undefined before the peer's first audio packet
   */
  tick(nowMs: number, pcm?: Int16Array): JitterFrameKind | undefined {
    this.dtmf?.poll(nowMs);
    const jitter = this.jitterBuffer;
    if (jitter === undefined) return undefined;
    if (pcm === undefined) pcm = this.output;
    const f = jitter.pop(nowMs);
    const n = Math.min(pcm.length, f.samples.length);
    pcm.set(n === f.samples.length ? f.samples : f.samples.subarray(0, n));
    if (n < pcm.length) pcm.fill(0, n);
    return f.kind;
  }

  /**
   * This tick's frame played out and dropped: what {@link tick} does, for its counts and
   * the jitter buffer's timeline, without copying a sample (nobody takes the audio).
   */
  skip(nowMs: number): void {
    this.dtmf?.poll(nowMs);
    this.jitterBuffer?.pop(nowMs, false);
  }

  /** The decode table for an audio payload type, if it is one we take. */
  private tableOf(pt: number): Int16Array | undefined {
    const c = pt === this.codec.pt ? this.codec : pt === this.previous?.pt ? this.previous : undefined;
    if (c === undefined) return undefined;
    return c.name === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  }

  private newSource(ssrc: number): void {
    this.ssrc = ssrc;
    if (this.jitterBuffer === undefined) this.jitterBuffer = new JitterBuffer(this.options.jitter);
    else this.jitterBuffer.reset();
    this.reception.reset();
  }
}

/** The counters of a jitter buffer that has seen nothing. */
function emptyJitterStats(): JitterStats {
  return { received: 0, lost: 0, concealed: 0, late: 0, duplicate: 0, reordered: 0, dropped: 0, underruns: 0, jitterMs: 0, buffered: 0, bufferedMs: 0 };
}

/**
 * The telephone-event payload type to use beside `codec`, or -1 (none) when it is the
 * audio's own number: with no telephone-event negotiated, the default 101 may be the
 * number an offer gave its audio (`a=rtpmap:101 PCMU/8000`), and audio must stay audio.
 */
export function eventPtBeside(codec: RtpCodec, telephoneEventPt: number): number {
  return telephoneEventPt === codec.pt ? -1 : telephoneEventPt;
}
