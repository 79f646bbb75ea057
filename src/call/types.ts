/**
 * Contracts of the call layer: the call's states, what a call needs from the process
 * (its dependencies), and the settings that shape it. The logic lives in `call.ts`
 * (one call) and `manager.ts` (every live call).
 */
import type { AgentFactory } from '../agents/index.ts';
import type { MediaClock } from '../media/clock.ts';
import type { PortSource } from '../media/ports.ts';
import type { PromptCache } from '../media/prompts.ts';
import type { NativeRtpIo } from '../media/native-rtp-socket.ts';
import type { RtpSocketPool } from '../media/rtp-socket-pool.ts';
import type { Logger, Metrics } from '../obs/index.ts';
import type { ConcurrencyLimiter, Router } from '../routing/index.ts';
import type { Store } from '../store/index.ts';
import type { Clock } from '../transaction/index.ts';
import type { HandoffSpool } from './spool.ts';

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
  /**
   * Directory for per-call recordings (`<conversation id>.wav`, 8 kHz PCM16 stereo: channel 1
   * the caller, channel 2 what the gateway sent, aligned on the 20 ms media clock).
   * Default: unset, no recording. Config key: `rtp.recordDir`.
   */
  recordDir?: string;
  /** Window in which a digit by SIP INFO and the same digit by RFC 4733 are one key press, ms. Default 1500. */
  dtmfDedupMs?: number;
  /** RFC 4028 session interval we ask for, s (config `limits.sessionExpiresSec`). Default 1800. */
  sessionExpiresSec?: number;
  /** Our RFC 4028 Min-SE, s; smaller asks get 422. Default and floor 90. */
  minSessionExpiresSec?: number;
  /** Longest wait for the final NOTIFY of a REFER transfer, ms. Default 30000. */
  referTimeoutMs?: number;
  /** Delays between store attempts for the handoff record, ms. Default [200, 400, 800, 1600] (5 tries). */
  handoffRetryDelaysMs?: readonly number[];
}

/** What a call needs from the process; `app.ts` wires the concrete parts. */
export interface CallDeps {
  store: Store;
  router: Router;
  limiter: ConcurrencyLimiter;
  /** RTP ports (a `PortAllocator` from the configured range). */
  ports: PortSource;
  /**
   * Bound RTP socket pairs reused across calls, on ports from `ports`. Default: one pool
   * per `CallManager`, closed once it has hung up every call; without one (a call built
   * by hand, in tests) each call binds and closes its own sockets.
   */
  rtpSockets?: RtpSocketPool;
  /** RTP sockets of the pool made by `CallManager` on the native addon (default: node:dgram). */
  rtpIo?: NativeRtpIo;
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
  /**
   * Prompt files and speech shared by every call (decoded and rendered once). Default:
   * one `PromptCache` per `CallManager`, speech by espeak-ng.
   */
  prompts?: PromptCache;
  /**
   * Where a handoff record goes when the store keeps failing, before the BYE (a JSON-lines
   * file next to the database, replayed at start). Default: one in-memory spool per store.
   */
  spool?: HandoffSpool;
}
