/**
 * The gateway under test of `bench/cps.ts`, as its own process (so that it can be pinned
 * to one core and profiled): bench/gateway-process.ts's gateway with a built-in agent on
 * extension 7100 that hands off to `billing` after `waitMs` (argv[3], default 100), its
 * SQLite database in the directory given as argv[2], RTP on ports 20000–29999. Speaks the
 * line protocol of bench/gateway-process.ts (`{"sipPort":…}`, `stats`, SIGTERM), plus
 * "prof-start" and "prof-stop <file>" to take a CPU profile (inspector), each answered `{"ok":true}`.
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

serveBenchControl(gw, {
  loopResolutionMs: 5,
  commands: {
    'prof-start': (arg) => void profile('prof-start', arg),
    'prof-stop': (arg) => void profile('prof-stop', arg),
  },
});
