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
import { serveBenchControl, startBenchGateway } from './gateway-process.ts';
import { MEDIA_RTP_PORTS } from './media-ports.ts';
import { watchTicks } from './tick-probe.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: media-gateway.ts <dir>');

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
