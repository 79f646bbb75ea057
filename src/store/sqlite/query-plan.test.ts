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
import { prepareStatements } from './statements.ts';

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
});

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
