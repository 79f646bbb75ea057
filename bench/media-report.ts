/**
 * The media bench's output: one console line per step and the markdown of the "## Media"
 * section of docs/benchmarks.md.
 */
import { cpus } from 'node:os';
import { writeSection } from './doc-section.ts';
import type { CpuStalls } from './cpu-stalls.ts';
import type { MediaStep } from './media-measure.ts';

/** What the section says besides the steps. */
export interface MediaReport {
  steps: MediaStep[];
  /** What the gateway's agent does (bench/media-agent.ts `describeAgent`). */
  agent: string;
  /** The gateway's core (the generator and tcpdump on another); undefined when not pinned. */
  pinned: number | undefined;
  /** 1-minute load average at the start of the run. */
  load: number;
  command: string;
  windowSec: number;
  /** Why there is no kernel capture, when there is none. */
  captureNote?: string;
  /** The machine's own stalls on the gateway's core, measured before the steps. */
  stalls?: CpuStalls;
}

/** A figure, or – when there is none (undefined, or NaN: JSON carries it as null). */
const f = (n: number | null | undefined, digits: number): string => (typeof n !== 'number' || Number.isNaN(n) ? '–' : n.toFixed(digits));

/** One console line per step. */
export function stepLine(s: MediaStep): string {
  const judged = s.wire ?? s.user;
  const wire = s.wire === undefined ? '' : `kernel p99 |Δ−20| ${f(s.wire.p99Ms, 2)} ms, `;
  const tick = `${s.bursts === undefined ? '' : `wire tick jitter p99 ${f(s.bursts.tickJitter.p99, 2)} ms, position change p99 ${f(s.bursts.positionChange.p99, 2)} ms, `}`
    + `clock late p99 ${f(s.clock.late.p99, 2)} ms, pass p99 ${f(s.clock.pass.p99, 2)} ms, ticks with GC ${s.clock.ticksWithGc}/${s.clock.ticks}, `;
  const agent = s.agentSteps === undefined ? '' : `flow steps of call 0 ${s.agentSteps}, `;
  return `${s.calls} calls: ${f(judged.pps, 2)} pps/call, ${wire}user p99 ${f(s.user.p99Ms, 2)} ms, ${tick}${agent}CPU ${f(s.cpuPct, 1)} % `
    + `(in window ${f(s.windowCpuPct, 1)} %, others on its core ${f(s.othersPct, 0)} %), GC max ${f(s.gcMaxMs, 1)} ms ${s.pass ? 'PASS' : 'FAIL'}`;
}

function spacingTable(steps: MediaStep[]): string {
  const rows = steps.map((s) => {
    const w = s.wire;
    return `| ${s.calls} | ${f((w ?? s.user).pps, 2)} | ${f(w?.p50Ms, 2)} | **${f(w?.p99Ms, 2)}** | ${f(w?.overBudgetPct, 2)} | ${f(w?.maxMs, 1)} | ${f(s.user.p50Ms, 2)} | ${f(s.user.p99Ms, 2)} | `
      + `${w === undefined ? '–' : w.seqGaps} / ${s.user.seqGaps} | ${s.agentSteps ?? '–'} | ${f(s.cpuPct, 1)} | ${f(s.cpuPerCallPct, 3)} | ${f(s.windowCpuPct, 1)} | ${f(s.othersPct, 0)} / ${f(s.stealPct, 0)} | ${f(s.load, 2)} | ${s.pass ? 'yes' : 'no'} |`;
  });
  return [
    '| calls | out pps/call | kernel \\|Δ−20\\| p50 ms | kernel p99 ms | kernel > 2 ms, % | kernel max ms | user-space p50 ms | user-space p99 ms | seq gaps kernel / user | flow steps, call 0 | gateway CPU % | CPU %/call | CPU % in window | gateway core: others / steal % | load 1 min | pass |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|',
    ...rows,
  ].join('\n');
}

