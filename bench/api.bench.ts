/**
 * Handoff API benchmark: requests/s on one core and latency percentiles, with 1 KiB of
 * `data` per record on SQLite. The server (`bench/api.server.ts`) is pinned to core 0
 * with `taskset -c 0`, the load generator (`wrk`, Debian package) to core 1. Besides
 * wrk's figures it reads the server's CPU time from /proc, so the cost per request is
 * known even on a machine shared with other work.
 *
 *   node --import tsx bench/api.bench.ts [--duration 20] [--connections 8,16,32,64] [--gzip] [--baseline]
 *
 * `--by-id` looks records up by conversation id instead of shared_id.
 * `--baseline` runs the same load against a bare Fastify route answering a fixed record
 * of the same size (no store, no hooks): this machine's floor for Node + Fastify + TCP.
 *
 * Prints one line per connection count and a Markdown table for docs/benchmarks.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { benchArgs } from './args.ts';

const here = new URL('.', import.meta.url).pathname;
const args = benchArgs({
  duration: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '5' },
  connections: { type: 'string', default: '8,16,32,64' },
  records: { type: 'string', default: '10000' },
  'data-bytes': { type: 'string', default: '1024' },
  gzip: { type: 'boolean', default: false },
  baseline: { type: 'boolean', default: false },
  'by-id': { type: 'boolean', default: false },
  'server-core': { type: 'string', default: '0' },
  'load-core': { type: 'string', default: '1' },
}, import.meta.url);

/** One wrk run's figures. */
interface Run {
  connections: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU per request, µs (user + system, from /proc). */
  cpuUsPerReq: number;
  /** Server CPU use during the run, in cores. */
  cpuCores: number;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

async function startServer(): Promise<{ child: ChildProcess; port: number; key: string }> {
  const child = spawn('taskset', ['-c', args['server-core'], process.execPath, '--import', 'tsx', `${here}api.server.ts`], {
    env: { ...process.env, BENCH_RECORDS: args.records, BENCH_DATA_BYTES: args['data-bytes'], BENCH_BASELINE: args.baseline ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const info = JSON.parse(line) as { port: number; key: string };
    return { child, ...info };
  }
  throw new Error('the benchmark server exited before printing its port');
}

function wrk(port: number, key: string, connections: number, seconds: string): Record<string, number> {
  const res = spawnSync('taskset', ['-c', args['load-core'], 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency',
    '-s', `${here}api.lua`, `http://127.0.0.1:${port}/`], {
    encoding: 'utf8', env: { ...process.env, BENCH_KEY: key, BENCH_RECORDS: args.records, BENCH_GZIP: args.gzip ? '1' : '0', BENCH_BY: args['by-id'] ? 'id' : 'shared_id' },
  });
  if (res.error) throw new Error(`cannot run wrk (apt-get install wrk): ${res.error.message}`);
  const line = res.stdout.split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${res.stdout}\n${res.stderr}`);
  return JSON.parse(line.slice(5)) as Record<string, number>;
}

function measure(pid: number, port: number, key: string, connections: number): Run {
  const before = cpuSeconds(pid);
  const r = wrk(port, key, connections, args.duration);
  const cpu = cpuSeconds(pid) - before;
  const seconds = (r['duration_us'] ?? 1) / 1e6;
  const requests = r['requests'] ?? 0;
  const ms = (us: number | undefined): number => (us ?? 0) / 1000;
  return {
    connections, rps: requests / seconds, p50Ms: ms(r['p50_us']), p90Ms: ms(r['p90_us']), p99Ms: ms(r['p99_us']), p999Ms: ms(r['p999_us']),
    non2xx: r['non2xx'] ?? 0, errors: r['errors'] ?? 0, cpuUsPerReq: (cpu * 1e6) / Math.max(1, requests), cpuCores: cpu / seconds,
  };
}

function table(runs: Run[]): string {
  const rows = runs.map((r) => `| ${r.connections} | ${Math.round(r.rps)} | ${r.p50Ms.toFixed(2)} | ${r.p90Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} `
    + `| ${r.p999Ms.toFixed(2)} | ${r.cpuUsPerReq.toFixed(1)} | ${r.cpuCores.toFixed(2)} | ${r.non2xx + r.errors} |`);
  return ['| connections | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | server CPU µs/req | server cores | errors |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

const server = await startServer();
try {
  const pid = server.child.pid!; // taskset execs node: same pid
  console.log(`${args.baseline ? 'BASELINE (bare Fastify) ' : ''}server pid ${pid} on core ${args['server-core']}, wrk on core ${args['load-core']}; `
    + `${cpus()[0]?.model ?? '?'}, node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  wrk(server.port, server.key, 32, args.warmup);
  const runs: Run[] = [];
  for (const c of args.connections.split(',').map(Number)) {
    const run = measure(pid, server.port, server.key, c);
    runs.push(run);
    console.log(`c=${c}: ${Math.round(run.rps)} req/s, p99 ${run.p99Ms.toFixed(2)} ms, ${run.cpuUsPerReq.toFixed(1)} µs CPU/req`);
  }
  console.log(`\n${table(runs)}`);
} finally {
  server.child.kill('SIGTERM');
}
