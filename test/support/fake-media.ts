/**
 * Fakes for agent tests: {@link FakeMedia}, an in-memory `AgentMedia` that records what the
 * agent played, said, marked and stopped and lets the test press digits and push audio;
 * and {@link FakeTimers}, `ClockTimers` that move only when the test advances them.
 *
 * Playback model (the contract of `AgentMedia`): playbacks and marks form one FIFO queue.
 * With `autoComplete` (the default) every playback resolves `completed: true` at once; with
 * `autoComplete: false` they stay queued until `completeNext()`/`completeAll()`, and
 * `stop()` resolves every queued one with `completed: false`. A mark resolves when all
 * the playbacks queued before it have resolved.
 */
import type { AgentMedia, AudioListener, DtmfListener, PlaybackResult } from '../../src/agents/types.ts';
import type { ClockTimers } from '../../src/media/clock.ts';

/** One thing the agent asked the media to do, in order. */
export type MediaEvent =
  | { kind: 'play'; pcm: Int16Array }
  | { kind: 'playFile'; path: string }
  | { kind: 'say'; text: string }
  | { kind: 'mark' }
  | { kind: 'stop' };

/** A queued playback or mark, with how it ends. */
interface Pending {
  event: MediaEvent;
  resolve: (r: PlaybackResult) => void;
}

/** Options of {@link FakeMedia}. */
export interface FakeMediaOptions {
  /** Resolve playbacks `completed: true` at once (default true). */
  autoComplete?: boolean;
  /** When set, `say()` rejects with this error (e.g. espeak-ng missing). Default none. */
  sayError?: Error;
}

/** An `AgentMedia` for tests; see the module comment. */
export class FakeMedia implements AgentMedia {
  /** Everything the agent asked for, in order (plays, files, says, marks, stops). */
  readonly events: MediaEvent[] = [];
  /** Number of `stop()` calls. */
  stops = 0;
  autoComplete: boolean;
  private readonly sayError: Error | undefined;
  private readonly dtmf = new Set<DtmfListener>();
  private readonly audio = new Set<AudioListener>();
  private queue: Pending[] = [];
  private readonly audioWaiters: Array<() => void> = [];
  private watchers: Array<{ match: (e: MediaEvent) => boolean; resolve: (e: MediaEvent) => void }> = [];

  constructor(options: FakeMediaOptions = {}) {
    this.autoComplete = options.autoComplete ?? true;
    this.sayError = options.sayError;
  }

  onDtmf(listener: DtmfListener): () => void {
    this.dtmf.add(listener);
    return () => { this.dtmf.delete(listener); };
  }

  onAudio(listener: AudioListener): () => void {
    this.audio.add(listener);
    for (const w of this.audioWaiters.splice(0)) w();
    return () => { this.audio.delete(listener); };
  }

  play(pcm: Int16Array): Promise<PlaybackResult> {
    return this.enqueue({ kind: 'play', pcm: pcm.slice() });
  }

  playFile(path: string): Promise<PlaybackResult> {
    return this.enqueue({ kind: 'playFile', path });
  }

  say(text: string): Promise<PlaybackResult> {
    if (this.sayError) {
      this.record({ kind: 'say', text });
      return Promise.reject(this.sayError);
    }
    return this.enqueue({ kind: 'say', text });
  }

  mark(): Promise<PlaybackResult> {
    const event: MediaEvent = { kind: 'mark' };
    this.record(event);
    if (this.queue.length === 0) return Promise.resolve({ completed: true });
    return new Promise((resolve) => this.queue.push({ event, resolve }));
  }

  stop(): void {
    this.stops++;
    this.record({ kind: 'stop' });
    for (const p of this.queue.splice(0)) p.resolve({ completed: false });
  }

  /**
   * Resolves with the first event (already recorded or still to come) that matches, e.g.
   * `await media.waitFor((e) => e.kind === 'stop')`: lets socket tests wait without timers.
   */
  waitFor(match: (e: MediaEvent) => boolean): Promise<MediaEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.watchers.push({ match, resolve }));
  }

  /** Resolves once the agent listens to inbound audio (e.g. after its bot connected). */
  audioListened(): Promise<void> {
    if (this.audio.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.audioWaiters.push(resolve));
  }

  /** Presses a DTMF digit: every listener gets it. */
  press(digit: string): void {
    for (const l of [...this.dtmf]) l(digit);
  }

  /** Pushes one inbound audio frame (160 samples) to every audio listener. */
  pushAudio(frame: Int16Array): void {
    for (const l of [...this.audio]) l(frame);
  }

  /** Completes the oldest queued playback (`completed: true`), and the marks right behind it. */
  completeNext(): boolean {
    const head = this.queue.shift();
    head?.resolve({ completed: true });
    this.releaseMarks();
    return head !== undefined;
  }

  /** Completes every queued playback and mark. */
  completeAll(): void {
    while (this.completeNext()) { /* drain */ }
  }

  /** Playbacks and marks not yet resolved. */
  get pending(): number {
    return this.queue.length;
  }

  /** Number of DTMF and audio listeners (0 after an agent cleaned up). */
  get listeners(): { dtmf: number; audio: number } {
    return { dtmf: this.dtmf.size, audio: this.audio.size };
  }

  /** Texts passed to `say()`, in order. */
  get said(): string[] {
    return this.events.flatMap((e) => (e.kind === 'say' ? [e.text] : []));
  }

  /** PCM buffers passed to `play()`, in order (copies). */
  get played(): Int16Array[] {
    return this.events.flatMap((e) => (e.kind === 'play' ? [e.pcm] : []));
  }

  /** Paths passed to `playFile()`, in order. */
  get files(): string[] {
    return this.events.flatMap((e) => (e.kind === 'playFile' ? [e.path] : []));
  }

  private record(event: MediaEvent): void {
    this.events.push(event);
    const hit = this.watchers.filter((w) => w.match(event));
    this.watchers = this.watchers.filter((w) => !hit.includes(w));
    for (const w of hit) w.resolve(event);
  }

  private enqueue(event: MediaEvent): Promise<PlaybackResult> {
    this.record(event);
    if (this.autoComplete) return Promise.resolve({ completed: true });
    return new Promise((resolve) => this.queue.push({ event, resolve }));
  }

  /** Marks at the head of the queue have nothing before them left to wait for. */
  private releaseMarks(): void {
    while (this.queue[0]?.event.kind === 'mark') this.queue.shift()?.resolve({ completed: true });
  }
}

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets pending promise callbacks and I/O callbacks run (one macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * `ClockTimers` driven by the test: `now()` moves only with `advance()`, which fires due
 * timers in time order and lets the agent's promise chains run between them.
 */
export class FakeTimers implements ClockTimers {
  private time = 0;
  private seq = 0;
  private timers = new Map<number, Timer>();

  now(): number {
    return this.time;
  }

  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers still scheduled. */
  get scheduled(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and flushing after each. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flush();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.delete(next.seq);
      this.time = next.at;
      next.fn();
      await flush();
    }
    this.time = target;
    await flush();
  }

  private nextDue(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) {
      if (t.at > target) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
