/**
 * The composition root (ARCHITECTURE.md "Layers and folders"): config → logger and
 * metrics → store (with the demo tenant and agent) → router → SIP transport and user
 * agent → call manager → HTTP API (Handoff API, admin API, health, metrics). The only
 * module that wires concrete parts together.
 */
import { dirname, join } from 'node:path';
import { AdminService, type AgentConfigValidator } from './admin/index.ts';
import { isDeepStrictEqual } from 'node:util';
import {
  createAgent, DEMO_BUILTIN_CONFIG, DEMO_FLOW_CONFIG, flowFromConfig, parseBuiltinConfig, parseWebSocketConfig,
} from './agents/index.ts';
import { createApiServer, liveCallRegistry, type ApiServer, type ReadinessCheck } from './api/index.ts';
import { CallManager, HandoffSpool, type CallDeps } from './call/index.ts';
import type { Config } from './config/index.ts';
import { UserAgent } from './dialog/index.ts';
import { ScavengeSteer } from './lib/gc-steer.ts';
import { setGatewayV8Flags } from './lib/node-flags.ts';
import { TimerMediaClock } from './media/clock.ts';
import { loadNativeUdp, type NativeUdp } from './lib/native-udp.ts';
import type { NativeRtpIo } from './media/native-rtp-socket.ts';
import { RtpPacer } from './media/rtp-pacer.ts';
import { RtpPoller } from './media/rtp-poller.ts';
import { PortAllocator } from './media/ports.ts';
import { createLogger, errorFor, Metrics, type Logger, type MediaClockCounts } from './obs/index.ts';
import {
  displayPrefix, generateApiKey, hashApiKey, hashToken, LocalConcurrencyLimiter, Router,
} from './routing/index.ts';
import { openSqliteStore, type Agent, type JsonObject, type Store, type Tenant } from './store/index.ts';
import { systemClock, type Clock } from './transaction/index.ts';
import { SipTransport, type Protocol, type UdpIo } from './transport/index.ts';

/** How often expired handoff records are purged, ms (hourly). */
export const PURGE_INTERVAL_MS = 3_600_000;

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Process logger. Default: a pino logger at `config.log.level` on stdout. */
  logger?: Logger;
  /** Metrics registry. Default: a new one. */
  metrics?: Metrics;
  /**
   * Time source of the SIP stack, the calls and the spool. Default: the system clock.
   * Tests pass one that runs the timers RFC floors put minutes away (RFC 4028's 90 s
   * minimum session interval) sooner.
   */
  clock?: Clock;
  /**
   * What runs scavenges in the media clock's slack (src/lib/gc-steer.ts). Default: one on
   * V8's `gc` when the process was started with `--expose-gc` (as `npm start` is), else none;
   * `null`: none. Not used while the RTP pacer runs (`rtp.pacer`): a scavenge shorter than the
   * pacer's lead delays no packet wherever it falls, and the steer's smaller, more frequent
   * scavenges cost CPU (cps bench, 2026-11-27: 25 µs a call).
   */
  scavengeSteer?: ScavengeSteer | null;
}

/** How to reach the demo agent (printed by `agentline serve`). */
export interface DemoInfo {
  tenant: string;
  agent: string;
  extension: string;
  /** The token, when the config sets one (tokens are stored hashed and never read back). */
  token?: string;
  /** The Handoff API key, when created at this start (shown once) or set in the config. */
  apiKey?: string;
}

