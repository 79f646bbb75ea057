/**
 * How the gateway's Node.js process is tuned for calls that come and go by the thousand a
 * second. Measured on the cps bench (docs/benchmarks.md, "Calls per second", item 2).
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Flags for the `node` command that runs the gateway: they size the heap, which is done when
 * the process starts, so they must be on its command line (`npm start`, bin/agentline.mjs and
 * the benchmarks pass them; src/lib/node-flags.test.ts checks that they do).
 *
 * `--max-semi-space-size=64`: a young generation that may grow to 2 × 64 MB. A call lives
 * about 120 ms, and every call in flight is alive (about 20 KB of it on the JavaScript heap) when
 * a scavenge comes: each scavenge copies the calls in flight, whose number grows with the call
 * rate, and scavenges come as often as the rate fills the young generation. So their cost per
 * call grows with the rate, and a larger young generation divides it. At V8's default (16 MB
 * semi-spaces) a scavenge comes every 80 ms at 1,600 calls a second; at 32 MB, every 0.16 s
 * (about 95 ms of GC a second against 300 at the default, 2026-11-26). At 3,600 calls a second
 * 32 MB gave a scavenge every 0.1 s, each copying 7.6 MB in a 15 ms pause: 1.9 s of pause in a
 * 10 s step, 54 µs a call. Alternating cps-bench pairs on the EPYC VM (2026-11-27): 64 MB against
 * 32, 201 against 242 µs a call at 3,600 calls/s (3 clean pairs of 5; 32 MB failed calls in the
 * other 2) and 197 against 210 at 3,200 (6 pairs, all lower); 128 MB against 64, 179 against 181
 * at 3,600 (4 pairs, 2 lower) and 187 against 196 at 4,000 (3 pairs), for about 125 MB more peak
 * RSS (535 against 410 MB at 3,600 calls/s): 64 has most of the gain. The size is a maximum: V8
 * starts the semi-spaces small and grows them as scavenges keep finding much alive. The media
 * bench passes at 600 and 1,000 flow calls with 32 and 128 MB (two alternating runs each).
 *
 * `--expose-gc`: gives the media clock V8's `gc` function, with which it runs a scavenge in
 * the slack after a tick instead of wherever V8 would start one (src/lib/gc-steer.ts). Without
 * it the gateway runs as before, V8 choosing every scavenge.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--expose-gc'];

/**
 * V8 flags the gateway sets for its own process when it starts (before its first call).
 *
 * `--no-allocation-site-pretenuring`: V8 watches which allocation sites' objects tend to
 * survive a scavenge and then allocates theirs straight into the old generation. A call's
 * objects live about as long as the time between two scavenges, so some of its sites get
 * chosen; a pretenured object that dies keeps every young object it points to alive through
 * scavenges (an old-to-young pointer is a root for them) until the next mark-compact, and
 * those are promoted in turn. With the tables in SlotMaps (src/lib/slot-map.ts, the same
 * effect from a Map's replaced tables): 7.2 MB/s promoted at 600 calls/s with pretenuring,
 * 1.2 MB/s without; neither change alone moves it.
 *
 * `--no-concurrent-array-buffer-sweeping`: Node allocates an ArrayBuffer for every datagram it
 * receives (50 a second per call), and after each scavenge V8 frees the dead ones on a helper
 * thread by default. The gateway runs on one core: that thread then competes with the media
 * clock's next tick, after a scavenge the clock had placed in a tick's slack (gc-steer.ts).
 * Swept inside the pause instead, the work stays in the slack. 600 flow calls, six alternating
 * pairs of 8 s windows (2026-11-27): kernel p99 1.30-3.96 ms, 3 of 6 within ±2 ms, 0.96 % of
 * spacings beyond it on average, against 2.13-3.42 ms, 0 of 6, 1.46 %; CPU per call unchanged.
 * The cps bench at 1,600 calls/s: 592-712 µs a call against 533-652 (five and four runs, within
 * its run-to-run spread, perhaps a few % dearer): kept for the media target.
 *
 * `--no-minor-gc-task`: by default V8 posts a task that scavenges once the young generation is
 * 80 % full, before an allocation finds it full. Under a steady call rate that task starts most
 * scavenges (83 of 101 in a 1,600 calls/s run), each copying the calls in flight, whose number
 * does not depend on when the scavenge comes. Waiting for the allocation that finds the space
 * full spaces them further apart: 88 scavenges instead of 101 in that run, each a little longer,
 * 4.5 % less pause in all. The cps bench, alternating pairs (2026-11-27): 1,600 calls/s 452
 * against 469 µs a call (5 pairs, median -16, 4 lower), 2,000 calls/s 422 against 425 (5 pairs,
 * median -18, 3 lower): about 2-4 %, near this VM's spread. A scavenge then starts inside whatever
 * JavaScript allocates, not between two tasks; with the RTP pacer a pause shorter than its lead
 * delays no packet, and without it the media clock's steer (gc-steer.ts) still places its own.
 *
 * `--max-inlined-bytecode-size=1840 --max-inlined-bytecode-size-cumulative=3680`: four times
 * V8's budgets (460 and 920 bytes of bytecode) for what TurboFan inlines into an optimised
 * function. A call's path is many small layers (SIP parse, transaction, dialog, call step,
 * store), each a function or two too big to inline under the default budget. The cps bench,
 * alternating pairs of one build with and without them as node flags (2026-11-27): 1,600 calls/s
 * 388 against 401 µs a call (8 pairs, median -17, 6 lower) and 435 against 444 in an earlier set
 * (6 pairs, median -10, 5 lower); set here at start instead, 383 against 402 (8 pairs, median -12,
 * 6 lower); twice the budgets: median -9, 4 of 6 lower. About 3 %.
 */
export const GATEWAY_V8_FLAGS: readonly string[] = [
  '--no-allocation-site-pretenuring', '--no-concurrent-array-buffer-sweeping', '--no-minor-gc-task',
  '--max-inlined-bytecode-size=1840', '--max-inlined-bytecode-size-cumulative=3680',
];

let v8FlagsSet = false;

/** Sets {@link GATEWAY_V8_FLAGS} for this process, once. */
export function setGatewayV8Flags(): void {
  if (v8FlagsSet) return;
  v8FlagsSet = true;
  for (const flag of GATEWAY_V8_FLAGS) setFlagsFromString(flag);
}
