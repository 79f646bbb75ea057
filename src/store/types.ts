/**
 * The Store contract: entities and the async interface every backend
 * (SQLite now, Redis later) implements. Nothing here names a backend:
 * no SQL, no rows, no keys. All times are epoch milliseconds.
 */

/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object (the shape of agent config, handoff data, media stats). */
export type JsonObject = { [key: string]: JsonValue };

/** A customer account; `account_id` in the Handoff API names one (by id or slug). */
export interface Tenant {
  /** UUID. */
  id: string;
  /** Unique across tenants, `[a-z0-9-]{1,64}`. */
  slug: string;
  name: string;
  /** Epoch ms. */
  createdAt: number;
}

/** What an agent does when it cannot run (bot unreachable, crash). */
export interface AgentFallback {
  /** Value of the `contained` BYE header on fallback. */
  contained: boolean;
  /** Destination named on fallback when not contained. */
  destination?: string;
}

/** A voice agent; `project_id` in the Handoff API names one (by id or slug). */
export interface Agent {
  /** UUID. */
  id: string;
  tenantId: string;
  /** Unique within its tenant, `[a-z0-9-]{1,64}`. */
  slug: string;
  name: string;
  /** `'builtin' | 'flow' | 'websocket'` today; a string so new kinds need no store change. */
  kind: string;
  /** Kind-specific configuration. */
  config: JsonObject;
  /** Request-URI user part that reaches this agent; unique across all agents. */
  extension?: string;
  /** sha256 hex of the agent's SIP token; unique. The token itself is never stored. */
  tokenHash?: string;
  /** First 8 characters of the token, shown in listings. */
  tokenPrefix?: string;
  /** Logical destinations the agent may hand off to. */
  destinations: string[];
  /** Used when the agent names no destination or one not in `destinations`. */
  defaultDestination?: string;
  /** Concurrent call limit; 0 = unlimited. */
  maxConcurrentCalls: number;
  /** Delay before answering, in ms; 0 = answer at once. */
  ringTimeMs: number;
  fallback: AgentFallback;
  /** Epoch ms. */
  createdAt: number;
}

/** A Handoff API key, scoped to a tenant and optionally to one agent. */
export interface ApiKey {
  /** UUID. */
  id: string;
  tenantId: string;
  /** When set, the key sees only this agent's records. */
  agentId?: string;
  name: string;
  /** sha256 hex of the key; unique. */
  keyHash: string;
  /** First characters of the key, shown in listings. */
  prefix: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; set once, revoked keys never authenticate. */
  revokedAt?: number;
}

/** The state of a conversation at handoff; read-only once written. */
export interface HandoffRecord {
  /** Conversation id (UUID); unique across all tenants. */
  id: string;
  tenantId: string;
  agentId: string;
  /** Contact-center session id; may repeat over time, the newest record wins. */
  sharedId?: string;
  /** `contained`, `destination` and the agent's state; may be many MiB. */
  data: JsonObject;
  /** Epoch ms; "newest" for shared-id lookups is by this field. */
  createdAt: number;
  /** Epoch ms; `purgeExpired(now)` deletes records with `expiresAt <= now`. */
  expiresAt: number;
}

/**
 * A handoff record as a server answers with it: `data` still the JSON text the store
 * holds, so that serving it costs no parse and no re-serialisation. The text is what
 * `JSON.stringify(record.data)` gave when the record was put.
 */
export interface HandoffDocument extends Omit<HandoffRecord, 'data'> {
  dataJson: string;
}

/** How a handoff record is looked up: by shared id (the newest wins) or by conversation id. */
export type HandoffLookup = { sharedId: string } | { id: string };

/** Who ended a call. */
export type EndedBy = 'caller' | 'agent' | 'timeout' | 'system';