/** A running gateway. */
export interface Gateway {
  /** The SIP port (UDP and TCP) actually bound. */
  sipPort: number;
  /** The HTTP port actually bound (Handoff API, admin API, `/metrics`, `/healthz`, `/readyz`). */
  httpPort: number;
  store: Store;
  calls: CallManager;
  metrics: Metrics;
  /** Present when `config.demo.enabled`. */
  demo?: DemoInfo;
  /** Stops taking calls (503 + Retry-After) and waits for live ones, at most `timeoutMs` (default `limits.drainTimeoutSec`). */
  drain(timeoutMs?: number): Promise<void>;
  /** Ends live calls (record, then BYE), closes the HTTP server, the SIP stack and the store. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway (and sets the process's V8 flags: `setGatewayV8Flags`).
 * @throws StoreError `store_unavailable`, TransportError when a SIP port cannot be bound,
 *   an `EADDRINUSE` error when the HTTP port cannot, AgentlineError `config_invalid` for a
 *   store kind this build cannot open
 */
export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  setGatewayV8Flags();
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const metrics = options.metrics ?? new Metrics();
  const clock = options.clock ?? systemClock;
  const store = openStore(config, { logger, metrics });
  const closers: Array<() => Promise<void> | void> = [() => store.close()];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const spool = await openSpool(config, store, logger, clock);
    closers.push(() => spool.close());
    const demo = config.demo.enabled ? await seedDemo(store, config.demo, logger) : undefined;
    const router = new Router({ trunks: config.trunks, directory: store });
    const steer = options.scavengeSteer === undefined ? ScavengeSteer.fromProcess() : options.scavengeSteer ?? undefined;
    const deps = callDeps(config, store, spool, router, logger, metrics, clock, steer);
    // After the calls' sockets (closed through it) and before nothing else: see RtpPacer.stop.
    if (deps.rtpIo?.pacer !== undefined) closers.push(() => deps.rtpIo?.pacer?.stop());
    const calls = new CallManager(deps, { maxCalls: config.limits.maxCalls });
    const sip = await startSip(config, calls, logger, clock);
    closers.push(sip.close);
    const api = await startApi(config, { store, router, calls, metrics, logger, sipListening: sip.listening });
    closers.push(() => api.server.close());
    const purge = schedulePurge(store, logger);
    closers.push(() => clearInterval(purge));
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopping ??= (async () => {
      // Live calls end first (their records land and answer waiting Handoff API requests).
      await calls.hangupAll();
      await closeAll();
      logger.info('gateway stopped');
    })());
    return {
      sipPort: sip.port, httpPort: api.port, store, calls, metrics, ...(demo === undefined ? {} : { demo }),
      drain: (timeoutMs = config.limits.drainTimeoutSec * 1000) => calls.drain(timeoutMs),
      stop,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The SIP side: transport and user agent, handing requests to the call manager. */
async function startSip(config: Config, calls: CallManager, logger: Logger, clock: Clock) {
  const udpIo = config.sip.udp ? sipUdpIo(config.sip.io, logger) : 'dgram';
  const transport = await SipTransport.listen({
    host: config.sip.host, port: config.sip.port, protocols: protocolsOf(config), udpIo,
    ...(config.sip.publicAddress === undefined ? {} : { publicAddress: config.sip.publicAddress }),
  });
  const ua = new UserAgent({
    transport, clock,
    onInvite: (invite, inbound) => calls.handleInvite(invite, inbound),
    onRequest: (tx) => calls.handleRequest(tx),
    onError: (err) => logger.warn({ err }, 'SIP stack error'),
  });
  logger.info({ host: config.sip.host, port: transport.port, io: config.sip.udp ? udpIo : undefined }, 'SIP listening');
  let listening = true;
  return {
    port: transport.port,
    listening: () => listening,
    close: async () => {
      listening = false;
      ua.close();
      await transport.close();
    },
  };
}

/** What {@link startApi} wires together. */
interface ApiParts {
  store: Store;
  router: Router;
  calls: CallManager;
  metrics: Metrics;
  logger: Logger;
  sipListening: () => boolean;
}

/**
 * Kind-specific agent config rules for the admin API, from the agents layer: a bad
 * `builtin` config, flow (every problem named with its path) or WebSocket config is
 * refused when the agent is created or updated, not when its first call starts.
 * Unknown kinds never get here (the admin schema lists the kinds).
 * @throws AgentConfigError (`agent_config_invalid`)
 */
export const validateAgentConfig: AgentConfigValidator = (kind, config) => {
  if (kind === 'builtin') parseBuiltinConfig(config);
  else if (kind === 'flow') flowFromConfig(config);
  else if (kind === 'websocket') parseWebSocketConfig(config);
};

/** The HTTP side: Handoff API, admin API (over the shared AdminService), health, metrics. */
async function startApi(config: Config, p: ApiParts): Promise<{ server: ApiServer; port: number }> {
  const admin = new AdminService({
    store: p.store, validateAgentConfig, logger: p.logger,
    // Routing sees new agents and tokens, and the Handoff API revoked keys, at once.
    onDirectoryChange: () => {
      p.router.invalidate();
      server.invalidate(); // changes come from admin requests, so after `server` exists
    },
  });
  const readiness: ReadinessCheck[] = [
    { name: 'store', check: () => p.store.ping() },
    { name: 'sip', check: p.sipListening },
    { name: 'draining', check: () => !p.calls.draining },
  ];
  const server = await createApiServer({
    store: p.store, metrics: p.metrics, logger: p.logger, admin, calls: liveCallRegistry(p.calls), readiness,
    settings: {
      ...(config.api.adminKey === undefined ? {} : { adminKey: config.api.adminKey }),
      rateLimit: config.api.rateLimit, maxWaitSec: config.handoff.maxWaitSec,
    },
  });
  try {
    const port = await server.listen(config.http.host, config.http.port);
    p.logger.info({ host: config.http.host, port }, 'HTTP listening');
    return { server, port };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** Purges expired handoff records now and then (the API already treats them as missing). */
function schedulePurge(store: Store, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    store.purgeExpired(Date.now()).then(
      (n) => { if (n > 0) logger.info({ purged: n }, 'expired handoff records purged'); },
      (err: unknown) => logger.warn({ err }, 'purging expired handoff records failed'),
    );
  }, PURGE_INTERVAL_MS);
  timer.unref();
  return timer;
}

/**
 * Opens the store the config names (the CLI's admin commands use the same one as the server).
 * For a `server`, SQLite's WAL checkpoints run on a worker thread, counted in its metrics, a
 * failure logged; without (one admin command), SQLite checkpoints inside its own commits.
 */
export function openStore(config: Config, server?: { logger: Logger; metrics: Metrics }): Store {
  if (config.store.kind === 'sqlite') {
    const documentCacheBytes = config.store.documentCacheMb * 1024 * 1024;
    if (server === undefined) return openSqliteStore({ path: config.store.path, documentCacheBytes, checkpointIntervalMs: 0 });
    const { logger, metrics } = server;
    return openSqliteStore({
      path: config.store.path, documentCacheBytes,
      onCheckpoint: (result) => metrics.checkpoint(result),
      onCheckpointError: (err) => logger.error({ err }, 'WAL checkpoints are back on the event loop'),
    });
  }
  throw errorFor('config_invalid', { setting: 'store.kind', value: 'redis (not available in this build yet)' });
}

function protocolsOf(config: Config): Protocol[] {
  const out: Protocol[] = [];
  if (config.sip.udp) out.push('udp');
  if (config.sip.tcp) out.push('tcp');
  return out;
}

/**
 * The handoff spool (src/call/spool.ts): records the store could not take before their BYE
 * are fsynced to `handoff-spool.jsonl` beside the SQLite file and replayed here at start,
 * so that no record whose BYE was sent is lost.
 */
async function openSpool(config: Config, store: Store, logger: Logger, clock: Clock): Promise<HandoffSpool> {
  const path = config.store.kind === 'sqlite' ? join(dirname(config.store.path), 'handoff-spool.jsonl') : undefined;
  const spool = new HandoffSpool({ store, clock, logger, ...(path === undefined ? {} : { path }) });
  await spool.replay();
  return spool;
}

function callDeps(
  config: Config, store: Store, spool: HandoffSpool, router: Router, logger: Logger, metrics: Metrics, clock: Clock,
  steer: ScavengeSteer | undefined,
): CallDeps {
  const udp = nativeRtpUdp(config.rtp.io, logger);
  const pacer = udp === undefined ? undefined : openPacer(udp, config.rtp, logger);
  // Without a pacer, scavenges in the slack after a tick rather than wherever V8 would.
  const slackSteer = pacer === undefined ? steer : undefined;
  const mediaClock = new TimerMediaClock({
    onError: (err) => logger.warn({ err }, 'media clock listener failed'),
    ...(slackSteer === undefined ? {} : { afterTick: (slackMs: number, periodMs: number) => slackSteer.afterTick(slackMs, periodMs) }),
    ...(pacer === undefined ? {} : { pacer }),
  });
  const rtpIo: NativeRtpIo | undefined = udp === undefined ? undefined : {
    udp, poller: new RtpPoller(mediaClock, udp), rtcpPoller: new RtpPoller(mediaClock, udp, RTCP_POLL_TICKS),
    ...(pacer === undefined ? {} : { pacer }),
  };
  metrics.watchMediaClock(() => {
    let counts: MediaClockCounts = mediaClock.stats;
    if (slackSteer !== undefined) counts = { ...counts, scavenges: slackSteer.stats.scavenges, scavengesNoRoom: slackSteer.stats.noRoom };
    if (rtpIo !== undefined) counts = { ...counts, rtpPolled: rtpIo.poller.stats.datagrams, rtpPollOverflows: rtpIo.poller.stats.overflows };
    if (pacer !== undefined) counts = { ...counts, rtpPaced: pacer.stats.packets, rtpPacerOverruns: pacer.stats.overruns };
    return counts;
  });
  return {
    store, spool, logger, metrics, mediaClock, createAgent, router,
    ...(rtpIo === undefined ? {} : { rtpIo }),
    limiter: new LocalConcurrencyLimiter(),
    ports: new PortAllocator(config.rtp.portMin, config.rtp.portMax),
    rtpBindAddress: config.rtp.host,
    rtpAdvertisedAddress: config.rtp.publicAddress ?? config.rtp.host,
    clock,
    settings: {
      maxCallDurationMs: config.limits.maxCallDurationSec * 1000,
      retentionMs: config.handoff.retentionDays * 86_400_000,
      retryAfterSec: config.limits.overloadRetryAfterSec,
      sessionExpiresSec: config.limits.sessionExpiresSec,
      ...(config.rtp.recordDir === undefined ? {} : { recordDir: config.rtp.recordDir }),
    },
  };
}

/**
 * Ticks between two reads of the calls' RTCP sockets (200 ms at 20 ms a tick): a report comes
 * every few seconds (RFC 3550 §6.2), and its arrival time is the kernel's, however late it is read.
 */
const RTCP_POLL_TICKS = 10;

/**
 * The addon, when `rtp.io` asks for native RTP sockets: with `auto`, node:dgram (and a warning
 * that says why) when the addon was not built.
 * @throws AgentlineError `config_invalid` for `native` without the addon
 */
function nativeRtpUdp(mode: Config['rtp']['io'], logger: Logger): NativeUdp | undefined {
  if (mode === 'dgram') return undefined;
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) {
    if (mode === 'native') throw errorFor('config_invalid', { setting: 'rtp.io', value: `native: ${reason}` });
    logger.warn({ reason }, 'RTP on node:dgram: about three times the CPU per packet');
  }
  return udp;
}

