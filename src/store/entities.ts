/**
 * Backend-agnostic entity rules: defaults, invariants and merges, shared by
 * every Store backend so that they agree on what is valid.
 */
import { randomUUID } from 'node:crypto';
import { StoreError } from './errors.ts';
import type {
  Agent, AgentPatch, ApiKey, CallPatch, CallRecord, HandoffRecord, JsonObject, NewAgent, NewApiKey, NewTenant, Tenant,
} from './types.ts';

/** Slug syntax for tenants and agents: 1–64 of `[a-z0-9-]`. */
export const SLUG_PATTERN = /^[a-z0-9-]{1,64}$/;

/** Default and maximum page sizes of `listCalls`. */
export const CALL_PAGE_DEFAULT = 50;
/** Maximum page size of `listCalls`. */
export const CALL_PAGE_MAX = 1000;

/**
 * Returns a copy of `obj` without the keys whose value is `undefined`, so that
 * optional fields are absent (not present-and-undefined) in every backend's
 * output and deep equality holds across backends.
 */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

function invalid(message: string): StoreError {
  return new StoreError('invalid', message);
}

function checkSlug(what: string, slug: string): void {
  if (typeof slug !== 'string' || !SLUG_PATTERN.test(slug)) {
    throw invalid(`${what} slug must match [a-z0-9-]{1,64} [slug:${String(slug)}]`);
  }
}

function checkNonNegativeInt(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${what} must be a non-negative integer [${what}:${value}]`);
}

function checkObject(what: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what} must be a JSON object`);
}

function checkTime(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${what} must be a finite number of ms`);
}

/** Builds a {@link Tenant} from its input, applying defaults and checking the slug. */
export function buildTenant(input: NewTenant, now: number): Tenant {
  checkSlug('tenant', input.slug);
  return { id: input.id ?? randomUUID(), slug: input.slug, name: input.name, createdAt: input.createdAt ?? now };
}

/** Checks an agent's invariants (slug, kind, limits, JSON shapes). */
export function checkAgent(agent: Agent): void {
  checkSlug('agent', agent.slug);
  if (typeof agent.kind !== 'string' || agent.kind === '') throw invalid(`agent kind must be a non-empty string [agent:${agent.slug}]`);
  checkObject('agent config', agent.config);
  checkNonNegativeInt('maxConcurrentCalls', agent.maxConcurrentCalls);
  checkNonNegativeInt('ringTimeMs', agent.ringTimeMs);
  if (!Array.isArray(agent.destinations) || !agent.destinations.every((d) => typeof d === 'string' && d !== '')) {
    throw invalid(`agent destinations must be non-empty strings [agent:${agent.slug}]`);
  }
  if (agent.extension === '') throw invalid(`agent extension must not be empty [agent:${agent.slug}]`);
  if (typeof agent.fallback?.contained !== 'boolean') throw invalid(`agent fallback.contained must be a boolean [agent:${agent.slug}]`);
}

/** Builds an {@link Agent} from its input, applying the documented defaults. */
export function buildAgent(input: NewAgent, now: number): Agent {
  const agent = compact<Agent>({
    id: input.id ?? randomUUID(),
    tenantId: input.tenantId,
    slug: input.slug,
    name: input.name,
    kind: input.kind,
    config: input.config ?? {},
    extension: input.extension,
    tokenHash: input.tokenHash,
    tokenPrefix: input.tokenPrefix,
    destinations: input.destinations ?? [],
    defaultDestination: input.defaultDestination,
    maxConcurrentCalls: input.maxConcurrentCalls ?? 0,
    ringTimeMs: input.ringTimeMs ?? 0,
    fallback: compact(input.fallback ?? { contained: false }),
    createdAt: input.createdAt ?? now,
  });
  checkAgent(agent);
  return agent;
}

/** Applies a patch (`null` clears, absent keeps) and checks the result. */
export function patchAgent(agent: Agent, patch: AgentPatch): Agent {
  const next: Record<string, unknown> = { ...agent };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  const merged = compact(next) as unknown as Agent;
  checkAgent(merged);
  return merged;
}

/** Builds an {@link ApiKey} from its input, applying defaults. */
export function buildApiKey(input: NewApiKey, now: number): ApiKey {
  if (!input.keyHash) throw invalid('api key hash must not be empty');
  return compact<ApiKey>({
    id: input.id ?? randomUUID(),
    tenantId: input.tenantId,
    agentId: input.agentId,
    name: input.name,
    keyHash: input.keyHash,
    prefix: input.prefix,
    createdAt: input.createdAt ?? now,
  });
}

/** Checks a handoff record before it is written. */
export function checkHandoff(record: HandoffRecord): void {
  if (!record.id || !record.tenantId || !record.agentId) throw invalid('handoff record needs id, tenantId and agentId');
  if (record.sharedId === '') throw invalid(`handoff sharedId must not be empty [id:${record.id}]`);
  checkObject('handoff data', record.data);
  checkTime('handoff createdAt', record.createdAt);
  checkTime('handoff expiresAt', record.expiresAt);
}

/** Checks a call record before it is written. */
export function checkCall(record: CallRecord): void {
  if (!record.id) throw invalid('call record needs an id');
  checkTime('call startedAt', record.startedAt);
  if (record.media !== undefined) checkObject('call media', record.media);
}

/** Merges a CDR patch (absent keeps; `id` cannot change) and checks the result. */
export function patchCall(call: CallRecord, patch: CallPatch): CallRecord {
  const merged = compact<CallRecord>({ ...call, ...patch, id: call.id });
  checkCall(merged);
  return merged;
}

/** Position of a call in list order, encoded in cursors. */
export interface CallPosition {
  startedAt: number;
  id: string;
}

/** Encodes a list position as an opaque cursor (base64url JSON). */
export function encodeCursor(pos: CallPosition): string {
  return Buffer.from(JSON.stringify([pos.startedAt, pos.id])).toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}. @throws StoreError `invalid` */
export function decodeCursor(cursor: string): CallPosition {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string') {
      return { startedAt: v[0], id: v[1] };
    }
  } catch {
    // fall through to the typed error
  }
  throw invalid(`invalid cursor [cursor:${cursor.slice(0, 32)}]`);
}

/** Resolves a page size: default {@link CALL_PAGE_DEFAULT}, 1..{@link CALL_PAGE_MAX}. @throws StoreError `invalid` */
export function pageLimit(limit: number | undefined): number {
  const n = limit ?? CALL_PAGE_DEFAULT;
  if (!Number.isSafeInteger(n) || n < 1 || n > CALL_PAGE_MAX) throw invalid(`limit must be 1..${CALL_PAGE_MAX} [limit:${n}]`);
  return n;
}

/** Serialises JSON data for storage; throws `invalid` when it is not serialisable. */
export function toJsonText(what: string, value: JsonObject | unknown[]): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new StoreError('invalid', `${what} is not JSON-serialisable`, { cause: err });
  }
}
