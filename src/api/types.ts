/**
 * Contracts of the API layer: what the HTTP server needs from the process (its
 * dependencies, injected by `app.ts`) and its options. The API knows nothing of SIP or
 * RTP: live calls and readiness come in through the narrow interfaces below.
 */
import type { AdminService } from '../admin/index.ts';
import type { LiveCall } from '../call/index.ts';
import type { Logger, Metrics } from '../obs/index.ts';
import type { Store } from '../store/index.ts';

/** The live-call registry as the admin API sees it (read-only, plus ending one call). */
export interface LiveCallRegistry {
  /** The calls in progress. */
  list(): LiveCall[];
  /**
   * Ends one live call (record first, then BYE, as for any hangup).
   * @returns false when no live call has this conversation id
   */
  end(conversationId: string): boolean;
}

/** One readiness check of `/readyz`: resolves when ready, throws or resolves false when not. */
export interface ReadinessCheck {
  /** Name shown in the `/readyz` answer (`store`, `sip`, `draining`). */
  name: string;
  check(): Promise<boolean | void> | boolean | void;
}

/** Rate limit of the Handoff API, per API key. */
export interface RateLimitSettings {
  /** Sustained requests per second per key. */
  perKeyPerSec: number;
  /** Bucket size: requests a key may send at once. */
  burst: number;
}

/** Settings of the API server (from config, defaults in `src/config/schema.ts`). */
export interface ApiSettings {
  /** Admin API key; the admin API answers 404 to everything without one. */
  adminKey?: string;
  rateLimit: RateLimitSettings;
  /** Cap on `wait=`, s (config `handoff.maxWaitSec`, default 30). */
  maxWaitSec: number;
  /** Largest admin request body, bytes. Default 64 KiB. */
  bodyLimit?: number;
  /** Largest request URL (path and query), characters. Default 4096. */
  maxUrlLength?: number;
  /** Responses at least this large are gzipped when the client accepts it, bytes. Default 1024. */
  gzipMinBytes?: number;
  /** TTL of the API-key, tenant and agent lookup cache, ms; 0 disables it. Default 1000. */
  lookupCacheMs?: number;
}

/** What the API server needs from the process. */
export interface ApiDeps {
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /** The admin service shared with the CLI. */
  admin: AdminService;
  /** Live calls; absent in processes that take no calls (tests, tools). */
  calls?: LiveCallRegistry;
  /** Checks of `/readyz`, run in order; all must pass. */
  readiness?: ReadinessCheck[];
  settings: ApiSettings;
  /** Epoch ms; default `Date.now`. Expiry and rate limiting read it. */
  now?: () => number;
}