/**
 * The pacer `rtp.pacer` asks for, with room in a tick for a packet from every call the port
 * range can hold (one RTP and one RTCP port each): a packet that finds a tick's batch full goes
 * out at once and may overtake its stream's packet still queued. A realtime priority the
 * process may not take is a warning.
 */
function openPacer(udp: NativeUdp, rtp: Config['rtp'], logger: Logger): RtpPacer | undefined {
  const settings = rtp.pacer;
  if (!settings.enabled) return undefined;
  const calls = Math.max(64, Math.ceil((rtp.portMax - rtp.portMin + 1) / 2));
  const pacer = new RtpPacer(udp, { leadMs: settings.leadMs, priority: settings.priority, maxPackets: calls });
  if (settings.priority > 0 && !pacer.realtime) {
    logger.warn({ priority: settings.priority }, 'RTP pacer at the normal priority: SCHED_FIFO refused (needs CAP_SYS_NICE; rtp.pacer.priority: 0 asks for none)');
  }
  logger.info({ leadMs: pacer.leadMs, realtime: pacer.realtime }, 'RTP pacer started');
  return pacer;
}

/**
 * The SIP UDP socket `sip.io` asks for: with `auto`, node:dgram (and a warning that says why)
 * when the addon was not built.
 * @throws AgentlineError `config_invalid` for `native` without the addon
 */
