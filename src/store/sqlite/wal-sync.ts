/**
 * Durability of a WAL database without blocking the event loop. SQLite's own commit fsync
 * (`synchronous=FULL`) runs on the JavaScript thread and stalls every call for the disk's
 * flush time (about 0.3 ms here, most of it waiting). Instead the group commit commits with
 * `synchronous=NORMAL` (the WAL frames are written, not flushed) and a {@link WalSync}
 * fsyncs the WAL file on the libuv thread pool; the writes that must be durable settle when
 * that fsync, started after their COMMIT, completes. fsync(2) flushes the file (the inode),
 * whatever descriptor it is called on, so the frames SQLite wrote through its own descriptor
 * are on disk once it returns: the same guarantee as FULL, where SQLite fsyncs the WAL at
 * COMMIT. Checkpoints still sync the WAL and the database file themselves (NORMAL does).
 */
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';

/** Flushes what was committed so far to disk; `done` gets the error, or null. */
export interface WalSync {
  /** Asynchronous flush (thread pool): `done` runs on the event loop. */
  sync(done: (err: Error | null) => void): void;
  /** The same flush, blocking (used once at close). */
  syncNow(): void;
  /** Releases the file descriptors. Idempotent. */
  close(): void;
}

/**
 * A {@link WalSync} on the database's `-wal` file, or undefined when the connection does
 * not need one: an in-memory database, a journal mode other than WAL, or `synchronous`
 * below FULL (the connection was opened not to fsync at COMMIT; neither do we).
 * The first flush also fsyncs the directory, so that the WAL file's own entry is durable
 * (SQLite does the same on its first sync of a new WAL).
 */
export function walSyncFor(db: Database): WalSync | undefined {
  if (db.memory) return undefined;
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  if (Number(db.pragma('synchronous', { simple: true })) < 2) return undefined;
  return new WalFile(`${db.name}-wal`);
}

/** The fsync of one `-wal` file, opened on first use. */
class WalFile implements WalSync {
  #fd: number | undefined;
  #dirSynced = false;
  #closed = false;

  constructor(private readonly path: string) {}

  sync(done: (err: Error | null) => void): void {
    let fd: number;
    try {
      fd = this.#open();
    } catch (err) {
      queueMicrotask(() => done(err as Error));
      return;
    }
    fsync(fd, (err) => done(err));
  }

  syncNow(): void {
    fsyncSync(this.#open());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /**
   * The WAL's descriptor (read-write: some systems refuse fsync on a read-only one). The
   * file exists once the connection has written; SQLite keeps it (same inode, rewritten
   * from the start after a checkpoint) for as long as a connection is open.
   */
  #open(): number {
    if (this.#closed) throw new Error(`WAL sync closed [path:${this.path}]`);
    if (this.#fd === undefined) {
      this.#fd = openSync(this.path, 'r+');
      if (!this.#dirSynced) {
        const dir = openSync(dirname(this.path), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
        this.#dirSynced = true;
      }
    }
    return this.#fd;
  }
}
