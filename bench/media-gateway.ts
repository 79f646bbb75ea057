/**
 * The gateway under test of `bench/media.bench.ts`, as its own process (pinned to one core
 * by the bench): bench/gateway-process.ts's gateway with its SQLite database in the
 * directory given as argv[2], RTP on ports {@link MEDIA_RTP_PORTS} (the bench's capture
 * filter names them) and a built-in agent on extension 7020 that plays a 1 kHz tone for
 * 15 s (then silence) and waits 10 minutes, so every call sends RTP for as long as the
 * bench keeps it. Speaks the line protocol of bench/gateway-process.ts; its `stats` line
 * carries the garbage-collection pauses and, as `clock`, the media clock's tick timings
 * seen from inside (bench/tick-probe.ts).
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { serveBenchControl, startBenchGateway } from './gateway-process.ts';
import { MEDIA_RTP_PORTS } from './media-ports.ts';
import { watchTicks } from './tick-probe.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: media-gateway.ts <dir>');

if (process.env['MEDIA_BENCH_SYNC_LOOKUP'] === '1') syncIpLookup();

/**
 * Experiment (`media.bench.ts --sync-lookup`): dgram sockets created from now on resolve an
 * IP literal synchronously. Node's default `dns.lookup` answers one on the next tick, so a
 * `send(buf, port, '127.0.0.1')` leaves only after the whole tick pass; with this, each
 * packet leaves inside its own call's step of the pass. (dgram reads `dns.lookup` when it
 * creates a socket; RTP targets are always IP literals.)
 */
function syncIpLookup(): void {
  const original = dns.lookup;
  const lookup = (host: string, options: unknown, callback: (err: Error | null, address: string, family: number) => void): void => {
    const family = isIP(host);
    if (family !== 0 && typeof callback === 'function') callback(null, host, family);
    else (original as (...args: unknown[]) => void)(host, options, callback);
  };
  (dns as { lookup: unknown }).lookup = lookup;
}

const gw = await startBenchGateway({
  dir, rtpPortMin: MEDIA_RTP_PORTS.min, rtpPortMax: MEDIA_RTP_PORTS.max,
  agent: {
    slug: 'media-bench', name: 'Media bench', kind: 'builtin', extension: '7020', destinations: ['billing'],
    maxConcurrentCalls: 100_000,
    config: { waitMs: 600_000, greeting: { tone: { freqHz: 1000, durationMs: 15_000 } } },
  },
});

const ticks = watchTicks();
serveBenchControl(gw, { loopResolutionMs: 1, gc: true, extraStats: () => ({ clock: ticks.take() }) });
