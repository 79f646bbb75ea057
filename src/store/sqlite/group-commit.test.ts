/**
 * The group commit's durability contract with the WAL fsync off the event loop: a durable
 * write settles only after an fsync that started after its COMMIT; CDR-like writes settle at
 * COMMIT; a failed fsync refuses everything after it. The fsync is a fake driven by the test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isStoreError, StoreError } from '../errors.ts';
import { GroupCommit, type BatchInfo } from './group-commit.ts';
import { walSyncFor, type WalSync } from './wal-sync.ts';

/** A WalSync whose fsyncs complete when the test says so. */
class FakeSync implements WalSync {
  readonly running: Array<(err: Error | null) => void> = [];
  started = 0;
  blocking = 0;
  closed = false;
  sync(done: (err: Error | null) => void): void {
    this.started++;
    this.running.push(done);
  }
  syncNow(): void {
    this.blocking++;
  }
  close(): void {
    this.closed = true;
  }
  /** Completes the oldest running fsync. */
  complete(err: Error | null = null): void {
    const done = this.running.shift();
    assert.ok(done, 'no fsync running');
    done(err);
  }
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(options: { syncIntervalMs?: number; flushIntervalMs?: number } = {}) {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
  const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
  const sync = new FakeSync();
  const batches: BatchInfo[] = [];
  const gc = new GroupCommit(db, {
    sync, syncIntervalMs: options.syncIntervalMs ?? 0, flushIntervalMs: options.flushIntervalMs ?? 0, onBatch: (b) => batches.push(b),
  });
  const put = (id: string, durable = true) => gc.enqueue(() => void insert.run(id), undefined, durable);
  const count = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  return { db, gc, sync, put, count, batches };
}

/** Settles the microtask queue and one macrotask turn (the flush runs on setImmediate). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => { done = true; }, () => { done = true; });
  await turn();
  return done;
}

describe('GroupCommit with the WAL fsync off the event loop', () => {
  it('settles a durable write only once the fsync started after its COMMIT completes', async () => {
    const { sync, put, count } = setup();
    const durable = put('a');
    const cdr = put('b', false);
    await turn();
    assert.equal(count(), 2, 'committed in one batch');
    assert.equal(await settled(cdr), true, 'a non-durable write settles at COMMIT');
    assert.equal(await settled(durable), false, 'a durable write waits for the fsync');
    assert.equal(sync.started, 1);
    sync.complete();
    await durable;
  });

  it('makes a batch committed during an fsync wait for the next one', async () => {
    const { sync, put } = setup();
    const first = put('a');
    await turn();
    const second = put('b');
    await turn();
    assert.equal(sync.started, 1, 'fsyncs do not overlap');
    sync.complete();
    await first;
    assert.equal(await settled(second), false, 'the running fsync may have missed the second COMMIT');
    assert.equal(sync.started, 2);
    sync.complete();
    await second;
  });

  it('reports a conflict on a durable write only after the fsync, so a retry never outruns the first write', async () => {
    const { sync, put } = setup();
    const first = put('a');
    await turn();
    const retry = put('a');
    await turn();
    assert.equal(await settled(retry), false);
    sync.complete();
    sync.complete();
    await first;
    await assert.rejects(retry, (err: unknown) => isStoreError(err, 'conflict'));
  });

  it('refuses the covered writes and every later one after a failed fsync', async () => {
    const { gc, sync, put } = setup();
    const lost = put('a');
    await turn();
    sync.complete(new Error('EIO'));
    await assert.rejects(lost, (err: unknown) => isStoreError(err, 'store_unavailable'));
    assert.ok(gc.broken instanceof StoreError);
    await assert.rejects(put('b', false), (err: unknown) => isStoreError(err, 'store_unavailable'));
  });

  it('keeps the fsync rate under syncIntervalMs', async () => {
    const { sync, put } = setup({ syncIntervalMs: 30 });
    const first = put('a');
    await turn();
    sync.complete();
    await first;
    const second = put('b');
    await turn();
    assert.equal(sync.started, 1, 'the next fsync waits for the interval');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(sync.started, 2);
    sync.complete();
    await second;
  });

  it('commits a lone write on the next turn, and under load at most every flushIntervalMs', async () => {
    const { put, batches, sync } = setup({ flushIntervalMs: 30 });
    const first = put('a', false);
    await turn();
    assert.deepEqual(batches, [{ size: 1, committed: true }], 'nothing before it: at once');
    await first;
    const later = [put('b', false), put('c', false)];
    await turn();
    assert.equal(batches.length, 1, 'the next transaction waits for the interval');
    const d = put('d');
    await Promise.all(later);
    assert.deepEqual(batches, [{ size: 1, committed: true }, { size: 3, committed: true }]);
    sync.complete();
    await d;
  });

  it('fsyncs what is waiting at close, once, blocking', async () => {
    const { gc, sync, put } = setup();
    const a = put('a');
    await turn();
    const b = put('b');
    gc.close();
    await Promise.all([a, b]);
    assert.equal(sync.blocking, 1);
    assert.equal(sync.closed, false, 'the running fsync still holds the descriptor');
    sync.complete();
    assert.equal(sync.closed, true);
  });

  it('commits the other writes of a batch when one fails, without savepoints unless one does', async () => {
    const { put, count, batches } = setup();
    const results = await Promise.allSettled([put('a', false), put('a', false), put('c', false)]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(results[1]?.status === 'rejected' && isStoreError(results[1].reason, 'conflict'));
    assert.equal(count(), 2);
    assert.deepEqual(batches, [{ size: 3, committed: true }]);
  });
});

describe('walSyncFor', () => {
  it('fsyncs the -wal file of a WAL database with synchronous FULL, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentline-walsync-'));
    dirs.push(dir);
    const db = new Database(join(dir, 'x.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (x)');
    const wal = walSyncFor(db);
    assert.ok(wal);
    await new Promise<void>((resolve, reject) => wal.sync((err) => (err === null ? resolve() : reject(err))));
    wal.syncNow();
    wal.close();
    db.pragma('synchronous = NORMAL');
    assert.equal(walSyncFor(db), undefined, 'NORMAL was asked for: no fsync');
    db.close();
    assert.equal(walSyncFor(new Database(':memory:')), undefined);
  });
});
