/**
 * The contract every voice agent implements (ARCHITECTURE.md "Agents"): the call hands
 * the agent its context and a media handle, and the agent resolves to an outcome. The
 * agents layer knows nothing of SIP, tenants' storage or the store: the call fills these
 * shapes from what routing found.
 */

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

/**
 * The agent's handle on the call's media. Minimal for now: DTMF digits, whether they came
 * by SIP INFO (`application/dtmf-relay`) or by RTP (RFC 4733). Audio comes later.
 */
export interface AgentMedia {
  /** Subscribes to digits; returns the unsubscribe function. */
  onDtmf(listener: DtmfListener): () => void;
}

/** A voice agent. One instance may serve one call; create one per call. */
export interface Agent {
  /**
   * Runs the conversation.
   * @param ctx the call context
   * @param media the call's media handle
   * @param signal aborted when the call ends under the agent (caller hung up, time limit,
   *   shutdown); the agent should then resolve promptly with what it has
   * @returns the outcome; a rejection makes the call use the agent's fallback outcome
   */
  run(ctx: AgentContext, media: AgentMedia, signal: AbortSignal): Promise<Outcome>;
}

/** Makes an agent of a kind from its configuration. */
export type AgentFactory = (kind: string, config: Readonly<Record<string, unknown>>) => Agent;
