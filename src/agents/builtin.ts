/**
 * The built-in agent: plays an optional greeting (a WAV file, spoken text or a tone),
 * waits a configured time or for a DTMF digit, then ends with the outcome configured for
 * that digit (or its default outcome). A digit cuts the greeting (barge-in). Every digit
 * received is reported in the outcome's `data.digits`. It drives the gateway's loop end
 * to end before the flow agent and the WebSocket bridge exist, and is the demo agent's
 * behaviour.
 */
import { generateTone } from '../media/tone.ts';
import type { Agent, AgentContext, AgentMedia, Outcome } from './types.ts';
import { AgentConfigError } from './errors.ts';
import type { CallSignal } from './signal.ts';

/** A tone greeting: one frequency or several summed (e.g. a DTMF pair). */
export interface ToneSpec {
  /** Frequency or frequencies, Hz (each 50–3900). */
  freqHz: number | number[];
  /** Length, ms (1–600000). */
  durationMs: number;
  /** Peak amplitude per frequency, linear 16-bit units. Default 8000 (about −12 dBFS). */
  amplitude?: number;
}

/** What the agent plays first: a WAV file, text spoken by espeak-ng, or a tone. */
export type Greeting = { file: string } | { say: string } | { tone: ToneSpec };

/** Configuration of a built-in agent (the directory's `agent.config` for kind `builtin`). */
export interface BuiltinConfig {
  /** How long to wait for a digit before ending with `outcome`, ms. Default 30000. */
  waitMs: number;
  /** Outcome per digit; a digit not listed is ignored. Default none. */
  digits: Record<string, Outcome>;
  /** Outcome when no listed digit comes within `waitMs`. Default `{ contained: true }`. */
  outcome: Outcome;
  /** Played when the call starts. Default none. */
  greeting?: Greeting;
}

/** Default wait for the built-in agent, ms. */
export const BUILTIN_DEFAULT_WAIT_MS = 30_000;

