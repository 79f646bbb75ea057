/**
 * A caller's RTP endpoint for end-to-end tests that need to see and shape the packets
 * themselves (our RtpSession always sends 20 ms and hides payload types): one UDP socket
 * that keeps every RTP packet it receives, and a paced sender of a tone in G.711 with a
 * chosen packet duration, law and payload type (both may change mid-stream, as after a
 * re-INVITE). Sequence numbers, timestamps and SSRC run on across such a change.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { encodeG711, decodeG711, type G711Law } from '../../src/media/g711.ts';
import { parseRtpHeader, RtpHeader, writeRtpHeader } from '../../src/media/rtp.ts';
import { dominantFrequency, generateTone } from '../../src/media/tone.ts';

/** One packet as received. */
export interface ReceivedRtp {
  pt: number;
  seq: number;
  payload: Uint8Array;
}

/** The format of the packets being sent; read before each packet. */
export interface SendFormat {
  law: G711Law;
  pt: number;
}

/** What {@link RawRtpPeer.stream} sends. */
export interface StreamOptions {
  /** Where the gateway wants RTP. */
  target: { address: string; port: number };
  /** Tone frequency, Hz. */
  freqHz: number;
  /** Length of the tone, ms. */
  durationMs: number;
  /** Packet duration, ms (default 20). */
  ptimeMs?: number;
  /** Law and payload type, asked before every packet (default PCMU 0). */
  format?: () => SendFormat;
}

/** See the module comment. */
export class RawRtpPeer {
  /** Every RTP packet received, in arrival order. */
  readonly received: ReceivedRtp[] = [];
  private seq = 1000;
  private timestamp = 50_000;
  private readonly ssrc = 0x5eed;

  private constructor(private readonly socket: Socket) {
    const h = new RtpHeader();
    socket.on('message', (m) => {
      if (!parseRtpHeader(m, m.length, h)) return;
      this.received.push({ pt: h.payloadType, seq: h.sequenceNumber, payload: Uint8Array.from(m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)) });
    });
  }

  /** Binds on 127.0.0.1, a port the OS picks. */
  static async open(): Promise<RawRtpPeer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new RawRtpPeer(socket);
  }

  /** The local RTP port (for the SDP offer). */
  get port(): number {
    return this.socket.address().port;
  }

  /**
   * Sends a tone in packets paced in real time (each packet when its time has come, so
   * a stalled event loop delivers a burst afterwards, as a network would).
   * @returns resolves once the last packet is sent, or `stop()` was called
   */
  stream(options: StreamOptions): { done: Promise<void>; stop: () => void } {
    const ptime = (options.ptimeMs ?? 20) * 8;
    const pcm = generateTone(options.freqHz, options.durationMs);
    const packets = Math.floor(pcm.length / ptime);
    const format = options.format ?? (() => ({ law: 'PCMU', pt: 0 }));
    const payload = new Uint8Array(ptime);
    const start = performance.now();
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => { finish = resolve; });
    const stop = (): void => {
      clearTimeout(timer);
      finish();
    };
    const pump = (): void => {
      for (; next < packets && performance.now() - start >= next * (ptime / 8); next++) {
        const { law, pt } = format();
        encodeG711(law, pcm.subarray(next * ptime, (next + 1) * ptime), payload);
        this.send(pt, payload, ptime, options.target);
      }
      if (next >= packets) stop();
      else timer = setTimeout(pump, 5);
    };
    pump();
    return { done, stop };
  }

  /** Packets received with payload type `pt` whose dominant frequency (decoded with `law`) is `freqHz`. */
  toneFrames(pt: number, law: G711Law, freqHz: number, candidates: readonly number[] = [440, 1000, 2000]): number {
    const pcm = new Int16Array(160);
    return this.received.filter((p) => {
      if (p.pt !== pt || p.payload.length !== 160) return false;
      decodeG711(law, p.payload, pcm);
      const d = dominantFrequency(pcm, candidates);
      return d?.freqHz === freqHz && d.share > 0.8;
    }).length;
  }

  /** Closes the socket. */
  close(): void {
    this.socket.close();
  }

  private send(pt: number, payload: Uint8Array, samples: number, target: { address: string; port: number }): void {
    const buf = Buffer.alloc(12 + payload.length);
    writeRtpHeader(buf, 0, { payloadType: pt, sequenceNumber: this.seq, timestamp: this.timestamp, ssrc: this.ssrc });
    buf.set(payload, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + samples) >>> 0;
    this.socket.send(buf, target.port, target.address);
  }
}
