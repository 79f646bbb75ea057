/**
 * The sending half of an RTP session, without sockets: each tick it builds one packet in
 * a small ring of preallocated buffers: a telephone-event packet while a DTMF digit is
 * on the wire (audio is muted meanwhile), else one 20 ms frame from the audio source
 * encoded with the negotiated law, or a silent payload precomputed per law when the
 * source has nothing. Sequence numbers, timestamps and SSRC start random (RFC 3550 §5.1);
 * the timestamp follows the clock's tick number, so a stalled clock shows up at the peer
 * as a gap in time rather than a burst. Nothing is allocated per packet.
 */
import { TELEPHONE_EVENT_SIZE } from './dtmf.ts';
import { DtmfPacket, DtmfSender } from './dtmf-sender.ts';
import type { DtmfSenderOptions } from './dtmf-sender.ts';
import { LINEAR_TO_ALAW, LINEAR_TO_ULAW, g711Silence } from './g711.ts';
import type { G711Law } from './g711.ts';
import { PlaybackQueue } from './playback.ts';
import type { AudioSource } from './playback.ts';
import { RTP_HEADER_SIZE, writeRtpHeader } from './rtp.ts';
import type { RtpWriteFields } from './rtp.ts';
import type { RtpCodec } from './rtp-session-types.ts';

/** Samples per 20 ms frame at 8 kHz. */
export const FRAME_SAMPLES = 160;
/** Buffers in the send ring: a buffer is rewritten only 4 ticks after it was handed to the socket. */
const RING = 4;
/** Bytes of an audio packet (one frame, one byte per sample) and of a telephone-event packet. */
const AUDIO_PACKET = RTP_HEADER_SIZE + FRAME_SAMPLES;
const EVENT_PACKET = RTP_HEADER_SIZE + TELEPHONE_EVENT_SIZE;

/**
 * One frame of digital silence per law, encoded once: copied into a packet when the source
 * has nothing to play (most ticks of a call: the agent listens), instead of encoding zeros.
 * G.711 silence is 0xFF in µ-law and 0xD5 in A-law (see `g711Silence`).
 */
export const SILENT_PAYLOAD: Readonly<Record<G711Law, Uint8Array>> = {
  PCMU: new Uint8Array(FRAME_SAMPLES).fill(g711Silence('PCMU')),
  PCMA: new Uint8Array(FRAME_SAMPLES).fill(g711Silence('PCMA')),
};

/** A ring slot: exact-length views of one buffer, so that the socket gets a packet without a slice. */
interface Slot {
  audio: Buffer;
  event: Buffer;
}

/** Options of {@link RtpOutbound}. */
export interface RtpOutboundOptions {
  /** The negotiated codec. */
  codec: RtpCodec;
  /** Payload type of telephone-event. */
  telephoneEventPt: number;
  /** Our SSRC. */
  ssrc: number;
  /** First sequence number. */
  initialSeq: number;
  /** RTP timestamp of the first tick. */
  initialTimestamp: number;
  /** DTMF sender defaults. */
  dtmf?: DtmfSenderOptions;
}

/** Sending half of a session. */
export class RtpOutbound {
  /** The default source: queued prompts and bot audio. */
  readonly playback = new PlaybackQueue();
  /** Outbound RFC 4733 digits. */
  readonly dtmf: DtmfSender;
  /** Packets sent; the session counts them (a built packet is not sent while on hold). */
  packets = 0;
  /** Payload bytes sent; counted by the session. */
  octets = 0;
  /** Digits whose first packet was built. */
  digits = 0;
  private source: AudioSource = this.playback;
  private readonly ring: Slot[] = newRing();
  private ringIndex = 0;
  private last: Buffer = this.ring[0]!.audio;
  private readonly pcm = new Int16Array(FRAME_SAMPLES);
  private readonly dtmfPacket = new DtmfPacket();
  private readonly fields: Required<Omit<RtpWriteFields, 'csrc'>>;
  private codec: RtpCodec;
  private telephoneEventPt: number;
  private firstTick = -1;
  private lastPayloadLength = 0;
  private started = false;

  constructor(private readonly options: RtpOutboundOptions) {
    this.codec = { ...options.codec };
    this.telephoneEventPt = options.telephoneEventPt;
    this.dtmf = new DtmfSender(options.dtmf);
    this.fields = { payloadType: 0, sequenceNumber: options.initialSeq & 0xffff, timestamp: 0, ssrc: options.ssrc, marker: false };
  }

  /** Our SSRC. */
  get ssrc(): number {
    return this.options.ssrc;
  }