function sipUdpIo(mode: Config['sip']['io'], logger: Logger): UdpIo {
  if (mode === 'dgram') return 'dgram';
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) {
    if (mode === 'native') throw errorFor('config_invalid', { setting: 'sip.io', value: `native: ${reason}` });
    logger.warn({ reason }, 'SIP UDP on node:dgram: a libuv callback and two allocations per datagram');
    return 'dgram';
  }
  return 'native';
}

/** The demo agent's flow config as the store holds it (plain JSON). */
const DEMO_FLOW_JSON = JSON.parse(JSON.stringify(DEMO_FLOW_CONFIG)) as JsonObject;

/**
 * Creates the demo tenant, its flow agent (`DEMO_FLOW_CONFIG`: greet, menu, 1 → billing,
 * 2 → support, 3 → contained, silence → re-prompt then the default destination) and a
 * Handoff API key when absent; sets the configured token when it changed. A demo agent
 * left by an older version as the `builtin` kind with the config it was seeded with is
 * upgraded to the flow in place (same id, extension, token and keys); a builtin demo
 * agent whose config someone changed is kept as it is.
 */
export async function seedDemo(store: Store, demo: Config['demo'], logger: Logger): Promise<DemoInfo> {
  const tenant = (await store.getTenantBySlug(demo.tenant)) ?? (await store.createTenant({ slug: demo.tenant, name: 'Demo' }));
  let agent = await store.findAgent(tenant.id, demo.agent);
  if (!agent) {
    agent = await store.createAgent({
      tenantId: tenant.id, slug: demo.agent, name: 'Demo agent', kind: 'flow', config: DEMO_FLOW_JSON,
      extension: demo.extension,
      destinations: demo.destinations, ...(demo.destinations[0] === undefined ? {} : { defaultDestination: demo.destinations[0] }),
      fallback: { contained: false, ...(demo.destinations[0] === undefined ? {} : { destination: demo.destinations[0] }) },
    });
    logger.info({ tenant: tenant.slug, agent: agent.slug }, 'demo agent created');
  } else {
    agent = await upgradeDemoAgent(store, agent, logger);
  }
  if (demo.token !== undefined && agent.tokenHash !== hashToken(demo.token)) {
    agent = await store.setAgentToken(agent.id, hashToken(demo.token), displayPrefix(demo.token));
  }
  const info: DemoInfo = { tenant: tenant.slug, agent: agent.slug, extension: agent.extension ?? demo.extension };
  if (demo.token !== undefined) info.token = demo.token;
  const apiKey = await seedApiKey(store, tenant, demo.apiKey);
  if (apiKey !== undefined) info.apiKey = apiKey;
  return info;
}

