/**
 * The machine's own noise floor for packet spacing: a child process pinned to one core
 * spins on the monotonic clock and counts the stretches it did not run (the kernel or, on
 * a VM, the hypervisor took the CPU). A stall in the middle of a tick's send pass delays
 * every packet after it, whatever the gateway does, so such stalls bound the p99 spacing.
 */
import { spawnSync } from 'node:child_process';

/** What a spin saw. */
export interface CpuStalls {
  /** Spin length, ms. */
  spinMs: number;
  /** Stalls longer than 0.5 ms, and longer than 1 and 2 ms. */
  over05: number;
  over1: number;
  over2: number;
  /** Longest stall, ms. */
  maxMs: number;
}

// Runs in the child: a tight loop with no system call but the clock read.
const SPIN = `
const end = process.hrtime.bigint() + BigInt(Number(process.argv[1]) * 1e6);
let last = process.hrtime.bigint();
const gaps = [];
while (last < end) {
  const t = process.hrtime.bigint();
  const g = Number(t - last) / 1e6;
  if (g > 0.5) gaps.push(g);
  last = t;
}
process.stdout.write(JSON.stringify(gaps));
`;

/**
 * Spins `spinMs` on `core` (taskset; unpinned when `core` is undefined) at the caller's priority.
 * @returns undefined when the child fails
 */
export function measureCpuStalls(core: number | undefined, spinMs = 3000): CpuStalls | undefined {
  const node = [process.execPath, '-e', SPIN, String(spinMs)];
  const r = core === undefined
    ? spawnSync(node[0]!, node.slice(1), { encoding: 'utf8' })
    : spawnSync('taskset', ['-c', String(core), ...node], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const gaps = JSON.parse(r.stdout) as number[];
  return {
    spinMs, over05: gaps.length, over1: gaps.filter((g) => g > 1).length, over2: gaps.filter((g) => g > 2).length,
    maxMs: gaps.reduce((a, b) => Math.max(a, b), 0),
  };
}
