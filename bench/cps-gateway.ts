/**
 * The gateway under test of `bench/cps.ts`, as its own process (so that it can be pinned
 * to one core and profiled): bench/gateway-process.ts's gateway with a built-in agent on
 * extension 7100 that hands off to `billing` after `waitMs` (argv[3], default 100), the log
 * level in argv[4] (default silent; see `BenchGatewayOptions.logLevel`), its
 * SQLite database in the directory given as argv[2], RTP on ports 20000–29999. Speaks the
 * line protocol of bench/gateway-process.ts (`{"sipPort":…}`, `stats`, SIGTERM), plus
 * the profiling commands of bench/profile-commands.ts (CPU and sampling heap profiles).
 */
import { LOG_LEVELS } from '../src/obs/index.ts';
import { serveBenchControl, startBenchGateway } from './gateway-process.ts';
import { profileCommands } from './profile-commands.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: cps-gateway.ts <dir> [waitMs] [logLevel]');
const waitMs = Number(process.argv[3] ?? 100);
const logLevel = process.argv[4] ?? 'silent';
if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new Error(`unknown log level [${logLevel}]`);

const gw = await startBenchGateway({
  dir, rtpPortMin: 20000, rtpPortMax: 29999, logLevel: logLevel as (typeof LOG_LEVELS)[number],
  agent: {
    slug: 'bench', name: 'Bench', kind: 'builtin', extension: '7100', destinations: ['billing'],
    config: { waitMs, outcome: { contained: false, destination: 'billing' } },
  },
});

serveBenchControl(gw, {
  loopResolutionMs: 5,
  commands: profileCommands(),
});
