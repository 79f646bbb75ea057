/**
 * The end of the agent's leg (ARCHITECTURE.md "SIP, end of the agent's leg"): the agent's
 * outcome checked against the agent's configured destinations, the handoff record built
 * from it, and the BYE headers built from the same values, so that the BYE and the
 * Handoff API never disagree.
 */
import type { Outcome } from '../agents/index.ts';
import type { Trunk } from '../routing/index.ts';
import type { Agent as AgentRecord, HandoffRecord, JsonObject } from '../store/index.ts';
import type { CallEndedBy } from './types.ts';

/** The outcome as the call commits it. */
export interface FinalOutcome {
  contained: boolean;
  /** Present only when not contained. */
  destination?: string;
  /** What goes into the record's `data` (contained, destination, the agent's state, notes). */
  data: JsonObject;
}

/** Why the outcome is not simply what the agent said. */
export type OutcomeNote =
  | 'destination_not_configured' | 'destination_missing' | 'agent_failed' | 'max_duration'
  /** RFC 4028 §10: no session refresh came in time; the caller's leg is presumed dead. */
  | 'session_expired';

/** The agent's default destination: its `defaultDestination`, else its fallback's, else its first. */
export function defaultDestination(agent: AgentRecord): string | undefined {
  return agent.defaultDestination ?? agent.fallback.destination ?? agent.destinations[0];
}

/** The agent's fallback outcome (agent failed, time limit). */
export function fallbackOutcome(agent: AgentRecord): Outcome {
  const { contained, destination } = agent.fallback;
  return destination === undefined ? { contained } : { contained, destination };
}

/**
 * A detached copy of the agent's data as plain JSON: a direct deep copy when it already is
 * plain JSON (the usual case), else the JSON round trip, which drops functions and
 * undefined, applies `toJSON` and throws on cycles and BigInts as before. The store
 * serialises the record once more; this copy keeps later changes by the agent out of it.
 */
function toJson(data: Record<string, unknown> | undefined): JsonObject {
  if (data === undefined) return {};
  return (copyPlainJson(data, 0) ?? JSON.parse(JSON.stringify(data))) as JsonObject;
}

/** Deepest plain-JSON value copied directly; deeper (or cyclic) data takes the round trip. */
const MAX_COPY_DEPTH = 32;

/** Not a JSON value as is: the round trip would change it (or throw). */
const NOT_PLAIN = undefined;

/**
 * A deep copy of `v` when the JSON round trip would give back exactly the same value:
 * null, strings, booleans, finite numbers (not -0), arrays without holes or undefined,
 * objects with the plain prototype and no `toJSON`, no symbol keys, no `__proto__` key.
 * Otherwise {@link NOT_PLAIN}.
 */
function copyPlainJson(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : NOT_PLAIN;
  if (typeof v !== 'object' || depth >= MAX_COPY_DEPTH) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const item = copyPlainJson(v[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v || Object.getOwnPropertySymbols(v).length > 0) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key in v) {
    if (!Object.hasOwn(v, key)) continue;
    if (key === '__proto__') return NOT_PLAIN;
    const item = copyPlainJson((v as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}

/**
 * Checks the agent's outcome: a destination must be one of the agent's configured ones,
 * otherwise the agent's default is used and `data.destination_note` records why.
 * @param note a reason already known (fallback after failure or the time limit)
 */
export function finalizeOutcome(agent: AgentRecord, outcome: Outcome, endedBy: CallEndedBy, note?: OutcomeNote): FinalOutcome {
  const data: JsonObject = toJson(outcome.data);
  const notes: OutcomeNote[] = note ? [note] : [];
  let destination: string | undefined;
  if (!outcome.contained) {
    const asked = outcome.destination;
    if (asked !== undefined && agent.destinations.includes(asked)) destination = asked;
    else {
      destination = defaultDestination(agent);
      notes.push(asked === undefined ? 'destination_missing' : 'destination_not_configured');
      if (asked !== undefined) data['requested_destination'] = asked;
    }
  }
  // The contract's fields last, so the agent's data cannot contradict the BYE headers.
  data['contained'] = outcome.contained;
  if (destination !== undefined) data['destination'] = destination;
  else delete data['destination'];
  data['ended_by'] = endedBy;
  if (notes.length > 0) data['destination_note'] = notes.join(',');
  return destination === undefined ? { contained: outcome.contained, data } : { contained: outcome.contained, destination, data };
}

/** Identity of the call for its record. */
export interface RecordIdentity {
  conversationId: string;
  tenantId: string;
  agentId: string;
  sharedId?: string;
}

/** Builds the handoff record; `data` is the final outcome's data. */
export function buildHandoffRecord(id: RecordIdentity, outcome: FinalOutcome, now: number, retentionMs: number): HandoffRecord {
  const record: HandoffRecord = {
    id: id.conversationId, tenantId: id.tenantId, agentId: id.agentId, data: outcome.data, createdAt: now, expiresAt: now + retentionMs,
  };
  if (id.sharedId !== undefined) record.sharedId = id.sharedId;
  return record;
}

/**
 * The BYE's headers, names spelt exactly as the trunk configures them (contact centers
 * match names literally): `X-contained: true|false` and, when not contained,
 * `X-destination: <name>`.
 */
export function byeHeaders(trunk: Trunk, outcome: FinalOutcome): Array<[string, string]> {
  const headers: Array<[string, string]> = [[trunk.byeHeaders.contained, outcome.contained ? 'true' : 'false']];
  if (!outcome.contained && outcome.destination !== undefined) headers.push([trunk.byeHeaders.destination, outcome.destination]);
  return headers;
}
