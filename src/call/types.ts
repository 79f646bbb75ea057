/**
 * Contracts of the call layer: the call's states, what a call needs from the process
 * (its dependencies), and the settings that shape it. The logic lives in `call.ts`
 * (one call) and `manager.ts` (every live call).
 */
import type { AgentFactory } from '../agents/index.ts';
import type { MediaClock } from '../media/clock.ts';
import type { PortSource } from '../media/ports.ts';
import type { Logger, Metrics } from '../obs/index.ts';
import type { ConcurrencyLimiter, Router } from '../routing/index.ts';
import type { Store } from '../store/index.ts';
import type { Clock } from '../transaction/index.ts';

/**
 * A call's life: `received` (INVITE in) → `routed` (agent found, media ready, ringing)
 * → `answered` (200 OK sent) → `active` (the agent runs) → `ending` (record, then BYE)
 * → `ended`. Rejection and CANCEL go straight to `ended`.
 */
export type CallState = 'received' | 'routed' | 'answered' | 'active' | 'ending' | 'ended';

/** Events that move a call between states. */
export type CallEvent = 'route' | 'reject' | 'cancel' | 'answer' | 'start' | 'end' | 'finish';

/** Who ended the call (as in the CDR and the record's `ended_by`). */
export type CallEndedBy = 'caller' | 'agent' | 'timeout' | 'system';

/** Settings of every call, from config. */
export interface CallSettings {
  /** Hard cap on a call, ms; then it ends with the agent's fallback outcome. */
  maxCallDurationMs: number;
  /** How long a handoff record stays readable, ms. */
  retentionMs: number;
  /** `Retry-After` on 503 answers, s. */
  retryAfterSec: number;
  /** After the agent is told the call ended, how long it may take to resolve, ms. Default 2000. */
  agentGraceMs?: number;
}

/** What a call needs from the process; `app.ts` wires the concrete parts. */
export interface CallDeps {
  store: Store;
  router: Router;
  limiter: ConcurrencyLimiter;
  /** RTP ports (a `PortAllocator` from the configured range). */
  ports: PortSource;
  /** The shared 20 ms media clock. */
  mediaClock: MediaClock;
  /** Address RTP sockets bind to. */
  rtpBindAddress: string;
  /** Address written in our SDP (`c=`). */
  rtpAdvertisedAddress: string;
  /** Time source for ring and duration timers. */
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  createAgent: AgentFactory;
  settings: CallSettings;
}
