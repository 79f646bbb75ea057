/**
 * The SQLite Store backend (better-sqlite3, one file, WAL). Every write goes
 * through a {@link GroupCommit}: writes of one event-loop turn share one
 * transaction, and the WAL is fsynced off the event loop before a durable write
 * (a handoff record) settles. Reads are synchronous statements wrapped in
 * promises to honour the async {@link Store} contract (both in `io.ts`).
 * Tenants, agents, API keys and call records live here; the handoff records and
 * their document cache in `handoffs.ts`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import {
  buildAgent, buildApiKey, buildTenant, checkCall, decodeCursor, encodeCursor, pageLimit, patchAgent, patchCall,
} from '../entities.ts';
import { StoreError } from '../errors.ts';
import type {
  Agent, AgentPatch, ApiKey, CallPage, CallPatch, CallQuery, CallRecord, HandoffDocument, HandoffListener,
  HandoffLookup, HandoffRecord, NewAgent, NewApiKey, NewTenant, Store, Tenant,
} from '../types.ts';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, startCheckpointer, type Checkpointer, type CheckpointResult } from './checkpointer.ts';
import { GroupCommit, toStoreError } from './group-commit.ts';
import type { BatchInfo } from './group-commit.ts';
import { DOCUMENT_CACHE_BYTES, HandoffRecords } from './handoffs.ts';
import { SqliteIo } from './io.ts';
import { applyMigrations } from './migrations.ts';
import {
  agentFromRow, agentToRow, apiKeyFromRow, apiKeyToRow, callFromRow, callToRow, tenantFromRow, tenantToRow,
} from './rows.ts';
import type { AgentRow, ApiKeyRow, CallRow, TenantRow } from './rows.ts';
import { CALL_COLUMNS, CallListStatements, prepareStatements, rowParams } from './statements.ts';
import type { Statements } from './statements.ts';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file (parent directories are created), or `:memory:` for tests. */
  path: string;
  /** Clock for default `createdAt`/`revokedAt`, epoch ms; default `Date.now`. */
  clock?: () => number;
  /** How long a write waits for another process's lock, ms; default 5000. */
  busyTimeoutMs?: number;
  /** Observer of each group-commit batch (size, committed), for metrics. */
  onBatch?: (info: BatchInfo) => void;
  /** Bytes of handoff documents kept in memory for repeated reads (0: none); default 32 MiB. */
  documentCacheBytes?: number;
  /** Least time between two write transactions under load, ms; default 10 (why: `group-commit.ts`). */
  flushIntervalMs?: number;
  /**
   * WAL checkpoints on a worker thread every this many ms (`checkpointer.ts`); default 1000.
   * 0: SQLite's automatic checkpoints on the connection, inside a COMMIT (short-lived uses: the CLI).
   */
  checkpointIntervalMs?: number;
  /** A checkpoint's outcome, for metrics and tests. */
  onCheckpoint?: (result: CheckpointResult) => void;
  /** The checkpoint worker failed and the connection is back on automatic checkpoints. */
  onCheckpointError?: (err: Error) => void;
}

/** What {@link SqliteStore}'s constructor takes of {@link SqliteStoreOptions}. */
type StoreTuning = Omit<SqliteStoreOptions, 'path' | 'clock' | 'busyTimeoutMs'>;

/**
 * Opens (creating and migrating when needed) a SQLite store.
 * Pragmas: WAL, `synchronous=FULL` for migrations (the group commit then commits with NORMAL
 * and fsyncs the WAL itself, off the event loop, before durable writes settle), a 64 MiB
 * cache, `busy_timeout`, `foreign_keys=ON`.
 * @throws StoreError `store_unavailable` when the file cannot be opened or migrated
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const clock = options.clock ?? Date.now;
  let db: Db | undefined;
  try {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    // A 64 MiB page cache (default 2 MiB): the Handoff API reads recent records at
    // random; no mmap, whose I/O errors would be SIGBUS instead of an error.
    db.pragma('cache_size = -65536');
    applyMigrations(db, clock());
    return new SqliteStore(db, clock, options);
  } catch (err) {
    db?.close();
    throw toStoreError(err, `cannot open SQLite store [path:${options.path}]`);
  }
}

/** A {@link Store} on one SQLite file. Create with {@link openSqliteStore}. */
export class SqliteStore implements Store {
  readonly #db: Db;
  readonly #clock: () => number;
  readonly #st: Statements;
  readonly #lists: CallListStatements;
  readonly #io: SqliteIo;
  readonly #handoffs: HandoffRecords;
  readonly #checkpointer: Checkpointer | undefined;
  #closing: Promise<void> | undefined;

