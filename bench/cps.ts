/**
 * Calls-per-second benchmark of the whole loop: SIPp (`test/interop/scenarios/gateway-bench.xml`)
 * places INVITE, gets 200, ACKs; the gateway's built-in agent ends after `--wait-ms`; the
 * gateway commits the handoff record, then sends BYE with X-headers; SIPp checks them and
 * answers 200. The gateway (bench/cps-gateway.ts) is pinned to core 0, SIPp to core 1.
 *
 * The rate steps up (`--rates`, `--step-sec` each, after a short warm-up, each step once the
 * gateway is idle) until a step has a failed call; then a run at half the highest clean
 * rate, on a fresh gateway, gives the INVITE-to-200 latency (SIPp `-trace_rtt`).
 * `--profile` adds a run with a CPU profile (inspector, startup excluded) at the highest
 * clean rate and lists the top self-time functions; `--profile-rate N` profiles one step at N cps
 * and skips the ramp (to compare changes by CPU per call), `--profile-out FILE` keeps the
 * `.cpuprofile`. `--heap-profile-out FILE` takes a sampling heap profile instead (inspector
 * `HeapProfiler.startSampling`, garbage included) of one step (at `--profile-rate`, else at the
 * highest clean rate), keeps the `.heapprofile` in FILE and lists the top allocation sites
 * (self bytes by function and by area, and bytes per call); with `--heap-survivors`, only what
 * no scavenge collected (`heap-start old`: what was promoted, or is still live, by allocation site).
 * `--async-count-out FILE` with `--profile-rate N` counts the asynchronous resources (promises,
 * timers, nextTicks) of one step at N by type and creation site (bench/async-count.ts), keeps the
 * JSON in FILE and lists them per call. `--snapshot-out PREFIX` with `--profile-rate N` writes two heap
 * snapshots of one step at N: `PREFIX-busy.heapsnapshot` halfway through it (what the calls in flight
 * hold: the snapshot's full GC leaves only live objects) and `PREFIX-idle.heapsnapshot` once it is
 * over, and prints the live calls at the first. `--write` puts the markdown into docs/benchmarks.md (its own
 * "## Calls per second" section only). `--node-flags` passes V8/Node flags to the gateway; with
 * a tracing one (`--trace-gc-nvp`), `--gc-log FILE` collects the lines it prints.
 * `--log-level info` has the gateway log as a production one does (two lines a call at info, written
 * synchronously to a file in its scratch directory; default silent).
 * `--steps-only` stops after the ramp (no half-rate run, no profile): what bench/cps-ab.ts needs.
 * `--baseline` runs everything above against bench/cps-baseline.ts instead of the gateway (same
 * pinning and arguments): a bare Node UAS, `node:dgram` and string handling only, that answers,
 * waits and sends the same BYE: this machine's floor for Node + loopback UDP + SIPp on this loop.
 * Its report says "gateway" for the baseline UAS; it refuses `--write` (its figure goes into the
 * docs by hand).
 * Bounded: about 3 minutes with the defaults.
 *
 *   node --import tsx bench/cps.ts [--rates 100,250,...] [--step-sec 10] [--wait-ms 100] [--steps-only] [--profile] [--profile-rate N] [--profile-out FILE] [--heap-profile-out FILE [--heap-survivors]] [--async-count-out FILE] [--snapshot-out PREFIX] [--warmup 400x10] [--node-flags='--single-threaded-gc ...'] [--gc-log FILE] [--log-level L] [--baseline] [--write]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../src/lib/node-flags.ts';
import { loadNativeUdp } from '../src/lib/native-udp.ts';
import { summarizeAreas, summarizeHeap, summarizeProfile, type CpuProfile, type HeapProfile } from './cps-profile.ts';
import { benchArgs } from './args.ts';
import type { AsyncCounts } from './async-count.ts';
import {
  asyncMarkdown, clean, heapMarkdown, markdown, row, writeDoc, type AsyncRun, type HeapRun, type ProfileRun, type RunSettings, type Step,
} from './cps-report.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIO = join(ROOT, 'test/interop/scenarios/gateway-bench.xml');

const opts = benchArgs({
  rates: { type: 'string', default: '100,200,300,400,500,600,800,1000,1500,2000,3000,4000' },
  'step-sec': { type: 'string', default: '10' },
  'wait-ms': { type: 'string', default: '100' },
  profile: { type: 'boolean', default: false },
  write: { type: 'boolean', default: false },
  'profile-out': { type: 'string' },
  'profile-rate': { type: 'string' },
  'heap-profile-out': { type: 'string' },
  'heap-survivors': { type: 'boolean', default: false },
  'async-count-out': { type: 'string' },
  'snapshot-out': { type: 'string' },
  warmup: { type: 'string', default: '400x10' },
  'node-flags': { type: 'string', default: '' },
  'gc-log': { type: 'string' },
  baseline: { type: 'boolean', default: false },
  'log-level': { type: 'string', default: 'silent' },
  'steps-only': { type: 'boolean', default: false },
}, import.meta.url);
if (opts['steps-only'] && opts.write) {
  process.stderr.write('--write with --steps-only: the docs need the half-rate run\n');
  process.exit(2);
}
if (opts.baseline && opts.write) {
  process.stderr.write('--write with --baseline: the baseline figure goes into docs/benchmarks.md by hand\n');
  process.exit(2);
}
/** The process under test: the gateway, or with `--baseline` the bare Node UAS. */
const UNDER_TEST = opts.baseline ? 'bench/cps-baseline.ts' : 'bench/cps-gateway.ts';
/** Printed first with `--baseline`, so that its figures are never taken for the gateway's. */
const BASELINE_BANNER = '**BASELINE: bare Node UAS (bench/cps-baseline.ts: node:dgram and string handling, no gateway code);'
  + ' read "gateway" below as this UAS.**\n\n';
