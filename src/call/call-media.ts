/**
 * The agent's media handle on one call ({@link AgentMedia}), on the call's RTP session:
 * - outbound: one playback queue, read by the session once per tick of the ONE shared
 *   media clock (so audio is paced, never dumped); `play`, `playFile` and `say` keep the
 *   order they were called in even when a file or a speech render loads slower than a
 *   later request; `stop()` (barge-in) cuts the current and every queued playback at once;
 * - inbound: the jitter buffer's 20 ms frames to `onAudio` listeners, digits from SIP INFO
 *   and RFC 4733 to `onDtmf` listeners once per key press;
 * - the optional recorder sees both directions of every tick.
 * A throwing listener is reported and never stops the others or the media path.
 */
import type { AgentMedia, AudioListener, DtmfListener, PlaybackResult } from '../agents/index.ts';
import type { DtmfEvent } from '../media/dtmf-receiver.ts';
import type { G711Law } from '../media/g711.ts';
import { PlaybackQueue } from '../media/playback.ts';
import type { RtpSession } from '../media/rtp-session.ts';
import { type DigitSource, DtmfDeduper } from './dtmf.ts';
import type { CallRecorder } from './recorder.ts';
import { SETTLED } from '../lib/settled.ts';

/** Where prompt audio comes from (the process's `PromptCache`). */
export interface PromptSource {
  /** Text rendered to 8 kHz PCM; rejects with `media_tts_unavailable` when no engine is installed. */
  speak(text: string): Promise<Int16Array>;
  /** A WAV file as 8 kHz PCM; rejects with `media_wav_unsupported` naming the format. */
  file(path: string): Promise<Int16Array>;
}

/** Options of {@link CallMediaHandle}. */
export interface CallMediaHandleOptions {
  /** Prompt files and speech. */
  prompts: PromptSource;
  /** Monotonic time, ms (the media clock's), for pairing INFO and RFC 4733 copies of a digit. */
  now: () => number;
  /** Pairing window of a digit's two copies, ms (default 1500). */
  dtmfDedupMs?: number;
  /** Records both directions, when set. */
  recorder?: CallRecorder;
  /** A listener threw. */
  onError?: (err: unknown) => void;
  /** Called once per second of media (at the first tick, then every 50 ticks), e.g. to batch RTP metrics. */
  onSecond?: () => void;
}

/** Counters of the handle, for the call record. */
export interface CallMediaStats {
  /** Digits delivered that came by SIP INFO. */
  digitsInfo: number;
  /** Digits delivered that came by RFC 4733. */
  digitsRtp: number;
  /** Second copies of a key press (INFO and RFC 4733 both) dropped. */
  digitsDuplicate: number;
  /** Playbacks queued (play, playFile, say). */
  playbacks: number;
  /** Playbacks cut by `stop()` or the call's end. */
  playbacksCut: number;
  /** Times `stop()` cut something. */
  bargeIns: number;
  /** Milliseconds of queued audio played out. */
  playedMs: number;
}

interface Pending {
  settle(completed: boolean): void;
  fail(err: unknown): void;
}

type Loaded = { ok: true; pcm: Int16Array } | { ok: false; err: unknown };

const EMPTY = new Int16Array(0);
const TICKS_PER_SECOND = 50;

/** See the module comment. */
export class CallMediaHandle implements AgentMedia {
  readonly #queue = new PlaybackQueue();
  readonly #dtmf = new Set<DtmfListener>();
  #audio: readonly AudioListener[] = [];
  /** True while our `audio` listener is on the RTP session (see `#listenToRtp`). */
  #hearing = false;
  /** Requests whose audio is still loading (not yet in the queue). */
  readonly #loading = new Set<Pending>();
  /** Requests in the queue, not yet played out. */
  readonly #queued = new Set<Pending>();
  #order: Promise<void> = SETTLED;
  #generation = 0;
  #closed = false;
  #ticks = 0;
  readonly #dedup: DtmfDeduper;
  /** Our listeners on the RTP session, kept to remove them at close. */
  readonly #listeners: { audio: (frame: Int16Array) => void; dtmf: (event: DtmfEvent) => void };
  readonly #stats: CallMediaStats = { digitsInfo: 0, digitsRtp: 0, digitsDuplicate: 0, playbacks: 0, playbacksCut: 0, bargeIns: 0, playedMs: 0 };

