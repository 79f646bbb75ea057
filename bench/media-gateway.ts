/**
 * The gateway under test of `bench/media.bench.ts`, as its own process (pinned to one core
 * by the bench): bench/gateway-process.ts's gateway with its SQLite database in the
 * directory given as argv[2], RTP on ports {@link MEDIA_RTP_PORTS} (the bench's capture
 * filter names them) and the bench agent on extension 7020 (bench/media-agent.ts): by
 * default (argv[3] `flow`) a flow agent playing two WAV prompts from that directory in a
 * loop for as long as the call lasts; with `tone`, a built-in agent playing a 1 kHz tone
 * for 15 s (then silence) and waiting 10 minutes. Either way every call sends RTP for as
 * long as the bench keeps it. Speaks the line protocol of bench/gateway-process.ts; its
 * `stats` line carries the garbage-collection pauses and, as `clock`, the media clock's
 * tick timings seen from inside (bench/tick-probe.ts). Extra command `steps <sharedId>`:
 * one line `{"path":[…]}`, the steps the agent of the newest call with that shared id
 * visited (from its handoff record; `null` when there is none or it has no path).
 *
 *   node --import tsx bench/media-gateway.ts <dir> [flow|tone]
 */
import { serveBenchControl, startBenchGateway } from './gateway-process.ts';
import { mediaBenchAgent, parseMediaAgent } from './media-agent.ts';
import { MEDIA_RTP_PORTS } from './media-ports.ts';
import { watchTicks } from './tick-probe.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: media-gateway.ts <dir> [flow|tone]');
const kind = parseMediaAgent(process.argv[3] ?? 'flow');

const gw = await startBenchGateway({
  dir, rtpPortMin: MEDIA_RTP_PORTS.min, rtpPortMax: MEDIA_RTP_PORTS.max, agent: mediaBenchAgent(kind, dir),
});
const tenant = await gw.store.getTenantBySlug('demo');

/** Answers `steps <sharedId>` (see the module comment). */
async function agentSteps(sharedId: string | undefined): Promise<unknown> {
  if (sharedId === undefined || tenant === undefined) return null;
  const record = await gw.store.getHandoffBySharedId(tenant.id, sharedId);
  const path = record?.data['path'];
  return Array.isArray(path) ? path : null;
}

const ticks = watchTicks();
serveBenchControl(gw, {
  loopResolutionMs: 1, gc: true, extraStats: () => ({ clock: ticks.take() }),
  commands: {
    steps: (sharedId) => {
      void agentSteps(sharedId).catch(() => null).then((path) => process.stdout.write(`${JSON.stringify({ path })}\n`));
    },
  },
});
