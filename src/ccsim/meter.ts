/**
 * Did the caller hear anything? Measures each received 20 ms frame: its energy (audio
 * above a threshold) and, when asked, the Goertzel power of one frequency (a tone the
 * agent is expected to play). Pure: frames in, a report out.
 */
import { frameEnergy, goertzelPower } from '../media/index.ts';

/** Options of {@link AudioMeter}. */
export interface AudioMeterOptions {
  /** A frame counts as audio above this level, dBFS. Default −45. */
  thresholdDbfs?: number;
  /** Audio must total at least this long to count as heard, ms. Default 60. */
  minActiveMs?: number;
  /** Frequency to look for, Hz. */
  detectHz?: number;
  /** Frame length, ms. Default 20. */
  frameMs?: number;
}

/** What the meter found. */
export interface AudioMeterReport {
  heard: boolean;
  /** Time with audio above the threshold, ms. */
  activeMs: number;
  /** Loudest frame, dBFS (−100 for digital silence). */
  peakDbfs: number;
  /** The Goertzel check, when `detectHz` was set. */
  tone?: { hz: number; heard: boolean; activeMs: number };
}

/** Full scale of PCM16, squared. */
const FULL_SCALE_SQ = 32768 * 32768;

/** Floor of reported levels, dBFS (digital silence). */
export const SILENCE_DBFS = -100;

/** Level of a mean square, dBFS, to 0.1 dB; {@link SILENCE_DBFS} at most. */
export function dbfs(meanSquare: number): number {
  if (meanSquare <= 0) return SILENCE_DBFS;
  return Math.max(SILENCE_DBFS, Math.round(100 * Math.log10(meanSquare / FULL_SCALE_SQ)) / 10);
}

/** Counts frames with audio (and with the tone) as they arrive. */
export class AudioMeter {
  private readonly threshold: number;
  private readonly minActiveMs: number;
  private readonly detectHz: number | undefined;
  private readonly frameMs: number;
  private activeFrames = 0;
  private toneFrames = 0;
  private peak = 0;

  constructor(options: AudioMeterOptions = {}) {
    this.threshold = FULL_SCALE_SQ * 10 ** ((options.thresholdDbfs ?? -45) / 10);
    this.minActiveMs = options.minActiveMs ?? 60;
    this.detectHz = options.detectHz;
    this.frameMs = options.frameMs ?? 20;
  }

  /** Measures one frame (not kept). */
  push(frame: Int16Array): void {
    const energy = frameEnergy(frame);
    if (energy > this.peak) this.peak = energy;
    if (energy < this.threshold) return;
    this.activeFrames++;
    if (this.detectHz === undefined) return;
    // A pure sine of peak A has mean square A²/2 and Goertzel power about A²: the tone
    // holds most of the frame when power / (2 × energy) is near 1.
    if (goertzelPower(frame, this.detectHz) / (2 * energy) > 0.5) this.toneFrames++;
  }

  /** The findings so far. */
  get report(): AudioMeterReport {
    const activeMs = this.activeFrames * this.frameMs;
    const out: AudioMeterReport = { heard: activeMs >= this.minActiveMs, activeMs, peakDbfs: dbfs(this.peak) };
    if (this.detectHz !== undefined) {
      const toneMs = this.toneFrames * this.frameMs;
      out.tone = { hz: this.detectHz, heard: toneMs >= this.minActiveMs, activeMs: toneMs };
    }
    return out;
  }
}
