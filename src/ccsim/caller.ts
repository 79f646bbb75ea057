/**
 * The caller's media for one emulated call: an RTP session on the shared media clock,
 * the SDP offer (one G.711 codec, telephone-event, optionally rtcp-mux), what the caller
 * plays (WAV, tone or silence), RFC 4733 digits, and what it hears: measured by an
 * {@link AudioMeter} and optionally recorded to a WAV file. Mid-call offers and answers
 * (re-INVITE, UPDATE) go through {@link CallerSdp} and move or hold our RTP here.
 */
import {
  RtpSession, ToneGenerator, WavRecorder, readWav8k,
  type AudioSource, type MediaClock, type PortSource, type RtpEndpoint, type WavRecording,
} from '../media/index.ts';
import type { CodecName, MediaDirection, NegotiatedMedia } from '../sdp/index.ts';
import { CallerSdp } from './caller-sdp.ts';
import { AudioMeter, type AudioMeterReport } from './meter.ts';
import type { AudioSpec } from './types.ts';

/** Options of {@link CallerMedia.open}. */
export interface CallerMediaOptions {
  clock: MediaClock;
  ports: PortSource;
  /** Address to bind and to write in the SDP. */
  localAddress: string;
  /** Offer `a=rtcp-mux` (one socket per call). */
  rtcpMux: boolean;
  /** Codec offered (only this one, so that the answer cannot pick another). Default PCMU. */
  codec?: CodecName;
  audio?: AudioSpec;
  /** Goertzel frequency to look for, Hz. */
  detectHz?: number;
  /** Record what the caller hears here. */
  recordPath?: string;
}

/** What the caller's media saw, at close. */
export interface CallerMediaResult {
  packetsSent: number;
  packetsReceived: number;
  meter: AudioMeterReport;
  recording?: WavRecording;
}

const STATIC_PT: Record<CodecName, number> = { PCMU: 0, PCMA: 8 };

/** A continuous tone as an audio source. */
class ToneSource implements AudioSource {
  constructor(private readonly generator: ToneGenerator) {}

  read(dst: Int16Array): boolean {
    this.generator.fill(dst);
    return true;
  }
}

/** Where the SDP says RTP goes; none for the old-style hold address (RFC 3264 §8.4). */
function sdpRemote(media: NegotiatedMedia): RtpEndpoint | undefined {
  if (media.remoteAddress === '0.0.0.0' || media.remoteAddress === '::') return undefined;
  return {
    address: media.remoteAddress, port: media.remotePort,
    ...(media.remoteRtcpPort === undefined ? {} : { rtcpPort: media.remoteRtcpPort }),
  };
}

function sameEndpoint(a: RtpEndpoint | undefined, b: RtpEndpoint | undefined): boolean {
  return a?.address === b?.address && a?.port === b?.port && a?.rtcpPort === b?.rtcpPort;
}

/** See the module comment. */
export class CallerMedia {
  readonly offer: string;
  private readonly sdp: CallerSdp;
  private negotiated: NegotiatedMedia | undefined;
  private remote: RtpEndpoint | undefined;
  private closing: Promise<CallerMediaResult> | undefined;

  private constructor(
    private readonly rtp: RtpSession,
    private readonly options: CallerMediaOptions,
    private readonly prompt: Int16Array | undefined,
    private readonly recorder: WavRecorder | undefined,
    private readonly meter: AudioMeter,
  ) {
    this.sdp = new CallerSdp({ address: options.localAddress, port: rtp.port, codec: options.codec ?? 'PCMU', rtcpMux: options.rtcpMux });
    this.offer = this.sdp.offer();
    rtp.on('audio', (frame) => {
      meter.push(frame);
      recorder?.write(frame);
    });
    // Errors on the media path (a closed peer port) do not end the call; the counters show them.
    rtp.on('error', () => {});
  }