function tickTable(steps: MediaStep[]): string {
  const rows = steps.filter((s) => s.bursts !== undefined).map((s) => {
    const b = s.bursts!;
    return `| ${s.calls} | ${b.bursts} (${f(b.meanSize, 0)}) | ${f(b.fittedPeriodMs, 4)} | ${f(b.tickJitter.p50, 2)} | ${f(b.tickJitter.p99, 2)} | ${f(b.tickJitter.max, 1)} | ${b.ticksOverBudget} | `
      + `${f(b.lateness.p50, 2)} | ${f(b.lateness.p99, 2)} | ${f(b.spread.p50, 2)} | ${f(b.spread.p99, 2)} | ${f(b.positionChange.p99, 2)} | ${s.captureDropped ?? '–'} |`;
  });
  if (rows.length === 0) return '';
  return [
    '| calls | bursts (packets each) | fitted period ms | tick-to-tick \\|Δ−20\\| p50 ms | p99 ms | max ms | ticks beyond ±2 ms | burst start late p50 ms | p99 ms | burst spread p50 ms | p99 ms | position change p99 ms | capture drops |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** The gateway's media clock from inside (bench/tick-probe.ts), with or without a capture. */
export function clockTable(steps: MediaStep[]): string {
  const rows = steps.map((s) => {
    const c = s.clock;
    const pair = (p: { p50: number; p99: number }): string => `${f(p.p50, 2)} / ${f(p.p99, 2)}`;
    const p = c.paced;
    const paced = p === undefined || p.batches === 0 ? '– | – | –' : `${p.batches} | ${f(p.late.p50, 2)} / ${f(p.late.p99, 2)} / ${f(p.late.max, 1)} | ${pair(p.pass)}`;
    return `| ${s.calls} | ${c.ticks} | ${f(c.late.p50, 2)} / ${f(c.late.p99, 2)} / ${f(c.late.max, 1)} | ${pair(c.sendPhase)} | ${f(c.sendPhase.max, 1)} | ${pair(c.work)} | ${pair(c.pass)} | `
      + `${c.ticksWithGc} (${f(c.gcInPassMaxMs, 1)}) | ${paced} | ${f(s.loopP99Ms, 1)} | ${f(s.gcMaxMs, 1)} | ${s.gcMajor} (${f(s.gcMajorMaxMs, 1)}) | ${f(s.genLoopP99Ms, 1)} |`;
  });
  return [
    '| calls | ticks | tick late p50 / p99 / max ms | due → send phase end p50 / p99 ms | max ms | work phase p50 / p99 ms | due → pass end p50 / p99 ms | ticks with a GC pause in the pass (longest ms) | pacer batches | pacer start late p50 / p99 / max ms | pacer pass p50 / p99 ms | gw loop p99 ms | gw GC max ms | gw full GCs (longest ms) | gen loop p99 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** The "## Media" section. */
export function mediaSection(r: MediaReport): string {
  const firstFail = r.steps.findIndex((s) => !s.pass);
  const best = (firstFail < 0 ? r.steps : r.steps.slice(0, firstFail)).at(-1);
  const largest = r.steps.filter((s) => s.pass).at(-1);
  const ticks = tickTable(r.steps);
  return [
    '## Media',
    '',
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Command: \`${r.command}\``,
    `(gateway ${r.pinned === undefined ? 'not pinned: taskset or a second core missing' : `pinned to core ${r.pinned}, generator and tcpdump to another`};`,
    `1-minute load average ${r.load.toFixed(2)} at the start; the table gives it per step, and "gateway core: others" is`,
    'what processes other than the gateway took of its core during the window, from /proc/stat; steal as the VM reports it).',
    'RTP sockets: `rtp.io` auto (the native addon when built, as by `npm ci`) unless the command sets AGENTLINE_RTP_IO.',
    ...(r.stalls === undefined ? [] : [
      `Noise floor: a process spinning alone on the gateway's core for ${r.stalls.spinMs / 1000} s before the steps lost the CPU`,
      `${r.stalls.over1} times for over 1 ms (${r.stalls.over2} over 2 ms, longest ${r.stalls.maxMs.toFixed(1)} ms): stalls that no scheduling in the`,
      'gateway can avoid; one inside a tick\'s send pass delays every packet after it (bench/cpu-stalls.ts).',
    ]),
    '',
    `N calls on loopback, RTP PCMU both ways: the generator sends 50 pps per call; the gateway's agent: ${r.agent}.`,
    '"Flow steps, call 0": the steps the first call\'s flow agent visited (each one a prompt started), from its handoff record.',
    'Spacing = |Δ − 20 ms| between consecutive packets of a call (consecutive sequence numbers), over every call;',
    '"> 2 ms, %" is the share of spacings beyond ±2 ms (the target allows 1 %: a continuous figure where p99 is a threshold).',
    '**Kernel**: tcpdump captures the gateway\'s RTP on `lo` (filter: its source port range) with nanosecond',
    'timestamps that the kernel takes when the packet passes the capture tap, inside the gateway\'s send call on',
    'loopback; the bench parses the pcap itself (bench/pcap.ts). **User space**: `performance.now()` in the',
    'generator\'s receive callback (1 MiB receive buffers, minimal work), which adds the generator\'s own loop delays.',
    `Window ${r.windowSec} s per step after 1 s of warm-up and 2 s measuring the gateway's CPU ("gateway CPU %", "CPU %/call")`,
    'without the capture, whose kernel tap runs inside the gateway\'s send calls and is charged to it ("CPU % in window").',
    'Pass: ≥ 99 % of 50 pps and kernel p99 ≤ 2 ms',
    '(user-space p99 when there is no capture).',
    ...(r.captureNote === undefined ? [] : ['', `*${r.captureNote}.*`]),
    '',
    spacingTable(r.steps),
    ...(ticks === '' ? [] : [
      '',
      'Per tick, from the kernel trace (one media clock sends every call in one pass per tick, so the trace is one',
      'burst per tick): tick-to-tick jitter of the first packet of each burst, and how many bursts started beyond ±2 ms',
      'of a period after the one before (each such tick is one spacing of nearly every call beyond ±2 ms: one in a',
      'hundred is the whole 1 % the target allows), the first packet\'s lateness against the best-fit 20 ms',
      'grid (0 = the earliest burst), the send pass from first to last packet of a burst, and how much a call\'s',
      'offset inside its burst changes from one tick to the next. Per-call spacing ≈ tick jitter + position change.',
      '',
      ticks,
    ]),
    '',
    'The media clock from inside the gateway (its diagnostics channel, bench/tick-probe.ts): how late each tick\'s',
    '`send` phase started (its `prepare` phase runs ahead of the due time when the clock can sleep before ticks),',
    'when it ended (every call\'s packet of the tick is sent by then), how long the `work`',
    'phase after it took (inbound audio, agents, RTCP), and the whole pass; all from the tick\'s due time on the',
    'clock\'s grid (after a stall the schedule runs up to a period behind it for a while: src/media/clock-slew.ts).',
    'With the RTP pacer (`rtp.pacer`, on by default with native sockets) the event loop runs each tick up to its',
    'lead ahead of the due time and its send phase only queues the packets: those columns then read 0 while it',
    'is ahead, and the pacer\'s say when its thread started a tick\'s sends after the due time and how long',
    'they took, which is when the packets left.',
    '',
    clockTable(r.steps),
    '',
    best === undefined
      ? `No run of steps passed from the smallest${largest === undefined ? '' : `; the largest passing step had ${largest.calls} calls`}.`
      : `**Max N passing: ${best.calls} calls** (${best.cpuPerCallPct.toFixed(3)} % of a core per call).`,
    '',
  ].join('\n');
}

/** Replaces (or appends) the "## Media" section of a markdown file. */
export function writeMediaSection(file: string, text: string): void {
  writeSection(file, '## Media', text);
}
