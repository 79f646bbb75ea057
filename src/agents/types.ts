/**
 * The contract every voice agent implements (ARCHITECTURE.md "Agents"): the call hands
 * the agent its context and a media handle, and the agent resolves to an outcome. The
 * agents layer knows nothing of SIP, tenants' storage or the store: the call fills these
 * shapes from what routing found.
 */
import type { Logger } from '../obs/index.ts';
import type { CallSignal } from './signal.ts';

/** How the agent ended the conversation ("SIP, end of the agent's leg"). */
export interface Outcome {
  /** True when the agent resolved the caller's need; false hands the call back. */
  contained: boolean;
  /** Logical destination (e.g. `billing`) when not contained; must be one of the agent's. */
  destination?: string;
  /** The agent's state to hand over (customer id, reason, transcript…); stored as the record's data. */
  data?: Record<string, unknown>;
}

/** Who the call is for: the tenant and agent routing picked. */
export interface AgentIdentity {
  id: string;
  slug: string;
}

/** What the agent knows about the call when it starts. */
export interface AgentContext {
  tenant: AgentIdentity;
  agent: AgentIdentity & {
    /** Destinations the agent may name. */
    destinations: readonly string[];
    /** Kind-specific configuration from the directory. */
    config: Readonly<Record<string, unknown>>;
  };
  /** Our conversation id (the handoff record's `id`). */
  conversationId: string;
  /** The contact center's session id, when the INVITE carried one. */
  sharedId?: string;
  /** The caller (From, or P-Asserted-Identity when present), as a URI string. */
  caller: string;
  /** The called party (To), as a URI string. */
  callee: string;
  /** Every `X-` header of the INVITE, names as received. */
  xHeaders: Record<string, string>;
}

/** A DTMF digit: `0-9`, `*`, `#`, `A-D`. */
export type DtmfListener = (digit: string) => void;

/** One 20 ms frame of inbound audio: 160 samples of 16-bit PCM at 8 kHz (reused: copy to keep). */
export type AudioListener = (frame: Int16Array) => void;

/** How a playback ended. */
export interface PlaybackResult {
  /** True when every sample was played; false when `stop()` (barge-in) or the call's end cut it. */
  completed: boolean;
}

/**
 * The agent's handle on the call's media. Outbound audio is queued and paced by the shared
 * 20 ms media clock (never dumped at once); playbacks play in the order they were queued.
 */
export interface AgentMedia {
  /** Subscribes to digits, from SIP INFO (`application/dtmf-relay`) or RTP (RFC 4733), once each. */
  onDtmf(listener: DtmfListener): () => void;
  /** Subscribes to inbound audio frames (after the jitter buffer; gaps concealed as silence). */
  onAudio(listener: AudioListener): () => void;
  /** Queues 8 kHz mono 16-bit PCM for playback; resolves when it has played out or was stopped. */
  play(pcm: Int16Array): Promise<PlaybackResult>;
  /** Queues a WAV file (PCM 8/16 kHz, µ-law or A-law); rejects with a typed error naming the format when unsupported. */
  playFile(path: string): Promise<PlaybackResult>;
  /**
   * Speaks `text` through espeak-ng (rendered once and cached); rejects with code
   * `media_tts_unavailable` naming the missing package when espeak-ng is not installed.
   */
  say(text: string): Promise<PlaybackResult>;
  /** Resolves when everything queued before this call has played (a "mark"); at once when nothing is queued. */
  mark(): Promise<PlaybackResult>;
  /** Barge-in: stops the current and every queued playback at once (they resolve `completed: false`). */
  stop(): void;
}

/** A voice agent. One instance may serve one call; create one per call. */
export interface Agent {
  /**
   * Runs the conversation.
   * @param ctx the call context
   * @param media the call's media handle
   * @param signal aborted when the call ends under the agent (caller hung up, time limit,
   *   shutdown); the agent should then resolve promptly with what it has. AbortSignal's reading
   *   half (`signal.abortSignal` is a standard AbortSignal, for APIs that take one): see `signal.ts`
   * @returns the outcome; a rejection makes the call use the agent's fallback outcome
   */
  run(ctx: AgentContext, media: AgentMedia, signal: CallSignal): Promise<Outcome>;
}

/** Host services a factory passes on to the agent it makes. */
export interface AgentHostOptions {
  /** The call's logger, so the agent's lines carry the call's ids (default: silent). */
  logger?: Logger;
}

/** Makes an agent of a kind from its configuration. */
export type AgentFactory = (kind: string, config: Readonly<Record<string, unknown>>, options?: AgentHostOptions) => Agent;
