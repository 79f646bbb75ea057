/**
 * One settled promise for everything that must hand out "already done" (a call's recording
 * when there is none, a write chain's start, the end of an empty playback queue): a
 * `Promise.resolve()` each was five promises a call made and collected for nothing
 * (bench/cps.ts --async-count-out). A settled promise never changes: sharing it is safe.
 */
export const SETTLED: Promise<void> = Promise.resolve();
