/**
 * The composition root (ARCHITECTURE.md "Layers and folders"): config → logger and
 * metrics → store (with the demo tenant and agent) → router → SIP transport and user
 * agent → call manager. The only module that wires concrete parts together.
 */
import { createAgent, DEMO_BUILTIN_CONFIG } from './agents/index.ts';
import { CallManager, type CallDeps } from './call/index.ts';
import type { Config } from './config/index.ts';
import { UserAgent } from './dialog/index.ts';
import { TimerMediaClock } from './media/clock.ts';
import { PortAllocator } from './media/ports.ts';
import { createLogger, errorFor, Metrics, type Logger } from './obs/index.ts';
import {
  displayPrefix, generateApiKey, hashApiKey, hashToken, LocalConcurrencyLimiter, Router,
} from './routing/index.ts';
import { openSqliteStore, type JsonObject, type Store, type Tenant } from './store/index.ts';
import { systemClock } from './transaction/index.ts';
import { SipTransport, type Protocol } from './transport/index.ts';

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Process logger. Default: a pino logger at `config.log.level` on stdout. */
  logger?: Logger;
  /** Metrics registry. Default: a new one. */
  metrics?: Metrics;
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
  /** The HTTP port, once the API is served (not yet). */
  httpPort?: number;
  store: Store;
  calls: CallManager;
  metrics: Metrics;
  /** Present when `config.demo.enabled`. */
  demo?: DemoInfo;
  /** Stops taking calls (503 + Retry-After) and waits for live ones, at most `timeoutMs` (default `limits.drainTimeoutSec`). */
  drain(timeoutMs?: number): Promise<void>;
  /** Ends live calls (record, then BYE), closes the SIP stack and the store. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway.
 * @throws StoreError `store_unavailable`, TransportError when a port cannot be bound,
 *   AgentlineError `config_invalid` for a store kind this build cannot open
 */
export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const metrics = options.metrics ?? new Metrics();
  const store = openStore(config);
  try {
    const demo = config.demo.enabled ? await seedDemo(store, config.demo, logger) : undefined;
    const deps = callDeps(config, store, logger, metrics);
    const calls = new CallManager(deps, { maxCalls: config.limits.maxCalls });
    const transport = await SipTransport.listen({
      host: config.sip.host, port: config.sip.port, protocols: protocolsOf(config),
      ...(config.sip.publicAddress === undefined ? {} : { publicAddress: config.sip.publicAddress }),
    });
    const ua = new UserAgent({
      transport,
      onInvite: (invite, inbound) => calls.handleInvite(invite, inbound),
      onRequest: (tx) => calls.handleRequest(tx),
      onError: (err) => logger.warn({ err }, 'SIP stack error'),
    });
    logger.info({ host: config.sip.host, port: transport.port }, 'SIP listening');
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopping ??= (async () => {
      await calls.hangupAll();
      ua.close();
      await transport.close();
      await store.close();
      logger.info('gateway stopped');
    })());
    return {
      sipPort: transport.port, store, calls, metrics, ...(demo === undefined ? {} : { demo }),
      drain: (timeoutMs = config.limits.drainTimeoutSec * 1000) => calls.drain(timeoutMs),
      stop,
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

function openStore(config: Config): Store {
  if (config.store.kind === 'sqlite') return openSqliteStore({ path: config.store.path });
  throw errorFor('config_invalid', { setting: 'store.kind', value: 'redis (not available in this build yet)' });
}

function protocolsOf(config: Config): Protocol[] {
  const out: Protocol[] = [];
  if (config.sip.udp) out.push('udp');
  if (config.sip.tcp) out.push('tcp');
  return out;
}

function callDeps(config: Config, store: Store, logger: Logger, metrics: Metrics): CallDeps {
  const mediaClock = new TimerMediaClock({ onError: (err) => logger.warn({ err }, 'media clock listener failed') });
  return {
    store, logger, metrics, mediaClock, createAgent,
    router: new Router({ trunks: config.trunks, directory: store }),
    limiter: new LocalConcurrencyLimiter(),
    ports: new PortAllocator(config.rtp.portMin, config.rtp.portMax),
    rtpBindAddress: config.rtp.host,
    rtpAdvertisedAddress: config.rtp.publicAddress ?? config.rtp.host,
    clock: systemClock,
    settings: {
      maxCallDurationMs: config.limits.maxCallDurationSec * 1000,
      retentionMs: config.handoff.retentionDays * 86_400_000,
      retryAfterSec: config.limits.overloadRetryAfterSec,
    },
  };
}

/**
 * Creates the demo tenant, its built-in agent (1 → billing, 2 → support, 3 → contained)
 * and a Handoff API key when absent; sets the configured token when it changed.
 */
export async function seedDemo(store: Store, demo: Config['demo'], logger: Logger): Promise<DemoInfo> {
  const tenant = (await store.getTenantBySlug(demo.tenant)) ?? (await store.createTenant({ slug: demo.tenant, name: 'Demo' }));
  let agent = await store.findAgent(tenant.id, demo.agent);
  if (!agent) {
    agent = await store.createAgent({
      tenantId: tenant.id, slug: demo.agent, name: 'Demo agent', kind: 'builtin',
      config: DEMO_BUILTIN_CONFIG as unknown as JsonObject, extension: demo.extension,
      destinations: demo.destinations, ...(demo.destinations[0] === undefined ? {} : { defaultDestination: demo.destinations[0] }),
      fallback: { contained: false, ...(demo.destinations[0] === undefined ? {} : { destination: demo.destinations[0] }) },
    });
    logger.info({ tenant: tenant.slug, agent: agent.slug }, 'demo agent created');
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
