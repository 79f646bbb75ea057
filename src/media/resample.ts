/**
 * 2:1 sample-rate conversion between 16 kHz (wideband prompts, bots) and 8 kHz (G.711):
 * a 49-tap Hamming-windowed sinc low-pass (cutoff 3.6 kHz at 16 kHz, about 50 dB of
 * stop-band rejection from 4.2 kHz) before decimation, and after zero-stuffing for
 * interpolation. Streaming classes keep their filter state across frames; the one-shot
 * functions compensate the filter delay so that output lines up with input.
 */

/** Filter length; 4k+1 taps make the delay (24 samples at 16 kHz) whole at both rates. */
const TAPS = 49;
/** Group delay of the filter at 16 kHz, samples. */
const DELAY_16K = (TAPS - 1) / 2;
const CUTOFF_HZ = 3600;
const RATE_16K = 16000;

function designLowPass(): Float64Array {
  const h = new Float64Array(TAPS);
  const fc = CUTOFF_HZ / RATE_16K; // cycles per sample
  let sum = 0;
  for (let n = 0; n < TAPS; n++) {
    const m = n - DELAY_16K;
    const sinc = m === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * m) / (Math.PI * m);
    const window = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (TAPS - 1));
    h[n] = sinc * window;
    sum += h[n]!;
  }
  for (let n = 0; n < TAPS; n++) h[n] = h[n]! / sum; // unity gain at DC
  return h;
}

/** The shared low-pass coefficients at 16 kHz. */
const LOW_PASS = designLowPass();

/** A FIR delay line at 16 kHz (circular, doubled so the dot product never wraps). */
class DelayLine {
  private readonly line = new Float64Array(2 * TAPS);
  private pos = 0;

  push(x: number): void {
    this.pos = this.pos === 0 ? TAPS - 1 : this.pos - 1;
    this.line[this.pos] = x;
    this.line[this.pos + TAPS] = x;
  }

  /** Σ h[k] · x[n − k] with the newest sample at k = 0. */
  filter(): number {
    let acc = 0;
    for (let k = 0; k < TAPS; k++) acc += LOW_PASS[k]! * this.line[this.pos + k]!;
    return acc;
  }

  clear(): void {
    this.line.fill(0);
    this.pos = 0;
  }
}

function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/** Streaming 16 kHz → 8 kHz converter. */
export class Downsampler16to8 {
  private readonly line = new DelayLine();
  private odd = false;

  /**
   * Converts a chunk; odd-length chunks are fine (the phase carries over).
   * @param src 16 kHz samples
   * @param dst 8 kHz output, at least `ceil(src.length / 2)` long
   * @returns samples written to `dst`
   */
  process(src: Int16Array, dst: Int16Array): number {
    let out = 0;
    for (let i = 0; i < src.length; i++) {
      this.line.push(src[i]!);
      if (!this.odd && out < dst.length) dst[out++] = clamp16(this.line.filter());
      this.odd = !this.odd;
    }
    return out;
  }

  /** Forgets the filter state. */
  reset(): void {
    this.line.clear();
    this.odd = false;
  }
}

/** Streaming 8 kHz → 16 kHz converter. */
export class Upsampler8to16 {
  private readonly line = new DelayLine();

  /**
   * Converts a chunk.
   * @param src 8 kHz samples
   * @param dst 16 kHz output, at least `2 × src.length` long
   * @returns samples written to `dst`
   */
  process(src: Int16Array, dst: Int16Array): number {
    const n = Math.min(src.length, Math.floor(dst.length / 2));
    for (let i = 0; i < n; i++) {
      // Zero-stuffing halves the energy per sample: a gain of 2 restores the level.
      this.line.push(2 * src[i]!);
      dst[2 * i] = clamp16(this.line.filter());
      this.line.push(0);
      dst[2 * i + 1] = clamp16(this.line.filter());
    }
    return 2 * n;
  }

  /** Forgets the filter state. */
  reset(): void {
    this.line.clear();
  }
}

/**
 * Converts a whole 16 kHz buffer to 8 kHz, delay-compensated.
 * @returns `ceil(pcm.length / 2)` samples
 */
export function resample16kTo8k(pcm: Int16Array): Int16Array {
  const padded = new Int16Array(pcm.length + DELAY_16K);
  padded.set(pcm);
  const tmp = new Int16Array(Math.ceil(padded.length / 2));
  new Downsampler16to8().process(padded, tmp);
  return tmp.slice(DELAY_16K / 2, DELAY_16K / 2 + Math.ceil(pcm.length / 2));
}

/**
 * Converts a whole 8 kHz buffer to 16 kHz, delay-compensated.
 * @returns `2 × pcm.length` samples
 */
export function resample8kTo16k(pcm: Int16Array): Int16Array {
  const padded = new Int16Array(pcm.length + DELAY_16K / 2);
  padded.set(pcm);
  const tmp = new Int16Array(2 * padded.length);
  new Upsampler8to16().process(padded, tmp);
  return tmp.slice(DELAY_16K, DELAY_16K + 2 * pcm.length);
}
