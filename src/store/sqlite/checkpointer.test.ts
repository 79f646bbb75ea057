/**
 * WAL checkpoints on a worker thread: the writing connection never checkpoints inside its
 * commits, the worker's passive checkpoints keep the WAL from growing, a failed worker puts
 * the connection back on SQLite's automatic checkpoints, and closing waits for the worker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { startCheckpointer, type CheckpointResult } from './checkpointer.ts';
import { openSqliteStore } from './store.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function walDb(): { db: Database.Database; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentline-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'db.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB)');
  return { db, path };
}

/** Writes `pages` pages or so, 100 rows a transaction. */
function write(db: Database.Database, pages: number): void {
  const insert = db.prepare('INSERT INTO t (blob) VALUES (?)');
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run(Buffer.alloc(3000, i));
  });
  for (let done = 0; done < pages; done += 100) batch(100);
}

/** Resolves with the first checkpoint result that copied the whole (non-empty) WAL. */
function fullCheckpoint(results: CheckpointResult[]): Promise<CheckpointResult> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const done = results.find((r) => !r.busy && r.walFrames > 0 && r.checkpointed === r.walFrames);
      if (done !== undefined) {
        clearInterval(poll);
        resolve(done);
      }
    }, 5);
  });
}

describe('startCheckpointer', () => {
  it('turns the connection\'s own checkpoints off, and its passive checkpoints keep the WAL from growing', async () => {
    const { db, path } = walDb();
    const results: CheckpointResult[] = [];
    const checkpointer = startCheckpointer(db, { intervalMs: 20, onCheckpoint: (r) => results.push(r) });
    try {
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'no checkpoint inside a COMMIT');
      write(db, 1500); // past SQLite's default of 1,000 pages: the committing thread would have checkpointed
      const first = await fullCheckpoint(results);
      assert.ok(first.walFrames >= 1500, `the WAL held everything until the worker copied it (${first.walFrames} frames)`);
      const size = statSync(`${path}-wal`).size;
      results.length = 0;
      write(db, 1500); // starts the WAL over from its beginning: the file does not grow
      await fullCheckpoint(results);
      assert.ok(statSync(`${path}-wal`).size <= size * 1.1, 'the WAL was reused, not appended to');
      assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 3000);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('puts the connection back on automatic checkpoints when the worker fails', async () => {
    const { db, path } = walDb();
    const failed = new Promise<Error>((resolve) => {
      startCheckpointer(db, { intervalMs: 20, onError: resolve });
      unlinkSync(path); // the worker, still starting, cannot open the file
    });
    const err = await failed;
    assert.match(err.message, /WAL checkpoint worker failed \[path:.*db\.sqlite\]/);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    db.close();
  });
});

describe('sqlite store with the checkpoint worker', () => {
  it('checkpoints its file off the event loop, and closes the worker first (the WAL goes with the last connection)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentline-ckpt-store-'));
    dirs.push(dir);
    const path = join(dir, 'agentline.db');
    const results: CheckpointResult[] = [];
    const store = openSqliteStore({ path, checkpointIntervalMs: 20, onCheckpoint: (r) => results.push(r) });
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.putHandoff({
      id: randomUUID(), tenantId: 't', agentId: 'a', sharedId: `S-${i}`, data: { i }, createdAt: 1, expiresAt: 2,
    })));
    await fullCheckpoint(results);
    await store.close();
    assert.equal(existsSync(`${path}-wal`), false, 'the store\'s connection closed last and removed the WAL');
  });
});
