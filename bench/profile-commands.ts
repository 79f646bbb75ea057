/**
 * The profiling commands of the cps bench's processes (bench/cps-gateway.ts and
 * bench/cps-baseline.ts), each answered `{"ok":true}` on stdout:
 * - `prof-start` / `prof-stop <file>`: a CPU profile (inspector) of the steady state only;
 * - `heap-start [old]` / `heap-stop <file>`: a sampling heap profile (`HeapProfiler.startSampling`,
 *   one sample per 8 KiB allocated on average). Objects already collected stay in
 *   (`includeObjectsCollectedByMajorGC`/`MinorGC`), so it counts every byte allocated over the
 *   step, not just what survived it. With `old`, objects that a scavenge collected drop out:
 *   what is left survived every scavenge, i.e. was promoted (or is still live), and is found by
 *   its allocation stack (the bytes behind the scavenger's promotion rate);
 * - `heap-snapshot <file>`: a heap snapshot (`v8.writeHeapSnapshot`), e.g. a second after the
 *   load stopped, to find what still holds ended calls;
 * - `async-start` / `async-stop <file>`: the asynchronous resources created in between, by type
 *   and by creation site (bench/async-count.ts), as JSON.
 * Node built-ins only (and the bench's own async counter), so that the baseline stays free of gateway code.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import { AsyncCounter } from './async-count.ts';

/** Mean bytes between two heap samples (V8's default is 32 KiB; finer for per-call figures). */
const HEAP_SAMPLING_BYTES = 8192;

/**
 * `HeapProfiler.startSampling`'s parameters for `heap-start [mode]`: no mode counts every
 * sampled allocation, `old` only those that no scavenge collected.
 * @throws Error for another mode
 */
export function heapSamplingParams(mode: string | undefined): {
  samplingInterval: number; includeObjectsCollectedByMajorGC: boolean; includeObjectsCollectedByMinorGC: boolean;
} {
  if (mode !== undefined && mode !== 'old') throw new Error(`unknown heap-start mode [${mode}] (none, or old)`);
  // The two include… flags are in Node 20's V8 but not yet in @types/node's protocol types.
  return { samplingInterval: HEAP_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: mode !== 'old' };
}

/** A command's handler, given the word after it. */
export type ProfileCommand = (arg: string | undefined) => void;

/** Connects an inspector session now and returns the commands by name. */
export function profileCommands(): Record<
  'prof-start' | 'prof-stop' | 'heap-start' | 'heap-stop' | 'heap-snapshot' | 'async-start' | 'async-stop', ProfileCommand
> {
  const inspector = new Session();
  const asyncCounter = new AsyncCounter();
  inspector.connect();
  const done = (): void => void process.stdout.write('{"ok":true}\n');
  const save = (file: string | undefined, profile: object): void => {
    if (file !== undefined) writeFileSync(file, JSON.stringify(profile));
  };
  return {
    'prof-start': () => void (async () => {
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
      await inspector.post('Profiler.start');
      done();
    })(),
    'prof-stop': (file) => void (async () => {
      save(file, (await inspector.post('Profiler.stop')).profile);
      done();
    })(),
    'heap-start': (mode) => void (async () => {
      let params;
      try {
        params = heapSamplingParams(mode);
      } catch (err) {
        process.stdout.write(`${JSON.stringify({ ok: false, error: (err as Error).message })}\n`);
        return;
      }
      await inspector.post('HeapProfiler.enable');
      await inspector.post('HeapProfiler.startSampling', params);
      done();
    })(),
    'heap-stop': (file) => void (async () => {
      save(file, (await inspector.post('HeapProfiler.stopSampling')).profile);
      done();
    })(),
    'heap-snapshot': (file) => {
      if (file !== undefined) writeHeapSnapshot(file);
      done();
    },
    'async-start': () => {
      asyncCounter.start();
      done();
    },
    'async-stop': (file) => {
      save(file, asyncCounter.stop());
      done();
    },
  };
}
