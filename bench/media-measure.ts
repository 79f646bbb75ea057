/**
 * Measurements of the media bench apart from its orchestration: a step's figures, the
 * kernel trace read back from the capture, and a core's busy time from /proc/stat.
 */
import { readFileSync } from 'node:fs';
import { udpDatagrams } from './pcap.ts';
import { CallTrace, type BurstStats, type SpacingStats, type TracePacket } from './spacing.ts';
import type { TickProbeStats } from './tick-probe.ts';

/** One step's figures. */
export interface MediaStep {
  calls: number;
  /** Spacing and rate from user-space arrival times (upper bound). */
  user: SpacingStats;
  /** Spacing and rate from the kernel's capture timestamps (absent without a capture). */
  wire?: SpacingStats;
  /** Per-tick view of the kernel trace. */
  bursts?: BurstStats;
  /** Packets the capture lost (tcpdump's "dropped by kernel"). */
  captureDropped?: number;
  /** Gateway CPU, % of one core, and per call, measured before the capture starts. */
  cpuPct: number;
  cpuPerCallPct: number;
  /** Gateway CPU during the window, % of one core (with the capture's tap when there is one). */
  windowCpuPct: number;
  /** The gateway's core busy with other processes during the window, % of the core (steal included). */
  othersPct: number;
  /** Time the hypervisor gave the gateway's vCPU to someone else during the window, % of the core. */
  stealPct: number;
  /** 1-minute load average at the start of the window. */
  load: number;
  /** Steps the agent of the step's first call visited (its flow path, from the handoff record); absent without one. */
  agentSteps?: number;
  /** The gateway's media clock seen from inside over the window. */
  clock: TickProbeStats;
  /** Event-loop delay p99 of the gateway, ms. */
  loopP99Ms: number;
  /** The generator's own event-loop delay p99 over the window, ms (its share of the user-space noise). */
  genLoopP99Ms: number;
  /** Longest garbage-collection pause of the gateway in the window, ms. */
  gcMaxMs: number;
  /** The gateway's mark-compact (full) collections in the window, and the longest pause of one, ms. */
  gcMajor: number;
  gcMajorMaxMs: number;
  pass: boolean;
}

/** The gateway's RTP in a capture, per call and as one time-ordered list. */
export interface KernelTrace {
  /** Per call (index as in `gatewayPorts`): wire times, ms since the epoch, and sequence numbers. */
  traces: CallTrace[];
  /** Every call's packets in capture order. */
  packets: TracePacket[];
}

/**
 * Reads the gateway's RTP out of a pcap: packets from one of `gatewayPorts` (the calls' RTP
 * source ports), RTP version 2 and not RTCP (RFC 5761 §4: second byte 192–223), captured
 * inside [fromMs, toMs] (epoch ms).
 */
export function kernelTrace(pcap: Buffer, gatewayPorts: readonly number[], fromMs: number, toMs: number, capacity: number): KernelTrace {
  const callOf = new Map(gatewayPorts.map((port, i) => [port, i]));
  const traces = gatewayPorts.map(() => new CallTrace(capacity));
  const packets: TracePacket[] = [];
  for (const d of udpDatagrams(pcap)) {
    if (d.timeMs < fromMs || d.timeMs > toMs) continue;
    const call = callOf.get(d.srcPort);
    const p = d.payload;
    if (call === undefined || p.length < 4 || p[0]! >> 6 !== 2 || (p[1]! >= 192 && p[1]! <= 223)) continue;
    traces[call]!.push(d.timeMs, (p[2]! << 8) | p[3]!);
    packets.push({ timeMs: d.timeMs, call });
  }
  return { traces, packets };
}

/** Busy (steal included), stolen and total jiffies of one CPU from /proc/stat (Linux; zeros elsewhere). */
export function cpuTicks(cpu: number): { busy: number; steal: number; total: number } {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return { busy: 0, steal: 0, total: 0 };
  }
  const line = stat.split('\n').find((l) => l.startsWith(`cpu${cpu} `)) ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, steal: v[7] ?? 0, total };
}
