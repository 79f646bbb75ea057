/**
 * The agent of the media bench (bench/media-gateway.ts), as issue #4's target names it: a
 * flow agent playing prompts (`flow`, the default), or the earlier built-in agent playing a
 * 1 kHz tone (`tone`).
 *
 * The flow plays two WAV prompts in turn for as long as the call lasts: step `welcome`
 * (8 kHz PCM16) goes on to `menu` (8 kHz µ-law), whose `next` is `welcome` again. The flow
 * engine allows such a loop; its guard is `maxSteps` (at most 10 000 step visits, about
 * 7 hours of these prompts), after which the agent would fail the call. Barge-in is off:
 * the generator sends no DTMF, and none should cut a prompt short.
 *
 * The prompts are generated into the bench's scratch directory at start (never
 * downloaded): a speech-like signal of syllables (a voiced harmonic series shaped by one
 * formant, or a noise burst, under a raised-cosine envelope) separated by pauses, so that
 * the G.711 encoder sees speech-like levels and silences rather than a steady tone.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeUlaw } from '../src/media/g711.ts';
import { encodeWav, WAV_HEADER_SIZE, writeWavHeader } from '../src/media/wav.ts';
import type { JsonObject, NewAgent } from '../src/store/types.ts';

/** The agents the media bench can run. */
export const MEDIA_AGENTS = ['flow', 'tone'] as const;
/** One of {@link MEDIA_AGENTS}. */
export type MediaAgentKind = (typeof MEDIA_AGENTS)[number];

/** The bench agent's extension (the generator dials it). */
export const MEDIA_AGENT_EXTENSION = '7020';

/** A prompt file of the flow. */
export interface PromptSpec {
  /** File name inside the bench's directory. */
  file: string;
  /** Sample encoding in the WAV. */
  encoding: 'pcm16' | 'ulaw';
  /** Length, ms. */
  durationMs: number;
  /** Seed of the signal (each prompt sounds different). */
  seed: number;
}

/** The flow's prompts, in the order it plays them. */
export const PROMPTS: readonly PromptSpec[] = [
  { file: 'welcome.wav', encoding: 'pcm16', durationMs: 3200, seed: 1 },
  { file: 'menu.wav', encoding: 'ulaw', durationMs: 2400, seed: 2 },
];

/** Most step visits of the flow (the engine's loop guard; its maximum). */
const MAX_STEPS = 10_000;

/** Checks a command-line value. */
export function parseMediaAgent(value: string): MediaAgentKind {
  const kind = MEDIA_AGENTS.find((k) => k === value);
  if (kind === undefined) throw new Error(`unknown media bench agent [agent:${value}] (known: ${MEDIA_AGENTS.join(', ')})`);
  return kind;
}

/** Deterministic uniform [0, 1) numbers (mulberry32): the same prompts on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Peak amplitude of a syllable, linear 16-bit units (about −12 dBFS, as the tone agent's). */
const PEAK = 8000;

/** One voiced syllable into `out` from `at`: harmonics of f0 weighted by one formant. */
function voiced(out: Int16Array, at: number, length: number, f0: number, formantHz: number): void {
  const harmonics: Array<[number, number]> = [];
  for (let h = 1; h * f0 < 3400; h++) harmonics.push([(2 * Math.PI * h * f0) / 8000, 1 / (1 + ((h * f0 - formantHz) / 300) ** 2)]);
  const total = harmonics.reduce((sum, [, w]) => sum + w, 0);
  for (let k = 0; k < length && at + k < out.length; k++) {
    let v = 0;
    for (const [step, w] of harmonics) v += w * Math.sin(step * k);
    out[at + k] = Math.round((PEAK * v * Math.sin((Math.PI * k) / length) ** 2) / total);
  }
}

/** One unvoiced syllable (a fricative-like noise burst) into `out` from `at`. */
function unvoiced(out: Int16Array, at: number, length: number, rand: () => number): void {
  for (let k = 0; k < length && at + k < out.length; k++) {
    out[at + k] = Math.round(0.4 * PEAK * (2 * rand() - 1) * Math.sin((Math.PI * k) / length) ** 2);
  }
}

/**
 * A speech-like signal at 8 kHz: syllables of 120–300 ms (three in four voiced, f0
 * 100–220 Hz, formant 400–2000 Hz; the rest noise bursts) with pauses of 40–200 ms.
 * @param durationMs length, ms
 * @param seed the same seed gives the same samples
 */