/** The demo agent's configuration: 1 → billing, 2 → support, 3 → contained. */
export const DEMO_BUILTIN_CONFIG: BuiltinConfig = {
  waitMs: BUILTIN_DEFAULT_WAIT_MS,
  digits: {
    '1': { contained: false, destination: 'billing', data: { handoff_reason: 'billing question' } },
    '2': { contained: false, destination: 'support', data: { handoff_reason: 'support request' } },
    '3': { contained: true, data: { resolved: true } },
  },
  outcome: { contained: true },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Checks one outcome from config. @throws AgentConfigError */
export function parseOutcome(raw: unknown, where: string): Outcome {
  if (!isObject(raw) || typeof raw['contained'] !== 'boolean') {
    throw new AgentConfigError(`outcome needs a boolean "contained" [at:${where}]`);
  }
  const out: Outcome = { contained: raw['contained'] };
  const dest = raw['destination'];
  if (dest !== undefined) {
    if (typeof dest !== 'string' || dest === '') throw new AgentConfigError(`destination must be a non-empty string [at:${where}]`);
    out.destination = dest;
  }
  const data = raw['data'];
  if (data !== undefined) {
    if (!isObject(data)) throw new AgentConfigError(`data must be an object [at:${where}]`);
    out.data = { ...data };
  }
  return out;
}

/**
 * Validates a built-in agent's configuration and applies defaults.
 * @throws AgentConfigError on a wrong shape
 */
export function parseBuiltinConfig(raw: Readonly<Record<string, unknown>>): BuiltinConfig {
  const waitMs = raw['waitMs'] ?? BUILTIN_DEFAULT_WAIT_MS;
  if (typeof waitMs !== 'number' || !Number.isFinite(waitMs) || waitMs < 0) {
    throw new AgentConfigError(`waitMs must be a non-negative number [waitMs:${String(waitMs)}]`);
  }
  const digitsRaw = raw['digits'] ?? {};
  if (!isObject(digitsRaw)) throw new AgentConfigError('digits must map a digit to an outcome');
  const digits: Record<string, Outcome> = {};
  for (const [digit, o] of Object.entries(digitsRaw)) {
    if (!/^[0-9*#A-D]$/.test(digit)) throw new AgentConfigError(`not a DTMF digit [digit:${digit}]`);
    digits[digit] = parseOutcome(o, `digits.${digit}`);
  }
  const outcome = raw['outcome'] === undefined ? { contained: true } : parseOutcome(raw['outcome'], 'outcome');
  const config: BuiltinConfig = { waitMs, digits, outcome };
  if (raw['greeting'] !== undefined) config.greeting = parseGreeting(raw['greeting']);
  return config;
}

function isNumberIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

/** Checks a greeting from config. @throws AgentConfigError */
export function parseGreeting(raw: unknown): Greeting {
  if (isObject(raw) && typeof raw['file'] === 'string' && raw['file'] !== '') return { file: raw['file'] };
  if (isObject(raw) && typeof raw['say'] === 'string' && raw['say'].trim() !== '') return { say: raw['say'] };
  const tone = isObject(raw) ? raw['tone'] : undefined;
  if (isObject(tone)) {
    const freqs = Array.isArray(tone['freqHz']) ? tone['freqHz'] : [tone['freqHz']];
    const amplitude = tone['amplitude'];
    if (freqs.length > 0 && freqs.every((f) => isNumberIn(f, 50, 3900)) && isNumberIn(tone['durationMs'], 1, 600_000)
      && (amplitude === undefined || isNumberIn(amplitude, 0, 32767))) {
      const spec: ToneSpec = { freqHz: freqs as number[], durationMs: tone['durationMs'] };
      if (amplitude !== undefined) spec.amplitude = amplitude as number;
      return { tone: spec };
    }
  }
  throw new AgentConfigError('greeting must be { file: path }, { say: text } or { tone: { freqHz, durationMs, amplitude? } } [at:greeting]');
}

/** Tone greetings rendered once per spec (playback never changes the buffer); a few specs at most. */
const tones = new Map<string, Int16Array>();
const MAX_TONES = 16;

function toneOf(spec: ToneSpec): Int16Array {
  const key = JSON.stringify(spec);
  let pcm = tones.get(key);
  if (pcm === undefined) {
    pcm = generateTone(spec.freqHz, spec.durationMs, { amplitude: spec.amplitude ?? 8000 });
    if (tones.size >= MAX_TONES) tones.clear();
    tones.set(key, pcm);
  }
  return pcm;
}

/** Starts the greeting; resolves with the error code when it could not be played. */
function playGreeting(media: AgentMedia, greeting: Greeting): Promise<string | undefined> {
  let played;
  if ('file' in greeting) played = media.playFile(greeting.file);
  else if ('say' in greeting) played = media.say(greeting.say);
  else played = media.play(toneOf(greeting.tone));
  return played.then(
    () => undefined,
    (err: unknown) => {
      const code = (err as { code?: unknown } | null)?.code;
      return typeof code === 'string' ? code : 'greeting_failed';
    },
  );
}

/** Copies an outcome so that the caller may change it freely. */
function copyOutcome(o: Outcome, extra: Record<string, unknown>): Outcome {
  return { ...o, data: { ...o.data, ...extra } };
}

/**
 * Configurations parsed so far, by the object they were parsed from: an agent is made per
 * call, and the router hands every call the same agent record (its lookup cache) until the
 * directory changes, which makes new objects. A configuration object is never changed in place.
 */
const parsedConfigs = new WeakMap<object, BuiltinConfig>();

/** {@link parseBuiltinConfig}, once per configuration object (a bad one throws every time). */
function parsedConfig(raw: Readonly<Record<string, unknown>>): BuiltinConfig {
  let config = parsedConfigs.get(raw);
  if (config === undefined) {
    config = parseBuiltinConfig(raw);
    parsedConfigs.set(raw, config);
  }
  return config;
}

/** See the module comment. */
export class BuiltinAgent implements Agent {
  readonly config: BuiltinConfig;

  /** @throws AgentConfigError for an invalid configuration */
  constructor(config: Readonly<Record<string, unknown>>) {
    this.config = parsedConfig(config);
  }

  /**
   * Plays the greeting, then waits for a configured digit, the wait time, or the abort,
   * whichever comes first. A digit stops the greeting.
   */
  run(_ctx: AgentContext, media: AgentMedia, signal: CallSignal): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => new BuiltinRun(this.config, media, signal, resolve));
  }
}

/**
 * One run of the built-in agent: one object per call, its own abort listener (through
 * `handleEvent`, no closure) and one timer, all undone by the first way out.
 */
class BuiltinRun {
  readonly #heard: string[] = [];
  #greetingError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #offDtmf: (() => void) | undefined;
  #done = false;

  constructor(
    private readonly config: BuiltinConfig,
    private readonly media: AgentMedia,
    private readonly signal: CallSignal,
    private readonly resolve: (o: Outcome) => void,
  ) {
    if (signal.aborted) {
      this.#finish(config.outcome, { ended_early: true });
      return;
    }
    signal.addEventListener('abort', this, { once: true });
    this.#offDtmf = media.onDtmf((digit) => this.#onDigit(digit));
    if (config.greeting !== undefined) void playGreeting(media, config.greeting).then((code) => { this.#greetingError = code; });
    this.#timer = setTimeout(timedOut, config.waitMs, this);
  }

  /** The call's signal aborted (EventListener object). */
  handleEvent(): void {
    this.#finish(this.config.outcome, { ended_early: true });
  }

  /** The wait is over with no configured digit. */
  timeout(): void {
    this.#finish(this.config.outcome, { timed_out: true });
  }

  #onDigit(digit: string): void {
    const heard = this.#heard;
    heard.push(digit);
    if (heard.length === 1 && this.config.greeting !== undefined) this.media.stop();
    const chosen = this.config.digits[digit];
    if (chosen) this.#finish(chosen, { digit });
  }

  #finish(o: Outcome, extra: Record<string, unknown>): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#offDtmf?.();
    this.signal.removeEventListener('abort', this);
    if (this.#heard.length > 0) extra['digits'] = this.#heard.join('');
    if (this.#greetingError !== undefined) extra['greeting_error'] = this.#greetingError;
    this.resolve(copyOutcome(o, extra));
  }
}

function timedOut(run: BuiltinRun): void {
  run.timeout();
}
