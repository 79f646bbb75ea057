import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runStoreConformance } from '../conformance.ts';
import { isStoreError } from '../errors.ts';
import type { BatchInfo } from './group-commit.ts';
import { applyMigrations, MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDb(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'agentline-store-'));
  dirs.push(dir);
  return { path: join(dir, 'nested', 'agentline.db'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

runStoreConformance('sqlite', async () => {
  const { path, cleanup } = await tempDb();
  return { store: openSqliteStore({ path, clock: () => 42 }), cleanup };
});

const record = (id: string, tenantId = 't1') => ({
  id, tenantId, agentId: 'a1', sharedId: `S-${id}`, data: { contained: true }, createdAt: 1, expiresAt: 10,
});

describe('sqlite store specifics', () => {
  it('uses WAL, records its schema version, and reopens without re-migrating', async () => {
    const { path } = await tempDb();
    const store = openSqliteStore({ path });
    const t = await store.createTenant({ slug: 'acme', name: 'Acme' });
    await store.close();
    const reopened = openSqliteStore({ path });
    assert.deepEqual(await reopened.getTenant(t.id), t);
    await reopened.close();
    const raw = new Database(path, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    const versions = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    assert.deepEqual(versions.map((v) => v.version), MIGRATIONS.map((m) => m.version));
    raw.close();
  });

  it('refuses a database newer than the code', async () => {
    const { path } = await tempDb();
    (await openSqliteStore({ path }).close());
    const raw = new Database(path);
    raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)').run();
    raw.close();
    assert.throws(() => openSqliteStore({ path }), (err: unknown) => isStoreError(err, 'store_unavailable'));
  });

  it('applies only pending migrations', () => {
    const db = new Database(':memory:');
    const steps = [{ version: 1, sql: 'CREATE TABLE a (x)' }, { version: 2, sql: 'CREATE TABLE b (x)' }];
    assert.equal(applyMigrations(db, 0, steps.slice(0, 1)), 1);
    assert.equal(applyMigrations(db, 0, steps), 2);
    assert.equal(applyMigrations(db, 0, steps), 2);
    db.close();
  });

  it('writes every putHandoff of one tick in one transaction', async () => {
    const { path } = await tempDb();
    const batches: BatchInfo[] = [];
    const store = openSqliteStore({ path, onBatch: (b) => batches.push(b) });
    await Promise.all(Array.from({ length: 1000 }, () => store.putHandoff(record(randomUUID()))));
    assert.deepEqual(batches, [{ size: 1000, committed: true }]);
    await store.close();
  });

  it('under load, commits at most every flushIntervalMs: later writes share the next transaction', async () => {
    const { path } = await tempDb();
    const batches: BatchInfo[] = [];
    const store = openSqliteStore({ path, onBatch: (b) => batches.push(b), flushIntervalMs: 200 });
    await store.putHandoff(record(randomUUID()));
    assert.deepEqual(batches, [{ size: 1, committed: true }], 'a lone write commits at once');
    const later = [store.putHandoff(record(randomUUID())), store.putHandoff(record(randomUUID()))];
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(batches.length, 1, 'the next transaction waits for the interval');
    await Promise.all(later);
    assert.deepEqual(batches, [{ size: 1, committed: true }, { size: 2, committed: true }]);
    await store.close();
  });

  it('rejects the whole batch with store_unavailable when it cannot commit', async () => {
    const { path } = await tempDb();
    const store = openSqliteStore({ path, busyTimeoutMs: 0 });
    const locker = new Database(path);
    locker.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([store.putHandoff(record('r1')), store.putHandoff(record('r2'))]);
    locker.exec('ROLLBACK');
    locker.close();
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(isStoreError(r.reason, 'store_unavailable'));
    }
    await store.putHandoff(record('r3'));
    assert.ok(await store.getHandoffById('t1', 'r3'));
    assert.equal(await store.getHandoffById('t1', 'r1'), undefined);
    await store.close();
  });

  it('keeps a record whose put resolved when the process is SIGKILLed right after', async () => {
    const { path } = await tempDb();
    const child = fileURLToPath(new URL('./durability-child.ts', import.meta.url));
    const id = randomUUID();
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path, 'tenant', id, 'SHARED'], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('committed')) {
          proc.kill('SIGKILL');
          resolve();
        }
      });
      proc.on('exit', () => reject(new Error(`child exited before committing: ${stderr}`)));
    });
    assert.equal(await exited, 'SIGKILL');
    const store = openSqliteStore({ path });
    const got = await store.getHandoffBySharedId('tenant', 'SHARED');
    assert.equal(got?.id, id);
    assert.equal(got?.data.destination, 'billing');
    await store.close();
  });
});
