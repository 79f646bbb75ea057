/**
 * End to end, issue "admin API": a real gateway with an admin key, driven over HTTP the
 * way an operator's tooling would: tenant → agent (token shown once) → extension and
 * destinations → API key (shown once) → the key reads records → revocation; live calls
 * (list, end one); CDRs with filters and cursor pagination; 400/401/404/409 codes.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { TestUac, within } from './uac.ts';

const ADMIN_KEY = 'adm_e2e-0123456789abcdef0123';

describe('admin API over HTTP against a real gateway', () => {
  let gw: TestGateway;
  let base: string;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads many JSON shapes
  async function admin(method: string, path: string, body?: unknown, raw?: string, key = ADMIN_KEY): Promise<{ status: number; json: any }> {
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await fetch(base + path, {
      method, headers: { 'x-admin-key': key, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, body: payload,
    });
    return { status: res.status, json: await res.json() };
  }

  before(async () => {
    gw = await startTestGateway('admin-e2e', { api: { adminKey: ADMIN_KEY } });
    base = `http://127.0.0.1:${gw.httpPort}`;
  });

  after(async () => {
    await gw?.close();
  });

  test('directory: tenant, agent with its token once, extension, destinations, keys', async () => {
    assert.equal((await admin('GET', '/admin/v1/tenants', undefined, undefined, 'wrong-key-0123456789')).status, 401);
    const tenant = await admin('POST', '/admin/v1/tenants', { slug: 'acme', name: 'Acme' });
    assert.equal(tenant.status, 201);
    const agent = await admin('POST', '/admin/v1/tenants/acme/agents', { slug: 'bot', destinations: ['billing'], defaultDestination: 'billing' });
    assert.equal(agent.status, 201);
    assert.match(agent.json.token, /^alt_/);
    assert.equal(agent.json.agent.tokenHash, undefined);
    const fetched = await admin('GET', `/admin/v1/tenants/${tenant.json.id}/agents/bot`);
    assert.equal(fetched.json.token, undefined);
    assert.equal(fetched.json.tokenHash, undefined);
    assert.equal(fetched.json.tokenPrefix, agent.json.token.slice(0, 8));
    const rotated = await admin('POST', '/admin/v1/tenants/acme/agents/bot/token');
    assert.notEqual(rotated.json.token, agent.json.token);
    assert.equal((await admin('PUT', '/admin/v1/tenants/acme/agents/bot/extension', { extension: '8001' })).json.extension, '8001');
    const dest = await admin('POST', '/admin/v1/tenants/acme/agents/bot/destinations', { destination: 'sales queue' });
    assert.deepEqual(dest.json.destinations, ['billing', 'sales queue']);
    // billing is the default (and fallback) destination: removing it would leave the agent inconsistent.
    assert.equal((await admin('DELETE', '/admin/v1/tenants/acme/agents/bot/destinations/billing')).json.error.code, 'conflict');
    assert.deepEqual((await admin('DELETE', '/admin/v1/tenants/acme/agents/bot/destinations/sales%20queue')).json.destinations, ['billing']);
    assert.equal((await admin('DELETE', '/admin/v1/tenants/acme/agents/bot/extension')).json.extension, undefined);
    assert.equal((await admin('GET', '/admin/v1/tenants/acme/agents')).json.items.length, 1);
  });

  test('an API key shown once reads records; revoked, it gets 401 at once', async () => {
    const created = await admin('POST', '/admin/v1/tenants/acme/api-keys', { name: 'five9' });
    assert.equal(created.status, 201);
    assert.match(created.json.key, /^alk_/);
    const listed = await admin('GET', '/admin/v1/tenants/acme/api-keys');
    assert.equal(listed.json.items[0].keyHash, undefined);
    assert.equal(listed.json.items[0].key, undefined);
    const tenant = (await gw.store.getTenantBySlug('acme'))!;
    const agent = (await gw.store.findAgent(tenant.id, 'bot'))!;
    const sid = randomUUID();
    await gw.store.putHandoff({ id: randomUUID(), tenantId: tenant.id, agentId: agent.id, sharedId: sid, data: { contained: true }, createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
    const read = () => fetch(`${base}/v1/acme/bot/handoff_state?shared_id=${sid}`, { headers: { 'x-api-key': created.json.key } });
    assert.equal((await read()).status, 200);
    assert.equal((await admin('DELETE', `/admin/v1/tenants/acme/api-keys/${created.json.apiKey.id}`)).json.revokedAt > 0, true);
    assert.equal((await read()).status, 401);
  });

  test('400 on bad JSON, unknown fields, oversized bodies and injected paths; 404; 409', async () => {
    for (const [method, path, raw] of [
      ['POST', '/admin/v1/tenants', '{"slug": "x",'],
      ['POST', '/admin/v1/tenants', '{"slug":"ok-slug","owner":"me"}'],
      ['POST', '/admin/v1/tenants', JSON.stringify({ slug: 'big', name: 'n'.repeat(100 * 1024) })],
      ['POST', '/admin/v1/tenants', '{"__proto__":{"admin":true},"slug":"p"}'],
      ['POST', '/admin/v1/tenants/acme/agents', '[]'],
      ['GET', '/admin/v1/tenants/..%2F..%2Fetc', undefined],
      ['GET', '/admin/v1/tenants/ac%00me', undefined],
      ['GET', '/admin/v1/cdrs?limit=abc', undefined],
      ['GET', '/admin/v1/cdrs?cursor=%FF', undefined],
    ] as const) {
      const res = await admin(method, path, undefined, raw);
      assert.equal(res.status, 400, `${method} ${path} ${raw?.slice(0, 30) ?? ''}`);
      assert.equal(res.json.error.code, 'bad_request');
    }
    assert.equal((await admin('GET', '/admin/v1/tenants/ghost')).json.error.code, 'not_found');
    assert.equal((await admin('POST', '/admin/v1/tenants', { slug: 'acme' })).status, 409);
  });

  test('CDRs: filters and cursor pagination, newest first', async () => {
    const tenant = (await gw.store.getTenantBySlug('acme'))!;
    for (let i = 0; i < 5; i++) {
      await gw.store.putCall({
        id: `cdr-${i}`, tenantId: tenant.id, sipCallId: `c${i}`, trunk: 'local', from: 'sip:a@x', to: 'sip:b@x', direction: 'inbound',
        outcome: i % 2 === 0 ? 'handoff' : 'contained', startedAt: 1_000 + i,
      });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin('GET', `/admin/v1/cdrs?tenant=acme&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...page.json.items.map((c: { id: string }) => c.id));
      cursor = page.json.nextCursor;
    } while (cursor !== undefined);
    assert.deepEqual(seen, ['cdr-4', 'cdr-3', 'cdr-2', 'cdr-1', 'cdr-0']);
    const handoffs = await admin('GET', '/admin/v1/cdrs?tenant=acme&outcome=handoff&since=1001');
    assert.deepEqual(handoffs.json.items.map((c: { id: string }) => c.id), ['cdr-4', 'cdr-2']);
    assert.equal((await admin('GET', '/admin/v1/cdrs/cdr-3')).json.outcome, 'contained');
    assert.equal((await admin('GET', '/admin/v1/cdrs/nope')).status, 404);
  });

  test('live calls: a ringing call is listed and ended by id', async () => {
    const tenant = (await gw.store.getTenantBySlug('acme'))!;
    await gw.store.createAgent({ tenantId: tenant.id, slug: 'slow', name: 'Slow', kind: 'builtin', extension: '8100', ringTimeMs: 60_000 });
    const uac = await TestUac.start(gw.sipPort);
    try {
      const ringing = uac.ring('8100');
      let live: Array<{ conversationId: string; agentId?: string }> = [];
      for (let i = 0; i < 200 && live.length === 0; i++) {
        live = (await admin('GET', '/admin/v1/calls')).json.items;
        if (live.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(live.length, 1);
      assert.equal((await admin('DELETE', '/admin/v1/calls/not-a-call')).status, 404);
      assert.equal((await admin('DELETE', `/admin/v1/calls/${live[0]!.conversationId}`)).status, 202);
      const { response } = await within(ringing.result, 'the INVITE to end');
      assert.ok(response.status >= 400);
    } finally {
      await uac.close();
    }
  });
});
