/**
 * The gateway under test of `bench/cps.ts`, as its own process (so that it can be pinned
 * to one core and profiled): a real `startGateway` on 127.0.0.1 with a SQLite database in
 * the directory given as argv[2] and a built-in agent on extension 7100 that hands off to
 * `billing` after `waitMs` (argv[3], default 100). Prints one JSON line `{"sipPort":…}` when
 * ready; on stdin "prof-start" and "prof-stop <file>" take a CPU profile (inspector), and "stats\n" prints `{"calls":…,"cpuMs":…,"loopP99Ms":…}` (event-loop delay since the last stats); exits on SIGTERM after stopping.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startGateway } from '../src/app.ts';
import { parseConfig } from '../src/config/index.ts';
import { createLogger } from '../src/obs/index.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: cps-gateway.ts <dir> [waitMs]');
const waitMs = Number(process.argv[3] ?? 100);

const gw = await startGateway(parseConfig({
  sip: { host: '127.0.0.1', port: 0, tcp: false },
  http: { host: '127.0.0.1', port: 0 },
  rtp: { host: '127.0.0.1', portMin: 20000, portMax: 29999 },
  store: { path: join(dir, 'bench.db') },
  limits: { maxCalls: 100_000 },
  log: { level: 'silent' },
  demo: { enabled: true },
}), { logger: createLogger({ level: 'silent' }) });

const tenant = await gw.store.getTenantBySlug('demo');
if (!tenant) throw new Error('demo tenant missing');
await gw.store.createAgent({
  tenantId: tenant.id, slug: 'bench', name: 'Bench', kind: 'builtin', extension: '7100', destinations: ['billing'],
  config: { waitMs, outcome: { contained: false, destination: 'billing' } },
});

process.stdout.write(`${JSON.stringify({ sipPort: gw.sipPort })}\n`);

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const inspector = new Session();
inspector.connect();

/** `prof-start` / `prof-stop <file>`: a CPU profile of the steady state only (not of startup). */
async function profile(command: string, file: string | undefined): Promise<void> {
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

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(' ');
  if (command === 'prof-start' || command === 'prof-stop') {
    void profile(command, arg);
    return;
  }
  if (command !== 'stats') return;
  const u = process.cpuUsage();
  const stats = {
    calls: gw.calls.count, cpuMs: (u.user + u.system) / 1000, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
  };
  loop.reset();
  process.stdout.write(`${JSON.stringify(stats)}\n`);
});

process.on('SIGTERM', () => {
  void gw.stop().finally(() => process.exit(0));
});
