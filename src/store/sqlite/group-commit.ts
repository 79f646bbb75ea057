/**
 * Group commit: every write queued within one turn of the event loop runs in ONE
 * transaction, and every promise settles after its COMMIT; a write that must be durable
 * settles once the COMMIT is on disk. A thousand handoff records cost one fsync, and each
 * caller still learns that its own record is durable before it sends the BYE.
 *
 * On a WAL file (the production setup) the fsync runs off the event loop (`wal-sync.ts`):
 * batches commit with `synchronous=NORMAL`, and the durable writes of every batch committed
 * before a WAL fsync started settle when it completes. fsyncs do not overlap and start at
 * most every `syncIntervalMs`, so under load one fsync covers many batches. A failed fsync
 * leaves the queue broken (every later write is refused `store_unavailable`): after an
 * fsync error the kernel may have dropped the dirty pages, so no later success could prove
 * the earlier writes durable. Elsewhere (`synchronous=FULL` without WAL) SQLite fsyncs at
 * COMMIT, and a batch of non-durable writes only commits with `synchronous=NORMAL`.
 */
import type { Database } from 'better-sqlite3';
import { StoreError, isStoreError } from '../errors.ts';
import { walSyncFor, type WalSync } from './wal-sync.ts';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Runs after COMMIT (after the fsync for a durable write) with the op's result. */
  after: ((value: unknown) => void) | undefined;
  /** Must be on disk when its promise resolves (false: a CDR, durable at the next durable commit). */
  durable: boolean;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A committed write waiting for its settlement. */
interface Done {
  op: Pending;
  outcome: Outcome;
}

/** Statistics of the last flushed batch, for metrics. */
export interface BatchInfo {
  /** Number of operations in the transaction. */
  size: number;
  /** Whether the transaction committed. */
  committed: boolean;
}

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Called after each batch (committed or not); errors thrown here are ignored. */
  onBatch?: (info: BatchInfo) => void;
  /**
   * Called synchronously after each batch's transaction ended, before any of its writes
   * settles and before another batch can run: `true` once it committed (its writes are
   * visible to reads, not yet fsynced), `false` when it rolled back. For state that must
   * follow the database exactly (the store's document cache). Errors are ignored.
   */
  onCommit?: (committed: boolean) => void;
  /**
   * Schedules the flush; default `setImmediate` (after this tick's microtasks and I/O
   * callbacks), or a timer when the previous flush was less than `flushIntervalMs` ago.
   */
  schedule?: (flush: () => void) => void;
  /**
   * Least time between two flushes under load, ms (default {@link DEFAULT_FLUSH_INTERVAL_MS};
   * ignored with `schedule`). A transaction costs the same whatever it holds (BEGIN, a WAL
   * frame for every page it touched, COMMIT): a lone write still commits at once, but under
   * load the writes of several milliseconds share one transaction instead of one per
   * event-loop turn.
   */
  flushIntervalMs?: number;
  /**
   * How durable writes reach the disk: a {@link WalSync} (fsync off the event loop), or
   * null for SQLite's own fsync at COMMIT. Default: the database's WAL file when it is one
   * with `synchronous` FULL or above (see `walSyncFor`), else null.
   */
  sync?: WalSync | null;
  /**
   * Least time between the starts of two WAL fsyncs, ms (default 5): bounds the fsync rate
   * under load (an fsync costs about 65 µs of CPU here), at the price of that much more wait
   * before a durable write settles when the previous fsync was that recent.
   */
  syncIntervalMs?: number;
}

/** Default least time between two WAL fsyncs, ms. */
export const DEFAULT_SYNC_INTERVAL_MS = 5;

/**
 * Default least time between two flushes (transactions) under load, ms. Each commit writes
 * again, as WAL frames, the pages that every call's writes touch (the right-hand leaves of
 * the tables and of their time-ordered indexes), so fewer, larger transactions cost less per
 * write; a durable write waits for the fsync after its COMMIT anyway, which starts at once
 * when the last one is more than {@link DEFAULT_SYNC_INTERVAL_MS} old. bench/store.bench.ts
 * at 1,600 calls a second (docs/benchmarks.md "Store writes"): 2 ms gave 4 writes a
 * transaction and 110-140 µs of store CPU a call, 10 ms gives 31 and 55-80 µs, for about
 * 2 ms more before a handoff record is durable (p50 6.3 ms). A lone write commits at once.
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 10;

/**
 * Maps a backend error raised by one operation to a {@link StoreError}:
 * uniqueness violations become `conflict`, StoreErrors pass through,
 * anything else is `store_unavailable`.
 */
