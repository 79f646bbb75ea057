/**
 * Media benchmark: N concurrent calls on loopback, each with RTP both ways. The gateway
 * (bench/media-gateway.ts, a real `startGateway`) runs pinned to core 0 (`--gateway-core`);
 * its agent (bench/media-agent.ts, `--agent`) is by default a flow agent playing two WAV
 * prompts, generated into the bench's scratch directory at start, in a loop for the whole
 * call (issue #4: "with the flow agent playing prompts"); `--agent tone` runs the built-in
 * agent playing a 1 kHz tone instead. After each step the bench reads how many steps the
 * first call's agent went through (its handoff record), to show the calls reached it.
 * This process, pinned to the other core, places the calls on our SIP stack and is the
 * load generator: 50 packets/s of µ-law per call (sends spread over 5 ms sub-ticks
 * so that its own bursts stay short), and it records every packet the gateway sends.
 *
 * The gateway's packets are timed twice:
 * - by the kernel: tcpdump (pinned to the generator's core) captures them on `lo` (filter: the gateway's
 *   RTP source ports) with the kernel's timestamp, taken inside the gateway's send call on
 *   loopback, into a temporary pcap that bench/pcap.ts parses. This is the figure the
 *   target is judged on. Needs tcpdump and root; without them the bench says so and uses
 *   the second one only (`--no-capture` skips it on purpose).
 * - in user space: `performance.now()` when this process's receive callback runs
 *   (1 MiB receive buffers, nothing else done in the callback): an upper bound that adds
 *   the generator's own event-loop delays.
 *
 * Per step (after 1 s of warm-up, 2 s measuring the gateway's CPU without capture, then the
 * window): the gateway's outbound rate per call (vs 50 pps), the spacing of consecutive
 * packets of a call (|Δ − 20 ms|, p50/p99/max over all calls), sequence gaps, the gateway's
 * CPU (% of one core, total and per call), what other processes took of its core, and from
 * the kernel trace the per-tick view (bench/spacing.ts): tick-to-tick jitter of the first
 * packet of each burst, its lateness against the 20 ms grid, and the send pass's spread.
 * Before the steps, a 3 s spin on the gateway's core (bench/cpu-stalls.ts) measures the
 * machine's own stalls, the floor under any p99 spacing.
 * A step passes with ≥ 99 % of 50 pps and p99 deviation ≤ 2 ms; the steps go on until the
 * rate falls below 90 % or the time budget (default 150 s) is spent. `--write` puts the
 * markdown into docs/benchmarks.md (its own "## Media" section only).
 *
 * `--keep-pcap <dir>` keeps each step's capture as `<dir>/media-<calls>.pcap` (for tcpdump -r or Wireshark).
 *
 *   node --import tsx bench/media.bench.ts [--agent flow|tone] [--steps 25,50,…] [--window-sec 4] [--budget-sec 150] [--nice=-10] [--gateway-core 0] [--no-capture] [--keep-pcap dir] [--write]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UserAgent, type Dialog } from '../src/dialog/index.ts';
import { GATEWAY_NODE_FLAGS } from '../src/lib/node-flags.ts';
import { TimerMediaClock } from '../src/media/clock.ts';
import { encodeUlaw } from '../src/media/g711.ts';
import { writeRtpHeader } from '../src/media/rtp.ts';
import { generateTone } from '../src/media/tone.ts';
import { createOffer, parseAnswer } from '../src/sdp/index.ts';
import { SipTransport } from '../src/transport/index.ts';
import { measureCpuStalls } from './cpu-stalls.ts';
import { describeAgent, MEDIA_AGENT_EXTENSION, parseMediaAgent, writePrompts, type MediaAgentKind } from './media-agent.ts';
import { cpuTicks, kernelTrace, type MediaStep } from './media-measure.ts';
import { GATEWAY_RTP_FILTER, GENERATOR_RTP_PORTS } from './media-ports.ts';
import { mediaSection, stepLine, writeMediaSection } from './media-report.ts';
import { captureUnavailable, PacketCapture } from './packet-capture.ts';
import { burstsOf, CallTrace, spacingOf } from './spacing.ts';
import type { TickProbeStats } from './tick-probe.ts';
import { benchArgs } from './args.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const opts = benchArgs({
  agent: { type: 'string', default: 'flow' },
  steps: { type: 'string', default: '25,100,300,600,800,1000' },
  'window-sec': { type: 'string', default: '4' },
  'budget-sec': { type: 'string', default: '150' },
  nice: { type: 'string', default: '0' },
  'gateway-core': { type: 'string', default: '0' },
  'no-capture': { type: 'boolean', default: false },
  'keep-pcap': { type: 'string' },
  write: { type: 'boolean', default: false },
}, import.meta.url);
const AGENT: MediaAgentKind = (() => {
  try {
    return parseMediaAgent(opts.agent);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
})();
const STEPS = opts.steps.split(',').map(Number);
const WINDOW_SEC = Number(opts['window-sec']);
const BUDGET_MS = Number(opts['budget-sec']) * 1000;
const SUBTICKS = 4; // 5 ms sub-ticks per 20 ms frame
/** Scheduling priority of the bench's processes and of their autogroup (negative needs root): a shared machine's other work then yields to the bench. */
const NICE = Number(opts.nice);
/** The gateway's core; the generator and tcpdump take another (another bench may have pinned itself to core 0). */
const GATEWAY_CORE = Number(opts['gateway-core']);
const GENERATOR_CORE = GATEWAY_CORE === 0 ? 1 : 0;
/** Packets kept per call and window (50 pps plus catch-up room). */
const TRACE_CAPACITY = Math.ceil(WINDOW_SEC * 50 * 1.5) + 16;
/** The gateway's CPU is measured over this long before the capture starts, ms. */
const CPU_WINDOW_MS = 2000;

