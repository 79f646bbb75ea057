/**
 * Tones: a phase-continuous sine (or dual-tone) generator writing into caller frames, the
 * Goertzel single-bin detector, and DTMF (ITU-T Q.23) tone generation and detection.
 * Tests use the detector to prove that audio crossed a path.
 */

/** Options of tone generation. */
export interface ToneOptions {
  /** Sample rate, Hz (default 8000). */
  sampleRate?: number;
  /** Peak amplitude per frequency, linear 16-bit units (default 8000, about −12 dBFS). */
  amplitude?: number;
}

/** Sums one or more sines into frames, keeping phase from one frame to the next. */
export class ToneGenerator {
  private readonly steps: Float64Array;
  private readonly phases: Float64Array;
  private readonly amplitude: number;

  /**
   * @param freqsHz one frequency, or several summed (e.g. the two of a DTMF digit)
   */
  constructor(freqsHz: number | readonly number[], options: ToneOptions = {}) {
    const freqs = typeof freqsHz === 'number' ? [freqsHz] : freqsHz;
    const sampleRate = options.sampleRate ?? 8000;
    this.steps = Float64Array.from(freqs, (f) => (2 * Math.PI * f) / sampleRate);
    this.phases = new Float64Array(freqs.length);
    this.amplitude = options.amplitude ?? 8000;
  }

  /**
   * Writes the next samples.
   * @param dst destination frame
   * @param length samples to write (default the whole frame)
   */
  fill(dst: Int16Array, length = dst.length): void {
    const n = Math.min(length, dst.length);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = 0; k < this.steps.length; k++) {
        v += Math.sin(this.phases[k]!);
        this.phases[k] = (this.phases[k]! + this.steps[k]!) % (2 * Math.PI);
      }
      const s = Math.round(v * this.amplitude);
      dst[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
  }
}

/**
 * A tone of a given duration, as one buffer.
 * @param freqsHz one frequency or several summed
 * @param durationMs length, ms
 */
export function generateTone(freqsHz: number | readonly number[], durationMs: number, options: ToneOptions = {}): Int16Array {
  const out = new Int16Array(Math.round(((options.sampleRate ?? 8000) * durationMs) / 1000));
  new ToneGenerator(freqsHz, options).fill(out);
  return out;
}

/**
 * Goertzel power of one frequency in a frame, normalized so that a sine of peak amplitude
 * A centred on the bin gives about A².
 * @param frame samples
 * @param freqHz frequency to measure
 * @param sampleRate Hz (default 8000)
 * @param length samples to use (default the whole frame)
 */
export function goertzelPower(frame: Int16Array, freqHz: number, sampleRate = 8000, length = frame.length): number {
  const n = Math.min(length, frame.length);
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = frame[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const raw = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (4 * raw) / (n * n);
}

/** Mean square of a frame (linear 16-bit units squared). */
export function frameEnergy(frame: Int16Array, length = frame.length): number {
  const n = Math.min(length, frame.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += frame[i]! * frame[i]!;
  return n === 0 ? 0 : sum / n;
}

/** The strongest of a set of frequencies in a frame. */
export interface DominantTone {
  /** The winning frequency, Hz. */
  freqHz: number;
  /** Its Goertzel power (≈ A² for a sine of peak A). */
  power: number;
  /** Share of the frame's energy at that frequency, 0–1 (≈1 for a pure tone). */
  share: number;
}

/**
 * Finds which of `freqsHz` dominates a frame.
 * @returns the strongest frequency, or undefined for a silent frame or an empty set
 */
export function dominantFrequency(frame: Int16Array, freqsHz: readonly number[], sampleRate = 8000): DominantTone | undefined {
  const energy = frameEnergy(frame);
  if (energy === 0) return undefined;
  let best: DominantTone | undefined;
  for (const freqHz of freqsHz) {
    const power = goertzelPower(frame, freqHz, sampleRate);
    if (best === undefined || power > best.power) best = { freqHz, power, share: Math.min(1, power / (2 * energy)) };
  }
  return best;
}

/** DTMF row (low) frequencies, Hz (ITU-T Q.23). */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const;
/** DTMF column (high) frequencies, Hz (ITU-T Q.23). */
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const;
const DTMF_KEYPAD = ['123A', '456B', '789C', '*0#D'];

/**
 * The two frequencies of a DTMF digit.
 * @returns `[low, high]` in Hz, or undefined for a character that is not a digit
 */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const d = digit.toUpperCase();
  for (let row = 0; row < 4; row++) {
    const col = DTMF_KEYPAD[row]!.indexOf(d);
    if (col >= 0 && d.length === 1) return [DTMF_LOW_HZ[row]!, DTMF_HIGH_HZ[col]!];
  }
  return undefined;
}

/**
 * A DTMF digit as audio (both tones at `amplitude` each).
 * @returns the samples, or undefined for an invalid digit
 */
export function generateDtmfTone(digit: string, durationMs: number, options: ToneOptions = {}): Int16Array | undefined {
  const freqs = dtmfFrequencies(digit);
  return freqs === undefined ? undefined : generateTone(freqs, durationMs, { amplitude: 6000, ...options });
}

function strongest(frame: Int16Array, freqs: readonly number[], sampleRate: number): [number, number] {
  let index = 0;
  let power = -1;
  freqs.forEach((f, i) => {
    const p = goertzelPower(frame, f, sampleRate);
    if (p > power) [index, power] = [i, p];
  });
  return [index, power];
}

/**
 * Detects a DTMF digit in a frame (≥ 20 ms advised): the strongest row and column tones
 * must together hold most of the frame's energy.
 * @returns the digit, or undefined when the frame is not a clean DTMF tone
 */
export function detectDtmfTone(frame: Int16Array, sampleRate = 8000): string | undefined {
  const energy = frameEnergy(frame);
  if (energy < 1000) return undefined; // about −45 dBFS: silence or noise
  const [row, lowPower] = strongest(frame, DTMF_LOW_HZ, sampleRate);
  const [col, highPower] = strongest(frame, DTMF_HIGH_HZ, sampleRate);
  if ((lowPower + highPower) / (2 * energy) < 0.6) return undefined;
  return DTMF_KEYPAD[row]![col];
}
