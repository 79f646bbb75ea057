/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT
 * that crosses `wal_autocheckpoint` pages, on the committing connection's thread: it copies
 * the WAL's pages into the database file and fsyncs the WAL and then the database (twice
 * the WAL, once the database, 2-3 ms here per checkpoint, three a second at 1,600 calls a
 * second, and tens of ms each on a slow disk), so every call's SIP and RTP waited for it.
 * The store's connection instead runs with `wal_autocheckpoint = 0`, and a worker thread
 * with a connection of its own runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`:
 * a passive checkpoint never waits for, nor blocks, the writer (SQLite "Write-Ahead
 * Logging", §"Checkpointing"); the writer starts the WAL over once a checkpoint has copied
 * all of it. Durability does not change: a record is durable once the WAL frames holding
 * it are fsynced (`wal-sync.ts`), and the checkpoint syncs the WAL before it copies and
 * the database before the WAL can be reused, as the automatic one does.
 *
 * If the worker fails (it cannot start, or a checkpoint throws), the connection goes back
 * to automatic checkpoints, so the WAL never grows without bound; `onError` says why.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** What one passive checkpoint did (`PRAGMA wal_checkpoint` row). */
export interface CheckpointResult {
  /** Another connection held what the checkpoint needed (nothing or not all was done; tried again next time). */
  busy: boolean;
  /** Frames in the WAL (-1 when a lock kept the checkpoint from reading it). */
  walFrames: number;
  /** Frames copied into the database file so far (all of them: the next write starts the WAL over). */
  checkpointed: number;
}

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** Time between two checkpoints, ms; default {@link DEFAULT_CHECKPOINT_INTERVAL_MS}. */
  intervalMs?: number;
  /** Called after each checkpoint, on the event loop; errors thrown here are ignored. */
  onCheckpoint?: (result: CheckpointResult) => void;
  /** Called once when the worker fails and the connection is back on automatic checkpoints. */
  onError?: (err: Error) => void;
}

/**
 * Default time between two checkpoints, ms: at 2,000 calls a second the WAL holds about
 * 3,000 frames (12 MB) by then, and pages rewritten within the second are copied once.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;

/** SQLite's own default, restored when the worker fails. */
const AUTOCHECKPOINT_PAGES = 1000;

/** Stops the worker; resolves once its connection is closed. */
export interface Checkpointer {
  close(): Promise<void>;
}

/** The worker (CommonJS, evaluated): its own connection, one passive checkpoint per interval. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const run = () => {
  try {
    const row = checkpoint.get();
    parentPort.postMessage({ type: 'checkpoint', busy: row.busy === 1, walFrames: row.log, checkpointed: row.checkpointed });
  } catch (err) {
    // Another connection holding a lock for a moment: try again at the next interval.
    if (/^SQLITE_(BUSY|LOCKED)/.test(String(err && err.code))) {
      parentPort.postMessage({ type: 'checkpoint', busy: true, walFrames: -1, checkpointed: -1 });
      return;
    }
    clearInterval(timer);
    parentPort.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

type WorkerMessage = ({ type: 'checkpoint' } & CheckpointResult) | { type: 'error'; message: string };

/**
 * Turns off `db`'s automatic checkpoints and starts the worker that checkpoints its file.
 * `db` must be a file database in WAL mode.
 */
export function startCheckpointer(db: Database, options: CheckpointerOptions = {}): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  let failed = false;
  const fail = (err: Error): void => {
    if (failed) return;
    failed = true;
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    try {
      options.onError?.(err);
    } catch {
      // an observer's error changes nothing
    }
  };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: db.name,
      intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
    },
  });
  worker.unref(); // never what keeps the process alive
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'error') {
      fail(new Error(`WAL checkpoint failed [path:${db.name}]: ${m.message}`));
      return;
    }
    try {
      options.onCheckpoint?.({ busy: m.busy, walFrames: m.walFrames, checkpointed: m.checkpointed });
    } catch {
      // an observer's error changes nothing
    }
  });
  worker.on('error', (err) => fail(new Error(`WAL checkpoint worker failed [path:${db.name}]: ${err.message}`, { cause: err })));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing: Promise<void> | undefined;
  return {
    close(): Promise<void> {
      closing ??= (async () => {
        worker.postMessage('close');
        const timeout = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(timeout);
      })();
      return closing;
    },
  };
}