/** A call detail record (CDR), written as the call progresses. */
export interface CallRecord {
  /** Conversation id (UUID), equal to the handoff record's id. */
  id: string;
  /** Absent when the call was rejected before routing. */
  tenantId?: string;
  agentId?: string;
  sharedId?: string;
  /** SIP Call-ID of the inbound dialog. */
  sipCallId: string;
  /** Trunk name from config. */
  trunk: string;
  from: string;
  to: string;
  direction: 'inbound';
  /** Final SIP status we answered the INVITE with. */
  answerCode?: number;
  /** Current state while live (`ringing`, `answered`) then the outcome (`contained`, `handoff`, `rejected`, `failed`…). */
  outcome: string;
  endedBy?: EndedBy;
  contained?: boolean;
  destination?: string;
  /** Epoch ms. Calls are listed newest first by this field. */
  startedAt: number;
  /** Epoch ms. */
  answeredAt?: number;
  /** Epoch ms. */
  endedAt?: number;
  /** Media statistics (loss, jitter, codec…). */
  media?: JsonObject;
}

/** Input of {@link TenantStore.createTenant}; `id` defaults to a new UUID, `createdAt` to the store clock. */
export interface NewTenant {
  id?: string;
  slug: string;
  name: string;
  createdAt?: number;
}

/**
 * Input of {@link AgentStore.createAgent}. Defaults: `id` new UUID, `config` `{}`,
 * `destinations` `[]`, `maxConcurrentCalls` 0, `ringTimeMs` 0,
 * `fallback` `{ contained: false }`, `createdAt` the store clock.
 */
export interface NewAgent {
  id?: string;
  tenantId: string;
  slug: string;
  name: string;
  kind: string;
  config?: JsonObject;
  extension?: string;
  tokenHash?: string;
  tokenPrefix?: string;
  destinations?: string[];
  defaultDestination?: string;
  maxConcurrentCalls?: number;
  ringTimeMs?: number;
  fallback?: AgentFallback;
  createdAt?: number;
}

/** Changes for {@link AgentStore.updateAgent}; absent = unchanged, `null` clears an optional field. */
export interface AgentPatch {
  slug?: string;
  name?: string;
  kind?: string;
  config?: JsonObject;
  extension?: string | null;
  destinations?: string[];
  defaultDestination?: string | null;
  maxConcurrentCalls?: number;
  ringTimeMs?: number;
  fallback?: AgentFallback;
}

/** Input of {@link ApiKeyStore.createApiKey}; `id` defaults to a new UUID, `createdAt` to the store clock. */
export interface NewApiKey {
  id?: string;
  tenantId: string;
  agentId?: string;
  name: string;
  keyHash: string;
  prefix: string;
  createdAt?: number;
}

/** Changes for {@link CallStore.updateCall}; absent = unchanged. */
export type CallPatch = Partial<Omit<CallRecord, 'id'>>;

/** Filters and page position for {@link CallStore.listCalls}. */
export interface CallQuery {
  tenantId?: string;
  agentId?: string;
  /** Inclusive lower bound on `startedAt`, epoch ms. */
  since?: number;
  /** Exclusive upper bound on `startedAt`, epoch ms. */
  until?: number;
  outcome?: string;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Page size; default 50, at most 1000. */
  limit?: number;
}

/** One page of calls, newest first (by `startedAt`, then `id`). */
export interface CallPage {
  items: CallRecord[];
  /** Present when more calls may follow; pass it back as `cursor`. */
  nextCursor?: string;
}

/** Notification that a handoff record is committed (data omitted: it may be MiB). */
export interface HandoffEvent {
  id: string;
  tenantId: string;
  agentId: string;
  sharedId?: string;
}

/** Listener for {@link HandoffStore.onHandoff}. */
export type HandoffListener = (event: HandoffEvent) => void;

/** Tenants. */
export interface TenantStore {
  /** @throws StoreError `conflict` (slug or id taken), `invalid` (bad slug) */
  createTenant(input: NewTenant): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | undefined>;
  getTenantBySlug(slug: string): Promise<Tenant | undefined>;
  /** By id or slug (id wins when both match different tenants). */
  findTenant(ref: string): Promise<Tenant | undefined>;
  /** All tenants, oldest first. */
  listTenants(): Promise<Tenant[]>;
}