  /**
   * Replaces the audio source (undefined restores the playback queue). The queue keeps
   * its content meanwhile.
   */
  setSource(source: AudioSource | undefined): void {
    this.source = source ?? this.playback;
  }

  /**
   * Switches to a codec and telephone-event payload type negotiated anew (re-INVITE), from
   * the next packet on: RFC 3264 §8.3.2, the answerer sends in the new format as soon as it
   * sends its answer. SSRC, sequence numbers and timestamps go on unchanged.
   */
  setCodec(codec: RtpCodec, telephoneEventPt: number): void {
    this.codec = { ...codec };
    this.telephoneEventPt = telephoneEventPt;
  }

  /** RTP timestamp of a tick (the media time of that frame). */
  timestampAt(tick: number): number {
    const base = this.firstTick < 0 ? tick : this.firstTick;
    return (this.options.initialTimestamp + (tick - base) * FRAME_SAMPLES) >>> 0;
  }

  /** Counts the packet last built as sent (feeds the SR's packet and octet counts). */
  markSent(): void {
    this.packets++;
    this.octets += this.lastPayloadLength;
  }

  /**
   * The packet last built was not sent (hold, or no peer address yet): its sequence number
   * goes to the next packet, so that the peer sees no gap (RFC 3550 §5.1: one per packet sent).
   */
  discard(): void {
    const f = this.fields;
    f.sequenceNumber = (f.sequenceNumber - 1) & 0xffff;
    if (f.marker && f.payloadType === this.codec.pt) this.started = false;
  }

  /** The packet last built, exactly its length; stays intact for the next 3 builds. */
  get packet(): Buffer {
    return this.last;
  }

  /**
   * Builds this tick's packet into {@link packet}.
   * @returns the packet length, bytes
   */
  build(tick: number): number {
    if (this.firstTick < 0) this.firstTick = tick;
    const slot = this.ring[this.ringIndex]!;
    this.ringIndex = (this.ringIndex + 1) % RING;
    const f = this.fields;
    const timestamp = this.timestampAt(tick);
    if (this.dtmf.next(timestamp, this.dtmfPacket)) {
      const p = this.dtmfPacket;
      if (p.marker) this.digits++;
      f.payloadType = this.telephoneEventPt;
      f.timestamp = p.timestamp;
      f.marker = p.marker;
      slot.event.set(p.payload, RTP_HEADER_SIZE);
      this.last = slot.event;
    } else {
      this.writeAudio(slot.audio);
      f.payloadType = this.codec.pt;
      f.timestamp = timestamp;
      // RFC 3551 §4.1: marker on the first packet of a talkspurt (here: of the stream).
      f.marker = !this.started;
      this.started = true;
      this.last = slot.audio;
    }
    writeRtpHeader(this.last, 0, f);
    f.sequenceNumber = (f.sequenceNumber + 1) & 0xffff;
    this.lastPayloadLength = this.last.length - RTP_HEADER_SIZE;
    return this.last.length;
  }

  /**
   * The source's next frame, encoded (by the source itself when it can: a shared prompt is
   * copied from its one encoding); the precomputed silence when it has none.
   */
  private writeAudio(buf: Buffer): void {
    const source = this.source;
    const law = this.codec.name;
    if (source.readEncoded !== undefined) {
      if (!source.readEncoded(law, buf, RTP_HEADER_SIZE, FRAME_SAMPLES)) buf.set(SILENT_PAYLOAD[law], RTP_HEADER_SIZE);
      return;
    }
    if (!source.read(this.pcm)) {
      buf.set(SILENT_PAYLOAD[law], RTP_HEADER_SIZE);
      return;
    }
    const table = law === 'PCMU' ? LINEAR_TO_ULAW : LINEAR_TO_ALAW;
    const pcm = this.pcm;
    for (let i = 0; i < FRAME_SAMPLES; i++) buf[RTP_HEADER_SIZE + i] = table[pcm[i]! & 0xffff]!;
  }
}

/**
 * The send ring in one buffer from Node's shared pool (one allocation per session, none per
 * packet). `allocUnsafe` is safe here: every byte of a packet is written before it is sent.
 */
function newRing(): Slot[] {
  const slab = Buffer.allocUnsafe(RING * AUDIO_PACKET);
  const ring: Slot[] = [];
  for (let i = 0; i < RING; i++) {
    const at = i * AUDIO_PACKET;
    ring.push({ audio: slab.subarray(at, at + AUDIO_PACKET), event: slab.subarray(at, at + EVENT_PACKET) });
  }
  return ring;
}
