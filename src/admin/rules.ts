/**
 * Agent rules the admin layer adds to the store's invariants, and the views that keep
 * secrets' hashes out of every answer.
 */
import type { Agent, AgentFallback, AgentPatch, ApiKey, JsonObject, NewAgent } from '../store/index.ts';
import { AdminError } from './errors.ts';
import type { AgentCreate, AgentUpdate } from './schemas.ts';
import type { AgentConfigValidator, AgentView, ApiKeyView } from './types.ts';

/** The shape the destination rules look at. */
interface DestinationShape {
  slug: string;
  destinations: readonly string[];
  defaultDestination?: string | undefined;
  fallback?: AgentFallback | undefined;
}

/**
 * Checks that destinations are unique and that the default and fallback destinations
 * are among them (ARCHITECTURE.md: an agent may only name a configured destination).
 * @throws AdminError `bad_request`
 */
export function checkDestinations(agent: DestinationShape): void {
  const seen = new Set<string>();
  for (const d of agent.destinations) {
    if (seen.has(d)) throw new AdminError('bad_request', `duplicate destination [agent:${agent.slug}, destination:${d}]`);
    seen.add(d);
  }
  const named: Array<[string, string | undefined]> = [
    ['defaultDestination', agent.defaultDestination],
    ['fallback.destination', agent.fallback?.destination],
  ];
  for (const [field, value] of named) {
    if (value !== undefined && !seen.has(value)) {
      throw new AdminError('bad_request', `${field} is not one of the agent's destinations [agent:${agent.slug}, destination:${value}]`);
    }
  }
}

/**
 * Runs the injected kind-specific config check.
 * @throws AdminError `bad_request` with the validator's message
 */
export function checkConfig(validate: AgentConfigValidator | undefined, kind: string, config: JsonObject): void {
  if (!validate) return;
  try {
    validate(kind, config);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new AdminError('bad_request', `invalid agent config [kind:${kind}]: ${reason}`, { cause: err });
  }
}

/** The store input for a validated create request (token hash supplied by the caller). */
export function newAgentInput(tenantId: string, input: AgentCreate, token: { hash: string; prefix: string }): NewAgent {
  const fallback: AgentFallback = input.fallback
    ?? { contained: false, ...(input.defaultDestination === undefined ? {} : { destination: input.defaultDestination }) };
  const out: NewAgent = {
    tenantId, slug: input.slug, name: input.name ?? input.slug, kind: input.kind, config: input.config as JsonObject,
    destinations: input.destinations, maxConcurrentCalls: input.maxConcurrentCalls, ringTimeMs: input.ringTimeMs,
    fallback, tokenHash: token.hash, tokenPrefix: token.prefix,
  };
  if (input.extension !== undefined) out.extension = input.extension;
  if (input.defaultDestination !== undefined) out.defaultDestination = input.defaultDestination;
  return out;
}

/** The agent as it would be after `patch` (for checks before the store write). */
export function mergeAgent(agent: Agent, patch: AgentUpdate): DestinationShape & { kind: string; config: JsonObject } {
  const defaultDestination = patch.defaultDestination === null ? undefined : (patch.defaultDestination ?? agent.defaultDestination);
  return {
    slug: patch.slug ?? agent.slug,
    kind: patch.kind ?? agent.kind,
    config: (patch.config ?? agent.config) as JsonObject,
    destinations: patch.destinations ?? agent.destinations,
    defaultDestination,
    fallback: patch.fallback ?? agent.fallback,
  };
}

/** A validated update as a store patch. */
export function toAgentPatch(patch: AgentUpdate): AgentPatch {
  const out: AgentPatch = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Drops the token hash. */
export function agentView(agent: Agent): AgentView {
  const { tokenHash: _hash, ...view } = agent;
  return view;
}

/** Drops the key hash. */
export function apiKeyView(key: ApiKey): ApiKeyView {
  const { keyHash: _hash, ...view } = key;
  return view;
}
