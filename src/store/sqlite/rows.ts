/**
 * SQLite rows and their mapping to entities. JSON columns are TEXT; optional
 * fields are NULL in rows and absent (not undefined) in entities.
 */
import { compact, toJsonText } from '../entities.ts';
import type { Agent, ApiKey, CallRecord, EndedBy, HandoffDocument, HandoffRecord, JsonObject, Tenant } from '../types.ts';

/** Row of `tenants`. */
export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  created_at: number;
}

/** Row of `agents`. */
export interface AgentRow {
  id: string;
  tenant_id: string;
  slug: string;
  name: string;
  kind: string;
  config: string;
  extension: string | null;
  token_hash: string | null;
  token_prefix: string | null;
  destinations: string;
  default_destination: string | null;
  max_concurrent_calls: number;
  ring_time_ms: number;
  fallback: string;
  created_at: number;
}

/** Row of `api_keys`. */
export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  agent_id: string | null;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

/** Row of `handoff_records`. */
export interface HandoffRow {
  id: string;
  tenant_id: string;
  agent_id: string;
  shared_id: string | null;
  data: string;
  created_at: number;
  expires_at: number;
}

/** Row of `calls`. */
export interface CallRow {
  id: string;
  tenant_id: string | null;
  agent_id: string | null;
  shared_id: string | null;
  sip_call_id: string;
  trunk: string;
  from_uri: string;
  to_uri: string;
  direction: string;
  answer_code: number | null;
  outcome: string;
  ended_by: string | null;
  contained: number | null;
  destination: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  media: string | null;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/** Row → {@link Tenant}. */
export function tenantFromRow(r: TenantRow): Tenant {
  return { id: r.id, slug: r.slug, name: r.name, createdAt: r.created_at };
}

/** {@link Tenant} → named parameters. */
export function tenantToRow(t: Tenant): TenantRow {
  return { id: t.id, slug: t.slug, name: t.name, created_at: t.createdAt };
}

/** Row → {@link Agent}. */
export function agentFromRow(r: AgentRow): Agent {
  return compact<Agent>({
    id: r.id,
    tenantId: r.tenant_id,
    slug: r.slug,
    name: r.name,
    kind: r.kind,
    config: JSON.parse(r.config) as JsonObject,
    extension: opt(r.extension),
    tokenHash: opt(r.token_hash),
    tokenPrefix: opt(r.token_prefix),
    destinations: JSON.parse(r.destinations) as string[],
    defaultDestination: opt(r.default_destination),
    maxConcurrentCalls: r.max_concurrent_calls,
    ringTimeMs: r.ring_time_ms,
    fallback: JSON.parse(r.fallback) as Agent['fallback'],
    createdAt: r.created_at,
  });
}

/** {@link Agent} → named parameters. */
export function agentToRow(a: Agent): AgentRow {
  return {
    id: a.id,
    tenant_id: a.tenantId,
    slug: a.slug,
    name: a.name,
    kind: a.kind,
    config: toJsonText('agent config', a.config),
    extension: a.extension ?? null,
    token_hash: a.tokenHash ?? null,
    token_prefix: a.tokenPrefix ?? null,
    destinations: toJsonText('agent destinations', a.destinations),
    default_destination: a.defaultDestination ?? null,
    max_concurrent_calls: a.maxConcurrentCalls,
    ring_time_ms: a.ringTimeMs,
    fallback: toJsonText('agent fallback', a.fallback as unknown as JsonObject),
    created_at: a.createdAt,
  };
}

/** Row → {@link ApiKey}. */
export function apiKeyFromRow(r: ApiKeyRow): ApiKey {
  return compact<ApiKey>({
    id: r.id,
    tenantId: r.tenant_id,
    agentId: opt(r.agent_id),
    name: r.name,
    keyHash: r.key_hash,
    prefix: r.prefix,
    createdAt: r.created_at,
    revokedAt: opt(r.revoked_at),
  });
}

/** {@link ApiKey} → named parameters. */
export function apiKeyToRow(k: ApiKey): ApiKeyRow {
  return {
    id: k.id,
    tenant_id: k.tenantId,
    agent_id: k.agentId ?? null,
    name: k.name,
    key_hash: k.keyHash,
    prefix: k.prefix,
    created_at: k.createdAt,
    revoked_at: k.revokedAt ?? null,
  };
}

/** Row → {@link HandoffRecord}. */
export function handoffFromRow(r: HandoffRow): HandoffRecord {
  return compact<HandoffRecord>({
    id: r.id,
    tenantId: r.tenant_id,
    agentId: r.agent_id,
    sharedId: opt(r.shared_id),
    data: JSON.parse(r.data) as JsonObject,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  });
}

/** Row → {@link HandoffDocument}: `data` stays text (the hot read of the Handoff API). */
export function handoffDocumentFromRow(r: HandoffRow): HandoffDocument {
  const doc: HandoffDocument = {
    id: r.id, tenantId: r.tenant_id, agentId: r.agent_id, dataJson: r.data, createdAt: r.created_at, expiresAt: r.expires_at,
  };
  if (r.shared_id !== null) doc.sharedId = r.shared_id;
  return doc;
}

/** {@link HandoffRecord} → named parameters (data serialised now: a snapshot). */
export function handoffToRow(h: HandoffRecord): HandoffRow {
  return {
    id: h.id,
    tenant_id: h.tenantId,
    agent_id: h.agentId,
    shared_id: h.sharedId ?? null,
    data: toJsonText('handoff data', h.data),
    created_at: h.createdAt,
    expires_at: h.expiresAt,
  };
}

/** Row → {@link CallRecord}. */
export function callFromRow(r: CallRow): CallRecord {
  return compact<CallRecord>({
    id: r.id,
    tenantId: opt(r.tenant_id),
    agentId: opt(r.agent_id),
    sharedId: opt(r.shared_id),
    sipCallId: r.sip_call_id,
    trunk: r.trunk,
    from: r.from_uri,
    to: r.to_uri,
    direction: r.direction as CallRecord['direction'],
    answerCode: opt(r.answer_code),
    outcome: r.outcome,
    endedBy: opt(r.ended_by) as EndedBy | undefined,
    contained: r.contained === null ? undefined : r.contained === 1,
    destination: opt(r.destination),
    startedAt: r.started_at,
    answeredAt: opt(r.answered_at),
    endedAt: opt(r.ended_at),
    media: r.media === null ? undefined : (JSON.parse(r.media) as JsonObject),
  });
}

/** {@link CallRecord} → named parameters. */
export function callToRow(c: CallRecord): CallRow {
  return {
    id: c.id,
    tenant_id: c.tenantId ?? null,
    agent_id: c.agentId ?? null,
    shared_id: c.sharedId ?? null,
    sip_call_id: c.sipCallId,
    trunk: c.trunk,
    from_uri: c.from,
    to_uri: c.to,
    direction: c.direction,
    answer_code: c.answerCode ?? null,
    outcome: c.outcome,
    ended_by: c.endedBy ?? null,
    contained: c.contained === undefined ? null : c.contained ? 1 : 0,
    destination: c.destination ?? null,
    started_at: c.startedAt,
    answered_at: c.answeredAt ?? null,
    ended_at: c.endedAt ?? null,
    media: c.media === undefined ? null : toJsonText('call media', c.media),
  };
}
