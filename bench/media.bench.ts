/**
 * Media benchmark: N concurrent calls on loopback, each with RTP both ways. The gateway
 * (bench/media-gateway.ts, a real `startGateway`, its built-in agent playing a tone) runs
 * pinned to core 0; this process, pinned to core 1, places the calls on our SIP stack and
 * is the load generator: 50 packets/s of µ-law per call (sends spread over 5 ms sub-ticks
 * so that its own bursts stay short), and it timestamps every packet the gateway sends.
 *
 * Per step it reports the gateway's outbound rate per call (vs 50 pps), the spacing of
 * consecutive packets of a call (|Δ − 20 ms|, p50/p99/max over all calls), sequence gaps,
 * and the gateway's CPU (% of one core, total and per call) and event-loop delay. A step
 * passes with ≥ 99 % of 50 pps and p99 deviation ≤ 2 ms; the steps go on until the rate
 * falls below 90 % or the time budget (default 60 s) is spent. The spacing is measured in user space at the
 * receiver, so it includes this process's own scheduling noise: an upper bound.
 * `--write` puts the markdown into docs/benchmarks.md (its own "## Media" section only).
 *
 *   node --import tsx bench/media.bench.ts [--steps 25,50,100,…] [--window-sec 4] [--budget-sec 60] [--nice=-10] [--write]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UserAgent, type Dialog } from '../src/dialog/index.ts';
import { TimerMediaClock } from '../src/media/clock.ts';
import { encodeUlaw } from '../src/media/g711.ts';
import { writeRtpHeader } from '../src/media/rtp.ts';
import { generateTone } from '../src/media/tone.ts';
import { createOffer, parseAnswer } from '../src/sdp/index.ts';
import { SipTransport } from '../src/transport/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '25,50,100,150,200,300,400,600' },
    'window-sec': { type: 'string', default: '4' },
    'budget-sec': { type: 'string', default: '60' },
    nice: { type: 'string', default: '0' },
    write: { type: 'boolean', default: false },
  },
});
const STEPS = opts.steps.split(',').map(Number);
const WINDOW_SEC = Number(opts['window-sec']);
const BUDGET_MS = Number(opts['budget-sec']) * 1000;
const SUBTICKS = 4; // 5 ms sub-ticks per 20 ms frame
/** Scheduling priority of both processes (negative needs root): a shared machine's other work then yields to the bench. */
const NICE = Number(opts.nice);

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
  last: number;
  lastSeq: number;
  received: number;
  seqGaps: number;
}

/** One step's figures. */
interface Step {
  calls: number;
  /** Gateway packets per call per second over the window. */
  pps: number;
  devP50Ms: number;
  devP99Ms: number;
  devMaxMs: number;
  seqGaps: number;
  /** Gateway CPU, % of one core, and per call. */
  cpuPct: number;
  cpuPerCallPct: number;
  loopP99Ms: number;
  /** The generator's own event-loop delay p99 over the window, ms (its share of the spacing noise). */
  genLoopP99Ms: number;
  /** Longest garbage-collection pause of the gateway in the window, ms. */
  gcMaxMs: number;
  pass: boolean;
}

interface GatewayStats {
  calls: number;
  cpuMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  gcMs: number;
  gcMaxMs: number;
}

const PAYLOAD = (() => {
  const out = new Uint8Array(160);
  encodeUlaw(generateTone(440, 20), out);
  return out;
})();

