/**
 * The API server through Fastify's inject(): the Handoff API's scoping and status codes
 * on a driven clock, the admin API's auth and error codes, and the operator endpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminService } from '../admin/index.ts';
import { createLogger, Metrics } from '../obs/index.ts';
import { displayPrefix, hashApiKey } from '../routing/index.ts';
import { openSqliteStore, type Agent, type Store, type Tenant } from '../store/index.ts';
import { createApiServer, type ApiServer } from './server.ts';
import type { ApiSettings, ReadinessCheck } from './types.ts';

const ADMIN_KEY = 'admin-0123456789abcdef';

interface World {
  dir: string;
  store: Store;
  server: ApiServer;
  now: { value: number };
  tenant: Tenant;
  other: Tenant;
  agent: Agent;
  agent2: Agent;
}

async function world(settings: Partial<ApiSettings> = {}, readiness: ReadinessCheck[] = []): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'agentline-api-'));
  const store = openSqliteStore({ path: join(dir, 'a.db') });
  const now = { value: 1_700_000_000_000 };
  const server = await createApiServer({
    store, metrics: new Metrics(), logger: createLogger({ level: 'silent' }), admin: new AdminService({ store }), readiness,
    now: () => now.value,
    settings: { adminKey: ADMIN_KEY, rateLimit: { perKeyPerSec: 1000, burst: 1000 }, maxWaitSec: 30, lookupCacheMs: 0, ...settings },
  });
  const tenant = await store.createTenant({ slug: 'acme', name: 'Acme' });
  const other = await store.createTenant({ slug: 'other', name: 'Other' });
  const agent = await store.createAgent({ tenantId: tenant.id, slug: 'bot', name: 'Bot', kind: 'builtin' });
  const agent2 = await store.createAgent({ tenantId: tenant.id, slug: 'bot2', name: 'Bot 2', kind: 'builtin' });
  return { dir, store, server, now, tenant, other, agent, agent2 };
}

async function close(w: World): Promise<void> {
  await w.server.close();
  await w.store.close();
  rmSync(w.dir, { recursive: true, force: true });
}

async function key(w: World, tenantId: string, plain: string, agentId?: string): Promise<string> {
  await w.store.createApiKey({ tenantId, name: plain, keyHash: hashApiKey(plain), prefix: displayPrefix(plain), ...(agentId ? { agentId } : {}) });
  return plain;
}

async function record(w: World, id: string, sharedId: string, agent: Agent, data: Record<string, unknown> = { contained: false }): Promise<void> {
  await w.store.putHandoff({
    id, tenantId: agent.tenantId, agentId: agent.id, sharedId, data: data as never, createdAt: w.now.value, expiresAt: w.now.value + 60_000,
  });
}

function get(w: World, url: string, apiKey?: string, headers: Record<string, string> = {}) {
  return w.server.app.inject({ method: 'GET', url, headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...headers } });
}

describe('Handoff API (inject)', () => {
  let w: World;
  let k: string;
  before(async () => {
    w = await world();
    k = await key(w, w.tenant.id, 'alk_tenant-key');
    await record(w, 'r1', 'S1', w.agent, { contained: false, destination: 'billing' });
  });
  after(() => close(w));

  test('200 by shared_id, by id, with account and project by id or slug', async () => {
    for (const url of [
      '/v1/acme/bot/handoff_state?shared_id=S1', `/v1/${w.tenant.id}/${w.agent.id}/handoff_state?id=r1`,
      '/v1/acme/bot/handoff_state?shared_id=S1&id=nope', '/v1/acme/bot/handoff_state?shared_id=&id=r1',
    ]) {
      const res = await get(w, url, k);
      assert.equal(res.statusCode, 200, url);
      assert.deepEqual(res.json(), { id: 'r1', shared_id: 'S1', data: { contained: false, destination: 'billing' } });
    }
  });

  test('Authorization: Bearer works too; no key, a wrong key → 401', async () => {
    assert.equal((await get(w, '/v1/acme/bot/handoff_state?id=r1', undefined, { authorization: `Bearer ${k}` })).statusCode, 200);
    for (const res of [await get(w, '/v1/acme/bot/handoff_state?id=r1'), await get(w, '/v1/acme/bot/handoff_state?id=r1', 'alk_wrong')]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, 'unauthorized');
    }
  });

  test('expired, wrong project, unknown account: the same 404 as a missing record', async () => {
    await w.store.putHandoff({ id: 'old', tenantId: w.tenant.id, agentId: w.agent.id, sharedId: 'OLD', data: {}, createdAt: 0, expiresAt: w.now.value });
    const missing = await get(w, '/v1/acme/bot/handoff_state?shared_id=NOPE', k);
    assert.equal(missing.statusCode, 404);
    for (const url of ['/v1/acme/bot/handoff_state?shared_id=OLD', '/v1/acme/bot2/handoff_state?shared_id=S1', '/v1/other/bot/handoff_state?shared_id=S1', '/v1/acme/ghost/handoff_state?id=r1']) {
      const res = await get(w, url, k);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.body, missing.body, url);
      assert.deepEqual(stable(res.headers), stable(missing.headers), url);
    }
  });

  test('a key scoped to one agent sees only that agent\'s records', async () => {
    const scoped = await key(w, w.tenant.id, 'alk_agent2-key', w.agent2.id);
    await record(w, 'r2', 'S2', w.agent2);
    assert.equal((await get(w, '/v1/acme/bot2/handoff_state?shared_id=S2', scoped)).statusCode, 200);
    const out = await get(w, '/v1/acme/bot/handoff_state?shared_id=S1', scoped);
    const missing = await get(w, '/v1/acme/bot/handoff_state?shared_id=NOPE', scoped);
    assert.equal(out.statusCode, 404);
    assert.equal(out.body, missing.body);
  });

  test('injection attempts → 400 bad_request', async () => {
    for (const url of [
      '/v1/acme/bot/handoff_state', '/v1/acme/bot/handoff_state?shared_id=..%2F..%2Fetc', '/v1/acme/bot/handoff_state?shared_id=a%00b',
      '/v1/acme/bot/handoff_state?shared_id=%FF', `/v1/acme/bot/handoff_state?shared_id=${'a'.repeat(300)}`, '/v1/..%2Facme/bot/handoff_state?id=r1',
      '/v1/ac%00me/bot/handoff_state?id=r1', `/v1/${'a'.repeat(300)}/bot/handoff_state?id=r1`, '/v1/acme/bot/handoff_state?id=r1&id=r2',
      '/v1/acme/bot/handoff_state?id=r1&wait=-1', '/v1/acme/bot/handoff_state?id=r1&wait=abc', `/v1/acme/bot/handoff_state?id=r1&x=${'y'.repeat(5000)}`,
    ]) {
      const res = await get(w, url, k);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().error.code, 'bad_request', url);
    }
  });

  test('gzip above 1 KiB when asked; Vary: Accept-Encoding', async () => {
    await record(w, 'big', 'BIG', w.agent, { contained: true, note: 'z'.repeat(4000) });
    const res = await get(w, '/v1/acme/bot/handoff_state?id=big', k, { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    assert.equal(JSON.parse(gunzipSync(res.rawPayload).toString()).data.note.length, 4000);
    const plain = await get(w, '/v1/acme/bot/handoff_state?id=big', k);
    assert.equal(plain.headers['content-encoding'], undefined);
    const small = await get(w, '/v1/acme/bot/handoff_state?id=r1', k, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
  });

  test('wait: answers when the record lands', async () => {
    const pending = get(w, '/v1/acme/bot/handoff_state?shared_id=LATE&wait=30', k);
    await new Promise((resolve) => setImmediate(resolve));
    await record(w, 'late', 'LATE', w.agent);
    const res = await pending;
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, 'late');
  });

  test('wait: a client that goes away releases its waiter (real HTTP)', async () => {
    const port = await w.server.listen('127.0.0.1', 0);
    const ac = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/v1/acme/bot/handoff_state?shared_id=NEVER&wait=30`, {
      headers: { 'x-api-key': k }, signal: ac.signal,
    }).catch((err: unknown) => err);
    await until(() => w.server.waiting === 1);
    ac.abort();
    assert.ok((await pending) instanceof Error);
    await until(() => w.server.waiting === 0);
  });

  test('metrics are labelled by route template, not URL', async () => {
    const text = await (await get(w, '/metrics')).body;
    assert.match(text, /agentline_http_requests_total\{route="\/v1\/:account_id\/:project_id\/handoff_state",code="200"\}/);
    assert.doesNotMatch(text, /route="\/v1\/acme/);
  });
});

/** Polls `cond` on the event loop (no timing assertion); fails after 5 s as a guard. */
async function until(cond: () => boolean): Promise<void> {
  const guard = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > guard) assert.fail('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Headers minus the ones that differ per response by nature. */
function stable(headers: Record<string, unknown>): Record<string, unknown> {
  const { date: _date, ...rest } = headers;
  return rest;
}

describe('rate limit and store failure (inject)', () => {
  test('429 with Retry-After once the burst is spent', async () => {
    const w = await world({ rateLimit: { perKeyPerSec: 1, burst: 2 } });
    try {
      const k = await key(w, w.tenant.id, 'alk_rl');
      assert.equal((await get(w, '/v1/acme/bot/handoff_state?id=x', k)).statusCode, 404);
      assert.equal((await get(w, '/v1/acme/bot/handoff_state?id=x', k)).statusCode, 404);
      const limited = await get(w, '/v1/acme/bot/handoff_state?id=x', k);
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().error.code, 'rate_limited');
      assert.equal(limited.headers['retry-after'], '1');
      w.now.value += 1000;
      assert.equal((await get(w, '/v1/acme/bot/handoff_state?id=x', k)).statusCode, 404);
    } finally {
      await close(w);
    }
  });

  test('a closed store answers 503 unavailable; /readyz names the failed check', async () => {
    const w = await world({ lookupCacheMs: 60_000 }, [{ name: 'store', check: () => w.store.ping() }, { name: 'draining', check: () => true }]);
    try {
      const k = await key(w, w.tenant.id, 'alk_503');
      assert.equal((await get(w, '/v1/acme/bot/handoff_state?id=x', k)).statusCode, 404); // key now cached
      assert.equal((await get(w, '/readyz')).statusCode, 200);
      await w.store.close();
      const res = await get(w, '/v1/acme/bot/handoff_state?id=x', k);
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'unavailable');
      assert.ok(res.headers['retry-after']);
      const ready = await get(w, '/readyz');
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json(), { status: 'not_ready', checks: { store: 'failed', draining: 'ok' } });
    } finally {
      await close(w);
    }
  });
});

