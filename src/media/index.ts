/**
 * The media layer: RTP/RTCP, G.711, RFC 4733 DTMF, jitter buffer, the shared media clock,
 * WAV and resampling, tones. A leaf: it imports nothing from other `src/` folders.
 *
 * Typical use (in `call/`): one {@link TimerMediaClock} and one {@link PortAllocator} per
 * process; per call `await RtpSession.open({ clock, ports, localAddress, codec, remote })`,
 * then `play()`/`clear()`/`sendDtmf()` and the `audio`/`dtmf` events, and `close()`.
 */
export { MediaError } from './errors.ts';
export type { MediaErrorCode } from './errors.ts';

export {
  ALAW_SILENCE,
  ALAW_TO_LINEAR,
  LINEAR_TO_ALAW,
  LINEAR_TO_ULAW,
  ULAW_SILENCE,
  ULAW_TO_LINEAR,
  decodeAlaw,
  decodeG711,
  decodeUlaw,
  encodeAlaw,
  encodeG711,
  encodeUlaw,
  g711Silence,
} from './g711.ts';
export type { G711Law } from './g711.ts';

export {
  RTP_HEADER_SIZE,
  RTP_MAX_CSRC,
  RTP_VERSION,
  RtpHeader,
  SequenceExtender,
  isRtcpPacket,
  parseRtpHeader,
  seqAdd,
  seqAfter,
  seqDiff,
  timestampDiff,
  writeRtpHeader,
} from './rtp.ts';
export type { RtpWriteFields } from './rtp.ts';

export { InterarrivalJitter, ReceptionStats } from './rtp-stats.ts';
export type { ReceptionSnapshot } from './rtp-stats.ts';

export {
  RTCP_BYE,
  RTCP_RR,
  RTCP_SDES,
  RTCP_SR,
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  roundTripMs,
  writeBye,
  writeReceiverReport,
  writeSdesCname,
  writeSenderReport,
} from './rtcp.ts';
export type { Goodbye, OtherRtcp, ReceiverReport, ReportBlock, RtcpPacket, SenderInfo, SenderReport, SourceDescription } from './rtcp.ts';
export { RtcpReporter } from './rtcp-reporter.ts';
export type { RemoteReception, ReportInput } from './rtcp-reporter.ts';

export {
  DEFAULT_TELEPHONE_EVENT_PT,
  DTMF_DIGITS,
  TELEPHONE_EVENT_SIZE,
  TelephoneEvent,
  decodeTelephoneEvent,
  dtmfDigit,
  dtmfEventCode,
  encodeTelephoneEvent,
  parseInfoDtmf,
} from './dtmf.ts';
export type { InfoDtmf } from './dtmf.ts';
export { DtmfReceiver } from './dtmf-receiver.ts';
export type { DtmfEvent, DtmfReceiverOptions } from './dtmf-receiver.ts';
export { DtmfPacket, DtmfSender } from './dtmf-sender.ts';
export type { DtmfDigitOptions, DtmfSenderOptions } from './dtmf-sender.ts';

export { JitterBuffer, JitterFrame } from './jitter.ts';
export type { JitterBufferOptions, JitterFrameKind, JitterStats } from './jitter.ts';

export { ManualMediaClock, TimerMediaClock } from './clock.ts';
export type { ClockTimers, MediaClock, MediaClockOptions, TickListener, TimerClockStats, TimerMediaClockOptions } from './clock.ts';

export { WAV_HEADER_SIZE, decodeWav, decodeWav8k, encodeWav, readWav8k, writePcm16le, writeWavHeader } from './wav.ts';
export type { WavAudio, WavFormat } from './wav.ts';
export { WavRecorder } from './wav-writer.ts';
export type { WavRecorderOptions, WavRecording } from './wav-writer.ts';
export { Downsampler16to8, Upsampler8to16, resample16kTo8k, resample8kTo16k } from './resample.ts';

export {
  DTMF_HIGH_HZ,
  DTMF_LOW_HZ,
  ToneGenerator,
  detectDtmfTone,
  dominantFrequency,
  dtmfFrequencies,
  frameEnergy,
  generateDtmfTone,
  generateTone,
  goertzelPower,
} from './tone.ts';
export type { DominantTone, ToneOptions } from './tone.ts';

export { PlaybackQueue } from './playback.ts';
export type { AudioSource } from './playback.ts';
export { PortAllocator, ephemeralPorts } from './ports.ts';
export type { PortSource } from './ports.ts';
export { FRAME_SAMPLES } from './rtp-outbound.ts';
export { RtpSession } from './rtp-session.ts';
export type { RtpCodec, RtpEndpoint, RtpSessionEvents, RtpSessionOptions, RtpSessionStats } from './rtp-session-types.ts';
