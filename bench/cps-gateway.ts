/**
 * The gateway under test of `bench/cps.ts`, as its own process (so that it can be pinned
 * to one core and profiled): bench/gateway-process.ts's gateway with a built-in agent on
 * extension 7100 that hands off to `billing` after `waitMs` (argv[3], default 100), its
 * SQLite database in the directory given as argv[2], RTP on ports 20000–29999. Speaks the
 * line protocol of bench/gateway-process.ts (`{"sipPort":…}`, `stats`, SIGTERM), plus
 * "prof-start" and "prof-stop <file>" to take a CPU profile (inspector), and "heap-start" and
 * "heap-stop <file>" to take a sampling heap profile (inspector `HeapProfiler.startSampling`,
 * one sample per 8 KiB allocated on average, objects collected since kept in), each answered `{"ok":true}`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { serveBenchControl, startBenchGateway } from './gateway-process.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: cps-gateway.ts <dir> [waitMs]');
const waitMs = Number(process.argv[3] ?? 100);

const gw = await startBenchGateway({
  dir, rtpPortMin: 20000, rtpPortMax: 29999,
  agent: {
    slug: 'bench', name: 'Bench', kind: 'builtin', extension: '7100', destinations: ['billing'],
    config: { waitMs, outcome: { contained: false, destination: 'billing' } },
  },
});

const inspector = new Session();
inspector.connect();

/** `prof-start` / `prof-stop <file>`: a CPU profile of the steady state only (not of startup). */
async function profile(command: 'prof-start' | 'prof-stop', file: string | undefined): Promise<void> {
  if (command === 'prof-start') {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
    await inspector.post('Profiler.start');
  } else if (file !== undefined) {
    const { profile: p } = await inspector.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(p));
  }
  process.stdout.write('{"ok":true}\n');
}

/** Mean bytes between two heap samples (V8's default is 32 KiB; finer for per-call figures). */
const HEAP_SAMPLING_BYTES = 8192;

/**
 * `heap-start` / `heap-stop <file>`: a sampling heap profile of the steady state. Objects
 * already collected stay in (`includeObjectsCollectedByMajorGC`/`MinorGC`), so the profile
 * counts every byte allocated over the step, not just what survived it.
 */
async function heapProfile(command: 'heap-start' | 'heap-stop', file: string | undefined): Promise<void> {
  if (command === 'heap-start') {
    await inspector.post('HeapProfiler.enable');
    // The two include… flags are in Node 20's V8 but not yet in @types/node's protocol types.
    const params = {
      samplingInterval: HEAP_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    };
    await inspector.post('HeapProfiler.startSampling', params);
  } else if (file !== undefined) {
    const { profile: p } = await inspector.post('HeapProfiler.stopSampling');
    writeFileSync(file, JSON.stringify(p));
  }
  process.stdout.write('{"ok":true}\n');
}

serveBenchControl(gw, {
  loopResolutionMs: 5,
  commands: {
    'prof-start': (arg) => void profile('prof-start', arg),
    'prof-stop': (arg) => void profile('prof-stop', arg),
    'heap-start': (arg) => void heapProfile('heap-start', arg),
    'heap-stop': (arg) => void heapProfile('heap-stop', arg),
  },
});
