/**
 * The jitter buffer's sizes, derived from its options and checked: how many slots, how many
 * samples a frame, the playout delay and its bound (src/media/jitter.ts).
 */
import { MediaError } from './errors.ts';
import type { JitterBufferOptions } from './jitter-types.ts';

/** Sizes in samples (and the ring's slots) of a {@link JitterBufferOptions}. */
export interface JitterGeometry {
  /** Slots in the ring (a power of two). */
  capacity: number;
  clockRate: number;
  /** Largest payload a slot holds, samples. */
  maxPayload: number;
  delayMs: number;
  frameSamples: number;
  delaySamples: number;
  maxDelaySamples: number;
}

/** Sizes in samples derived from the options, checked. */
export function jitterGeometry(options: JitterBufferOptions): JitterGeometry {
  const capacity = options.capacity ?? 32;
  const clockRate = options.clockRate ?? 8000;
  const delayMs = options.delayMs ?? 40;
  const samplesOf = (ms: number): number => Math.round((ms * clockRate) / 1000);
  const frameSamples = samplesOf(options.frameMs ?? 20);
  const delaySamples = Math.max(frameSamples, samplesOf(delayMs));
  const maxDelaySamples = Math.max(delaySamples + frameSamples, samplesOf(options.maxDelayMs ?? 200));
  const maxFrames = Math.ceil(maxDelaySamples / frameSamples);
  if ((capacity & (capacity - 1)) !== 0 || capacity <= maxFrames || capacity > 4096) {
    throw new MediaError('media_invalid_argument', `jitter capacity must be a power of two above ${maxFrames} [capacity:${capacity}]`);
  }
  return { capacity, clockRate, maxPayload: options.maxPayload ?? 512, delayMs, frameSamples, delaySamples, maxDelaySamples };
}
