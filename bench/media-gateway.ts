/**
 * The gateway under test of `bench/media.bench.ts`, as its own process (pinned to one core
 * by the bench): a real `startGateway` on 127.0.0.1 with a SQLite database in the
 * directory given as argv[2] and a built-in agent on extension 7020 that plays a 1 kHz
 * tone for 15 s (then silence) and waits 10 minutes, so every call sends RTP for as long
 * as the bench keeps it. Prints one JSON line `{"sipPort":…}` when ready; on stdin "stats\n" prints
 * `{"calls":…,"cpuMs":…,"loopP99Ms":…,"loopMaxMs":…,"gcMs":…,"gcMaxMs":…}` (event-loop
 * delay and garbage-collection pauses since the last stats); exits on SIGTERM after stopping.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startGateway } from '../src/app.ts';
import { parseConfig } from '../src/config/index.ts';
import { createLogger } from '../src/obs/index.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: media-gateway.ts <dir>');

const gw = await startGateway(parseConfig({
  sip: { host: '127.0.0.1', port: 0, tcp: false },
  http: { host: '127.0.0.1', port: 0 },
  rtp: { host: '127.0.0.1', portMin: 34000, portMax: 39999 },
  store: { path: join(dir, 'bench.db') },
  limits: { maxCalls: 100_000 },
  log: { level: 'silent' },
  demo: { enabled: true },
}), { logger: createLogger({ level: 'silent' }) });

const tenant = await gw.store.getTenantBySlug('demo');
if (!tenant) throw new Error('demo tenant missing');
await gw.store.createAgent({
  tenantId: tenant.id, slug: 'media-bench', name: 'Media bench', kind: 'builtin', extension: '7020', destinations: ['billing'],
  maxConcurrentCalls: 100_000,
  config: { waitMs: 600_000, greeting: { tone: { freqHz: 1000, durationMs: 15_000 } } },
});

process.stdout.write(`${JSON.stringify({ sipPort: gw.sipPort })}\n`);

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let gcMs = 0;
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcMaxMs = Math.max(gcMaxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stats') return;
  const u = process.cpuUsage();
  const stats = {
    calls: gw.calls.count, cpuMs: (u.user + u.system) / 1000, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, gcMs, gcMaxMs,
  };
  loop.reset();
  gcMs = 0;
  gcMaxMs = 0;
  process.stdout.write(`${JSON.stringify(stats)}\n`);
});

process.on('SIGTERM', () => {
  void gw.stop().finally(() => process.exit(0));
});
