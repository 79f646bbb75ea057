/**
 * Emulator load benchmark: N calls at R calls/s through the contact-center emulator's
 * load mode against a gateway on loopback (its own process, SQLite in a temp dir, the
 * demo agent). Every call presses 1 (→ billing), waits for the agent's BYE, queries the
 * Handoff API and routes. Prints the summary and writes it (machine, command, summary)
 * into docs/benchmarks.md as the "Emulator load" section, keeping the other sections.
 *
 * Run: `node --import tsx bench/load.ts [--calls 500] [--rate 50] [--concurrency 200]
 *       [--press-at 1s] [--target host:port --api URL --api-key KEY] [--no-write]`
 * Exit code 1 when any call failed or was skipped, or a handoff record could not be read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GATEWAY_NODE_FLAGS } from '../src/lib/node-flags.ts';
import {
  ContactCenter, formatProgress, formatSummary, parseDuration, parseTarget, runLoad, type CallOptions, type LoadSummary,
} from '../src/ccsim/index.ts';
import { benchArgs } from './args.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const SECTION = '## Emulator load';
const BENCH_KEY = 'alk_bench-load-0123456789abcdef';

const args = benchArgs({
  calls: { type: 'string', default: '500' },
  rate: { type: 'string', default: '50' },
  concurrency: { type: 'string', default: '200' },
  'press-at': { type: 'string', default: '1s' },
  target: { type: 'string' },
  api: { type: 'string' },
  'api-key': { type: 'string' },
  'no-write': { type: 'boolean', default: false },
  'serve-gateway': { type: 'string' },
}, import.meta.url);

/** Child role: start a gateway from the config path given, print its ports, run until SIGTERM. */
async function serveGateway(dir: string): Promise<void> {
  const { startGateway } = await import('../src/app.ts');
  const { parseConfig } = await import('../src/config/index.ts');
  const config = parseConfig({
    sip: { host: '127.0.0.1', port: 0 },
    rtp: { host: '127.0.0.1', portMin: 36000, portMax: 39998 },
    http: { host: '127.0.0.1', port: 0 },
    store: { path: join(dir, 'agentline.db') },
    log: { level: 'warn' },
    // One key asks for every record: lift its rate limit (default 100/s, burst 200), which
    // bursts of BYEs can exceed when the machine stalls; the bench measures the loop, not the limiter.
    api: { rateLimit: { perKeyPerSec: 10_000, burst: 10_000 } },
    demo: { enabled: true, apiKey: BENCH_KEY },
  });
  const gw = await startGateway(config);
  console.log(JSON.stringify({ sipPort: gw.sipPort, httpPort: gw.httpPort ?? null }));
  process.on('SIGTERM', () => void gw.stop().then(() => process.exit(0)));
}

interface Running {
  sip: { host: string; port: number };
  api: string | undefined;
  apiKey: string | undefined;
  child?: ChildProcess;
  dir?: string;
}

/** Spawns the gateway process and waits for its ports. */
async function spawnGateway(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'agentline-bench-'));
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve-gateway', dir], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (!line.startsWith('{')) continue;
    const ports = JSON.parse(line) as { sipPort: number; httpPort: number | null };
    const api = ports.httpPort === null ? undefined : `http://127.0.0.1:${ports.httpPort}`;
    return { sip: { host: '127.0.0.1', port: ports.sipPort }, api, apiKey: BENCH_KEY, child, dir };
  }
  throw new Error('the gateway process ended before printing its ports');
}

/** CPU time the gateway process used so far, s (Linux /proc; undefined elsewhere). */
function childCpuSec(r: Running): number | undefined {
  try {
    const stat = readFileSync(`/proc/${r.child?.pid ?? 0}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return undefined;
  }
}

async function stopGateway(r: Running): Promise<void> {
  if (r.child !== undefined && r.child.exitCode === null) {
    const exited = new Promise((resolve) => r.child?.once('exit', resolve));
    r.child.kill('SIGTERM');
    await exited;
  }
  if (r.dir !== undefined) rmSync(r.dir, { recursive: true, force: true });
}

function machine(): string {
  const cpu = cpus();
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()}, Node ${process.version}; load average at the start ${load}`;
}

/** Replaces (or appends) the "Emulator load" section, keeping everything else. */
function writeSection(body: string): void {
  let doc: string;
  try {
    doc = readFileSync(DOC, 'utf8');
  } catch {
    doc = '# Benchmarks\n';
  }
  const start = doc.indexOf(`\n${SECTION}\n`);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + SECTION.length + 2);
    doc = doc.slice(0, start) + (next >= 0 ? doc.slice(next) : '\n');
  }
  writeFileSync(DOC, `${doc.trimEnd()}\n\n${SECTION}\n\n${body.trim()}\n`);
}