  /**
   * Reads the prompt, opens the recording and the RTP socket.
   * @throws MediaError (`media_io_failed`, `media_wav_invalid`, `media_wav_unsupported`,
   *   `media_bind_failed`, `media_ports_exhausted`)
   */
  static async open(options: CallerMediaOptions): Promise<CallerMedia> {
    const audio = options.audio ?? { kind: 'silence' };
    const prompt = audio.kind === 'wav' ? await readWav8k(audio.path) : undefined;
    const codec = options.codec ?? 'PCMU';
    const rtp = await RtpSession.open({
      clock: options.clock, ports: options.ports, localAddress: options.localAddress,
      codec: { name: codec, pt: STATIC_PT[codec] }, rtcpMux: options.rtcpMux, cname: 'ccsim',
    });
    let recorder: WavRecorder | undefined;
    try {
      recorder = options.recordPath === undefined ? undefined : await WavRecorder.open(options.recordPath);
    } catch (err) {
      rtp.close();
      throw err;
    }
    const meter = new AudioMeter(options.detectHz === undefined ? {} : { detectHz: options.detectHz });
    return new CallerMedia(rtp, options, prompt, recorder, meter);
  }

  /**
   * Takes the gateway's SDP answer, points RTP at it and starts the caller's audio.
   * @throws SdpError when the answer does not fit the offer (RFC 3264 §6)
   */
  connect(answerSdp: string): NegotiatedMedia {
    const media = this.apply(this.sdp.acceptAnswer(answerSdp));
    this.startAudio();
    return media;
  }

  /**
   * Answers the gateway's mid-call offer (re-INVITE, UPDATE) and applies it: RTP follows a
   * new address, stops while the gateway holds the call, resumes after.
   * @returns the SDP answer
   * @throws SdpError when the offer is unusable; the session stays as it was (RFC 3261 §14.2)
   */
  answerReoffer(offerSdp: string): string {
    const result = this.sdp.answer(offerSdp);
    this.apply(result.media);
    return result.answer;
  }

  /** Our offer for the 200 to an offerless re-INVITE; its answer comes in the ACK ({@link acceptReanswer}). */
  reoffer(): string {
    return this.sdp.offer();
  }

  /**
   * Applies the answer (from the ACK) to our {@link reoffer}.
   * @throws SdpError when it does not fit the offer; the session stays as it was
   */
  acceptReanswer(answerSdp: string): NegotiatedMedia {
    return this.apply(this.sdp.acceptAnswer(answerSdp));
  }

  /** True while our re-offer waits for its answer. */
  get offerPending(): boolean {
    return this.sdp.offerPending;
  }

  /** Our direction now (`recvonly` while the gateway holds the call); undefined before the answer. */
  get direction(): MediaDirection | undefined {
    return this.negotiated?.direction;
  }

  /**
   * Points RTP at the agreed address (a new one forgets the symmetric-RTP latch; the
   * hold address keeps the old target) and sends only when our direction allows it.
   */
  private apply(media: NegotiatedMedia): NegotiatedMedia {
    this.negotiated = media;
    const remote = sdpRemote(media);
    if (remote !== undefined && !sameEndpoint(remote, this.remote)) {
      this.remote = remote;
      this.rtp.setRemote(remote);
    }
    this.rtp.setSending(media.direction === 'sendrecv' || media.direction === 'sendonly');
    return media;
  }

  private startAudio(): void {
    const audio = this.options.audio ?? { kind: 'silence' };
    if (audio.kind === 'tone') {
      const tone = new ToneGenerator(audio.hz, audio.amplitude === undefined ? {} : { amplitude: audio.amplitude });
      this.rtp.setSource(new ToneSource(tone));
    } else if (this.prompt !== undefined) {
      this.rtp.enqueue(this.prompt);
    }
  }

  /** True when the answer accepted telephone-event (RFC 4733 digits can be sent). */
  get canSendRtpDtmf(): boolean {
    return this.negotiated?.telephoneEventPt !== undefined;
  }

  /** Sends digits as RFC 4733 events. */
  sendDtmf(digits: string): void {
    this.rtp.sendDtmf(digits);
  }

  /** Stops the media and closes the recording. Idempotent. */
  close(): Promise<CallerMediaResult> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<CallerMediaResult> {
    const stats = this.rtp.stats;
    this.rtp.close();
    const recording = await this.recorder?.close();
    const out: CallerMediaResult = { packetsSent: stats.packetsSent, packetsReceived: stats.packetsReceived, meter: this.meter.report };
    if (recording !== undefined) out.recording = recording;
    return out;
  }
}