/** The gateway child, pinned to core 0 when taskset exists. */
class GatewayChild {
  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly sipPort: number,
  ) {}

  static async start(dir: string, pin: boolean): Promise<GatewayChild> {
    // MEDIA_BENCH_NODE_ARGS: extra node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
    const extra = (process.env['MEDIA_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
    const node = [process.execPath, ...extra, '--import', 'tsx', join(ROOT, 'bench/media-gateway.ts'), dir];
    const child = pin ? spawn('taskset', ['-c', '0', ...node], { cwd: ROOT }) : spawn(node[0]!, node.slice(1), { cwd: ROOT });
    // The child inherits this process's priority (set in main before it starts).
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    const rl: Interface = createInterface({ input: child.stdout });
    const lines = rl[Symbol.asyncIterator]();
    const first = await lines.next();
    const { sipPort } = JSON.parse(String(first.value)) as { sipPort: number };
    return new GatewayChild(child, lines, sipPort);
  }

  async stats(): Promise<GatewayStats> {
    this.child.stdin.write('stats\n');
    return JSON.parse(String((await this.lines.next()).value)) as GatewayStats;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Places one call: a UDP socket, an INVITE offering it, the answer's RTP address. */
async function placeCall(ua: UserAgent, sipPort: number, index: number, deltas: number[]): Promise<BenchCall> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const invite = ua.invite({
    target: { protocol: 'udp', address: '127.0.0.1', port: sipPort },
    uri: `sip:7020@127.0.0.1:${sipPort}`,
    headers: [['X-five9sessionid', `media-bench-${index}`]],
    sdp: createOffer({ address: '127.0.0.1', port: socket.address().port, codecs: ['PCMU'] }),
  });
  const { response, dialog } = await invite.result;
  if (response.status !== 200 || !dialog) throw new Error(`call ${index} refused: ${response.status}`);
  const answer = parseAnswer(response.body.toString(), ['PCMU']);
  const call: BenchCall = {
    socket, dialog, remote: { address: answer.remoteAddress, port: answer.remotePort }, packet: Buffer.alloc(172),
    seq: index * 1000, timestamp: index * 7919, slice: index % SUBTICKS, measuring: false, last: -1, lastSeq: -1, received: 0, seqGaps: 0,
  };
  call.packet.set(PAYLOAD, 12);
  socket.on('message', (msg) => {
    if (!call.measuring || msg.length < 12 || (msg[0]! & 0xc0) !== 0x80) return;
    const t = performance.now();
    call.received++;
    if (call.last >= 0) deltas.push(t - call.last);
    call.last = t;
    const seq = msg.readUInt16BE(2);
    if (call.lastSeq >= 0 && ((seq - call.lastSeq) & 0xffff) !== 1) call.seqGaps++;
    call.lastSeq = seq;
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

async function runStep(n: number, gw: GatewayChild, ua: UserAgent, clock: TimerMediaClock): Promise<Step> {
  const deltas: number[] = [];
  const calls = await pool([...Array(n).keys()], 25, (i) => placeCall(ua, gw.sipPort, i, deltas));
  const send = (tick: number): void => {
    const slice = tick % SUBTICKS;
    for (const c of calls) {
      if (c.slice !== slice) continue;
      writeRtpHeader(c.packet, 0, { payloadType: 0, sequenceNumber: c.seq, timestamp: c.timestamp >>> 0, ssrc: 0x10000 + c.slice });
      c.seq = (c.seq + 1) & 0xffff;
      c.timestamp += 160;
      c.socket.send(c.packet, c.remote.port, c.remote.address);
    }
  };
  clock.add(send);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up: latching, greeting started
  const before = await gw.stats();
  const genLoop = monitorEventLoopDelay({ resolution: 1 });
  genLoop.enable();
  for (const c of calls) c.measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_SEC * 1000));
  for (const c of calls) c.measuring = false;
  genLoop.disable();
  const wallMs = performance.now() - t0;
  const afterStats = await gw.stats();
  clock.remove(send);
  await pool(calls, 25, async (c) => { await c.dialog.bye().catch(() => undefined); c.socket.close(); });
  while ((await gw.stats()).calls > 0) await new Promise((r) => setTimeout(r, 100));
  const dev = Float64Array.from(deltas, (d) => Math.abs(d - 20)).sort();
  const received = calls.reduce((s, c) => s + c.received, 0);
  const pps = received / n / (wallMs / 1000);
  const cpuPct = (100 * (afterStats.cpuMs - before.cpuMs)) / wallMs;
  const step: Step = {
    calls: n, pps, devP50Ms: percentile(dev, 50), devP99Ms: percentile(dev, 99), devMaxMs: dev[dev.length - 1] ?? NaN,
    seqGaps: calls.reduce((s, c) => s + c.seqGaps, 0), cpuPct, cpuPerCallPct: cpuPct / n, loopP99Ms: afterStats.loopP99Ms,
    genLoopP99Ms: genLoop.percentile(99) / 1e6, gcMaxMs: afterStats.gcMaxMs, pass: false,
  };
  step.pass = step.pps >= 0.99 * 50 && step.devP99Ms <= 2;
  return step;
}

function table(steps: Step[]): string {
  const rows = steps.map((s) => `| ${s.calls} | ${s.pps.toFixed(2)} | ${s.devP50Ms.toFixed(2)} | ${s.devP99Ms.toFixed(2)} | ${s.devMaxMs.toFixed(1)} | ${s.seqGaps} | ${s.cpuPct.toFixed(1)} | ${s.cpuPerCallPct.toFixed(3)} | ${s.loopP99Ms.toFixed(1)} | ${s.genLoopP99Ms.toFixed(1)} | ${s.pass ? 'yes' : 'no'} |`);
  return [
    '| calls | out pps/call | \\|Δ−20\\| p50 ms | p99 ms | max ms | seq gaps | gateway CPU % | CPU %/call | gw loop p99 ms | gen loop p99 ms | pass |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|',
    ...rows,
  ].join('\n');
}

function section(steps: Step[], pinned: boolean, load: number): string {
  // The largest N whose step and every smaller step passed.
  const firstFail = steps.findIndex((s) => !s.pass);
  const best = (firstFail < 0 ? steps : steps.slice(0, firstFail)).at(-1);
  const largest = steps.filter((s) => s.pass).at(-1);
  return [
    '## Media',
    '',
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    `Command: \`node --import tsx bench/media.bench.ts --steps ${STEPS.join(',')} --window-sec ${WINDOW_SEC}${NICE === 0 ? '' : ` --nice=${NICE}`}\``,
    `(gateway ${pinned ? 'pinned to core 0, generator to core 1' : 'not pinned: taskset or a second core missing'};`,
    `1-minute load average ${load.toFixed(2)} at the start: other work on the machine shows up in the spacing).`,
    '',
    'N calls on loopback, RTP PCMU both ways: the generator sends 50 pps per call and timestamps each packet the',
    'gateway sends (its agent plays a tone). Spacing = |Δ − 20 ms| between consecutive packets of a call, over every',
    `call, measured in user space at the receiver (an upper bound). Window ${WINDOW_SEC} s per step after 1 s of warm-up.`,
    'Pass: ≥ 99 % of 50 pps and p99 spacing deviation ≤ 2 ms.',
    '',
    table(steps),
    '',
    'Reading it: one media clock drives every call, so an event-loop stall (a GC scavenge, another process taking',
    'the core) delays the packet of every call at once, and the p99 over all calls follows the worst few ticks of the',
    'window. "gw loop" and "gen loop" are the event-loop delays (p99) of the gateway and of the generator; the',
    'latter is the measurement\'s own noise. "seq gaps" are packets that never reached the generator (its socket',
    'buffer or scheduling), not ticks the gateway skipped. A rate above 50 pps is catch-up after a stall.',
    '',
    best === undefined
      ? `No run of steps passed from the smallest${largest === undefined ? '' : `; the largest passing step had ${largest.calls} calls`}.`
      : `**Max N passing: ${best.calls} calls** (${best.cpuPerCallPct.toFixed(3)} % of a core per call).`,
    '',
  ].join('\n');
}

/** Replaces (or appends) the "## Media" section of docs/benchmarks.md. */
function writeDoc(text: string): void {
  const file = join(ROOT, 'docs/benchmarks.md');
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf('## Media');
  if (start < 0) {
    writeFileSync(file, `${doc.trimEnd()}\n\n${text}`);
    return;
  }
  const next = doc.indexOf('\n## ', start + 3);
  writeFileSync(file, `${doc.slice(0, start)}${text}${next < 0 ? '' : `\n${doc.slice(next + 1)}`}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = loadavg()[0] ?? 0;
  const pinned = cpus().length >= 2 && spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]).status === 0;
  if (NICE !== 0) setPriority(NICE);
  const dir = mkdtempSync(join(tmpdir(), 'agentline-media-bench-'));
  const gw = await GatewayChild.start(dir, pinned);
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0, protocols: ['udp'] });
  const ua = new UserAgent({ transport });
  const clock = new TimerMediaClock({ periodMs: 20 / SUBTICKS });
  const steps: Step[] = [];
  try {
    for (const n of STEPS) {
      if (performance.now() - started > BUDGET_MS - (WINDOW_SEC + 3) * 1000) break;
      const step = await runStep(n, gw, ua, clock);
      steps.push(step);
      console.log(`${n} calls: ${step.pps.toFixed(2)} pps/call, p99 |Δ−20| ${step.devP99Ms.toFixed(2)} ms, CPU ${step.cpuPct.toFixed(1)} %, GC max ${step.gcMaxMs.toFixed(1)} ms ${step.pass ? 'PASS' : 'FAIL'}`);
      // A noisy machine can fail a small step and pass a larger one: go on until clearly overloaded.
      if (step.pps < 0.9 * 50) break;
    }
  } finally {
    ua.close();
    await transport.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const text = section(steps, pinned, load);
  console.log(`\n${text}`);
  if (opts.write) writeDoc(text);
}

await main();
