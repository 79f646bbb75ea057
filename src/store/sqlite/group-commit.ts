/**
 * Group commit: every write queued within one turn of the event loop runs in
 * ONE transaction, and every promise settles after its COMMIT. With WAL and
 * `synchronous=FULL` the COMMIT is the fsync, so a thousand handoff records
 * cost one fsync, and each caller still learns that its own record is durable
 * before it sends the BYE.
 */
import type { Database } from 'better-sqlite3';
import { StoreError, isStoreError } from '../errors.ts';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Runs after COMMIT with the op's result (e.g. to notify listeners). */
  after: ((value: unknown) => void) | undefined;
  /** Must be on disk when its promise resolves (false: a CDR, durable at the next durable commit). */
  durable: boolean;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

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
  /** Schedules the flush; default `setImmediate` (after this tick's microtasks and I/O callbacks). */
  schedule?: (flush: () => void) => void;
}

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

/** A write queue that commits each event-loop turn's writes in one transaction. */
export class GroupCommit {
  readonly #db: Database;
  readonly #savepoint: (fn: () => unknown) => unknown;
  readonly #batch: (ops: Pending[], outcomes: Outcome[]) => void;
  readonly #options: GroupCommitOptions;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  /** `PRAGMA synchronous` back to the connection's own level, and down to NORMAL; undefined when the level is already below FULL. */
  readonly #syncFull: { run(): unknown } | undefined;
  readonly #syncNormal: { run(): unknown } | undefined;
  #full = true;

  /** @param db open database; the queue never closes it */
  constructor(db: Database, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#options = options;
    // 2 = FULL, 3 = EXTRA: the level durable batches keep. Below that nothing is fsynced anyway.
    const level = Number(db.pragma('synchronous', { simple: true }));
    this.#syncFull = level >= 2 ? db.prepare(`PRAGMA synchronous = ${level}`) : undefined;
    this.#syncNormal = level >= 2 ? db.prepare('PRAGMA synchronous = NORMAL') : undefined;
    // Nested call of a transaction function = SAVEPOINT: one failing op rolls
    // back alone and the rest of the batch still commits.
    this.#savepoint = db.transaction((fn: () => unknown) => fn());
    // BEGIN IMMEDIATE: take the write lock up front (waiting busy_timeout),
    // rather than failing a read-to-write upgrade midway through the batch.
    this.#batch = db.transaction((ops: Pending[], outcomes: Outcome[]) => {
      for (const op of ops) outcomes.push(this.#runOne(op));
    }).immediate;
  }

  /** Number of queued, not yet flushed operations. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues `run` (synchronous statements) for the next batch. Resolves with its
   * result after COMMIT; rejects with its own error (as StoreError) if it
   * threw, or with `store_unavailable` if the batch failed to commit.
   * @param after called after COMMIT with the result; its errors are ignored
   * @param durable default true: the COMMIT that settles it is fsynced. False (CDRs): a
   *   batch of only such writes commits with `synchronous=NORMAL` (no fsync; WAL keeps the
   *   file consistent) and they become durable with the next durable batch's fsync.
   */
  enqueue<T>(run: () => T, after?: (value: T) => void, durable = true): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store_unavailable', 'store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject, after: after as Pending['after'], durable });
      if (!this.#scheduled) {
        this.#scheduled = true;
        (this.#options.schedule ?? setImmediate)(() => this.flush());
      }
    });
  }

  /** Runs every queued operation now, in one transaction. Synchronous. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const outcomes = this.#runBatch(batch);
    this.#report({ size: batch.length, committed: outcomes !== undefined });
    if (outcomes === undefined) return;
    batch.forEach((op, i) => {
      const o = outcomes[i]!;
      if (o.ok) op.resolve(o.value);
      else op.reject(o.error);
    });
    batch.forEach((op, i) => {
      const o = outcomes[i]!;
      if (o.ok && op.after) safely(() => op.after!(o.value));
    });
  }

  /** Flushes what is queued and refuses further writes. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
  }

  /** Returns each op's outcome, or undefined when the transaction failed (all rejected). */
  #runBatch(batch: Pending[]): Outcome[] | undefined {
    const outcomes: Outcome[] = [];
    try {
      this.#setDurable(batch.some((op) => op.durable));
      this.#batch(batch, outcomes);
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
   * The fsync at COMMIT is most of a batch's cost (about 0.15 ms against 0.03 ms here):
   * skip it when nothing in the batch must be durable yet. Set outside the transaction.
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

  #report(info: BatchInfo): void {
    const onBatch = this.#options.onBatch;
    if (onBatch) safely(() => onBatch(info));
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