function report(summary: LoadSummary, command: string, gatewayNote: string, host: string, cpu: string): string {
  return [
    `Run on ${new Date().toISOString().slice(0, 10)}: ${host}.`,
    '',
    `Command: \`${command}\``,
    '',
    `The gateway ran ${gatewayNote}; the emulator (one process, one SIP socket, one RTP socket per call with rtcp-mux) placed every call by extension 7001 with a session id and ANI, pressed 1 by RFC 4733, waited for the agent's BYE (X-contained: false, X-destination: billing), then queried the Handoff API and routed.`,
    '',
    '```',
    formatSummary(summary),
    '```',
    '',
    `CPU time used: ${cpu}.`,
    '',
    'Setup = INVITE sent to 200 OK; handoff = the Query module from the first request to its branch (retries included). Audio "silent" means the agent played nothing the caller could hear above −45 dBFS.',
    '',
    'Both processes share the machine with whatever else runs on it: the tails (p95, p99) move with CPU contention (see the load average and the event-loop delay), the medians much less. Compare runs on a quiet machine.',
  ].join('\n');
}

async function main(): Promise<number> {
  const calls = Number(args.calls);
  const rate = Number(args.rate);
  const concurrency = Number(args.concurrency);
  const pressAt = parseDuration(args['press-at'] ?? '1s');
  const running: Running = args.target === undefined
    ? await spawnGateway()
    : { sip: parseTarget(args.target), api: args.api, apiKey: args['api-key'] };
  const cc = await ContactCenter.start({ gateway: running.sip });
  const host = machine();
  const cpuBefore = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  try {
    const options = (i: number): CallOptions => ({
      variables: { extension: '7001', ani: `555${String(i).padStart(7, '0')}`, dnis: '8005550100' },
      script: { presses: [{ digits: '1', atMs: pressAt }], maxCallMs: 30_000 },
      ...(running.api === undefined ? {} : {
        query: { apiBase: running.api, account: 'demo', project: 'demo', ...(running.apiKey === undefined ? {} : { apiKey: running.apiKey }) },
      }),
    });
    const { summary } = await runLoad(cc, {
      calls, rate, concurrency, maxDurationMs: (calls / rate) * 1000 + 60_000, callOptions: options,
      onProgress: (p) => process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${formatProgress(p)}` : `${formatProgress(p)}\n`),
      progressEveryMs: process.stderr.isTTY ? 500 : 5000,
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const used = process.cpuUsage(cpuBefore);
    const gwCpu = childCpuSec(running);
    lag.disable();
    const lagMs = (v: number): string => (v / 1e6).toFixed(1);
    const cpu = `emulator ${((used.user + used.system) / 1e6).toFixed(1)} s${gwCpu === undefined ? '' : `, gateway ${gwCpu.toFixed(1)} s (since its start)`}`
      + `; the emulator's event-loop delay p50 ${lagMs(lag.percentile(50))} ms, p99 ${lagMs(lag.percentile(99))} ms, max ${lagMs(lag.max)} ms`;
    console.log(formatSummary(summary));
    console.log(`CPU: ${cpu}`);
    const command = `node --import tsx bench/load.ts --calls ${calls} --rate ${rate} --concurrency ${concurrency} --press-at ${args['press-at']}`;
    const note = args.target === undefined
      ? 'in its own process on 127.0.0.1 (SQLite in a temp dir, the demo agent, log level warn, the bench key\'s rate limit lifted to 10,000/s)'
      : `at ${args.target}`;
    if (!args['no-write']) writeSection(report(summary, command, note, host, cpu));
    // The loop holds only when every record was readable too.
    const unread = running.api === undefined ? 0 : summary.started - (summary.queryBranches['success'] ?? 0);
    return summary.failed === 0 && summary.skipped === 0 && unread === 0 ? 0 : 1;
  } finally {
    await cc.close();
    await stopGateway(running);
  }
}

if (args['serve-gateway'] !== undefined) {
  await serveGateway(args['serve-gateway']);
} else {
  process.exitCode = await main();
}
