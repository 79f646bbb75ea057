/**
 * The SQLite Store backend (better-sqlite3, one file, WAL). Every write goes
 * through a {@link GroupCommit}: writes of one event-loop turn share one
 * transaction, and the WAL is fsynced off the event loop before a durable write
 * (a handoff record) settles. Reads are synchronous statements wrapped in
 * promises to honour the async {@link Store} contract.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  buildAgent, buildApiKey, buildTenant, checkCall, checkHandoff, decodeCursor, encodeCursor, pageLimit, patchAgent, patchCall,
} from '../entities.ts';
import { StoreError } from '../errors.ts';
import type {
  Agent, AgentPatch, ApiKey, CallPage, CallPatch, CallQuery, CallRecord, HandoffDocument, HandoffEvent, HandoffListener,
  HandoffLookup, HandoffRecord, NewAgent, NewApiKey, NewTenant, Store, Tenant,
} from '../types.ts';
import { GroupCommit, toStoreError } from './group-commit.ts';
import type { BatchInfo } from './group-commit.ts';
import { DocumentCache } from './document-cache.ts';
import { applyMigrations } from './migrations.ts';
import {
  agentFromRow, agentToRow, apiKeyFromRow, apiKeyToRow, callFromRow, callToRow, handoffDocumentFromRow, handoffFromRow,
  handoffToRow, tenantFromRow, tenantToRow,
} from './rows.ts';
import type { AgentRow, ApiKeyRow, CallRow, HandoffRow, TenantRow } from './rows.ts';
import { CallListStatements, prepareStatements } from './statements.ts';
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
}

/** Bytes of handoff `data` kept in memory for repeated reads (see document-cache.ts). */
const DOCUMENT_CACHE_BYTES = 32 * 1024 * 1024;
/** How stale the cache may be after another process commits to the same file, ms. */
const DATA_VERSION_CHECK_MS = 20;

