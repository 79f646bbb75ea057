import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { HandoffDocument, HandoffRecord } from '../types.ts';
import { DocumentCache } from './document-cache.ts';
import { openSqliteStore, SqliteStore } from './store.ts';

const doc = (id: string, sharedId: string | undefined, bytes = 10): HandoffDocument => ({
  id, tenantId: 't', agentId: 'a', dataJson: `"${'x'.repeat(bytes)}"`, createdAt: 1, expiresAt: 2,
  ...(sharedId === undefined ? {} : { sharedId }),
});

describe('DocumentCache', () => {
  it('answers by id and by shared id what was set, least recently used out first', () => {
    const cache = new DocumentCache(10 * (256 + 12) + 100); // ten entries
    for (let n = 1; n <= 10; n++) cache.set({ sharedId: `S${n}` }, doc(String(n), `S${n}`));
    assert.equal(cache.get('t', { id: '1' })?.id, '1'); // 1 is now the most recent
    cache.set({ sharedId: 'S11' }, doc('11', 'S11'));
    assert.equal(cache.size, 9, 'evicted down to 7/8 of the bound');
    assert.equal(cache.get('t', { sharedId: 'S2' }), undefined, '2 was the least recently used');
    assert.equal(cache.get('t', { sharedId: 'S3' }), undefined, 'then 3');
    assert.equal(cache.get('t', { sharedId: 'S1' })?.id, '1');
    assert.equal(cache.get('other', { sharedId: 'S1' }), undefined, 'tenants never share entries');
  });

  it('past its bound evicts an eighth at once, oldest first, then holds again until the bound', () => {
    // Evicting one entry per put walked the Map's holes from its front every time: quadratic.
    const cache = new DocumentCache(16 * (256 + 12)); // sixteen entries
    for (let n = 1; n <= 17; n++) cache.added(doc(String(n), `S${n}`), true);
    assert.equal(cache.size, 14);
    assert.deepEqual(['1', '2', '3', '4'].map((id) => cache.get('t', { id })?.id), [undefined, undefined, undefined, '4']);
    cache.added(doc('18', 'S18'), true);
    cache.added(doc('19', 'S19'), true);
    assert.equal(cache.size, 16, 'no eviction while within the bound');
    assert.equal(cache.get('t', { sharedId: 'S5' })?.id, '5');
  });

  it('a put record answers its shared id only when it is the newest; skips records too big to hold', () => {
    const cache = new DocumentCache(8 * 1024);
    cache.set({ sharedId: 'S' }, doc('1', 'S'));
    cache.added(doc('0', 'S'), false);
    assert.equal(cache.get('t', { sharedId: 'S' })?.id, '1', 'an older record leaves the newest in place');
    assert.equal(cache.get('t', { id: '0' })?.id, '0', 'and is cached by its id');
    cache.added(doc('2', 'S'), true);
    assert.equal(cache.get('t', { sharedId: 'S' })?.id, '2');
    assert.equal(cache.get('t', { id: '1' })?.id, '1', 'the record itself is unchanged');
    cache.added(doc('3', 'S', 2048), true);
    assert.equal(cache.get('t', { sharedId: 'S' }), undefined, 'a newest record too big to hold still unseats the old answer');
    cache.set({ id: 'big' }, doc('big', undefined, 2048));
    assert.equal(cache.get('t', { id: 'big' }), undefined);
  });
});

describe('sqlite store: cached documents stay true', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  const record = (tenantId: string, agentId: string, createdAt: number, n: number): HandoffRecord => ({
    id: randomUUID(), tenantId, agentId, sharedId: 'S', data: { n }, createdAt, expiresAt: createdAt + 1e12,
  });

  it('answers the newest record after a put, and after a commit by another connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentline-doccache-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    let now = 1_000_000;
    const store = openSqliteStore({ path, clock: () => now });
    try {
      const tenant = await store.createTenant({ slug: 'acme', name: 'Acme' });
      const agent = await store.createAgent({ tenantId: tenant.id, slug: 'bot', name: 'Bot', kind: 'builtin', config: {} });
      await store.putHandoff(record(tenant.id, agent.id, 1000, 1));
      const read = async () => JSON.parse((await store.getHandoffDocument(tenant.id, { sharedId: 'S' }))?.dataJson ?? 'null');
      assert.deepEqual(await read(), { n: 1 });
      assert.deepEqual(await read(), { n: 1 }, 'from the cache');
      await store.putHandoff(record(tenant.id, agent.id, 2000, 2));
      assert.deepEqual(await read(), { n: 2 }, 'our own put replaces it');
      const other = new Database(path);
      other.prepare(`INSERT INTO handoff_records (id, tenant_id, agent_id, shared_id, data, created_at, expires_at)
        VALUES (?, ?, ?, 'S', '{"n":3}', 3000, 1e13)`).run(randomUUID(), tenant.id, agent.id);
      other.close();
      now += 20;
      assert.deepEqual(await read(), { n: 3 }, 'a commit by another connection empties the cache (within 20 ms)');
      assert.equal(Object.isFrozen(await store.getHandoffDocument(tenant.id, { sharedId: 'S' })), true);
    } finally {
      await store.close();
    }
  });

  it('caches a record when its put commits: the first read after it needs no SQLite lookup, and the newest wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentline-doccache-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    openSqliteStore({ path }).close();
    const statements: string[] = [];
    const db = new Database(path, { verbose: (sql) => statements.push(String(sql)) });
    db.pragma('journal_mode = WAL');
    const store = new SqliteStore(db, () => 1_000_000);
    try {
      const tenant = await store.createTenant({ slug: 'acme', name: 'Acme' });
      const agent = await store.createAgent({ tenantId: tenant.id, slug: 'bot', name: 'Bot', kind: 'builtin', config: {} });
      const lookups = (): string[] => statements.filter((sql) => /SELECT .* FROM handoff_records WHERE (id|tenant_id)/s.test(sql));
      const read = async (lookup: { sharedId: string } | { id: string }) =>
        JSON.parse((await store.getHandoffDocument(tenant.id, lookup))?.dataJson ?? 'null') as unknown;
      const newer = record(tenant.id, agent.id, 2000, 2);
      await store.putHandoff(newer);
      statements.length = 0;
      assert.deepEqual(await read({ sharedId: 'S' }), { n: 2 });
      assert.deepEqual(await read({ id: newer.id }), { n: 2 });
      assert.deepEqual(lookups(), [], 'both reads answered from the cache');
      const older = record(tenant.id, agent.id, 1000, 1); // e.g. replayed from the spool
      await store.putHandoff(older);
      statements.length = 0;
      assert.deepEqual(await read({ sharedId: 'S' }), { n: 2 }, 'an older put does not replace the newer record');
      assert.deepEqual(await read({ id: older.id }), { n: 1 });
      assert.deepEqual(lookups(), []);
      const failed = store.putHandoff({ ...record(tenant.id, agent.id, 3000, 3), id: older.id }); // conflict: not written
      await assert.rejects(failed, (err: { code?: string }) => err.code === 'conflict');
      assert.deepEqual(await read({ sharedId: 'S' }), { n: 2 }, 'a refused put is not cached');
    } finally {
      await store.close();
    }
  });
});
