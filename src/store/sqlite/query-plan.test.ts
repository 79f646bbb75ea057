/**
 * Every prepared SELECT of the store is a seek on an index, never a table scan nor a
 * sort in a temp b-tree: the lookups the Handoff API and the router run per request
 * must stay O(log n) with no per-lookup sort, whatever the table size.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { applyMigrations } from './migrations.ts';
import { CALL_COLUMNS, callListSql, prepareStatements, type CallListShape } from './statements.ts';

/** Statements that read the whole table on purpose (listings, purge by expiry, ping). */
const WHOLE_TABLE = new Set(['ping', 'listTenants', 'purgeExpiredChunk']);
/** By id OR slug: two unique-index seeks, at most two rows to order. */
const TWO_ROWS = new Set(['tenantByRef', 'agentByRef']);

describe('sqlite query plans', () => {
  const cleanup: string[] = [];
  after(() => Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true }))));

  it('answers each lookup with an index seek and no temp b-tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentline-plan-'));
    cleanup.push(dir);
    const db = new Database(join(dir, 'plan.db'));
    try {
      applyMigrations(db, 0);
      const statements = prepareStatements(db);
      let checked = 0;
      for (const [name, statement] of Object.entries(statements)) {
        if (!statement.reader || WHOLE_TABLE.has(name)) continue;
        const plan = explain(db, statement.source);
        if (!TWO_ROWS.has(name)) assert.doesNotMatch(plan, /TEMP B-TREE/, `${name} sorts in a temp b-tree:\n${plan}`);
        assert.doesNotMatch(plan, /^SCAN /m, `${name} scans a table:\n${plan}`);
        checked += 1;
      }
      assert.ok(checked >= 8, `only ${checked} reading statements found`);
    } finally {
      db.close();
    }
  });

  it('lists calls in order from an index in every filter combination, never sorting', () => {
    withDb((db) => {
      const keys: Array<keyof CallListShape> = ['tenant', 'agent', 'since', 'until', 'outcome', 'cursor'];
      for (let bits = 0; bits < 1 << keys.length; bits++) {
        const shape = Object.fromEntries(keys.map((k, i) => [k, ((bits >> i) & 1) === 1])) as unknown as CallListShape;
        const plan = explain(db, callListSql(shape));
        assert.doesNotMatch(plan, /TEMP B-TREE/, `${JSON.stringify(shape)} sorts in a temp b-tree:\n${plan}`);
        assert.match(plan, /USING INDEX calls_/, `${JSON.stringify(shape)} reads no call index:\n${plan}`);
      }
    });
  });

  it('keeps the call indexes dense when calls arrive in start order', () => {
    // A descending index takes each newest key at its leftmost leaf, where SQLite's splits
    // leave half-full pages (migration 3): about 50 % full against nearly 90 % ascending.
    withDb((db) => {
      const insert = db.prepare(`INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${CALL_COLUMNS.map(() => '?').join(', ')})`);
      const row = (i: number): unknown[] => CALL_COLUMNS.map((c) => {
        if (c === 'id') return `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}`;
        if (c === 'tenant_id') return '0190c0de-aaaa-7000-8000-000000000001';
        if (c === 'agent_id') return '0190c0de-bbbb-7000-8000-000000000002';
        if (c === 'started_at') return 1_700_000_000_000 + i * 5;
        if (c === 'answer_code' || c === 'contained' || c === 'answered_at' || c === 'ended_at' || c === 'media') return null;
        return `${c}-${i}`;
      });
      // Calls end in batches, as the group commit writes them: one transaction per 25.
      const batch = db.transaction((from: number) => {
        for (let i = from; i < from + 25; i++) insert.run(row(i));
      });
      for (let i = 0; i < 4000; i += 25) batch(i);
      const fill = db.prepare(`SELECT name, 1.0 - SUM(unused) * 1.0 / SUM(pgsize) AS fill FROM dbstat
        WHERE name LIKE 'calls^_%' ESCAPE '^' AND pagetype = 'leaf' GROUP BY name`).all() as Array<{ name: string; fill: number }>;
      assert.equal(fill.length, 3, 'the three call indexes');
      for (const { name, fill: f } of fill) assert.ok(f > 0.8, `${name} leaves are ${(f * 100).toFixed(0)} % full`);
    });
  });
});

/** Runs `fn` on a new, migrated in-memory database, then closes it. */
function withDb(fn: (db: Database.Database) => void): void {
  const db = new Database(':memory:');
  try {
    applyMigrations(db, 0);
    fn(db);
  } finally {
    db.close();
  }
}

/** EXPLAIN QUERY PLAN of `sql` with every parameter bound to NULL. */
function explain(db: Database.Database, sql: string): string {
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const named = [...sql.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((m) => m[1] as string);
  const positional = (sql.match(/\?/g) ?? []).length;
  const rows = named.length > 0
    ? statement.all(Object.fromEntries(named.map((n) => [n, null])))
    : statement.all(...Array.from({ length: positional }, () => null));
  return (rows as Array<{ detail: string }>).map((r) => r.detail).join('\n');
}