export function speechLike(durationMs: number, seed: number): Int16Array {
  const out = new Int16Array(Math.round(durationMs * 8));
  const rand = random(seed);
  let at = Math.round(rand() * 400); // a short lead-in of silence
  while (at < out.length) {
    const length = Math.round((120 + rand() * 180) * 8);
    if (rand() < 0.75) voiced(out, at, length, 100 + rand() * 120, 400 + rand() * 1600);
    else unvoiced(out, at, length, rand);
    at += length + Math.round((40 + rand() * 160) * 8);
  }
  return out;
}

/** WAVE_FORMAT_MULAW (RFC 2361). */
const FORMAT_MULAW = 7;

/**
 * Encodes PCM16 as an 8 kHz µ-law WAV file (the project writes only PCM16 WAVs: src/media/wav.ts):
 * the canonical 44-byte header with the µ-law format tag, 8 bits a sample, one byte a frame.
 */
export function encodeUlawWav(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_SIZE + pcm.length);
  writeWavHeader(out, pcm.length);
  const view = new DataView(out.buffer, out.byteOffset, WAV_HEADER_SIZE);
  view.setUint16(20, FORMAT_MULAW, true);
  view.setUint32(28, 8000, true); // byte rate
  view.setUint16(32, 1, true); // block align
  view.setUint16(34, 8, true); // bits per sample
  encodeUlaw(pcm, out.subarray(WAV_HEADER_SIZE));
  return out;
}

/** Writes the flow's prompts into `dir`; returns their specs. */
export function writePrompts(dir: string): readonly PromptSpec[] {
  for (const p of PROMPTS) {
    const pcm = speechLike(p.durationMs, p.seed);
    writeFileSync(join(dir, p.file), p.encoding === 'pcm16' ? encodeWav(pcm) : encodeUlawWav(pcm));
  }
  return PROMPTS;
}

/** Step names of the flow, one per prompt. */
const STEP_NAMES = ['welcome', 'menu'] as const;

/**
 * The bench flow (as written in YAML): each step plays its prompt from `dir`, the last one
 * goes back to the first. See the module comment.
 */
export function promptLoopFlow(dir: string): JsonObject {
  const steps: JsonObject = {};
  PROMPTS.forEach((p, i) => {
    steps[STEP_NAMES[i]!] = { play: join(dir, p.file), next: STEP_NAMES[(i + 1) % PROMPTS.length]!, bargeIn: false };
  });
  return { start: STEP_NAMES[0], maxSteps: MAX_STEPS, steps };
}

/**
 * The bench agent for the gateway, in the demo tenant.
 * @param dir the bench's directory, holding the prompts for `flow` ({@link writePrompts})
 * @throws Error when a prompt is missing (the flow would skip every prompt and spin to its step limit)
 */
export function mediaBenchAgent(kind: MediaAgentKind, dir: string): Omit<NewAgent, 'tenantId'> {
  const base = { slug: 'media-bench', name: 'Media bench', extension: MEDIA_AGENT_EXTENSION, destinations: ['billing'], maxConcurrentCalls: 100_000 };
  if (kind === 'tone') return { ...base, kind: 'builtin', config: { waitMs: 600_000, greeting: { tone: { freqHz: 1000, durationMs: 15_000 } } } };
  const missing = PROMPTS.filter((p) => !existsSync(join(dir, p.file)));
  if (missing.length > 0) throw new Error(`media bench prompts missing [dir:${dir}, files:${missing.map((p) => p.file).join(',')}]`);
  return { ...base, kind: 'flow', config: { flow: promptLoopFlow(dir) } };
}

/** What the agent does, for the bench's output and docs/benchmarks.md. */
export function describeAgent(kind: MediaAgentKind): string {
  if (kind === 'tone') return 'built-in agent playing a 1 kHz tone for 15 s, then silence (`--agent tone`)';
  const prompts = PROMPTS.map((p) => `${p.file}: ${(p.durationMs / 1000).toFixed(1)} s, 8 kHz ${p.encoding === 'pcm16' ? 'PCM16' : 'µ-law'}`).join('; ');
  return `flow agent playing prompts: two speech-like WAV prompts in a loop for the whole call (${prompts}; bench/media-agent.ts)`;
}