/** Rows deleted per purge transaction, so a large purge never blocks the loop long. */
const PURGE_CHUNK = 1000;

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
    return new SqliteStore(db, clock, options.onBatch, options.documentCacheBytes);
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
  readonly #writes: GroupCommit;
  readonly #listeners = new Set<HandoffListener>();
  readonly #docs: DocumentCache;
  /** SQLite's count of commits by other connections: a change empties {@link #docs}. */
  readonly #dataVersion: Statement;
  #seenDataVersion: unknown;
  /** Documents put by the running batch, cached once it commits (newest-wins decided inside it). */
  #staged: Array<{ doc: HandoffDocument; newest: boolean }> = [];
  #dataVersionAt = -Infinity;
  #closed = false;

  /** Use {@link openSqliteStore}; this takes an open, migrated connection. */
  constructor(db: Db, clock: () => number, onBatch?: (info: BatchInfo) => void, documentCacheBytes = DOCUMENT_CACHE_BYTES) {
    this.#db = db;
    this.#docs = new DocumentCache(documentCacheBytes);
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
    // Known from the start: the first read must not empty what puts cached before it.
    this.#seenDataVersion = this.#dataVersion.get();
    this.#clock = clock;
    this.#st = prepareStatements(db);
    this.#lists = new CallListStatements(db);
    const onCommit = (committed: boolean): void => this.#cacheStaged(committed);
    this.#writes = new GroupCommit(db, onBatch ? { onBatch, onCommit } : { onCommit });
  }

  // ── tenants ──────────────────────────────────────────────────────────────

  /** @inheritdoc */
  createTenant(input: NewTenant): Promise<Tenant> {
    return this.#write(() => {
      const tenant = buildTenant(input, this.#clock());
      this.#st.insertTenant.run(tenantToRow(tenant));
      return tenant;
    }, `create tenant [slug:${input.slug}]`);
  }

  /** @inheritdoc */
  getTenant(id: string): Promise<Tenant | undefined> {
    return this.#read(() => this.#tenant(this.#st.tenantById.get(id)));
  }

  /** @inheritdoc */
  getTenantBySlug(slug: string): Promise<Tenant | undefined> {
    return this.#read(() => this.#tenant(this.#st.tenantBySlug.get(slug)));
  }

  /** @inheritdoc */
  findTenant(ref: string): Promise<Tenant | undefined> {
    return this.#read(() => this.#tenant(this.#st.tenantByRef.get({ ref })));
  }

  /** @inheritdoc */
  listTenants(): Promise<Tenant[]> {
    return this.#read(() => (this.#st.listTenants.all() as TenantRow[]).map(tenantFromRow));
  }

  // ── agents ───────────────────────────────────────────────────────────────

  /** @inheritdoc */
  createAgent(input: NewAgent): Promise<Agent> {
    return this.#write(() => {
      const agent = buildAgent(input, this.#clock());
      if (!this.#st.tenantById.get(agent.tenantId)) throw new StoreError('not_found', `tenant not found [tenant:${agent.tenantId}]`);
      this.#st.insertAgent.run(agentToRow(agent));
      return agent;
    }, `create agent [slug:${input.slug}]`);
  }

  /** @inheritdoc */
  updateAgent(id: string, patch: AgentPatch): Promise<Agent> {
    return this.#write(() => this.#replaceAgent(id, (a) => patchAgent(a, patch)), `update agent [agent:${id}]`);
  }

  /** @inheritdoc */
  setAgentToken(agentId: string, tokenHash: string, tokenPrefix: string): Promise<Agent> {
    return this.#write(
      () => this.#replaceAgent(agentId, (a) => ({ ...a, tokenHash, tokenPrefix })),
      `set agent token [agent:${agentId}]`,
    );
  }

  /** @inheritdoc */
  getAgent(id: string): Promise<Agent | undefined> {
    return this.#read(() => this.#agent(this.#st.agentById.get(id)));
  }

  /** @inheritdoc */
  findAgent(tenantId: string, ref: string): Promise<Agent | undefined> {
    return this.#read(() => this.#agent(this.#st.agentByRef.get({ tenant: tenantId, ref })));
  }

  /** @inheritdoc */
  listAgents(tenantId: string): Promise<Agent[]> {
    return this.#read(() => (this.#st.listAgents.all(tenantId) as AgentRow[]).map(agentFromRow));
  }

  /** @inheritdoc */
  findAgentByExtension(extension: string): Promise<Agent | undefined> {
    return this.#read(() => this.#agent(this.#st.agentByExtension.get(extension)));
  }

  /** @inheritdoc */
  findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined> {
    return this.#read(() => this.#agent(this.#st.agentByTokenHash.get(tokenHash)));
  }

  // ── API keys ─────────────────────────────────────────────────────────────

  /** @inheritdoc */
  createApiKey(input: NewApiKey): Promise<ApiKey> {
    return this.#write(() => {
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
    return this.#read(() => this.#apiKey(this.#st.apiKeyById.get(id)));
  }

  /** @inheritdoc */
  findApiKeyByHash(keyHash: string): Promise<ApiKey | undefined> {
    return this.#read(() => this.#apiKey(this.#st.activeApiKeyByHash.get(keyHash)));
  }

  /** @inheritdoc */
  listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return this.#read(() => (this.#st.listApiKeys.all(tenantId) as ApiKeyRow[]).map(apiKeyFromRow));
  }

  /** @inheritdoc */
  revokeApiKey(tenantId: string, id: string, revokedAt?: number): Promise<ApiKey> {
    return this.#write(() => {
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
    let row: HandoffRow;
    try {
      checkHandoff(record);
      row = handoffToRow(record); // serialised now: later mutation of `data` cannot leak in
    } catch (err) {
      return Promise.reject(toStoreError(err, `put handoff [id:${record.id}]`));
    }
    const event: HandoffEvent = record.sharedId === undefined
      ? { id: record.id, tenantId: record.tenantId, agentId: record.agentId }
      : { id: record.id, tenantId: record.tenantId, agentId: record.agentId, sharedId: record.sharedId };
    return this.#write(() => {
      const { changes, lastInsertRowid } = this.#st.insertHandoff.run(row);
      if (changes === 0) throw new StoreError('conflict', `handoff record exists [id:${record.id}]`);
      // A read right after the BYE is then a cache hit. By shared id, a read answers the newest
      // record (created_at, then rowid): asked here, inside the transaction, so it is exact.
      const newest = row.shared_id === null
        || this.#st.newestHandoffRowid.get(row.tenant_id, row.shared_id) === lastInsertRowid;
      this.#staged.push({ doc: handoffDocumentFromRow(row), newest });
    }, 'put handoff', record.id, () => this.#emit(event));
  }

  /** @inheritdoc */
  getHandoffById(tenantId: string, id: string): Promise<HandoffRecord | undefined> {
    return this.#read(() => this.#handoff(this.#st.handoffById.get(id, tenantId)));
  }

  /** @inheritdoc */
  getHandoffBySharedId(tenantId: string, sharedId: string): Promise<HandoffRecord | undefined> {
    return this.#read(() => this.#handoff(this.#st.handoffBySharedId.get(tenantId, sharedId)));
  }

  /** @inheritdoc */
  getHandoffDocument(tenantId: string, lookup: HandoffLookup): Promise<HandoffDocument | undefined> {
    return this.#read(() => {
      // Another process committing to this file (never a handoff writer in a supported
      // layout, but possible) empties the cache; asking SQLite costs ~2 µs, so at most
      // once per DATA_VERSION_CHECK_MS.
      const now = this.#clock();
      if (now - this.#dataVersionAt >= DATA_VERSION_CHECK_MS || now < this.#dataVersionAt) {
        this.#dataVersionAt = now;
        const version = this.#dataVersion.get();
        if (version !== this.#seenDataVersion) {
          this.#seenDataVersion = version;
          this.#docs.clear();
        }
      }
      const cached = this.#docs.get(tenantId, lookup);
      if (cached !== undefined) return cached;
      const doc = this.#handoffDocument(tenantId, lookup);
      if (doc !== undefined) this.#docs.set(lookup, doc);
      return doc;
    });
  }


  /**
   * After a batch: the documents it put join the cache once committed (so the cache never
   * holds what the database does not), and are dropped when it rolled back.
   */
  #cacheStaged(committed: boolean): void {
    const staged = this.#staged;
    if (staged.length === 0) return;
    this.#staged = [];
    if (committed) for (const { doc, newest } of staged) this.#docs.added(doc, newest);
  }

  #handoffDocument(tenantId: string, lookup: HandoffLookup): HandoffDocument | undefined {
    const row = 'sharedId' in lookup
      ? this.#st.handoffBySharedId.get(tenantId, lookup.sharedId)
      : this.#st.handoffById.get(lookup.id, tenantId);
    return row ? handoffDocumentFromRow(row as HandoffRow) : undefined;
  }

  /** @inheritdoc */
  async purgeExpired(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.#write(() => this.#st.purgeExpiredChunk.run(now, PURGE_CHUNK).changes, 'purge expired');
      if (n > 0) this.#docs.clear();
      total += n;
      if (n < PURGE_CHUNK) return total;
    }
  }

  /** @inheritdoc */
  onHandoff(listener: HandoffListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  // ── calls ────────────────────────────────────────────────────────────────

  /** @inheritdoc */
  putCall(record: CallRecord): Promise<void> {
    return this.#write(() => {
      checkCall(record);
      this.#st.upsertCall.run(callToRow(record));
    }, 'put call', record.id, undefined, false);
  }

  /** @inheritdoc */
  updateCall(id: string, patch: CallPatch): Promise<CallRecord> {
    return this.#write(() => {
      const row = this.#st.callById.get(id) as CallRow | undefined;
      if (!row) throw new StoreError('not_found', `call not found [call:${id}]`);
      const next = patchCall(callFromRow(row), patch);
      this.#st.upsertCall.run(callToRow(next));
      return next;
    }, 'update call', id, undefined, false);
  }

  /** @inheritdoc */
  getCall(id: string): Promise<CallRecord | undefined> {
    return this.#read(() => {
      const row = this.#st.callById.get(id) as CallRow | undefined;
      return row ? callFromRow(row) : undefined;
    });
  }

  /** @inheritdoc */
  listCalls(query: CallQuery = {}): Promise<CallPage> {
    return this.#read(() => this.#listCalls(query));
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  /** @inheritdoc */
  ping(): Promise<void> {
    // A failed WAL fsync leaves reads working but refuses writes: not ready.
    const broken = this.#writes.broken;
    if (broken !== undefined) return Promise.reject(broken);
    return this.#read(() => {
      this.#st.ping.get();
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#writes.close();
    this.#listeners.clear();
    this.#db.close();
    return Promise.resolve();
  }

  // ── internals ────────────────────────────────────────────────────────────

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

  #handoff(row: unknown): HandoffRecord | undefined {
    return row ? handoffFromRow(row as HandoffRow) : undefined;
  }

  #emit(event: HandoffEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // Isolated: one faulty long-poll waiter must not starve the others.
      }
    }
  }

  #read<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store_unavailable', 'store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(toStoreError(err, 'read failed'));
    }
  }

  /**
   * @param context what the write does, for its error message (with `id`: `context [id:…]`,
   *   built only on failure: the hot writes allocate no message)
   * @param durable false for CDRs: fsynced with the next durable batch, not their own
   */
  #write<T>(fn: () => T, context: string, id?: string, after?: (value: T) => void, durable = true): Promise<T> {
    return this.#writes.enqueue(() => {
      try {
        return fn();
      } catch (err) {
        throw toStoreError(err, id === undefined ? context : `${context} [id:${id}]`);
      }
    }, after, durable);
  }
}
