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

/** JSON round trip: drops functions and undefined, so the record holds plain JSON. */
function toJson(data: Record<string, unknown> | undefined): JsonObject {
  return data === undefined ? {} : (JSON.parse(JSON.stringify(data)) as JsonObject);
}

/**
 * Checks the agent's outcome: a destination must be one of the agent's configured ones,
 * otherwise the agent's default is used and `data.destination_note` records why.
 * @param note a reason already known (fallback after failure or the time limit)
 */
export function finalizeOutcome(agent: AgentRecord, outcome: Outcome, endedBy: CallEndedBy, note?: OutcomeNote): FinalOutcome {
  const data: JsonObject = { ...toJson(outcome.data) };
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