  /** Use {@link openSqliteStore}; this takes an open, migrated connection. */
  constructor(db: Db, clock: () => number, options: StoreTuning = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#st = prepareStatements(db);
    this.#lists = new CallListStatements(db);
    // Synchronously after each batch, before any of its writes settles: the put documents join the cache.
    const onCommit = (committed: boolean): void => this.#handoffs.batchEnded(committed);
    const { onBatch, flushIntervalMs } = options;
    this.#io = new SqliteIo(new GroupCommit(db, {
      onCommit, ...(onBatch && { onBatch }), ...(flushIntervalMs !== undefined && { flushIntervalMs }),
    }));
    this.#handoffs = new HandoffRecords(db, this.#st, clock, this.#io, options.documentCacheBytes ?? DOCUMENT_CACHE_BYTES);
    this.#checkpointer = checkpointerFor(db, options);
  }

  // ── tenants ──────────────────────────────────────────────────────────────

  /** @inheritdoc */
  createTenant(input: NewTenant): Promise<Tenant> {
    return this.#io.write(() => {
      const tenant = buildTenant(input, this.#clock());
      this.#st.insertTenant.run(tenantToRow(tenant));
      return tenant;
    }, `create tenant [slug:${input.slug}]`);
  }

  /** @inheritdoc */
  getTenant(id: string): Promise<Tenant | undefined> {
    return this.#io.read(() => this.#tenant(this.#st.tenantById.get(id)));
  }

  /** @inheritdoc */
  getTenantBySlug(slug: string): Promise<Tenant | undefined> {
    return this.#io.read(() => this.#tenant(this.#st.tenantBySlug.get(slug)));
  }

  /** @inheritdoc */
  findTenant(ref: string): Promise<Tenant | undefined> {
    return this.#io.read(() => this.#tenant(this.#st.tenantByRef.get({ ref })));
  }

  /** @inheritdoc */
  listTenants(): Promise<Tenant[]> {
    return this.#io.read(() => (this.#st.listTenants.all() as TenantRow[]).map(tenantFromRow));
  }

  // ── agents ───────────────────────────────────────────────────────────────

  /** @inheritdoc */
  createAgent(input: NewAgent): Promise<Agent> {
    return this.#io.write(() => {
      const agent = buildAgent(input, this.#clock());
      if (!this.#st.tenantById.get(agent.tenantId)) throw new StoreError('not_found', `tenant not found [tenant:${agent.tenantId}]`);
      this.#st.insertAgent.run(agentToRow(agent));
      return agent;
    }, `create agent [slug:${input.slug}]`);
  }

  /** @inheritdoc */
  updateAgent(id: string, patch: AgentPatch): Promise<Agent> {
    return this.#io.write(() => this.#replaceAgent(id, (a) => patchAgent(a, patch)), `update agent [agent:${id}]`);
  }

  /** @inheritdoc */
  setAgentToken(agentId: string, tokenHash: string, tokenPrefix: string): Promise<Agent> {
    return this.#io.write(
      () => this.#replaceAgent(agentId, (a) => ({ ...a, tokenHash, tokenPrefix })),
      `set agent token [agent:${agentId}]`,
    );
  }

  /** @inheritdoc */
  getAgent(id: string): Promise<Agent | undefined> {
    return this.#io.read(() => this.#agent(this.#st.agentById.get(id)));
  }

  /** @inheritdoc */
  findAgent(tenantId: string, ref: string): Promise<Agent | undefined> {
    return this.#io.read(() => this.#agent(this.#st.agentByRef.get({ tenant: tenantId, ref })));
  }

  /** @inheritdoc */
  listAgents(tenantId: string): Promise<Agent[]> {
    return this.#io.read(() => (this.#st.listAgents.all(tenantId) as AgentRow[]).map(agentFromRow));
  }

  /** @inheritdoc */
  findAgentByExtension(extension: string): Promise<Agent | undefined> {
    return this.#io.read(() => this.#agent(this.#st.agentByExtension.get(extension)));
  }

  /** @inheritdoc */
  findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined> {
    return this.#io.read(() => this.#agent(this.#st.agentByTokenHash.get(tokenHash)));
  }

  // ── API keys ─────────────────────────────────────────────────────────────

  /** @inheritdoc */
  createApiKey(input: NewApiKey): Promise<ApiKey> {
    return this.#io.write(() => {
      const key = buildApiKey(input, this.#clock());
      if (!this.#st.tenantById.get(key.tenantId)) throw new StoreError('not_found', `tenant not found [tenant:${key.tenantId}]`);
      if (key.agentId !== undefined) {
        const agent = this.#st.agentById.get(key.agentId) as AgentRow | undefined;
        if (agent?.tenant_id !== key.tenantId) {
          throw new StoreError('not_found', `agent not found in tenant [agent:${key.agentId}, tenant:${key.tenantId}]`);
        }
      }
      this.#st.insertApiKey.run(apiKeyToRow(key));
      return key;
    }, `create api key [tenant:${input.tenantId}]`);
  }

  /** @inheritdoc */
  getApiKey(id: string): Promise<ApiKey | undefined> {
    return this.#io.read(() => this.#apiKey(this.#st.apiKeyById.get(id)));
  }

  /** @inheritdoc */
  findApiKeyByHash(keyHash: string): Promise<ApiKey | undefined> {
    return this.#io.read(() => this.#apiKey(this.#st.activeApiKeyByHash.get(keyHash)));
  }

  /** @inheritdoc */
  listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return this.#io.read(() => (this.#st.listApiKeys.all(tenantId) as ApiKeyRow[]).map(apiKeyFromRow));
  }

  /** @inheritdoc */
  revokeApiKey(tenantId: string, id: string, revokedAt?: number): Promise<ApiKey> {
    return this.#io.write(() => {
      const at = revokedAt ?? this.#clock();
      const { changes } = this.#st.revokeApiKey.run({ id, tenant: tenantId, at });
      const key = this.#apiKey(this.#st.apiKeyById.get(id));
      if (changes === 0 || !key) throw new StoreError('not_found', `api key not found [key:${id}, tenant:${tenantId}]`);
      return key;
    }, `revoke api key [key:${id}]`);
  }

  // ── handoff records ──────────────────────────────────────────────────────

  /** @inheritdoc */
  putHandoff(record: HandoffRecord): Promise<void> {
    return this.#handoffs.put(record);
  }

  /** @inheritdoc */
  getHandoffById(tenantId: string, id: string): Promise<HandoffRecord | undefined> {
    return this.#handoffs.byId(tenantId, id);
  }

  /** @inheritdoc */
  getHandoffBySharedId(tenantId: string, sharedId: string): Promise<HandoffRecord | undefined> {
    return this.#handoffs.bySharedId(tenantId, sharedId);
  }

  /** @inheritdoc */
  getHandoffDocument(tenantId: string, lookup: HandoffLookup): Promise<HandoffDocument | undefined> {
    return this.#handoffs.document(tenantId, lookup);
  }

  /** @inheritdoc */
  purgeExpired(now: number): Promise<number> {
    return this.#handoffs.purgeExpired(now);
  }

  /** @inheritdoc */
  onHandoff(listener: HandoffListener): () => void {
    return this.#handoffs.onHandoff(listener);
  }

  // ── calls ────────────────────────────────────────────────────────────────

  /** @inheritdoc */
  putCall(record: CallRecord): Promise<void> {
    return this.#io.write(() => {
      checkCall(record);
      this.#st.upsertCall.run(rowParams(callToRow(record), CALL_COLUMNS));
    }, 'put call', record.id, undefined, false);
  }

  /** @inheritdoc */
  updateCall(id: string, patch: CallPatch): Promise<CallRecord> {
    return this.#io.write(() => {
      const row = this.#st.callById.get(id) as CallRow | undefined;
      if (!row) throw new StoreError('not_found', `call not found [call:${id}]`);
      const next = patchCall(callFromRow(row), patch);
      this.#st.upsertCall.run(rowParams(callToRow(next), CALL_COLUMNS));
      return next;
    }, 'update call', id, undefined, false);
  }

  /** @inheritdoc */
  getCall(id: string): Promise<CallRecord | undefined> {
    return this.#io.read(() => {
      const row = this.#st.callById.get(id) as CallRow | undefined;
      return row ? callFromRow(row) : undefined;
    });
  }

  /** @inheritdoc */
  listCalls(query: CallQuery = {}): Promise<CallPage> {
    return this.#io.read(() => this.#listCalls(query));
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  /** @inheritdoc */
  ping(): Promise<void> {
    // A failed WAL fsync leaves reads working but refuses writes: not ready.
    const broken = this.#io.writes.broken;
    if (broken !== undefined) return Promise.reject(broken);
    return this.#io.read(() => {
      this.#st.ping.get();
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ── internals ────────────────────────────────────────────────────────────

  async #close(): Promise<void> {
    this.#io.close(); // the last writes are committed and fsynced here
    this.#handoffs.close();
    // The worker's connection first: the last one to close checkpoints and removes the WAL.
    await this.#checkpointer?.close();
    this.#db.close();
  }

  #listCalls(query: CallQuery): CallPage {
    const limit = pageLimit(query.limit);
    const pos = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const stmt = this.#lists.get({
      tenant: query.tenantId !== undefined,
      agent: query.agentId !== undefined,
      since: query.since !== undefined,
      until: query.until !== undefined,
      outcome: query.outcome !== undefined,
      cursor: pos !== undefined,
    });
    const params: Record<string, unknown> = { limit: limit + 1 };
    if (query.tenantId !== undefined) params.tenant = query.tenantId;
    if (query.agentId !== undefined) params.agent = query.agentId;
    if (query.since !== undefined) params.since = query.since;
    if (query.until !== undefined) params.until = query.until;
    if (query.outcome !== undefined) params.outcome = query.outcome;
    if (pos) Object.assign(params, { cursorStartedAt: pos.startedAt, cursorId: pos.id });
    const rows = stmt.all(params) as CallRow[];
    const items = rows.slice(0, limit).map(callFromRow);
    const last = items.at(-1);
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(last) } : { items };
  }

  #replaceAgent(id: string, change: (agent: Agent) => Agent): Agent {
    const current = this.#agent(this.#st.agentById.get(id));
    if (!current) throw new StoreError('not_found', `agent not found [agent:${id}]`);
    const next = { ...change(current), id: current.id, tenantId: current.tenantId, createdAt: current.createdAt };
    this.#st.replaceAgent.run(agentToRow(next));
    return next;
  }

  #tenant(row: unknown): Tenant | undefined {
    return row ? tenantFromRow(row as TenantRow) : undefined;
  }

  #agent(row: unknown): Agent | undefined {
    return row ? agentFromRow(row as AgentRow) : undefined;
  }

  #apiKey(row: unknown): ApiKey | undefined {
    return row ? apiKeyFromRow(row as ApiKeyRow) : undefined;
  }
}

/** The checkpoint worker of a file database in WAL mode, unless the options ask for SQLite's own. */
function checkpointerFor(db: Db, options: StoreTuning): Checkpointer | undefined {
  const intervalMs = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  if (intervalMs <= 0 || db.memory) return undefined;
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  const { onCheckpoint, onCheckpointError: onError } = options;
  return startCheckpointer(db, { intervalMs, ...(onCheckpoint && { onCheckpoint }), ...(onError && { onError }) });
}