const RATES = opts.rates.split(',').map(Number);
const STEP_SEC = Number(opts['step-sec']);
const WAIT_MS = Number(opts['wait-ms']);
/** Extra Node/V8 flags for the gateway process (e.g. GC settings), space-separated. */
const NODE_FLAGS = opts['node-flags'].split(' ').filter((f) => f !== '');
/** Where the gateway's stdout lines that are not the bench protocol go (e.g. `--trace-gc-nvp`). */
const GC_LOG = opts['gc-log'];
const RUN: RunSettings = { waitMs: WAIT_MS, stepSec: STEP_SEC, loadAtStart: loadavg()[0] ?? 0 };

/** A gateway child process and a line reader on its stdout. */
interface GatewayProc {
  child: ChildProcessWithoutNullStreams;
  lines: Interface;
  sipPort: number;
}

async function startGatewayProc(dir: string): Promise<GatewayProc> {
  // The gateway runs as users run it (GATEWAY_NODE_FLAGS, e.g. its young generation); the baseline UAS with Node's defaults.
  const flags = opts.baseline ? NODE_FLAGS : [...GATEWAY_NODE_FLAGS, ...NODE_FLAGS];
  const node = [...flags, '--import', 'tsx', join(ROOT, UNDER_TEST), dir, String(WAIT_MS), opts['log-level']];
  const child = spawn('taskset', ['-c', '0', process.execPath, ...node], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const tag = opts.baseline ? 'baseline' : 'gateway';
  child.stderr.on('data', (d: Buffer) => process.stderr.write(`[${tag}] ${d.toString()}`));
  const lines = createInterface({ input: child.stdout });
  if (GC_LOG !== undefined) lines.on('line', (l) => { if (!l.startsWith('{')) appendFileSync(GC_LOG, `${l}\n`); });
  const first = await nextLine(lines);
  return { child, lines, sipPort: (JSON.parse(first) as { sipPort: number }).sipPort };
}

/** The next line of the bench protocol (JSON); V8's tracing flags may print other lines. */
function nextLine(lines: Interface): Promise<string> {
  return new Promise((resolve) => {
    const on = (l: string): void => {
      if (l.startsWith('{')) { lines.off('line', on); resolve(l); }
    };
    lines.on('line', on);
  });
}

/** What the gateway reports of itself (event-loop delay since the previous report). */
interface GatewayStats {
  calls: number;
  cpuMs: number;
  rssMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

async function gatewayStats(g: GatewayProc): Promise<GatewayStats> {
  const line = nextLine(g.lines);
  g.child.stdin.write('stats\n');
  return JSON.parse(await line) as GatewayStats;
}

async function stopGatewayProc(g: GatewayProc): Promise<void> {
  const exited = new Promise<void>((resolve) => g.child.once('exit', () => resolve()));
  g.child.kill('SIGTERM');
  await exited;
}

/**
 * SIPp's media ports for a step: its RTP port, and a socket bound on the port above it (the
 * RTCP port of RFC 3550 §11), which nobody reads. SIPp binds only the RTP port, so each call's
 * RTCP BYE to the port above drew an ICMP port unreachable from the kernel, built and delivered
 * inside the gateway's send (about 2 µs of its CPU a call: docs/benchmarks.md, "Calls per second").
 * A real peer listens there, or has rtcp-mux. The socket is the addon's: node:dgram would read
 * and drop every datagram on the bench's own, unpinned, thread. `CPS_RTCP_SINK=0` leaves it out.
 */
async function mediaPorts(): Promise<{ mp: number; close(): void }> {
  const udp = process.env['CPS_RTCP_SINK'] === '0' ? undefined : loadNativeUdp().udp;
  for (let attempt = 0; ; attempt++) {
    const mp = await freePort();
    if (udp === undefined) return { mp, close: () => undefined };
    // A small receive buffer: once full, the kernel drops what comes, silently.
    const fd = mp < 65535 ? udp.open(false, '127.0.0.1', mp + 1, 4096) : -1;
    if (fd >= 0) return { mp, close: () => udp.close(fd) };
    if (attempt === 20) throw new Error(`no free RTCP port above a free RTP port (last: ${mp + 1}, result ${fd})`);
  }
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', () => ok()));
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/**
 * SIPp's socket buffers (`-buff_size`, SO_RCVBUF and SO_SNDBUF; the kernel caps them at
 * net.core.rmem_max): the gateway's SIP socket asks for the same 4 MB. SIPp's default, 64 KB,
 * holds about a hundred datagrams: at 4,400 calls/s (three datagrams a call to SIPp) its SIP
 * socket dropped 356 in a step whenever SIPp's thread paused (/proc/net/udp, 2026-11-27),
 * losses of the harness that the gateway then repaired by retransmission, 500 ms later.
 */
const SIPP_BUFFER_BYTES = 4 * 1024 * 1024;

function sippArgs(sipPort: number, rate: number, seconds: number, port: number, mp: number, statFile: string): string[] {
  const calls = rate * seconds;
  return [
    '-c', '1', 'sipp', `127.0.0.1:${sipPort}`, '-sf', SCENARIO, '-s', '7100', '-t', 'u1', '-i', '127.0.0.1', '-p', String(port),
    '-buff_size', String(SIPP_BUFFER_BYTES),
    '-mp', String(mp), '-r', String(rate), '-m', String(calls), '-l', String(Math.max(100, rate * 5)), '-recv_timeout', '5000',
    '-timeout', `${seconds + 20}s`, '-timeout_error', '-nostdin', '-trace_stat', '-stf', statFile, '-fd', '1',
    '-trace_rtt', '-rtt_freq', '50', '-trace_err',
  ];
}

/** Runs one SIPp step at `rate` cps for `seconds`, once the gateway has no live call. */
async function step(g: GatewayProc, rate: number, seconds = STEP_SEC): Promise<Step> {
  await waitIdle(g);
  const dir = mkdtempSync(join(tmpdir(), 'cps-sipp-'));
  const statFile = join(dir, 'stat.csv');
  const before = await gatewayStats(g);
  const core0 = cpuTicks(0);
  const t0 = performance.now();
  const media = await mediaPorts();
  const child = spawn('taskset', sippArgs(g.sipPort, rate, seconds, await freePort(), media.mp, statFile), { cwd: dir, stdio: 'ignore' });
  const sippExit = await new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => media.close());
  const wallMs = performance.now() - t0;
  const after = await gatewayStats(g);
  const cpuMs = after.cpuMs - before.cpuMs;
  const busyPct = core0Busy(core0, cpuTicks(0));
  const stats = readStat(statFile);
  const rtts = readRtts(dir).sort((a, b) => a - b);
  if (stats.failed > 0) reportFailures(statFile, rate);
  rmSync(dir, { recursive: true, force: true });
  return {
    rate, calls: rate * seconds, ...stats, sippExit, cpuPct: Math.round((cpuMs / wallMs) * 100),
    cpuUsPerCall: Math.round((cpuMs * 1000) / (rate * seconds)),
    othersPct: Math.max(0, busyPct - Math.round((cpuMs / wallMs) * 100)),
    loopP99Ms: after.loopP99Ms, loopMaxMs: after.loopMaxMs,
    p50Ms: pct(rtts, 0.5), p99Ms: pct(rtts, 0.99), maxMs: rtts[rtts.length - 1] ?? NaN,
  };
}

/**
 * Why calls failed, on stderr: SIPp's nonzero `Failed*` counters, retransmissions and stray
 * messages from the statistics file, so that a failed step says whether it was a timeout, an
 * unexpected message or a rejection.
 */
function reportFailures(statFile: string, rate: number): void {
  const lines = readFileSync(statFile, 'utf8').trim().split('\n');
  const head = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  const why = head
    .map((name, i) => [name, Number(last[i] ?? 0)] as const)
    .filter(([name, n]) => n > 0 && /^(Failed.*|Retransmissions|OutOfCallMsgs|DeadCallMsgs)\(C\)$/.test(name))
    .map(([name, n]) => `${name.replace('(C)', '')} ${n}`);
  process.stderr.write(`  SIPp at ${rate} cps: ${why.join(', ')}\n`);
}

/** Busy and total jiffies of one CPU from /proc/stat (Linux). */
function cpuTicks(cpu: number): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `)) ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

function core0Busy(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  return b.total === a.total ? 0 : Math.round((100 * (b.busy - a.busy)) / (b.total - a.total));
}

function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Cumulative successful and failed calls: the last line of SIPp's statistics file. */
function readStat(file: string): { successful: number; failed: number } {
  if (!existsSync(file)) return { successful: 0, failed: 0 };
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  const col = (name: string): number => Number(last[head.indexOf(name)] ?? 0);
  return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
}

/** INVITE-to-200 times (response time 1), ms, from SIPp's `_rtt.csv` (`date_ms;rtt_ms;rtd_no`). */
function readRtts(dir: string): number[] {
  const file = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  if (file === undefined) return [];
  const out: number[] = [];
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const [, rtt, rtd] = line.split(';');
    if (rtd?.trim() === '1' && rtt !== undefined && Number.isFinite(Number(rtt))) out.push(Number(rtt));
  }
  return out;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits until the gateway has no live call (at most `maxMs`), so steps do not overlap. */
async function waitIdle(g: GatewayProc, maxMs = 40_000): Promise<void> {
  for (let t = 0; t < maxMs; t += 250) {
    if ((await gatewayStats(g)).calls === 0) return;
    await sleep(250);
  }
}

/**
 * A fresh gateway, warmed up (modules loaded, code optimised) by an unreported step:
 * `--warmup RATExSEC`. The default, 400x10, is 4,000 calls: after 500 (100x5, the default
 * before 2026-11-26) V8 was still optimising, and a first step at 1,600 cps took 445-507 µs
 * a call and queued INVITEs for up to half a second over its first 3 s (p99 350-520 ms),
 * against 360-400 µs and a p99 of 10-60 ms one step later or after 4,000 calls at 100 cps.
 */
async function freshGateway(dir: string): Promise<GatewayProc> {
  const g = await startGatewayProc(dir);
  const [rate = 100, sec = 5] = opts.warmup.split('x').map(Number);
  await step(g, rate, sec);
  await sleep(1000);
  return g;
}

/** Steps up until a failure; returns every step run. */
async function rampUp(g: GatewayProc): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of RATES) {
    const s = await step(g, rate);
    steps.push(s);
    process.stderr.write(`${row(s)}\n`);
    if (!clean(s)) break;
  }
  return steps;
}

/**
 * One step at `rate` on a fresh gateway between its `<kind>-start` and `<kind>-stop <file>`
 * commands (`prof`: CPU profile, 200 µs sampling; `heap`: sampling heap profile), startup
 * excluded. Returns the step and the profile's text (undefined when none was written).
 */
async function profiledStep(rate: number, kind: 'prof' | 'heap' | 'async'): Promise<{ step: Step; text: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), `cps-${kind}-`));
  const file = join(dir, `gateway.${kind === 'prof' ? 'cpuprofile' : kind === 'heap' ? 'heapprofile' : 'async.json'}`);
  const g = await freshGateway(dir);
  let s: Step;
  try {
    await command(g, kind === 'heap' && opts['heap-survivors'] ? 'heap-start old' : `${kind}-start`);
    s = await step(g, rate);
    await command(g, `${kind}-stop ${file}`);
    process.stderr.write(`${kind === 'prof' ? 'profile' : kind === 'heap' ? 'heap profile' : 'async count'} run: ${row(s)}\n`);
  } finally {
    await stopGatewayProc(g);
  }
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { step: s, text };
}

/** A CPU profile of one step at `rate` (see {@link profiledStep}), kept in `--profile-out` when given. */
async function profileRun(rate: number): Promise<ProfileRun> {
  const { step: s, text } = await profiledStep(rate, 'prof');
  const profile = text === undefined ? { nodes: [] } : (JSON.parse(text) as CpuProfile);
  if (opts['profile-out'] !== undefined && text !== undefined) writeFileSync(opts['profile-out'], text);
  return { step: s, functions: summarizeProfile(profile, 15), areas: summarizeAreas(profile, 12) };
}

/** A sampling heap profile (every byte allocated, garbage included) of one step at `rate`, kept in `out`. */
async function heapRun(rate: number, out: string): Promise<HeapRun> {
  const { step: s, text } = await profiledStep(rate, 'heap');
  if (text !== undefined) writeFileSync(out, text);
  const profile: HeapProfile = text === undefined
    ? { head: { callFrame: { functionName: '(none)', url: '', lineNumber: 0 }, selfSize: 0, children: [] } }
    : (JSON.parse(text) as HeapProfile);
  return { step: s, ...summarizeHeap(profile, 25) };
}

/** The asynchronous resources of one step at `rate` (`async-start`/`async-stop`), kept in `out`. */
async function asyncRun(rate: number, out: string): Promise<AsyncRun> {
  const { step: s, text } = await profiledStep(rate, 'async');
  if (text !== undefined) writeFileSync(out, text);
  const counts: AsyncCounts = text === undefined ? { types: {}, sites: [], sampleEvery: 1 } : (JSON.parse(text) as AsyncCounts);
  return { step: s, counts };
}

/**
 * Heap snapshots of one step at `rate` on a fresh gateway: halfway through it and once it is over
 * (`heap-snapshot`); returns the step and the live calls at the first snapshot.
 */
async function snapshotRun(rate: number, prefix: string): Promise<{ step: Step; liveCalls: number }> {
  return withGateway(async (g) => {
    const running = step(g, rate);
    await sleep((STEP_SEC * 1000) / 2);
    const { calls: liveCalls } = await gatewayStats(g);
    await command(g, `heap-snapshot ${prefix}-busy.heapsnapshot`);
    const s = await running;
    await command(g, `heap-snapshot ${prefix}-idle.heapsnapshot`);
    return { step: s, liveCalls };
  });
}

async function command(g: GatewayProc, line: string): Promise<void> {
  const answered = nextLine(g.lines);
  g.child.stdin.write(`${line}\n`);
  await answered;
}

/** Runs `fn` on a fresh, warmed-up gateway in its own directory, then stops it. */
async function withGateway<T>(fn: (g: GatewayProc) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cps-gw-'));
  const g = await freshGateway(dir);
  try {
    return await fn(g);
  } finally {
    await stopGatewayProc(g);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (opts.baseline) {
    process.stderr.write('baseline run: bench/cps-baseline.ts (bare Node UAS), not the gateway\n');
    process.stdout.write(BASELINE_BANNER);
  }
  const asyncOut = opts['async-count-out'];
  if (opts['profile-rate'] !== undefined && asyncOut !== undefined) {
    process.stdout.write(asyncMarkdown(await asyncRun(Number(opts['profile-rate']), asyncOut)));
    return;
  }
  const snapshotOut = opts['snapshot-out'];
  if (opts['profile-rate'] !== undefined && snapshotOut !== undefined) {
    const { step: s, liveCalls } = await snapshotRun(Number(opts['profile-rate']), snapshotOut);
    process.stdout.write(`snapshot run: ${row(s)}\n${liveCalls} calls live at ${snapshotOut}-busy.heapsnapshot\n`);
    return;
  }
  const heapOut = opts['heap-profile-out'];
  if (opts['profile-rate'] !== undefined && heapOut !== undefined) {
    process.stdout.write(heapMarkdown(await heapRun(Number(opts['profile-rate']), heapOut), STEP_SEC));
    return;
  }
  if (opts['profile-rate'] !== undefined) {
    const profile = await profileRun(Number(opts['profile-rate']));
    process.stdout.write(markdown([], undefined, profile, RUN));
    return;
  }
  const steps = await withGateway(rampUp);
  if (opts['steps-only']) {
    process.stdout.write(markdown(steps, undefined, { functions: [], areas: [] }, RUN));
    return;
  }
  const best = steps.filter(clean).pop();
  // A fresh gateway: the failed step's backlog (BYE retransmissions) must not weigh on it.
  const half = best === undefined ? undefined : await withGateway((g) => step(g, Math.max(1, Math.floor(best.rate / 2))));
  if (half !== undefined) process.stderr.write(`half rate: ${row(half)}\n`);
  const profile = opts.profile && best !== undefined ? await profileRun(best.rate) : { functions: [], areas: [] };
  const md = markdown(steps, half, profile, RUN);
  process.stdout.write(md);
  if (heapOut !== undefined && best !== undefined) process.stdout.write(`\n${heapMarkdown(await heapRun(best.rate, heapOut), STEP_SEC)}`);
  if (opts.write) writeDoc(md);
}

await main();