/** One call of the load generator. */
interface BenchCall {
  socket: Socket;
  dialog: Dialog;
  remote: { address: string; port: number };
  packet: Buffer;
  seq: number;
  timestamp: number;
  slice: number;
  measuring: boolean;
  /** User-space arrival times of the gateway's packets in the window. */
  trace: CallTrace;
}

interface GatewayStats {
  calls: number;
  atMs: number;
  cpuMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  gcMs: number;
  gcMaxMs: number;
  gcMajor: number;
  gcMajorMaxMs: number;
  clock: TickProbeStats;
}

const PAYLOAD = (() => {
  const out = new Uint8Array(160);
  encodeUlaw(generateTone(440, 20), out);
  return out;
})();

/** The gateway child, pinned to {@link GATEWAY_CORE} when taskset exists. */
/** The JSON lines of the gateway's protocol; every other line is appended to `log`. */
async function* protocolLines(rl: Interface, log: string): AsyncGenerator<string> {
  for await (const line of rl) {
    if (line.startsWith('{')) yield line;
    else appendFileSync(log, `${line}\n`);
  }
}

class GatewayChild {
  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly sipPort: number,
  ) {}

  static async start(dir: string, pin: boolean, agent: MediaAgentKind): Promise<GatewayChild> {
    // MEDIA_BENCH_NODE_ARGS: extra node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
    const extra = (process.env['MEDIA_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    const node = [process.execPath, ...GATEWAY_NODE_FLAGS, ...extra, '--import', 'tsx', join(ROOT, 'bench/media-gateway.ts'), dir, agent];
    const env = process.env;
    const child = pin ? spawn('taskset', ['-c', String(GATEWAY_CORE), ...node], { cwd: ROOT, env }) : spawn(node[0]!, node.slice(1), { cwd: ROOT, env });
    // The child inherits this process's priority (set in main before it starts).
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    const rl: Interface = createInterface({ input: child.stdout });
    // MEDIA_BENCH_GC_LOG: where the lines that are not the bench protocol go (a tracing flag's
    // output, e.g. MEDIA_BENCH_NODE_ARGS=--trace-gc-nvp); without it they would break the protocol.
    const log = process.env['MEDIA_BENCH_GC_LOG'];
    const lines = log === undefined ? rl[Symbol.asyncIterator]() : protocolLines(rl, log);
    const first = await lines.next();
    const { sipPort } = JSON.parse(String(first.value)) as { sipPort: number };
    return new GatewayChild(child, lines, sipPort);
  }

  async stats(): Promise<GatewayStats> {
    this.child.stdin.write('stats\n');
    return JSON.parse(String((await this.lines.next()).value)) as GatewayStats;
  }

  /** Steps the agent of the newest call with this shared id visited (bench/media-gateway.ts `steps`). */
  async agentSteps(sharedId: string): Promise<string[] | null> {
    this.child.stdin.write(`steps ${sharedId}\n`);
    return (JSON.parse(String((await this.lines.next()).value)) as { path: string[] | null }).path;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

let nextGeneratorPort: number = GENERATOR_RTP_PORTS.min;

/**
 * A generator socket on the next free even port of its range (see bench/media-ports.ts;
 * the gateway sends its RTCP to port + 1, which must not be another call's RTP socket),
 * with a large receive buffer: a busy generator loop must not lose the gateway's packets.
 */
async function bindGenerator(): Promise<Socket> {
  const size = (GENERATOR_RTP_PORTS.max - GENERATOR_RTP_PORTS.min + 1) / 2;
  for (let i = 0; i < size; i++) {
    const port = nextGeneratorPort;
    nextGeneratorPort = port + 2 > GENERATOR_RTP_PORTS.max ? GENERATOR_RTP_PORTS.min : port + 2;
    const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    const bound = await new Promise<boolean>((resolve) => {
      const onError = (): void => resolve(false);
      socket.once('error', onError);
      socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => {
        socket.off('error', onError);
        resolve(true);
      });
    });
    if (bound) return socket;
    socket.close();
  }
  throw new Error(`no free generator port [range:${GENERATOR_RTP_PORTS.min}-${GENERATOR_RTP_PORTS.max}]`);
}

/** Places one call: a UDP socket, an INVITE offering it, the answer's RTP address. */
async function placeCall(ua: UserAgent, sipPort: number, index: number): Promise<BenchCall> {
  const socket = await bindGenerator();
  const invite = ua.invite({
    target: { protocol: 'udp', address: '127.0.0.1', port: sipPort },
    uri: `sip:${MEDIA_AGENT_EXTENSION}@127.0.0.1:${sipPort}`,
    headers: [['X-five9sessionid', `media-bench-${index}`]],
    sdp: createOffer({ address: '127.0.0.1', port: socket.address().port, codecs: ['PCMU'] }),
  });
  const { response, dialog } = await invite.result;
  if (response.status !== 200 || !dialog) throw new Error(`call ${index} refused: ${response.status}`);
  const answer = parseAnswer(response.body.toString(), ['PCMU']);
  const call: BenchCall = {
    socket, dialog, remote: { address: answer.remoteAddress, port: answer.remotePort }, packet: Buffer.alloc(172),
    seq: index * 1000, timestamp: index * 7919, slice: index % SUBTICKS, measuring: false, trace: new CallTrace(TRACE_CAPACITY),
  };
  call.packet.set(PAYLOAD, 12);
  // Minimal work: a timestamp and the sequence number (of RTP, not RTCP: RFC 5761 §4); the rest after the window.
  socket.on('message', (msg: Buffer) => {
    if (call.measuring && msg.length >= 12 && (msg[1]! < 192 || msg[1]! > 223)) call.trace.push(performance.now(), (msg[2]! << 8) | msg[3]!);
  });
  return call;
}

/** Runs `fn` over `items` with at most `width` at a time. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** The generator's send pass of one 5 ms sub-tick: the calls of that slice send one frame. */
function sender(calls: BenchCall[]): (tick: number) => void {
  return (tick) => {
    const slice = tick % SUBTICKS;
    for (const c of calls) {
      if (c.slice !== slice) continue;
      writeRtpHeader(c.packet, 0, { payloadType: 0, sequenceNumber: c.seq, timestamp: c.timestamp >>> 0, ssrc: 0x10000 + c.slice });
      c.seq = (c.seq + 1) & 0xffff;
      c.timestamp += 160;
      c.socket.send(c.packet, c.remote.port, c.remote.address);
    }
  };
}

/**
 * Sets this process's nice value (the gateway and tcpdump inherit it) and, where the kernel
 * groups processes by session (`/proc/sys/kernel/sched_autogroup_enabled`), its autogroup's:
 * between sessions only the autogroup's nice counts. Returns how to put the autogroup back.
 */
function raisePriority(nice: number): (() => void) | undefined {
  setPriority(nice);
  const file = '/proc/self/autogroup';
  try {
    const before = /nice (-?\d+)/.exec(readFileSync(file, 'utf8'))?.[1];
    writeFileSync(file, String(nice));
    return before === undefined ? undefined : () => writeFileSync(file, before);
  } catch {
    return undefined; // no autogroups, or not allowed: the nice value alone
  }
}

/** Starts the kernel capture, or says why not and returns undefined. */
async function startCapture(): Promise<PacketCapture | undefined> {
  try {
    return await PacketCapture.start({ filter: GATEWAY_RTP_FILTER, cpu: GENERATOR_CORE });
  } catch (error) {
    console.error(`kernel capture failed, user-space spacing only: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * How many steps the flow agent of the step's first call visited (undefined when its
 * record has no path). The record is written as the call ends, so it is there
 * once the gateway has no calls; a few tries cover a store retry.
 */
async function firstCallSteps(gw: GatewayChild): Promise<number | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const path = await gw.agentSteps('media-bench-0');
    if (path !== null) return path.length;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

async function runStep(n: number, gw: GatewayChild, ua: UserAgent, clock: TimerMediaClock, capture: boolean): Promise<MediaStep> {
  const calls = await pool([...Array(n).keys()], 25, (i) => placeCall(ua, gw.sipPort, i));
  const send = sender(calls);
  clock.add(send);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up: latching, greeting started
  // CPU first, without the capture: its tap runs inside the gateway's send calls and would be charged to it.
  const cpuFrom = await gw.stats();
  await new Promise((r) => setTimeout(r, CPU_WINDOW_MS));
  const cpuTo = await gw.stats();
  const cap = capture ? await startCapture() : undefined;
  const load = loadavg()[0] ?? 0;
  const before = await gw.stats();
  const coreBefore = cpuTicks(GATEWAY_CORE);
  const genLoop = monitorEventLoopDelay({ resolution: 1 });
  genLoop.enable();
  for (const c of calls) c.measuring = true;
  const t0 = performance.now();
  const epoch0 = performance.timeOrigin + t0;
  await new Promise((r) => setTimeout(r, WINDOW_SEC * 1000));
  for (const c of calls) c.measuring = false;
  const wallMs = performance.now() - t0;
  genLoop.disable();
  const afterStats = await gw.stats();
  const coreAfter = cpuTicks(GATEWAY_CORE);
  const counts = await cap?.stop();
  clock.remove(send);
  await pool(calls, 25, async (c) => { await c.dialog.bye().catch(() => undefined); c.socket.close(); });
  while ((await gw.stats()).calls > 0) await new Promise((r) => setTimeout(r, 100));
  const agentSteps = AGENT === 'flow' ? await firstCallSteps(gw) : undefined;
  const kernel = cap === undefined
    ? undefined
    : kernelTrace(cap.read(), calls.map((c) => c.remote.port), epoch0, epoch0 + wallMs, TRACE_CAPACITY);
  if (cap !== undefined && opts['keep-pcap'] !== undefined) copyFileSync(cap.file, join(opts['keep-pcap'], `media-${n}.pcap`));
  cap?.dispose();
  // Over the gateway's own interval between two stats (it may answer late when busy).
  const cpuPct = (100 * (cpuTo.cpuMs - cpuFrom.cpuMs)) / (cpuTo.atMs - cpuFrom.atMs);
  const windowCpuPct = (100 * (afterStats.cpuMs - before.cpuMs)) / (afterStats.atMs - before.atMs);
  const coreJiffies = Math.max(1, coreAfter.total - coreBefore.total);
  const corePct = (100 * (coreAfter.busy - coreBefore.busy)) / coreJiffies;
  const user = spacingOf(calls.map((c) => c.trace));
  const wire = kernel === undefined ? undefined : spacingOf(kernel.traces);
  const judged = wire ?? user;
  return {
    calls: n, user, wire, bursts: kernel === undefined ? undefined : burstsOf(kernel.packets, n),
    captureDropped: counts?.droppedByKernel, cpuPct, cpuPerCallPct: cpuPct / n, windowCpuPct, othersPct: Math.max(0, corePct - windowCpuPct),
    stealPct: (100 * (coreAfter.steal - coreBefore.steal)) / coreJiffies,
    load, ...(agentSteps === undefined ? {} : { agentSteps }), clock: afterStats.clock, loopP99Ms: afterStats.loopP99Ms, genLoopP99Ms: genLoop.percentile(99) / 1e6, gcMaxMs: afterStats.gcMaxMs,
    gcMajor: afterStats.gcMajor, gcMajorMaxMs: afterStats.gcMajorMaxMs,
    pass: judged.pps >= 0.99 * 50 && judged.p99Ms <= 2,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = loadavg()[0] ?? 0;
  const pinned = cpus().length >= 2 && spawnSync('taskset', ['-a', '-p', '-c', String(GENERATOR_CORE), String(process.pid)]).status === 0;
  const restoreAutogroup = NICE === 0 ? undefined : raisePriority(NICE);
  const why = opts['no-capture'] ? 'kernel capture off (--no-capture): spacing measured in user space only' : captureUnavailable();
  if (why !== undefined) console.error(why);
  const stalls = measureCpuStalls(pinned ? GATEWAY_CORE : undefined);
  if (stalls !== undefined) console.log(`CPU stalls on the gateway's core: ${stalls.over1} over 1 ms (${stalls.over2} over 2 ms, longest ${stalls.maxMs.toFixed(1)} ms) in ${stalls.spinMs / 1000} s`);
  const dir = mkdtempSync(join(tmpdir(), 'agentline-media-bench-'));
  if (AGENT === 'flow') writePrompts(dir);
  const agent = describeAgent(AGENT);
  console.log(`agent: ${agent}`);
  const gw = await GatewayChild.start(dir, pinned, AGENT);
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0, protocols: ['udp'] });
  const ua = new UserAgent({ transport });
  // No blocking sleeps in the generator: they would delay its receive callbacks (the user-space timestamps).
  const clock = new TimerMediaClock({ periodMs: 20 / SUBTICKS, leadMs: 0 });
  const steps: MediaStep[] = [];
  try {
    for (const n of STEPS) {
      if (performance.now() - started > BUDGET_MS - (WINDOW_SEC + 5 + n / 100) * 1000) break;
      const step = await runStep(n, gw, ua, clock, why === undefined);
      steps.push(step);
      console.log(stepLine(step));
      // A noisy machine can fail a small step and pass a larger one: go on until clearly overloaded.
      if ((step.wire ?? step.user).pps < 0.9 * 50) break;
    }
  } finally {
    ua.close();
    await transport.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
    restoreAutogroup?.();
  }
  // The gateway's RTP sockets follow AGENTLINE_RTP_IO (bench/gateway-process.ts): say which ran.
  const io = process.env['AGENTLINE_RTP_IO'];
  const command = `${io === undefined ? '' : `AGENTLINE_RTP_IO=${io} `}node --import tsx bench/media.bench.ts --agent ${AGENT} --steps ${STEPS.join(',')} --window-sec ${WINDOW_SEC}${NICE === 0 ? '' : ` --nice=${NICE}`}${GATEWAY_CORE === 0 ? '' : ` --gateway-core ${GATEWAY_CORE}`}${opts['no-capture'] ? ' --no-capture' : ''}`;
  const text = mediaSection({ steps, agent, pinned: pinned ? GATEWAY_CORE : undefined, load, stalls, command, windowSec: WINDOW_SEC, captureNote: why });
  console.log(`\n${text}`);
  if (opts.write) writeMediaSection(join(ROOT, 'docs/benchmarks.md'), text);
}

await main();
