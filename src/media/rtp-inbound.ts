/**
 * The receiving half of an RTP session, without sockets: validates packets, tracks the
 * peer's SSRC and sequence (RFC 3550 §A.1), feeds audio into the jitter buffer and
 * telephone-events into the DTMF receiver, and once per tick decodes one frame.
 * Nothing is allocated per packet.
 */
import { DtmfReceiver } from './dtmf-receiver.ts';
import type { DtmfEvent } from './dtmf-receiver.ts';
import { decodeG711 } from './g711.ts';
import { JitterBuffer } from './jitter.ts';
import type { JitterBufferOptions, JitterFrameKind } from './jitter.ts';
import { RtpHeader, parseRtpHeader } from './rtp.ts';
import { ReceptionStats } from './rtp-stats.ts';
import type { RtpCodec } from './rtp-session-types.ts';

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
  /** The jitter buffer (its stats feed the CDR). */
  readonly jitter: JitterBuffer;
  private readonly dtmf: DtmfReceiver;
  private readonly codec: RtpCodec;
  private readonly telephoneEventPt: number;
  private ssrc: number | undefined;
  private dtmfSsrc: number | undefined;
  /** Valid packets accepted. */
  packets = 0;
  /** Payload bytes accepted. */
  octets = 0;

  constructor(options: RtpInboundOptions) {
    this.codec = options.codec;
    this.telephoneEventPt = options.telephoneEventPt;
    this.jitter = new JitterBuffer(options.jitter);
    this.dtmf = new DtmfReceiver({ onDigit: options.onDigit, timeoutMs: options.dtmfTimeoutMs ?? 500 });
  }

  /** SSRC of the peer's audio, once known. */
  get remoteSsrc(): number | undefined {
    return this.ssrc;
  }

  /**
   * Parses a datagram into {@link header}.
   * @returns false unless it is valid RTP with a payload type we negotiated
   */
  parse(buf: Uint8Array, length: number): boolean {
    if (!parseRtpHeader(buf, length, this.header)) return false;
    const pt = this.header.payloadType;
    return pt === this.codec.pt || pt === this.telephoneEventPt || pt === PT_COMFORT_NOISE;
  }

  /**
   * Takes the packet last parsed (the caller has checked its source).
   * @param nowMs arrival time, monotonic ms
   */
  accept(buf: Uint8Array, nowMs: number): void {
    const h = this.header;
    this.packets++;
    this.octets += h.payloadLength;
    if (h.payloadType === this.telephoneEventPt) {
      // Some peers send events under an SSRC of their own: track it apart from audio.
      if (this.dtmfSsrc !== h.ssrc) {
        this.dtmfSsrc = h.ssrc;
        this.dtmf.reset();
      }
      this.dtmf.push(buf, h.payloadOffset, h.payloadLength, h.timestamp, nowMs);
      if (h.ssrc !== this.ssrc) return;
    } else if (h.ssrc !== this.ssrc) {
      this.newSource(h.ssrc);
    }
    this.reception.update(h.sequenceNumber);
    // Events and comfort noise share the sequence space: keep their slots as silence.
    const length = h.payloadType === this.codec.pt ? h.payloadLength : 0;
    this.jitter.push(h.sequenceNumber, h.timestamp, buf, nowMs, h.payloadOffset, length);
  }

  /**
   * Produces this tick's frame of received audio.
   * @param nowMs monotonic ms
   * @param pcm frame to fill (silence for gaps)
   * @returns what the frame holds, or undefined before the peer's first audio packet
   */
  tick(nowMs: number, pcm: Int16Array): JitterFrameKind | undefined {
    this.dtmf.poll(nowMs);
    if (this.ssrc === undefined) return undefined;
    const f = this.jitter.pop(nowMs);
    const n = f.kind === 'audio' ? decodeG711(this.codec.name, f.payload, pcm, f.length) : 0;
    if (n < pcm.length) pcm.fill(0, n);
    return f.kind;
  }

  private newSource(ssrc: number): void {
    this.ssrc = ssrc;
    this.jitter.reset();
    this.reception.reset();
  }
}
