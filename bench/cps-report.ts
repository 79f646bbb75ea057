/**
 * The report of bench/cps.ts: the figures of its steps and profiles as markdown (printed,
 * and with `--write` put into docs/benchmarks.md, its own "## Calls per second" section
 * only), and the notes that say how to read them.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  out.push('', ...notes(best ?? profile.step, profile.areas));
  return `${out.join('\n')}\n`;
}

/** What the figures mean, with the profile's shares where they are measured. */
function notes(ref: Step | undefined, areas: ProfileLine[]): string[] {
  const share = (...names: string[]): string => areas.length === 0
    ? '(share: run with --profile)'
    : `${areas.filter((a) => names.includes(a.name)).reduce((n, a) => n + a.selfPct, 0).toFixed(0)} %`;
  const perCallUs = ref === undefined || ref.rate === 0 ? NaN : ref.cpuUsPerCall;
  return [
    'Reading the figures:',
    `- About ${Math.round(perCallUs)} µs of gateway CPU per call ("CPU µs/call": process CPU time of the step over its calls;`,
    '  it barely depends on what else runs on the machine, unlike the clean rate), where 4,000 cps on one core',
    '  needs 250 µs. It falls as the rate rises (the half-rate row against the steps): epoll wake-ups, transactions,',
    '  fsyncs, media ticks and timers are shared by more calls. Runs of one build differ by about ±10 %.',
    '- The clean rate moves with the machine more than with a session\'s changes. Three ramps of one build',
    '  (552c3d2) within ten minutes on 2026-11-27: clean at 2,200 cps at 387 µs a call (2,400 needed 107 % of the',
    '  core); clean at 1,800 (2,000 failed at 662 µs a call); and one started at 2,200, failed there at',
    '  527. Builds are compared by alternating single 1,600 cps steps instead (bench/cps-ab.ts): that build against fd432fb, eight',
    '  pairs on 2026-11-27, 460 against 474 µs a call on average (pairs differing by -94 to +58). The table is',
    '  712d491 (the RTP pacer, and with it no scavenge steer: item 2), its one ramp: clean up to 2,400 cps at 402 µs',
    '  a call, the 2,200 step at 99 % of the core with INVITEs waiting up to 0.6 s (clean by the rule above).',
    '- The floor: `--baseline` runs the same loop against bench/cps-baseline.ts, a bare Node UAS (`node:dgram` and',
    '  string handling: the 200 with its SDP, the BYE with the X- headers, retransmissions, one timer at a time; no',
    '  store, no RTP, no logs). On 2026-11-26 it took 66 µs a call at 1,600 cps and 42 µs at 5,000 cps (clean at',
    '  21 % of the core). Node, loopback UDP and SIPp\'s wake-ups are not what keeps the gateway from 250 µs: its own',
    '  work is 330-400 µs over that floor (RTP, the store, the SIP stack, the call, garbage collection; below).',
    '- Two machines: the figures dated up to 2026-11-26 in this text are from an AMD EPYC VM; from 2026-11-27 the',
    '  sessions (and the tables above when run since) are on an Intel Xeon VM (Sapphire Rapids, KVM, 2.1 GHz) that',
    '  takes about 1.3-1.5 times the CPU for the same work: the bare UAS 66-89 µs a call at 1,600 cps, the gateway',
    '  511-712 µs in single 1,600 cps steps on 2026-11-27 (440 in the EPYC table of 2026-11-26).',
    '- UDP on the native addon (native/agentline_udp.c): RTP since 2026-11-27 (src/media/native-rtp-socket.ts;',
    '  alternating 1,600 cps steps took 586 and 550 µs a call against 599 and 663 with `AGENTLINE_RTP_IO=dgram`; a',
    '  call here sends about six RTP packets, one `send(2)` each, and receives none), and SIP since later that',
    '  day (src/transport/native-udp-endpoint.ts, `AGENTLINE_SIP_IO=dgram` for node:dgram). In the profile,',
    '  "UDP addon ops" is every op of the addon (V8 gives all N-API functions one name). That build',
    '  (SIP on the addon, the GC steer\'s minimum interval of item 2 below, a constant-time clock removal; before the',
    '  clock\'s WeakMap of item 2) against',
    '  4177db8, the one before it, alternating single steps: 1,600 cps 609, 526, 536 µs a call against 612, 722, 623;',
    '  1,200 cps 587 and 623 against 823 and 891, where 4177db8 saturated the core (96-99 %) at 1,200 cps and the',
    '  new build used 69-74 %. The table above is that build with the WeakMap. SIP alone, on that build:',
    '  `AGENTLINE_SIP_IO=dgram` against native, four alternating pairs of 1,600 cps steps: 560, 718, 552, 753 µs a',
    '  call against 524, 472, 556, 530; the dgram steps at 718 and 753 fell behind (INVITE→200 p99 3.5-4.1 s, 621',
    '  calls failed in one, with 10 % of the core taken by other processes); of the native steps, the one at 556 lost',
    '  39 calls with 13 % taken, the one at 530 none with 16 %.',
    '- The latency tail is SIP retransmission: SIPp resends an unanswered INVITE after 500 ms, so a p99 near 500 ms',
    '  or above means INVITEs waited behind a busy event loop or were dropped from a full socket buffer. The',
    '  WAL fsync no longer blocks the loop (it runs on the libuv thread pool); what still does: scavenges',
    '  (several ms each, several a second). The media clock\'s blocking wait before each tick (up to 3 ms, while the',
    '  loop was under 70 % busy) is gone with the RTP pacer (its thread waits for the due time instead); it is back',
    '  with `rtp.pacer.enabled: false` or without the addon.',
    '- The machine is shared (other engineers\' tests run on the same two cores), so clean rates vary from run to',
    '  run by a few hundred cps; compare runs by CPU µs per call, with "core 0 used by others" near 0. The warm-up',
    '  (`--warmup`, default 400 cps for 10 s) keeps V8\'s compilation out of the measured steps.',
    '- A cold gateway is slower for its first few thousand calls, while V8 optimises the call path: after 500 calls',
    '  (the warm-up before 2026-11-26, 100 cps for 5 s) a first step at 1,600 cps took 445-507 µs a call and INVITEs',
    '  queued for up to half a second over its first 3 s (kernel timestamps of INVITE and 200 on `lo`; no call',
    '  failed), against 360-400 µs and a p99 of 10-60 ms one step later or after 4,000 calls. Earlier figures for the',
    '  first step and the half-rate p99 (measured on a fresh gateway) carried that transient. A gateway that takes',
    '  over a full load at once (failover) sees it; one whose traffic ramps up does not. `--interrupt-budget=8192`',
    '  (V8 optimises after an eighth of the usual work; `--node-flags`) cut that first step to 359-395 µs a call and a',
    '  p99 of 84-132 ms, but cost about 4 % in the steady state (2,400 cps: 369-371 against 347-357 µs): not set.',
    '- Part of the send cost is the loopback itself: a datagram sent on `lo` is delivered inside the sender\'s `send`',
    '  call, and waking SIPp on the other core is charged to the gateway (perf, 1,600 cps, 2026-11-26: `sendmsg` 13.6 %',
    '  of the process, of which the receiving side of loopback delivery 6.6 % and waking SIPp 4 %). In a CPU profile of a 1,200 cps step',
    '  (2026-11-26), the two SIP datagrams a call sends (200, BYE) took 6.7 % of the samples, each about 7 times an RTP',
    '  packet to SIPp\'s unread media socket; the RTCP BYE to SIPp\'s unbound RTCP port another 1.6 % (the kernel',
    '  answers it with ICMP port unreachable). A NIC\'s transmit wakes no peer process.',
    '- SIPp sends no RTP; the gateway\'s RTP towards SIPp ends in its unread media socket. A real caller\'s inbound',
    '  RTP (jitter buffer, 50 packets/s per call) would cost more.',
    '- The V8 profile sees the JavaScript thread only. Per-thread CPU (/proc, 8 s of a 1,600 cps step): main thread',
    '  64 % of the core, V8\'s four helper threads 13 % (parallel scavenge, concurrent marking and sweeping), the',
    '  libuv pool (fsync) 2 %: garbage collection is about a quarter of the gateway\'s CPU with the main thread\'s share.',
    '- The whole process by `perf record -e cpu-clock -g -p <gateway>` (5 s of a 2,000 cps step, all threads,',
    '  2026-11-26): the node binary 53 % (V8\'s scavenger about 14 %, concurrent marking 3.5 %, sweeping 1.3 %; the',
    '  rest builtins: Map lookups, property-access misses, promises, strings), the kernel 22 % (5 % of it waking',
    '  SIPp from inside `sendmsg` on loopback), JIT-compiled JavaScript 19 %, libc 4 %, SQLite 2 %. No single',
    '  function above 2 % but the scavenger\'s copy loop (8-9 %): what survives a scavenge is the lever.',
    '',
    'Per call now: one UDP socket pair from a pool (no bind/close), one SDP parse (src/sdp/reader.ts, one pass: sdp-transform\'s',
    'regular expressions took 3.2 % of the core at 1,600 cps until 2026-11-27) and an answer',
    'written straight to text, a pino child logger only when the call writes a line at the log level (none here:',
    'the bench logs nothing; at `info`, two lines and one child per call: `--log-level info`, written synchronously',
    'to a file as pino writes to stdout, costs 30-40 µs more a call: 526-543 µs against 496-505 at 1,600 cps and',
    '445-462 against 411-425 at 2,000, two alternating pairs on 2026-11-26), two SQLite writes (the handoff record,',
    'durable before the BYE, and the CDR, written once at the end of a short call; UUIDv7 keys, so inserts append',
    'to the b-trees), about 9 datagrams sent: 200 (no 100 Trying when the answer leaves within the event-loop turn,',
    'RFC 3261 §17.2.1; no 180 without a ring time), BYE, RTP every 20 ms (a pre-encoded silent payload while the',
    'agent says nothing), the RTCP BYE. No jitter buffer until the caller sends RTP (SIPp sends none). After the',
    'call, the INVITE transaction (until Timer L at 32 s) and the BYE transaction (until Timer K at 5 s) only',
    'absorb retransmissions: each is a key in the transaction layer\'s table of retired keys, swept by one timer',
    '(src/transaction/retired.ts), not an object with a timer of its own: a heap snapshot 3 s into a 1,000 cps run',
    'holds about 1.6 KB less per call placed than with whole transactions (the BYE\'s alone: 9.5 KB to 1 KB in',
    'src/transaction/client-non-invite.test.ts). The keys, and the shared id the handoff record and the API\'s',
    'document cache keep, are copies: a string cut from a message\'s text keeps all of that text alive in V8 (an',
    'INVITE\'s 1 KB or more per key or id; heap tests in src/transaction/keys.test.ts, src/routing/router.test.ts).',
    'A call in progress holds about 13 KB of JavaScript heap (snapshot of 409 calls in flight at 200 cps with a 3 s',
    'agent: the call 4.7 KB, its RTP session 5.7 KB, the agent\'s media handle 1.2 KB, the dialog and the agent 0.6 KB',
    'each), plus its socket pair\'s kernel buffers. A call stays in the gateway\'s table until SIPp answers its BYE:',
    'at a steady 1,600 cps that is about 190 calls listed (120 ms a call), as for the baseline UAS (160); only a',
    'gateway that falls behind (the first seconds of a cold process, an overloaded step, a profiled run) lists',
    '1,000-3,000, most of them ended and waiting for SIPp\'s answer to a retransmitted BYE. An ended call lets go of',
    'its INVITE, dialog and agent slot when the BYE leaves, and waits with little.',
    '',
    'Top costs (profile above) and what would cut them:',
    '1. UDP, the "UDP addon ops" row plus the kernel (sendmsg and loopback delivery): mostly RTP sends (about 6',
    '   packets in a 100 ms call) plus SIP, one syscall per datagram. The RTCP socket is on the addon too since',
    `   2026-11-27 (node:dgram ${share('node:dgram')}: the RTCP BYE through dgram's send path cost about 1 % more). RTP sockets are connected to`,
    '   the peer only once it has sent (symmetric RTP, NAT): SIPp sends no RTP here, so every send carries an address.',
    '   What the call\'s media costs in all, measured by leaving out the RTP sends and the RTCP BYE (a temporary',
    '   switch, two alternating pairs, 2026-11-26): 376-419 against 437-451 µs a call at 1,600 cps, 309-340 against',
    '   362-382 at 2,400: 40-60 µs. Without any media the loop would still take 300-340 µs of the 250 the target allows.',
    '2. Garbage collection (2026-11-26; `--node-flags=--trace-gc-nvp --gc-log FILE`, reading the main isolate\'s lines',
    '   only: the log interleaves those of tsx\'s loader thread and of a worker). It was about a third of a call\'s CPU:',
    '   at 1,600 cps 13 scavenges a second and about 300 ms/s of GC (pause plus V8\'s helper threads, on the same',
    '   core), 17 KB promoted per call though a call\'s objects live about 120 ms. Two things kept dead calls alive',
    '   through scavenges (an old-to-young pointer is a root for one): the hash tables a long-lived `Map` leaves in',
    '   old space at each rehash, still pointing at the calls of that moment (calls, dialogs and transactions are now',
    '   in SlotMaps, src/lib/slot-map.ts), and V8\'s allocation-site pretenuring, which put per-call objects straight',
    '   into old space, where they died holding young ones (`--no-allocation-site-pretenuring`, set at start:',
    '   src/lib/node-flags.ts). Neither alone moved the promotion rate; together, 7.2 to 1.2 MB/s at 600 cps. Then',
    '   a young generation larger than a call\'s worth of allocation pays, which it did not before: with',
    '   `--max-semi-space-size=32` (npm start, bin/agentline and the benches pass it; src/lib/node-flags.ts says why',
    '   not 64) 1,600 cps takes 6.2 scavenges a second, 46 ms/s of pause and 48 on the helpers, 3.2 MB/s promoted',
    '   (64 MB: 70-90 ms/s in all; 128 MB: ~55). Found by bisection: `heap-start old` (bench/profile-commands.ts)',
    '   for the allocation sites of what survived, then a 16 KB marker hung on one object of the call at a time,',
    '   with parts of the call cut out.',
    '   The media clock\'s scavenge steer (src/lib/gc-steer.ts, issue #4, 2026-11-27) undid part of that: it',
    '   scavenged in the clock\'s slack once 8 MiB of young generation were used, 10-12 times a second at 1,200 cps,',
    '   so most calls in flight lived through two scavenges and were promoted (14 KB a call, against 6.8 with V8',
    '   alone; `--trace-gc-nvp`). It now waits 500 ms after any scavenge before its budget or the slack may bring',
    '   the next forward: 4 a second and 6.5 KB a call at 1,200 cps. What was still promoted (about 14 KB a call at',
    '   800 cps, where a scavenge comes every 340 ms and a call lives about 200 ms) was mostly the call\'s RTP session',
    '   and media leg, by `--heap-survivors` (`heap-start old`), though a heap snapshot in the middle of a run found no',
    '   ended call or session still reachable: something dead in old space pointed at them. Nulling a closed',
    '   session\'s fields halved it; the culprit was the media clock\'s own table of listeners, a `Map` keyed by each',
    '   session\'s bound methods, whose old tables kept the sessions of their moment alive. In a `WeakMap`',
    '   (src/media/clock-base.ts): 6.1 KB a call survives at 800 cps; at 1,200 cps 1.9 KB a call promoted, scavenges',
    '   of 9.9 ms against 18, 483 µs a call. Not it, tried before: the clock\'s arrays, the pooled RTCP socket\'s',
    '   listeners. Left: the AbortSignal each call hands its agent (0.7 KB a call promoted, Node\'s own).',
    '   GC settings measured again on 2026-11-27 (1,600 cps steps, alternating): `--single-threaded-gc`, eight pairs,',
    '   444 against 440 µs a call (V8\'s helper threads took 6-7 % of the core with parallel scavenges, but the main',
    '   thread then did that work itself); a 64 MB semi-space, three pairs: 26 scavenges in 10 s against 56-68 and',
    '   520-540 ms of pause against 740-870, yet 469-478 µs a call against 394-411; 16 MB: 573 against 482. 32 stays.',
    '   Since the RTP pacer (`rtp.pacer`, on by default with native sockets; issue #4, 2026-11-27) the steer is off:',
    '   a scavenge shorter than the pacer\'s lead delays no packet wherever it falls. Its own A/B (the same build,',
    '   `bench/cps-ab.ts --b-env` switching the steer off, six pairs at 1,600 cps): 422 against 446 µs a call, pairs',
    '   from -47 to +4. The pacer itself moved nothing here: 412 against 419 µs a call with it off (eight pairs,',
    '   -56 to +68); it sends the same six packets a call from its own thread instead of the event loop.',
    '   `--minor-mc` (V8 11.3\'s experimental young-generation mark-compact in place of the scavenger), two pairs of',
    '   that build: 530 and 498 against 423 and 437 µs a call. Not set.',
    `3. The SIP and SDP layers, ${share('src/sip', 'src/transaction', 'src/dialog', 'src/sdp', 'sdp-transform')}: parsing and building messages,`,
    '   the offer parse (src/sdp/reader.ts since 2026-11-27: a third of sdp-transform\'s time per offer, three fifths',
    '   of its garbage, sdp-transform its oracle in reader.test.ts).',
    `4. The store, ${share('src/store', 'better-sqlite3')} of the samples (plus the fsync thread): statement, WAL frames and`,
    '   COMMIT per batch; each CDR touches three secondary indexes (listing by start, tenant, agent). Measured alone',
    '   (bench/store.bench.ts, "Store writes" below): 55-80 µs a call at 1,600 calls/s with one transaction per',
    '   10 ms, 110-140 µs with one per 2 ms (the setting before 2026-11-26). The two writes bind their values by',
    '   position since 2026-11-27 (better-sqlite3 looks each named parameter up on the row by name: the CDR\'s 18',
    '   cost 8.8 µs a row against 4.0). Seen and left alone: each commit that split a b-tree page walks SQLite\'s',
    '   whole page-cache hash (balance_nonroot parks a page at the locking page\'s number, 262,145, while it',
    '   renumbers, so the end of the transaction truncates the cache from there); with the 64 MiB cache that is',
    '   0.4 % of the store bench (perf); in a microbenchmark whose cache was full, 68-71 µs a call against 53-55',
    '   with an 8 MiB cache, where the store bench showed no difference beyond its spread.',
    `5. The call and media layers, ${share('src/call', 'src/media')}: the steps of a call (async functions, the agent's`,
    '   abort signal, state machine, timers) and the RTP session objects.',
  ];
}

function sippVersion(): string {
  return 'SIPp v3.6.1 (Debian sip-tester)';
}

/** Replaces (or appends) the "## Calls per second" section of docs/benchmarks.md. */
export function writeDoc(section: string): void {
  writeSection(join(ROOT, 'docs/benchmarks.md'), '## Calls per second', section);
}
