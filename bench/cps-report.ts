/**
 * The report of bench/cps.ts: the figures of its steps and profiles as markdown (printed,
 * and with `--write` put into docs/benchmarks.md, its own "## Calls per second" section
 * only), and the notes that say how to read them.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AsyncCounts } from './async-count.ts';
import type { HeapLine, ProfileLine } from './cps-profile.ts';
import { writeSection } from './doc-section.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The run's settings the report states. */
export interface RunSettings {
  /** How long the built-in agent waits before it ends the call, ms (`--wait-ms`). */
  waitMs: number;
  /** Length of one step, s (`--step-sec`). */
  stepSec: number;
  /** 1-min load average when the bench started. */
  loadAtStart: number;
}

/** One SIPp step's figures. */
export interface Step {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  sippExit: number | null;
  /** Gateway CPU time over wall time, % of one core. */
  cpuPct: number;
  /** Gateway CPU time per offered call, µs (hardly depends on what else runs on the machine). */
  cpuUsPerCall: number;
  /** Core 0 busy with other processes during the step (a shared machine), % of the core. */
  othersPct: number;
  /** Gateway event-loop delay during the step, p99 and max, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** A profile's summary and the step it was taken on. */
export interface ProfileRun {
  step?: Step;
  functions: ProfileLine[];
  areas: ProfileLine[];
}

/** A heap profile's summary and the step it was taken on. */
export interface HeapRun {
  step: Step;
  totalBytes: number;
  functions: HeapLine[];
  areas: HeapLine[];
}

/**
 * CPU the step's calls needed per second of offered load, % of one core: CPU µs per call
 * times calls per second (their CPU time over the step's length, not over SIPp's run, which
 * goes on until the last call ends).
 */
export function demandPct(s: Step): number {
  return Math.round((s.cpuUsPerCall * s.rate) / 1e4);
}

/**
 * True when SIPp reports every call of the step successful and the calls needed at most one
 * core per second offered: a rate that needs more ends clean only because the step stops
 * and SIPp waits for its backlog of retransmitted INVITEs (a longer step would fail calls).
 */
export function clean(s: Step): boolean {
  return s.sippExit === 0 && s.failed === 0 && s.successful === s.calls && demandPct(s) <= 100;
}

/** The step as a row of the markdown table. */
export function row(s: Step): string {
  return `| ${s.rate} | ${s.calls} | ${s.successful} | ${s.failed} | ${s.cpuPct} % | ${demandPct(s)} % | ${s.cpuUsPerCall} | ${s.othersPct} % | ${s.loopP99Ms.toFixed(0)} / ${s.loopMaxMs.toFixed(0)} | ${s.p50Ms.toFixed(1)} | ${s.p99Ms.toFixed(1)} | ${s.maxMs.toFixed(1)} |`;
}

/** The heap profile as markdown: bytes per call, then areas and functions by self bytes. */
export function heapMarkdown(h: HeapRun, stepSec: number): string {
  const calls = Math.max(1, h.step.calls);
  const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
  const out = [
    `### Allocations at ${h.step.rate} cps`, '',
    `Sampling heap profile of one ${stepSec} s step (inspector, 8 KiB mean interval, garbage included): `
      + `**${kb(h.totalBytes / calls)} KB allocated per call** (${(h.totalBytes / 1048576).toFixed(0)} MiB over ${h.step.calls} calls).`,
    '', '| KB/call | % | area |', '|---|---|---|',
    ...h.areas.map((a) => `| ${kb(a.bytes / calls)} | ${a.pct.toFixed(1)} | ${a.name} |`),
    '', '| KB/call | % | function | where |', '|---|---|---|---|',
    ...h.functions.map((f) => `| ${kb(f.bytes / calls)} | ${f.pct.toFixed(1)} | ${f.name} | ${f.where} |`),
  ];
  return `${out.join('\n')}\n`;
}

/** A step run with the async counter on (`--async-count-out`). */
export interface AsyncRun {
  step: Step;
  counts: AsyncCounts;
}

/** Resources created per call, by type, then the top creation sites per call. */
export function asyncMarkdown(a: AsyncRun, top = 25): string {
  const calls = Math.max(1, a.step.calls);
  const per = (n: number): string => (n / calls).toFixed(2);
  const types = Object.entries(a.counts.types).sort((x, y) => y[1] - x[1]);
  const out = [
    `### Asynchronous resources at ${a.step.rate} cps`, '',
    `\`async_hooks\` init events of one step, ${a.step.calls} calls (sites from one stack in ${a.counts.sampleEvery}). `
      + 'The counter turns on V8\'s promise hooks: this step\'s CPU figures are not the gateway\'s.',
    '', '| per call | type |', '|---|---|',
    ...types.map(([type, n]) => `| ${per(n)} | ${type} |`),
    '', '| per call | type | site |', '|---|---|---|',
    ...a.counts.sites.slice(0, top).map((s) => `| ${per(s.count)} | ${s.type} | ${s.site.replaceAll('|', '\\|')} |`),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * The "## Calls per second" section: the setup, the highest clean rate, the latency at half
 * that rate, one row per step, the CPU profile's areas and functions, and how to read them.
 */
export function markdown(steps: Step[], half: Step | undefined, profile: ProfileRun, run: RunSettings): string {
  const best = [...steps].filter(clean).pop();
  const out = [
    '## Calls per second', '',
    'The whole loop per call: INVITE → 200 (SDP answer, RTP socket; no 100 or 180 when answered at once) → ACK → the built-in agent ends after',
    `${run.waitMs} ms → handoff record committed (SQLite, WAL, group commit) → BYE with X-contained/X-destination →`,
    'SIPp checks the headers and answers 200. Gateway pinned to core 0 (`taskset -c 0`), SIPp to core 1, UDP on',
    `loopback, ${run.stepSec} s per step. A step is clean when SIPp reports every call successful and the gateway`,
    'needed at most one core for each second of offered load ("CPU needed per offered s": the CPU time of the step\'s',
    'calls over the step\'s length; "gateway CPU" divides by SIPp\'s whole run instead, which lasts until the last',
    'call ends): past that, calls queue and come through late on retransmitted INVITEs, clean only because the step ends.', '',
    `- Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; Node ${process.version}; ${sippVersion()};`
      + ` 1-min load average at the start ${run.loadAtStart.toFixed(2)} (other processes share the cores)`,
    '- Command: `node --import tsx bench/cps.ts ' + process.argv.slice(2).filter((a) => a !== '--write').join(' ') + '` (scenario `test/interop/scenarios/gateway-bench.xml`)',
    `- Highest clean rate: **${best?.rate ?? 0} cps**${best === undefined ? '' : ` (gateway at ${best.cpuPct} % of core 0, other processes at ${best.othersPct} %)`}`,
  ];
  if (half !== undefined) out.push(`- At half that rate (${half.rate} cps): INVITE→200 p50 ${half.p50Ms.toFixed(1)} ms, **p99 ${half.p99Ms.toFixed(1)} ms**, max ${half.maxMs.toFixed(1)} ms${clean(half) ? '' : ' (not clean!)'}`);
  out.push('', '| offered cps | calls | successful | failed | gateway CPU | CPU needed per offered s | CPU µs/call | core 0 used by others | event-loop delay p99 / max ms | INVITE→200 p50 ms | p99 ms | max ms |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of steps) out.push(row(s));
  if (half !== undefined) out.push(row(half).replace(/^\| (\d+)/, '| $1 (half rate)'));
  if (profile.step !== undefined) out.push(row(profile.step).replace(/^\| (\d+)/, '| $1 (profiled run)'));
  if (profile.functions.length > 0) {
    out.push('', `Where the gateway's time goes at ${best?.rate ?? 0} cps (V8 CPU profile of one step, startup excluded;`,
      'native frames counted in the area of their JavaScript caller):', '', '| self % | area |', '|---|---|');
    for (const p of profile.areas) out.push(`| ${p.selfPct.toFixed(1)} | ${p.name} |`);
    out.push('', '| self % | function | where |', '|---|---|---|');
    for (const p of profile.functions) out.push(`| ${p.selfPct.toFixed(1)} | ${p.name} | ${p.where} |`);
  }
  // CPU per call from the highest clean step: the profiler itself costs a third more CPU.
  out.push('', ...notes(best ?? profile.step));
  return `${out.join('\n')}\n`;
}

/**
 * The one reading the run itself gives; the rest (what the figures mean, what a call does and
 * costs, what was tried) is the hand-written section after this one, which `--write` leaves alone.
 */
function notes(ref: Step | undefined): string[] {
  const perCallUs = ref === undefined || ref.rate === 0 ? NaN : ref.cpuUsPerCall;
  return [
    'Reading the figures:',
    `- About ${Math.round(perCallUs)} µs of gateway CPU per call ("CPU µs/call": process CPU time of the step over its calls;`,
    '  it barely depends on what else runs on the machine, unlike the clean rate), where 4,000 cps on one core',
    '  needs 250 µs.',
    `- What the other figures mean, what a call does, where its CPU goes and what was tried: "${COST_HEADING.slice(3)}"`,
    '  below, written by hand from the runs it names (`--write` replaces this section only).',
  ];
}

/** The SIPp that ran, as `sipp -v` names it (e.g. `SIPp v3.6.1-SCTP-PCAP-RTPSTREAM (sipp -v)`). */
function sippVersion(): string {
  let output: string;
  try {
    output = execFileSync('sipp', ['-v'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // SIPp 3.6 prints its version and exits 99.
    output = String((err as { stdout?: unknown }).stdout ?? '');
  }
  return `${sippVersionOf(output)} (sipp -v)`;
}

/** The `SIPp vX.Y.Z...` word of `sipp -v`'s output, without its closing period. */
export function sippVersionOf(output: string): string {
  const m = /SIPp v\S+/.exec(output);
  return m === null ? 'SIPp (version not found in `sipp -v`)' : m[0].replace(/\.$/, '');
}

/** The hand-written section after the generated one: the analysis that `--write` must not touch. */
export const COST_HEADING = '## Calls per second: what a call costs';

/** Replaces (or appends) the "## Calls per second" section of docs/benchmarks.md. */
export function writeDoc(section: string): void {
  writeSection(join(ROOT, 'docs/benchmarks.md'), '## Calls per second', section);
}
