/**
 * How the parts of the SQLite store reach the database: reads are synchronous statements
 * wrapped in promises (to honour the async Store contract), writes go through the
 * {@link GroupCommit}, and both are refused once the store is closed.
 */
import { StoreError } from '../errors.ts';
import { toStoreError, type GroupCommit } from './group-commit.ts';

/** Reads and writes of one store's connection. */
export class SqliteIo {
  #closed = false;

  /** @param writes the store's write queue (closed by {@link close}) */
  constructor(readonly writes: GroupCommit) {}

  /** True once {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `fn` (synchronous statements) now; its error becomes a StoreError. */
  read<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store_unavailable', 'store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(toStoreError(err, 'read failed'));
    }
  }

  /**
   * Queues `fn` for the next group-commit batch.
   * @param context what the write does, for its error message (with `id`: `context [id:…]`,
   *   built only on failure: the hot writes allocate no message)
   * @param after runs after COMMIT (after the fsync for a durable write) with the result
   * @param durable false for CDRs: fsynced with the next durable batch, not their own
   */
  write<T>(fn: () => T, context: string, id?: string, after?: (value: T) => void, durable = true): Promise<T> {
    return this.writes.enqueue(() => {
      try {
        return fn();
      } catch (err) {
        throw toStoreError(err, id === undefined ? context : `${context} [id:${id}]`);
      }
    }, after, durable);
  }

  /** Refuses every later read and write, and closes the write queue (not the connection). */
  close(): void {
    this.#closed = true;
    this.writes.close();
  }
}