/** The builtin demo agent an older version seeded becomes the flow demo agent. */
async function upgradeDemoAgent(store: Store, agent: Agent, logger: Logger): Promise<Agent> {
  if (agent.kind !== 'builtin') return agent;
  if (!isDeepStrictEqual(agent.config, JSON.parse(JSON.stringify(DEMO_BUILTIN_CONFIG)))) {
    logger.warn({ agent: agent.slug }, 'demo agent kept as kind builtin: its config was changed, so it is not upgraded to the demo flow');
    return agent;
  }
  const upgraded = await store.updateAgent(agent.id, { kind: 'flow', config: DEMO_FLOW_JSON });
  logger.info({ agent: agent.slug, from: 'builtin', to: 'flow' }, 'demo agent upgraded to the demo flow');
  return upgraded;
}

/** The demo key: the configured one (created when missing), or a new one when the tenant has none. */
async function seedApiKey(store: Store, tenant: Tenant, configured: string | undefined): Promise<string | undefined> {
  if (configured !== undefined) {
    if (!(await store.findApiKeyByHash(hashApiKey(configured)))) {
      await store.createApiKey({ tenantId: tenant.id, name: 'demo', keyHash: hashApiKey(configured), prefix: displayPrefix(configured) });
    }
    return configured;
  }
  if ((await store.listApiKeys(tenant.id)).length > 0) return undefined;
  const key = generateApiKey();
  await store.createApiKey({ tenantId: tenant.id, name: 'demo', keyHash: hashApiKey(key), prefix: displayPrefix(key) });
  return key;
}
