/**
 * Sample-rate conversion between arbitrary rates, for audio that does not come at 8 or
 * 16 kHz (espeak-ng writes 22 050 Hz; prompts may be 11 025, 44 100 or 48 000 Hz). A
 * one-shot band-limited interpolator: each output sample is a Blackman-windowed sinc sum
 * of the input around its position (8 zero crossings each side), with the cutoff below
 * the lower Nyquist rate, so downsampling does not alias. It allocates its output and is
 * meant for prompts rendered once and cached, not for the per-packet path (`resample.ts`
 * holds the streaming 2:1 converters for that).
 */
import { resample16kTo8k } from './resample.ts';

/** Zero crossings of the sinc kept on each side of the output position. */
const ZERO_CROSSINGS = 8;
/** Cutoff as a share of the lower Nyquist rate (a transition band before it). */
const CUTOFF_SHARE = 0.9;

function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/** Blackman window at `x` in [-1, 1] (0 outside). */
function blackman(x: number): number {
  if (x <= -1 || x >= 1) return 0;
  const t = Math.PI * (x + 1); // 0..2π over the window
  return 0.42 - 0.5 * Math.cos(t) + 0.08 * Math.cos(2 * t);
}

/**
 * Converts mono PCM from one rate to another.
 * @param pcm input samples at `fromHz`
 * @param fromHz input rate, Hz (positive integer)
 * @param toHz output rate, Hz (positive integer)
 * @returns `round(pcm.length × toHz / fromHz)` samples; the input itself when the rates are equal
 * @throws RangeError for a rate that is not a positive integer
 */
export function resampleRate(pcm: Int16Array, fromHz: number, toHz: number): Int16Array {
  for (const r of [fromHz, toHz]) {
    if (!Number.isInteger(r) || r <= 0) throw new RangeError(`sample rate must be a positive integer [rate:${r}]`);
  }
  if (fromHz === toHz) return pcm;
  if (fromHz === 16000 && toHz === 8000) return resample16kTo8k(pcm);
  const outLength = Math.round((pcm.length * toHz) / fromHz);
  const out = new Int16Array(outLength);
  // Cutoff in cycles per input sample, below both Nyquist rates.
  const fc = (CUTOFF_SHARE * 0.5 * Math.min(fromHz, toHz)) / fromHz;
  const half = Math.ceil(ZERO_CROSSINGS / (2 * fc)); // window half-width, input samples
  const step = fromHz / toHz;
  for (let n = 0; n < outLength; n++) {
    const t = n * step;
    const centre = Math.floor(t);
    let acc = 0;
    let weights = 0;
    for (let k = centre - half + 1; k <= centre + half; k++) {
      const d = t - k;
      const sinc = d === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * d) / (Math.PI * d);
      const w = sinc * blackman(d / half);
      weights += w;
      if (k >= 0 && k < pcm.length) acc += w * pcm[k]!;
    }
    // Normalizing by the weights keeps unity gain at DC for every fractional position.
    out[n] = clamp16(weights === 0 ? 0 : acc / weights);
  }
  return out;
}

/**
 * Converts mono PCM at any rate to 8 kHz, the rate of G.711.
 * @param fromHz input rate, Hz
 */
export function resampleTo8k(pcm: Int16Array, fromHz: number): Int16Array {
  return resampleRate(pcm, fromHz, 8000);
}
