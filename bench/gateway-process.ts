/**
 * What the benches' gateway processes share (bench/cps-gateway.ts, bench/media-gateway.ts):
 * a real `startGateway` on 127.0.0.1 (UDP SIP, silent logs unless a level is asked for, a SQLite database in a scratch
 * directory, the demo tenant) with one built-in bench agent, and the line protocol the
 * bench parent drives it with:
 * - stdout, once ready: `{"sipPort":…}`;
 * - stdin `stats`: one JSON line `{"calls":…,"atMs":…,"cpuMs":…,"rssMb":…,"loopP99Ms":…,"loopMaxMs":…}`:
 *   event-loop delay since the previous `stats`; `atMs` is the gateway's own `performance.now()`,
 *   so that CPU time is divided by the gateway's interval between two stats (a busy gateway
 *   answers late); with `gc`, also `gcMs` and `gcMaxMs`, the garbage-collection pauses since
 *   then; a bench may add its own fields;
 * - stdin `<command> [arg]` for the extra commands a bench adds (e.g. CPU profiles);
 * - SIGTERM: stops the gateway (ends live calls) and exits 0.
 */
import { join } from 'node:path';
import { constants as perf, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { startGateway, type Gateway } from '../src/app.ts';
import { applyEnv } from '../src/config/env.ts';
import { parseConfig } from '../src/config/index.ts';
import { createLogger, type LoggerOptions } from '../src/obs/index.ts';
import type { NewAgent } from '../src/store/types.ts';

/** Options of {@link startBenchGateway}. */
export interface BenchGatewayOptions {
  /** Scratch directory for the SQLite database. */
  dir: string;
  /** RTP port range, inclusive (distinct per bench, so that a capture filter can name it). */
  rtpPortMin: number;
  rtpPortMax: number;
  /** The bench agent, created in the demo tenant. */
  agent: Omit<NewAgent, 'tenantId'>;
  /**
   * Log level (default `silent`). Any other level writes the lines to `gateway.log` in `dir`,
   * synchronously, as pino writes to stdout by default: what a production gateway pays.
   */
  logLevel?: LoggerOptions['level'];
}

/**
 * The environment overrides a bench honours, as `agentline serve` does (src/config/env.ts), to
 * compare settings: socket I/O (auto, native, dgram) and the RTP pacer. Only these: the
 * bench's own addresses, ports and store stay whatever else the environment says.
 */
const BENCH_ENV = ['AGENTLINE_SIP_IO', 'AGENTLINE_RTP_IO', 'AGENTLINE_RTP_PACER', 'AGENTLINE_RTP_PACER_LEAD_MS', 'AGENTLINE_RTP_PACER_PRIORITY'];

/** Starts the gateway under test and creates its bench agent. */
export async function startBenchGateway(options: BenchGatewayOptions): Promise<Gateway> {
  const level = options.logLevel ?? 'silent';
  const logger = level === 'silent'
    ? createLogger({ level })
    : createLogger({ level, destination: pino.destination({ dest: join(options.dir, 'gateway.log'), sync: true }) });
  const raw: Record<string, unknown> = {
    sip: { host: '127.0.0.1', port: 0, tcp: false },
    http: { host: '127.0.0.1', port: 0 },
    rtp: { host: '127.0.0.1', portMin: options.rtpPortMin, portMax: options.rtpPortMax },
    store: { path: join(options.dir, 'bench.db') },
    limits: { maxCalls: 100_000 },
    log: { level },
    demo: { enabled: true },
  };
  applyEnv(raw, Object.fromEntries(BENCH_ENV.map((name) => [name, process.env[name]])));
  const gw = await startGateway(parseConfig(raw), { logger });
  const tenant = await gw.store.getTenantBySlug('demo');
  if (!tenant) throw new Error('demo tenant missing');
  await gw.store.createAgent({ ...options.agent, tenantId: tenant.id });
  return gw;
}

/** A bench-specific stdin command: answers with its own stdout line. */
export type BenchCommand = (arg: string | undefined) => void;

/** Options of {@link serveBenchControl}. */
export interface BenchControlOptions {
  /** Sampling resolution of the event-loop delay histogram, ms. */
  loopResolutionMs: number;
  /** Adds the garbage-collection pauses (`gcMs`, `gcMaxMs`, `gcMajor`, `gcMajorMaxMs`) to `stats` (default false). */
  gc?: boolean;
  /** Extra stdin commands by name. */
  commands?: Record<string, BenchCommand>;
  /** More fields for the `stats` line (figures since the previous `stats`). */
  extraStats?: () => Record<string, unknown>;
}

/**
 * The extra command named `name`, if the bench added one: an own property only, so that a
 * line such as `constructor` or `toString` does not reach Object.prototype.
 */
export function commandFor(commands: Record<string, BenchCommand> | undefined, name: string): BenchCommand | undefined {
  return commands !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
}

/** Announces the SIP port and serves the stdin protocol of the module comment. */
export function serveBenchControl(gw: Gateway, options: BenchControlOptions): void {
  process.stdout.write(`${JSON.stringify({ sipPort: gw.sipPort })}\n`);
  const loop = monitorEventLoopDelay({ resolution: options.loopResolutionMs });
  loop.enable();
  const gc = options.gc === true ? watchGc() : undefined;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, arg] = line.trim().split(' ');
    if (command === undefined) return;
    const extra = commandFor(options.commands, command);
    if (extra !== undefined) {
      extra(arg);
      return;
    }
    if (command !== 'stats') return;
    const u = process.cpuUsage();
    const stats = {
      calls: gw.calls.count, atMs: performance.now(), cpuMs: (u.user + u.system) / 1000, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, ...gc?.take(), ...options.extraStats?.(),
    };
    loop.reset();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  process.on('SIGTERM', () => {
    void gw.stop().finally(() => process.exit(0));
  });
}

/** What `watchGc` reports: all pauses, and the major (mark-compact) ones apart. */
interface GcPauses {
  gcMs: number;
  gcMaxMs: number;
  /** Mark-compact pauses (the atomic part of a full collection) and the longest, ms. */
  gcMajor: number;
  gcMajorMaxMs: number;
}

/** Sums garbage-collection pauses; `take()` returns them since the previous take. */
function watchGc(): { take(): GcPauses } {
  let out: GcPauses = { gcMs: 0, gcMaxMs: 0, gcMajor: 0, gcMajorMaxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      out.gcMs += e.duration;
      out.gcMaxMs = Math.max(out.gcMaxMs, e.duration);
      if ((e as { detail?: { kind?: number } }).detail?.kind === perf.NODE_PERFORMANCE_GC_MAJOR) {
        out.gcMajor++;
        out.gcMajorMaxMs = Math.max(out.gcMajorMaxMs, e.duration);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    take() {
      const taken = out;
      out = { gcMs: 0, gcMaxMs: 0, gcMajor: 0, gcMajorMaxMs: 0 };
      return taken;
    },
  };
}
