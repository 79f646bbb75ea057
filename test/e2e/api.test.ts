/**
 * End to end, issue "Handoff API": a real gateway (SQLite in a temp dir, SIP and HTTP on
 * 127.0.0.1 port 0) read over real HTTP. Every status code of the Handoff API, tenant
 * isolation (byte-identical 404s), a 10 MiB record intact and gzipped, `wait=`, rate
 * limiting, injection attempts, and a real call whose BYE and record agree.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { displayPrefix, hashApiKey } from '../../src/routing/index.ts';
import type { Agent, JsonObject, Tenant } from '../../src/store/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { TestUac, within } from './uac.ts';

const KEY_A = 'alk_e2e-tenant-a-0123456789abcdef';
const KEY_B = 'alk_e2e-tenant-b-0123456789abcdef';
const KEY_RL = 'alk_e2e-rate-limited-0123456789ab';

/** A raw HTTP GET (no automatic decompression): status, headers, body bytes. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Handoff API over HTTP against a real gateway', () => {
  let gw: TestGateway;
  let port: number;
  let tenantA: Tenant;
  let agentA: Agent;
  let agentB: Agent;

  async function put(agent: Agent, sharedId: string | undefined, data: JsonObject, id = randomUUID()): Promise<string> {
    const now = Date.now();
    await gw.store.putHandoff({ id, tenantId: agent.tenantId, agentId: agent.id, ...(sharedId ? { sharedId } : {}), data, createdAt: now, expiresAt: now + 3_600_000 });
    return id;
  }

  const url = (tenant: string, agent: string, query: string): string => `/v1/${tenant}/${agent}/handoff_state?${query}`;

  before(async () => {
    gw = await startTestGateway('api-e2e', {
      handoff: { maxWaitSec: 2 },
      api: { rateLimit: { perKeyPerSec: 1, burst: 50 } },
      demo: { enabled: true, apiKey: KEY_A },
    });
    port = gw.httpPort;
    tenantA = (await gw.store.getTenantBySlug('demo')) as Tenant;
    agentA = (await gw.store.findAgent(tenantA.id, 'demo')) as Agent;
    const tenantB = await gw.store.createTenant({ slug: 'beta', name: 'Beta' });
    agentB = await gw.store.createAgent({ tenantId: tenantB.id, slug: 'demo', name: 'B bot', kind: 'builtin' });
    for (const [tenantId, key] of [[tenantB.id, KEY_B], [tenantA.id, KEY_RL]] as const) {
      await gw.store.createApiKey({ tenantId, name: key, keyHash: hashApiKey(key), prefix: displayPrefix(key) });
    }
  });

  after(async () => {
    await gw?.close();
  });

  test('200: the record by shared_id and by id; shared_id wins', async () => {
    const sid = randomUUID();
    const id = await put(agentA, sid, { contained: false, destination: 'billing', customer_id: 'C42' });
    for (const q of [`shared_id=${sid}`, `id=${id}`, `shared_id=${sid}&id=other`]) {
      const res = await get(port, url('demo', 'demo', q), { 'x-api-key': KEY_A });
      assert.equal(res.status, 200, q);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(res.body.toString()), { id, shared_id: sid, data: { contained: false, destination: 'billing', customer_id: 'C42' } });
    }
    const bearer = await get(port, url(tenantA.id, agentA.id, `id=${id}`), { authorization: `Bearer ${KEY_A}` });
    assert.equal(bearer.status, 200);
  });

  test('tenant isolation: B\'s key gets the exact bytes of a missing record, by shared_id and by id', async () => {
    const sid = randomUUID();
    const id = await put(agentA, sid, { contained: true });
    const missing = await get(port, url('beta', 'demo', `shared_id=${randomUUID()}`), { 'x-api-key': KEY_B });
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body.toString()), { error: { code: 'not_found', message: 'not found' } });
    for (const path of [
      url('beta', 'demo', `shared_id=${sid}`), url('beta', 'demo', `id=${id}`),
      url('demo', 'demo', `shared_id=${sid}`), url(tenantA.id, agentA.id, `id=${id}`),
    ]) {
      const res = await get(port, path, { 'x-api-key': KEY_B });
      assert.equal(res.status, 404, path);
      assert.ok(res.body.equals(missing.body), path);
      const { date: _d1, ...h1 } = res.headers;
      const { date: _d2, ...h2 } = missing.headers;
      assert.deepEqual(h1, h2, path);
    }
    // …while A's key reads it.
    assert.equal((await get(port, url('demo', 'demo', `id=${id}`), { 'x-api-key': KEY_A })).status, 200);
  });

  test('a 10 MiB data record round-trips intact, and gzipped when asked', async () => {
    const blob = Array.from({ length: 10 * 1024 }, (_, i) => `${i}:${'é∂'.repeat(100)}${'x'.repeat(720)}`);
    const data = { contained: false, destination: 'support', transcript: blob };
    const size = Buffer.byteLength(JSON.stringify(data));
    assert.ok(size >= 10 * 1024 * 1024, `data is ${size} bytes`);
    const sid = randomUUID();
    await put(agentA, sid, data);
    const plain = await get(port, url('demo', 'demo', `shared_id=${sid}`), { 'x-api-key': KEY_A });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(plain.body.toString()).data, data);
    const zipped = await get(port, url('demo', 'demo', `shared_id=${sid}`), { 'x-api-key': KEY_A, 'accept-encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.body.length < plain.body.length / 4);
    assert.ok(gunzipSync(zipped.body).equals(plain.body));
  });

  test('wait: answers as soon as the record lands; 404 when it never does', async () => {
    const sid = randomUUID();
    const pending = get(port, url('demo', 'demo', `shared_id=${sid}&wait=30`), { 'x-api-key': KEY_A });
    // Another tenant's record with the same shared id must not wake it up with a leak.
    await put(agentB, sid, { contained: true });
    const id = await put(agentA, sid, { contained: false, destination: 'billing' });
    const res = await within(pending, 'the held request', 10_000);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body.toString()).id, id);
    const never = await within(get(port, url('demo', 'demo', `shared_id=${randomUUID()}&wait=0.2`), { 'x-api-key': KEY_A }), 'the wait to end', 10_000);
    assert.equal(never.status, 404);
    assert.equal(JSON.parse(never.body.toString()).error.code, 'not_found');
  });

  test('401 without a key or with an unknown one', async () => {
    const cases: Array<Record<string, string>> = [{}, { 'x-api-key': 'alk_unknown' }, { authorization: 'Basic Zm9vOmJhcg==' }];
    for (const headers of cases) {
      const res = await get(port, url('demo', 'demo', 'id=x'), headers);
      assert.equal(res.status, 401);
      assert.equal(JSON.parse(res.body.toString()).error.code, 'unauthorized');
    }
  });

  test('429 with Retry-After once a key spends its burst; other keys unaffected', async () => {
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 60 && limited === undefined; i++) {
      const res = await get(port, url('demo', 'demo', 'id=x'), { 'x-api-key': KEY_RL });
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 404);
    }
    assert.ok(limited, 'rate limited within 60 requests');
    assert.equal(JSON.parse(limited.body.toString()).error.code, 'rate_limited');
    assert.match(String(limited.headers['retry-after']), /^[1-9]\d*$/);
    assert.equal((await get(port, url('demo', 'demo', 'id=x'), { 'x-api-key': KEY_A })).status, 404);
  });

  test('path and query injection → 400 bad_request', async () => {
    for (const path of [
      '/v1/demo/demo/handoff_state', url('demo', 'demo', 'shared_id=..%2F..%2Fetc%2Fpasswd'), url('demo', 'demo', 'shared_id=abc%00def'),
      url('demo', 'demo', 'shared_id=%C0%AF'), url('demo', 'demo', `id=${'9'.repeat(1000)}`), '/v1/..%2F..%2Fadmin/demo/handoff_state?id=x',
      '/v1/de%FFmo/demo/handoff_state?id=x', `/v1/${'a'.repeat(500)}/demo/handoff_state?id=x`, url('demo', 'demo', 'id=x&wait=1e9'),
      url('demo', 'demo', `id=x&pad=${'p'.repeat(8000)}`), url('demo', "de'mo", 'id=x'),
    ]) {
      const res = await get(port, path, { 'x-api-key': KEY_A });
      assert.equal(res.status, 400, path.slice(0, 80));
      assert.equal(JSON.parse(res.body.toString()).error.code, 'bad_request', path.slice(0, 80));
    }
  });

  test('a real call: the record the API serves matches the BYE headers', async () => {
    const uac = await TestUac.start(gw.sipPort);
    try {
      const sid = randomUUID();
      const placed = await uac.call('7001', [['X-five9sessionid', sid]]);
      assert.equal(placed.response.status, 200);
      assert.ok(placed.dialog);
      const held = get(port, url('demo', 'demo', `shared_id=${sid}&wait=2`), { 'x-api-key': KEY_A });
      await uac.pressDigit(placed.dialog, '2');
      const bye = await placed.bye();
      const res = await within(held, 'the record');
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body.toString());
      assert.equal(body.shared_id, sid);
      assert.equal(String(body.data.contained), bye.get('X-contained'));
      assert.equal(body.data.destination, bye.get('X-destination'));
    } finally {
      await uac.close();
    }
  });

  test('503 unavailable when the store is gone (last: it closes the store)', async () => {
    await gw.store.close();
    const res = await get(port, url('demo', 'demo', 'id=x'), { 'x-api-key': KEY_A });
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.body.toString()).error.code, 'unavailable');
    assert.ok(res.headers['retry-after']);
    const ready = await get(port, '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(JSON.parse(ready.body.toString()).checks.store, 'failed');
  });
});
