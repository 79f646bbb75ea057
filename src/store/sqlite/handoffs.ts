/**
 * The handoff-record part of the SQLite store: puts, lookups, purges, put listeners, and the
 * document cache kept in step with the database. A put's document joins the cache only once
 * its group-commit batch committed, and moves its shared id only when the put found it the
 * newest record, inside its own transaction (newest wins: `created_at`, then rowid).
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { checkHandoff } from '../entities.ts';
import { StoreError } from '../errors.ts';
import type { HandoffDocument, HandoffEvent, HandoffListener, HandoffLookup, HandoffRecord } from '../types.ts';
import { DocumentCache } from './document-cache.ts';
import { toStoreError } from './group-commit.ts';
import type { SqliteIo } from './io.ts';
import { handoffDocumentFromRow, handoffFromRow, handoffToRow } from './rows.ts';
import type { HandoffRow } from './rows.ts';
import { HANDOFF_COLUMNS, rowParams } from './statements.ts';
import type { Statements } from './statements.ts';

/** Bytes of handoff `data` kept in memory for repeated reads (see document-cache.ts). */
export const DOCUMENT_CACHE_BYTES = 32 * 1024 * 1024;
/** How stale the cache may be after another process commits to the same file, ms. */
const DATA_VERSION_CHECK_MS = 20;

/** Rows deleted per purge transaction, so a large purge never blocks the loop long. */
const PURGE_CHUNK = 1000;

/** Handoff records of one SQLite store; the store delegates its handoff methods here. */
export class HandoffRecords {
  readonly #st: Statements;
  readonly #clock: () => number;
  readonly #io: SqliteIo;
  readonly #listeners = new Set<HandoffListener>();
  readonly #docs: DocumentCache;
  /** SQLite's count of commits by other connections: a change empties {@link #docs}. */
  readonly #dataVersion: Statement;
  #seenDataVersion: unknown;
  /** Documents put by the running batch, cached once it commits (newest-wins decided inside it). */
  #staged: Array<{ doc: HandoffDocument; newest: boolean }> = [];
  #dataVersionAt = -Infinity;

  /** @param documentCacheBytes bytes of documents kept in memory (0: none) */
  constructor(db: Db, st: Statements, clock: () => number, io: SqliteIo, documentCacheBytes: number) {
    this.#docs = new DocumentCache(documentCacheBytes);
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
    // Known from the start: the first read must not empty what puts cached before it.
    this.#seenDataVersion = this.#dataVersion.get();
    this.#st = st;
    this.#clock = clock;
    this.#io = io;
  }

  /** Store.putHandoff: durable once it resolves; listeners hear of it after its commit. */
  put(record: HandoffRecord): Promise<void> {
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
    return this.#io.write(() => this.#insert(row), 'put handoff', record.id, () => this.#emit(event));
  }

  /** Store.getHandoffById. */
  byId(tenantId: string, id: string): Promise<HandoffRecord | undefined> {
    return this.#io.read(() => this.#record(this.#st.handoffById.get(id, tenantId)));
  }

  /** Store.getHandoffBySharedId: the newest record with that shared id. */
  bySharedId(tenantId: string, sharedId: string): Promise<HandoffRecord | undefined> {
    return this.#io.read(() => this.#record(this.#st.handoffBySharedId.get(tenantId, sharedId)));
  }

  /** Store.getHandoffDocument: from the cache when it holds it, else from SQLite (then cached). */
  document(tenantId: string, lookup: HandoffLookup): Promise<HandoffDocument | undefined> {
    return this.#io.read(() => this.#cachedDocument(tenantId, lookup));
  }

  /** Store.purgeExpired: deletes in chunks; a chunk that deleted rows empties the cache. */
  async purgeExpired(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.#io.write(() => this.#st.purgeExpiredChunk.run(now, PURGE_CHUNK).changes, 'purge expired');
      if (n > 0) this.#docs.clear();
      total += n;
      if (n < PURGE_CHUNK) return total;
    }
  }

  /** Store.onHandoff. */
  onHandoff(listener: HandoffListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * After a batch (the group commit's `onCommit`): the documents it put join the cache once
   * committed (so the cache never holds what the database does not), and are dropped when it
   * rolled back.
   */
  batchEnded(committed: boolean): void {
    const staged = this.#staged;
    if (staged.length === 0) return;
    this.#staged = [];
    if (committed) for (const { doc, newest } of staged) this.#docs.added(doc, newest);
  }

  /** Forgets every listener (the store is closing). */
  close(): void {
    this.#listeners.clear();
  }

  /** The write of a put, inside the batch's transaction. */
  #insert(row: HandoffRow): void {
    const { changes, lastInsertRowid } = this.#st.insertHandoff.run(rowParams(row, HANDOFF_COLUMNS));
    if (changes === 0) throw new StoreError('conflict', `handoff record exists [id:${row.id}]`);
    // A read right after the BYE is then a cache hit. By shared id, a read answers the newest
    // record (created_at, then rowid): asked here, inside the transaction, so it is exact.
    const newest = row.shared_id === null
      || this.#st.newestHandoffRowid.get(row.tenant_id, row.shared_id) === lastInsertRowid;
    this.#staged.push({ doc: handoffDocumentFromRow(row), newest });
  }

  #cachedDocument(tenantId: string, lookup: HandoffLookup): HandoffDocument | undefined {
    this.#checkDataVersion();
    const cached = this.#docs.get(tenantId, lookup);
    if (cached !== undefined) return cached;
    const doc = this.#document(tenantId, lookup);
    if (doc !== undefined) this.#docs.set(lookup, doc);
    return doc;
  }

  /**
   * Another process committing to this file (never a handoff writer in a supported layout,
   * but possible) empties the cache; asking SQLite costs ~2 µs, so at most once per
   * DATA_VERSION_CHECK_MS.
   */
  #checkDataVersion(): void {
    const now = this.#clock();
    if (now - this.#dataVersionAt >= DATA_VERSION_CHECK_MS || now < this.#dataVersionAt) {
      this.#dataVersionAt = now;
      const version = this.#dataVersion.get();
      if (version !== this.#seenDataVersion) {
        this.#seenDataVersion = version;
        this.#docs.clear();
      }
    }
  }

  #document(tenantId: string, lookup: HandoffLookup): HandoffDocument | undefined {
    const row = 'sharedId' in lookup
      ? this.#st.handoffBySharedId.get(tenantId, lookup.sharedId)
      : this.#st.handoffById.get(lookup.id, tenantId);
    return row ? handoffDocumentFromRow(row as HandoffRow) : undefined;
  }

  #record(row: unknown): HandoffRecord | undefined {
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
}
