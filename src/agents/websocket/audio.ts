/**
 * Audio between the call and the bot, both ways bounded (docs/websocket-protocol.md
 * "Backpressure"):
 * - {@link OutboundAudio}: caller frames → µ-law → `media` messages (or binary frames);
 *   while the socket buffers more than a limit, frames are dropped and counted, so a slow
 *   bot never grows our memory. `seq` counts every frame, dropped ones too: the bot sees gaps.
 * - {@link InboundAudio}: bot µ-law → PCM → `media.play()` (queued and paced by the media
 *   layer). Audio beyond the queue cap is dropped, newest first: what is already queued
 *   plays on, and the bot learns of the drop only by the delay of its marks.
 */
import { decodeUlaw, encodeUlaw } from '../../media/g711.ts';
import type { AgentMedia } from '../types.ts';
import { mediaMessage } from './protocol.ts';

/** The part of a `ws` WebSocket the audio paths use. */
export interface BotSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer): void;
}

/** `WebSocket.OPEN`. */
const OPEN = 1;
/** Samples per millisecond at 8 kHz. */
const SAMPLES_PER_MS = 8;

/** Counters of the outbound path. */
export interface OutboundStats {
  /** Frames sent to the bot. */
  sent: number;
  /** Frames dropped because the socket was backed up (or not open). */
  dropped: number;
}

/** Caller audio to the bot; see the module comment. */
export class OutboundAudio {
  /** Send binary frames instead of JSON `media` messages (after negotiation). */
  binary = false;
  readonly stats: OutboundStats = { sent: 0, dropped: 0 };
  private seq = 0;
  // One frame of µ-law, reused: the base64 text (or the Buffer copy) is made from it at once.
  private readonly ulaw = new Uint8Array(1024);

  /**
   * @param socket where frames go
   * @param maxBufferedBytes drop frames while `socket.bufferedAmount` exceeds this
   */
  constructor(
    private readonly socket: BotSocket,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Sends (or drops) one 20 ms frame of 16-bit PCM. */
  push(frame: Int16Array): void {
    const seq = this.seq++;
    if (this.socket.readyState !== OPEN || this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.stats.dropped++;
      return;
    }
    const n = encodeUlaw(frame, this.ulaw);
    const bytes = Buffer.from(this.ulaw.buffer, this.ulaw.byteOffset, n);
    this.socket.send(this.binary ? Buffer.from(bytes) : mediaMessage(bytes.toString('base64'), seq));
    this.stats.sent++;
  }
}

/** Counters of the inbound path. */
export interface InboundStats {
  /** Bot media chunks queued for playback. */
  played: number;
  /** Bot media chunks dropped because the queue was full. */
  dropped: number;
  /** Audio now queued (not yet played or stopped), ms. */
  queuedMs: number;
}

/** Bot audio to the caller; see the module comment. */
export class InboundAudio {
  private queuedSamples = 0;
  private played = 0;
  private dropped = 0;
  private readonly maxSamples: number;

  /** @param maxQueuedMs most audio queued for playback at once, ms */
  constructor(
    private readonly media: AgentMedia,
    maxQueuedMs: number,
  ) {
    this.maxSamples = maxQueuedMs * SAMPLES_PER_MS;
  }

  /** Decodes and queues one chunk of µ-law (any length), or drops it when the queue is full. */
  push(ulaw: Uint8Array): void {
    const n = ulaw.length;
    if (n === 0) return;
    if (this.queuedSamples + n > this.maxSamples) {
      this.dropped++;
      return;
    }
    const pcm = new Int16Array(n); // kept by the playback queue: one per chunk
    decodeUlaw(ulaw, pcm);
    this.queuedSamples += n;
    this.played++;
    const done = (): void => { this.queuedSamples -= n; };
    this.media.play(pcm).then(done, done);
  }

  /** A snapshot of the counters. */
  get stats(): InboundStats {
    return { played: this.played, dropped: this.dropped, queuedMs: this.queuedSamples / SAMPLES_PER_MS };
  }
}
