/**
 * Schema migrations for the SQLite store, versioned in code. Applied in one
 * transaction when the database opens; `schema_migrations` records each
 * version. Never edit an applied migration: append a new one.
 */
import type { Database } from 'better-sqlite3';
import { StoreError } from '../errors.ts';

/** One schema step. Versions are consecutive integers from 1. */
export interface Migration {
  version: number;
  sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        slug TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        extension TEXT UNIQUE,
        token_hash TEXT UNIQUE,
        token_prefix TEXT,
        destinations TEXT NOT NULL,
        default_destination TEXT,
        max_concurrent_calls INTEGER NOT NULL,
        ring_time_ms INTEGER NOT NULL,
        fallback TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (tenant_id, slug)
      );
      CREATE INDEX agents_tenant ON agents (tenant_id, created_at);
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        agent_id TEXT REFERENCES agents(id),
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
      CREATE TABLE handoff_records (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        shared_id TEXT,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX handoff_shared ON handoff_records (tenant_id, shared_id, created_at DESC);
      CREATE INDEX handoff_expiry ON handoff_records (expires_at);
      CREATE TABLE calls (
        id TEXT PRIMARY KEY,
        tenant_id TEXT,
        agent_id TEXT,
        shared_id TEXT,
        sip_call_id TEXT NOT NULL,
        trunk TEXT NOT NULL,
        from_uri TEXT NOT NULL,
        to_uri TEXT NOT NULL,
        direction TEXT NOT NULL,
        answer_code INTEGER,
        outcome TEXT NOT NULL,
        ended_by TEXT,
        contained INTEGER,
        destination TEXT,
        started_at INTEGER NOT NULL,
        answered_at INTEGER,
        ended_at INTEGER,
        media TEXT
      );
      CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
      CREATE INDEX calls_tenant ON calls (tenant_id, started_at DESC, id DESC);
      CREATE INDEX calls_agent ON calls (agent_id, started_at DESC, id DESC);
    `,
  },
  {
    // The shared-id lookup orders by `created_at DESC, rowid DESC`. The index of v1 was
    // (…, created_at DESC) with the implicit rowid ascending, so every lookup sorted its
    // matches in a temp b-tree ("USE TEMP B-TREE FOR LAST TERM OF ORDER BY"); an all
    // ascending index read backwards gives both terms in order, a plain seek.
    version: 2,
    sql: `
      DROP INDEX handoff_shared;
      CREATE INDEX handoff_shared_v2 ON handoff_records (tenant_id, shared_id, created_at);
    `,
  },
  {
    // The call indexes of v1 were descending, (…, started_at DESC, id DESC), and every call
    // adds the newest key: in a descending index that is the leftmost leaf, and SQLite splits
    // a full leaf there into two half-full pages, which then never fill (its quick append
    // balance is for the rightmost leaf only). 100,000 calls in start order took 4,605 pages
    // for calls_tenant against 2,552 ascending, and a commit of 27 calls wrote 43 WAL frames
    // against 38 (2026-11-27). The listing reads an ascending index backwards: the same seek,
    // no sort (query-plan.test.ts checks every listing shape).
    version: 3,
    sql: `
      DROP INDEX calls_started;
      DROP INDEX calls_tenant;
      DROP INDEX calls_agent;
      CREATE INDEX calls_started_v3 ON calls (started_at, id);
      CREATE INDEX calls_tenant_v3 ON calls (tenant_id, started_at, id);
      CREATE INDEX calls_agent_v3 ON calls (agent_id, started_at, id);
    `,
  },
];

/**
 * Applies every migration newer than the database's version, in one
 * transaction (all or nothing). Returns the resulting version.
 * @param now clock for `applied_at`, epoch ms
 * @throws StoreError `store_unavailable` when the file is newer than this code
 */
export function applyMigrations(db: Database, now: number, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const latest = migrations.at(-1)?.version ?? 0;
  const readVersion = db.prepare('SELECT MAX(version) AS v FROM schema_migrations');
  const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  // IMMEDIATE takes the write lock before reading the version, so two
  // processes opening the same new file migrate it once, one after the other.
  db.transaction(() => {
    const current = (readVersion.get() as { v: number | null }).v ?? 0;
    if (current > latest) {
      throw new StoreError('store_unavailable', `database schema is newer than this build [db:${current}, code:${latest}]`);
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, now);
    }
  }).immediate();
  return latest;
}