  constructor(
    private readonly rtp: RtpSession,
    private readonly options: CallMediaHandleOptions,
  ) {
    this.#dedup = new DtmfDeduper(options.now, options.dtmfDedupMs);
    // Methods, not named arrow functions (class fields included): see the note on keepNames
    // in call.ts's answer step.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the methods below cannot see `this`
    const handle = this;
    // Without a recorder (which needs the PCM), the sender may take frames encoded: a
    // shared prompt is then copied from its one encoding (src/media/encoded-audio.ts).
    rtp.setSource(options.recorder === undefined
      ? { read(dst) { return handle.#read(dst); }, readEncoded(law, dst, at, samples) { return handle.#readEncoded(law, dst, at, samples); } }
      : { read(dst) { return handle.#read(dst); } });
    this.#listeners = {
      audio(frame) { handle.#onAudio(frame); },
      dtmf(event) { handle.pushDigit(event.digit, 'rtp'); },
    };
    // Inbound frames only while someone takes them (a recorder, an agent's listener): with
    // no listener the session plays its jitter buffer out without copying a frame.
    this.#listenToRtp();
    rtp.on('dtmf', this.#listeners.dtmf);
  }

  /** A snapshot of the counters. */
  get stats(): CallMediaStats {
    return { ...this.#stats, digitsDuplicate: this.#dedup.dropped };
  }

  /** Samples queued for playback (loaded, not yet played). */
  get pendingSamples(): number {
    return this.#queue.pendingSamples;
  }

  /** @inheritdoc */
  onDtmf(listener: DtmfListener): () => void {
    this.#dtmf.add(listener);
    return () => void this.#dtmf.delete(listener);
  }

  /** @inheritdoc */
  onAudio(listener: AudioListener): () => void {
    if (this.#closed) return () => {};
    this.#audio = [...this.#audio, listener];
    this.#listenToRtp();
    return () => {
      this.#audio = this.#audio.filter((l) => l !== listener);
      this.#listenToRtp();
    };
  }

  /** Takes the session's inbound frames while the recorder or an agent's listener wants them. */
  #listenToRtp(): void {
    const want = !this.#closed && (this.options.recorder !== undefined || this.#audio.length > 0);
    if (want === this.#hearing) return;
    this.#hearing = want;
    if (want) this.rtp.on('audio', this.#listeners.audio);
    else this.rtp.off('audio', this.#listeners.audio);
  }

  /** @inheritdoc The buffer is kept by reference until played: do not change it meanwhile. */
  play(pcm: Int16Array): Promise<PlaybackResult> {
    return this.#schedule(pcm);
  }

  /** @inheritdoc */
  playFile(path: string): Promise<PlaybackResult> {
    return this.#schedule(() => this.options.prompts.file(path));
  }

  /** @inheritdoc */
  say(text: string): Promise<PlaybackResult> {
    return this.#schedule(() => this.options.prompts.speak(text));
  }

  /** @inheritdoc */
  mark(): Promise<PlaybackResult> {
    if (this.#loading.size === 0 && this.#queue.idle) return Promise.resolve({ completed: !this.#closed });
    // A zero-length buffer in the queue resolves when playback reaches it.
    return this.#schedule(EMPTY, false);
  }

  /** @inheritdoc */
  stop(): void {
    if (this.#cut()) this.#stats.bargeIns++;
  }

  /**
   * A digit from signalling or media; delivered unless it is the other source's copy of
   * a key press already delivered.
   */
  pushDigit(digit: string, source: DigitSource): void {
    if (this.#closed || !this.#dedup.accept(digit, source)) return;
    if (source === 'info') this.#stats.digitsInfo++;
    else this.#stats.digitsRtp++;
    for (const l of [...this.#dtmf]) this.#guard(() => l(digit));
  }

  /** Ends the handle with the call: playback is cut, listeners dropped. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#cut();
    this.#closed = true;
    this.#dtmf.clear();
    this.#audio = [];
    this.#listenToRtp();
    this.rtp.off('dtmf', this.#listeners.dtmf);
    this.rtp.setSource(undefined);
  }

  /** Cuts every loading and queued playback; true when there was one. */
  #cut(): boolean {
    const cut = this.#loading.size > 0 || !this.#queue.idle;
    this.#generation++;
    // Later requests need not wait for the loads of cancelled ones.
    this.#order = SETTLED;
    // Settled here, synchronously, so that the counters are right at once.
    for (const p of [...this.#loading, ...this.#queued]) p.settle(false);
    this.#queue.clear();
    return cut;
  }

  /**
   * Queues `audio` (PCM, or a loader started at once) behind every earlier request;
   * resolves when it played or was cut.
   */
  #schedule(audio: Int16Array | (() => Promise<Int16Array>), count = true): Promise<PlaybackResult> {
    if (this.#closed) return Promise.resolve({ completed: false });
    if (count) this.#stats.playbacks++;
    // Methods, not arrow functions, on the object made per playback: see the note on
    // keepNames in call.ts's answer step (the arrows cost about 250 bytes each, kept for as
    // long as the prompt plays).
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the methods below cannot see `this`
    const handle = this;
    return new Promise<PlaybackResult>((resolve, reject) => {
      let done = false;
      const pending: Pending = {
        settle(completed) {
          if (done) return;
          done = true;
          handle.#loading.delete(pending);
          handle.#queued.delete(pending);
          if (!completed && count) handle.#stats.playbacksCut++;
          resolve({ completed });
        },
        fail(err) {
          if (done) return;
          done = true;
          handle.#loading.delete(pending);
          reject(err);
        },
      };
      if (audio instanceof Int16Array && this.#loading.size === 0) {
        this.#enqueue(audio, pending);
        return;
      }
      // Handle a failed load at once (no unhandled rejection while earlier loads run).
      const load = audio instanceof Int16Array ? Promise.resolve(audio) : audio();
      const loaded: Promise<Loaded> = load.then((pcm) => ({ ok: true, pcm }), (err: unknown) => ({ ok: false, err }));
      const generation = this.#generation;
      this.#loading.add(pending);
      this.#order = this.#order.then(async () => {
        const r = await loaded;
        if (!r.ok) pending.fail(r.err);
        else if (generation !== this.#generation || this.#closed) pending.settle(false);
        else if (this.#loading.delete(pending)) this.#enqueue(r.pcm, pending);
      });
    });
  }

  #enqueue(pcm: Int16Array, pending: Pending): void {
    this.#queued.add(pending);
    void this.#queue.play(pcm).then((completed) => pending.settle(completed));
  }

  /** The session's audio source: one frame of the queue (or silence) per tick. */
  #read(dst: Int16Array): boolean {
    const playing = this.#queue.read(dst);
    if (!playing) dst.fill(0);
    this.options.recorder?.outbound(dst);
    return this.#played(playing);
  }

  /** The same frame encoded (no recorder then): see the constructor. */
  #readEncoded(law: G711Law, dst: Uint8Array, at: number, samples: number): boolean {
    return this.#played(this.#queue.readEncoded(law, dst, at, samples));
  }

  /** A tick's frame was read: counts it, and calls `onSecond` once a second. */
  #played(playing: boolean): boolean {
    if (playing) this.#stats.playedMs += 20;
    // From the first tick on (ticks 0, 50, 100…, not 50, 100…): the branch has run before V8
    // compiles the send path it is inlined into. Taken for the first time only after that
    // compile, it deoptimized that path for every call of the tick (issue #4).
    if (this.#ticks++ % TICKS_PER_SECOND === 0 && this.options.onSecond) this.#guard(this.options.onSecond);
    return playing;
  }

  #onAudio(frame: Int16Array): void {
    this.options.recorder?.inbound(frame);
    const list = this.#audio;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(frame);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}