/** The agent directory. */
export interface AgentStore {
  /** @throws StoreError `not_found` (tenant), `conflict` (slug in tenant, extension, token hash), `invalid` */
  createAgent(input: NewAgent): Promise<Agent>;
  /** @throws StoreError `not_found`, `conflict`, `invalid` */
  updateAgent(id: string, patch: AgentPatch): Promise<Agent>;
  getAgent(id: string): Promise<Agent | undefined>;
  /** Within a tenant, by id or slug (id wins). */
  findAgent(tenantId: string, ref: string): Promise<Agent | undefined>;
  /** A tenant's agents, oldest first. */
  listAgents(tenantId: string): Promise<Agent[]>;
  findAgentByExtension(extension: string): Promise<Agent | undefined>;
  findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined>;
  /** Replaces the agent's token. @throws StoreError `not_found`, `conflict` */
  setAgentToken(agentId: string, tokenHash: string, tokenPrefix: string): Promise<Agent>;
}

/** Handoff API keys. */
export interface ApiKeyStore {
  /** @throws StoreError `not_found` (tenant or agent not in tenant), `conflict` (key hash) */
  createApiKey(input: NewApiKey): Promise<ApiKey>;
  getApiKey(id: string): Promise<ApiKey | undefined>;
  /** The key with this hash, unless revoked (a revoked key answers like an unknown one). */
  findApiKeyByHash(keyHash: string): Promise<ApiKey | undefined>;
  /** A tenant's keys including revoked ones, oldest first. */
  listApiKeys(tenantId: string): Promise<ApiKey[]>;
  /** Idempotent: a second call keeps the first `revokedAt`. `revokedAt` defaults to the store clock. @throws StoreError `not_found` */
  revokeApiKey(tenantId: string, id: string, revokedAt?: number): Promise<ApiKey>;
}

/** Handoff records: the durable hand-over read by contact-center scripts. */
export interface HandoffStore {
  /**
   * Writes a record. Resolves only once the record is durable (fsynced or
   * replicated) and readable by every reader of this store; this is what
   * lets the BYE follow. The data is serialised at call time.
   * @throws StoreError `conflict` (id exists), `invalid`, `store_unavailable`
   */
  putHandoff(record: HandoffRecord): Promise<void>;
  /** Scoped to a tenant: another tenant's record answers `undefined`. May return a record past `expiresAt` until purged; callers treat those as missing. */
  getHandoffById(tenantId: string, id: string): Promise<HandoffRecord | undefined>;
  /** The newest record (greatest `createdAt`, then latest written) with this shared id in this tenant. */
  getHandoffBySharedId(tenantId: string, sharedId: string): Promise<HandoffRecord | undefined>;
  /** {@link getHandoffBySharedId} or {@link getHandoffById} with `data` left as stored JSON text. */
  getHandoffDocument(tenantId: string, lookup: HandoffLookup): Promise<HandoffDocument | undefined>;
  /** Deletes records with `expiresAt <= now`; resolves to the number deleted. */
  purgeExpired(now: number): Promise<number>;
  /**
   * Subscribes to committed records (fires after the write is durable, in this
   * process; a cluster backend also relays other nodes' writes). Listener
   * errors are isolated. Returns the unsubscribe function.
   */
  onHandoff(listener: HandoffListener): () => void;
}

/** Call detail records. */
export interface CallStore {
  /** Inserts or replaces the whole record. */
  putCall(record: CallRecord): Promise<void>;
  /** Merges `patch` into the record and resolves to the result. @throws StoreError `not_found` */
  updateCall(id: string, patch: CallPatch): Promise<CallRecord>;
  getCall(id: string): Promise<CallRecord | undefined>;
  /**
   * Newest first, filtered. Pages are stable under concurrent inserts: a
   * cursor marks a position in (startedAt, id) order, so records added
   * later never repeat or shift records on following pages.
   * @throws StoreError `invalid` (bad cursor or limit)
   */
  listCalls(query?: CallQuery): Promise<CallPage>;
}

/** Everything Agentline persists. All methods may reject with StoreError `store_unavailable`. */
export interface Store extends TenantStore, AgentStore, ApiKeyStore, HandoffStore, CallStore {
  /** Resolves when the backend answers; rejects with `store_unavailable` otherwise. */
  ping(): Promise<void>;
  /** Flushes pending writes, then releases the backend. Idempotent. */
  close(): Promise<void>;
}