export function toStoreError(err: unknown, context: string): StoreError {
  if (isStoreError(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
    return new StoreError('conflict', `${context}: already exists`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError('store_unavailable', `${context}: ${message}`, { cause: err });
}

/** Thrown out of the fast path when one op failed: the batch is rolled back and run again op by op. */
const OP_FAILED = Symbol('op failed');

/** A write queue that commits each event-loop turn's writes in one transaction. */
export class GroupCommit {
  readonly #db: Database;
  readonly #savepoint: (fn: () => unknown) => unknown;
  readonly #batchFast: (ops: Pending[], outcomes: Outcome[]) => void;
  readonly #batchSafe: (ops: Pending[], outcomes: Outcome[]) => void;
  readonly #options: GroupCommitOptions;
  #queue: Pending[] = [];
  #scheduled = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #lastFlushAt = -Infinity;
  #closed = false;
  /** `PRAGMA synchronous` back to the connection's own level, and down to NORMAL; undefined with a WAL sync or below FULL. */
  readonly #syncFull: { run(): unknown } | undefined;
  readonly #syncNormal: { run(): unknown } | undefined;
  #full = true;
  readonly #wal: WalSync | undefined;
  readonly #syncIntervalMs: number;
  /** Durable writes committed since the running fsync started. */
  #unsynced: Done[] = [];
  /** Durable writes the running fsync covers. */
  #inFlight: Done[] = [];
  #syncing = false;
  #syncTimer: NodeJS.Timeout | undefined;
  #lastSyncAt = -Infinity;
  /** Set by a failed fsync: every later write is refused with it. */
  #broken: StoreError | undefined;

  /** @param db open database; the queue never closes it */
  constructor(db: Database, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#options = options;
    this.#wal = options.sync === undefined ? walSyncFor(db) : (options.sync ?? undefined);
    this.#syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    // 2 = FULL, 3 = EXTRA: the level durable batches keep. Below that nothing is fsynced anyway.
    const level = Number(db.pragma('synchronous', { simple: true }));
    if (this.#wal !== undefined) db.pragma('synchronous = NORMAL'); // the WAL sync does the fsync
    const toggles = this.#wal === undefined && level >= 2;
    this.#syncFull = toggles ? db.prepare(`PRAGMA synchronous = ${level}`) : undefined;
    this.#syncNormal = toggles ? db.prepare('PRAGMA synchronous = NORMAL') : undefined;
    // Nested call of a transaction function = SAVEPOINT: one failing op rolls
    // back alone and the rest of the batch still commits.
    this.#savepoint = db.transaction((fn: () => unknown) => fn());
    // BEGIN IMMEDIATE: take the write lock up front (waiting busy_timeout),
    // rather than failing a read-to-write upgrade midway through the batch.
    this.#batchSafe = db.transaction((ops: Pending[], outcomes: Outcome[]) => {
      for (const op of ops) outcomes.push(this.#runOne(op));
    }).immediate;
    this.#batchFast = db.transaction((ops: Pending[], outcomes: Outcome[]) => {
      for (const op of ops) outcomes.push({ ok: true, value: runOrMark(op) });
    }).immediate;
  }

  /** Number of queued, not yet flushed operations. */
  get pending(): number {
    return this.#queue.length;
  }

  /** The error that broke the queue (a failed WAL fsync), if any: the store then refuses writes. */
  get broken(): StoreError | undefined {
    return this.#broken;
  }

  /**
   * Queues `run` (synchronous statements) for the next batch. Resolves with its
   * result after COMMIT; rejects with its own error (as StoreError) if it
   * threw, or with `store_unavailable` if the batch failed to commit.
   * @param after called after COMMIT with the result; its errors are ignored
   * @param durable default true: the promise settles once the COMMIT is on disk. False
   *   (CDRs): it settles at COMMIT, and the write is durable with the next fsync.
   */
  enqueue<T>(run: () => T, after?: (value: T) => void, durable = true): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store_unavailable', 'store is closed'));
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject, after: after as Pending['after'], durable });
      if (!this.#scheduled) this.#schedule();
    });
  }

  /** Flushes on the next turn, or once `flushIntervalMs` has passed since the last flush. */
  #schedule(): void {
    this.#scheduled = true;
    const custom = this.#options.schedule;
    if (custom !== undefined) {
      custom(() => this.flush());
      return;
    }
    const wait = this.#lastFlushAt + (this.#options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS) - performance.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else this.#flushTimer = setTimeout(() => this.flush(), wait);
  }

  /** Runs every queued operation now, in one transaction. Synchronous (the WAL fsync is not). */
  flush(): void {
    this.#scheduled = false;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#lastFlushAt = performance.now();
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    if (this.#broken !== undefined) {
      for (const op of batch) op.reject(this.#broken);
      return;
    }
    const outcomes = this.#runBatch(batch);
    const onCommit = this.#options.onCommit;
    if (onCommit) safely(() => onCommit(outcomes !== undefined));
    this.#report({ size: batch.length, committed: outcomes !== undefined });
    if (outcomes === undefined) return;
    if (this.#wal === undefined) {
      settle(batch.map((op, i) => ({ op, outcome: outcomes[i]! })));
      return;
    }
    const now: Done[] = [];
    for (let i = 0; i < batch.length; i++) {
      const done = { op: batch[i]!, outcome: outcomes[i]! };
      (done.op.durable ? this.#unsynced : now).push(done);
    }
    settle(now);
    if (this.#unsynced.length > 0) this.#requestSync();
  }

  /**
   * Flushes what is queued, makes it durable (a blocking fsync, once) and refuses further
   * writes. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    const waiting = [...this.#inFlight, ...this.#unsynced];
    this.#inFlight = [];
    this.#unsynced = [];
    if (waiting.length > 0) this.#syncNowAndSettle(waiting);
    // A running fsync still uses the descriptor: its callback closes it.
    if (!this.#syncing) this.#wal?.close();
  }

  #syncNowAndSettle(waiting: Done[]): void {
    try {
      this.#wal?.syncNow();
      settle(waiting);
    } catch (err) {
      this.#fail(err, waiting);
    }
  }

  /** Returns each op's outcome, or undefined when the transaction failed (all rejected). */
  #runBatch(batch: Pending[]): Outcome[] | undefined {
    let outcomes: Outcome[] = [];
    try {
      this.#setDurable(batch.some((op) => op.durable));
      try {
        // Savepoints cost two statements per write: run without, and only when an op
        // throws (rare: a conflict), roll back and run the batch again op by op.
        this.#batchFast(batch, outcomes);
      } catch (err) {
        if (err !== OP_FAILED) throw err;
        outcomes = [];
        this.#batchSafe(batch, outcomes);
      }
      return outcomes;
    } catch (err) {
      const error = toStoreError(err, `batch of ${batch.length} writes not committed`);
      const unavailable = error.code === 'store_unavailable' ? error
        : new StoreError('store_unavailable', error.message, { cause: err });
      for (const op of batch) op.reject(unavailable);
      return undefined;
    }
  }

  /**
   * Without a WAL sync, the fsync at COMMIT is most of a batch's cost (about 0.3 ms here
   * against 0.04 ms): skip it when nothing in the batch must be durable yet. Set outside
   * the transaction.
   */
  #setDurable(full: boolean): void {
    if (full === this.#full || this.#syncFull === undefined) return;
    (full ? this.#syncFull : this.#syncNormal)?.run();
    this.#full = full;
  }

  #runOne(op: Pending): Outcome {
    try {
      return { ok: true, value: this.#savepoint(op.run) };
    } catch (err) {
      // Some SQLite errors (I/O, disk full) roll back the whole transaction;
      // then nothing in this batch can commit: abort it.
      if (!this.#db.inTransaction) throw err;
      return { ok: false, error: toStoreError(err, 'write failed') };
    }
  }

  /** Starts a WAL fsync now, or once `syncIntervalMs` has passed since the last one started. */
  #requestSync(): void {
    if (this.#syncing || this.#syncTimer !== undefined || this.#closed) return;
    const wait = this.#lastSyncAt + this.#syncIntervalMs - performance.now();
    if (wait <= 0) {
      this.#startSync();
      return;
    }
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#startSync();
    }, wait);
  }

  #startSync(): void {
    if (this.#closed || this.#unsynced.length === 0) return;
    this.#inFlight = this.#unsynced;
    this.#unsynced = [];
    this.#syncing = true;
    this.#lastSyncAt = performance.now();
    (this.#wal as WalSync).sync((err) => this.#synced(err));
  }

  #synced(err: Error | null): void {
    this.#syncing = false;
    const covered = this.#inFlight;
    this.#inFlight = [];
    if (err !== null) this.#fail(err, covered);
    else settle(covered);
    if (this.#closed) this.#wal?.close();
    else if (this.#unsynced.length > 0) this.#requestSync();
  }

  /** A failed fsync: the writes it covered (and every later one) are refused. */
  #fail(err: unknown, covered: Done[]): void {
    this.#broken ??= new StoreError('store_unavailable', 'WAL fsync failed; writes refused until restart', { cause: err });
    const waiting = [...covered, ...this.#unsynced];
    this.#unsynced = [];
    for (const { op } of waiting) op.reject(this.#broken);
  }

  #report(info: BatchInfo): void {
    const onBatch = this.#options.onBatch;
    if (onBatch) safely(() => onBatch(info));
  }
}

/** Runs an op inside the fast batch; a throw marks the batch for the op-by-op path. */
function runOrMark(op: Pending): unknown {
  try {
    return op.run();
  } catch {
    throw OP_FAILED;
  }
}

/** Settles committed writes: every promise first, then the `after` hooks. */
function settle(done: Done[]): void {
  for (const { op, outcome } of done) {
    if (outcome.ok) op.resolve(outcome.value);
    else op.reject(outcome.error);
  }
  for (const { op, outcome } of done) {
    if (outcome.ok && op.after) {
      const after = op.after;
      safely(() => after(outcome.value));
    }
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Listener errors are isolated: a faulty observer must not fail a write
    // that is already committed.
  }
}