describe('admin API (inject)', () => {
  test('off without an admin key: 404 like any unknown path', async () => {
    const w = await world({ adminKey: undefined });
    try {
      const res = await get(w, '/admin/v1/tenants', undefined, { 'x-admin-key': ADMIN_KEY });
      assert.equal(res.statusCode, 404);
    } finally {
      await close(w);
    }
  });

  test('401, 201, 400 (bad JSON, unknown field, too large), 404, 409', async () => {
    const w = await world({ bodyLimit: 1024 });
    const post = (url: string, payload: string, adminKey = ADMIN_KEY) => w.server.app.inject({
      method: 'POST', url, payload, headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
    });
    try {
      assert.equal((await post('/admin/v1/tenants', '{"slug":"x"}', 'wrong-admin-key-000')).statusCode, 401);
      const created = await post('/admin/v1/tenants', '{"slug":"beta"}');
      assert.equal(created.statusCode, 201);
      assert.equal(created.json().slug, 'beta');
      for (const body of ['{"slug":', '{"slug":"b","extra":1}', JSON.stringify({ slug: 'c', name: 'n'.repeat(2000) }), '{"slug":"Bad Slug"}']) {
        const res = await post('/admin/v1/tenants', body);
        assert.equal(res.statusCode, 400, body.slice(0, 40));
        assert.equal(res.json().error.code, 'bad_request');
      }
      assert.equal((await post('/admin/v1/tenants', '{"slug":"beta"}')).json().error.code, 'conflict');
      const missing = await get(w, '/admin/v1/tenants/nope', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'not_found');
    } finally {
      await close(w);
    }
  });

  test('/openapi.json is OpenAPI 3.1 and /docs renders every path', async () => {
    const w = await world();
    try {
      const doc = (await get(w, '/openapi.json')).json();
      assert.equal(doc.openapi, '3.1.0');
      const html = (await get(w, '/docs')).body;
      for (const path of Object.keys(doc.paths)) assert.ok(html.includes(path), path);
      assert.doesNotMatch(html, /<script|https?:\/\/(?!127)/);
    } finally {
      await close(w);
    }
  });
});
