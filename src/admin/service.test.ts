import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashApiKey, hashToken } from '../routing/index.ts';
import { openSqliteStore, type CallRecord, type Store } from '../store/index.ts';
import { isAdminError, type AdminErrorCode } from './errors.ts';
import { AdminService } from './service.ts';
import type { DirectoryChange } from './types.ts';

/** Asserts that `p` rejects with an AdminError of `code`. */
async function rejectsWith(p: Promise<unknown>, code: AdminErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isAdminError(err), `expected an AdminError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe('AdminService on a SQLite store', () => {
  let dir: string;
  let store: Store;
  let admin: AdminService;
  const changes: DirectoryChange[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-admin-'));
    store = openSqliteStore({ path: join(dir, 'admin.db') });
    admin = new AdminService({
      store,
      onDirectoryChange: (c) => changes.push(c),
      validateAgentConfig: (kind, config) => {
        if (kind === 'websocket' && typeof config['url'] !== 'string') throw new Error('url is required');
      },
    });
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('tenants', () => {
    it('creates, lists and finds by id or slug; the name defaults to the slug', async () => {
      const t = await admin.createTenant({ slug: 'acme', name: 'Acme Inc' });
      const bare = await admin.createTenant({ slug: 'globex' });
      assert.equal(bare.name, 'globex');
      assert.deepEqual((await admin.getTenant('acme')).id, t.id);
      assert.deepEqual((await admin.getTenant(t.id)).slug, 'acme');
      assert.deepEqual((await admin.listTenants()).map((x) => x.slug), ['acme', 'globex']);
      assert.deepEqual(changes.at(-1), { entity: 'tenant', action: 'created', id: bare.id, tenantId: bare.id });
    });

    it('refuses a bad slug (bad_request), a taken one (conflict), an unknown one (not_found)', async () => {
      await rejectsWith(admin.createTenant({ slug: 'Not A Slug' }), 'bad_request');
      await rejectsWith(admin.createTenant({ slug: 'ok', extra: 1 }), 'bad_request');
      await rejectsWith(admin.createTenant({ slug: 'acme' }), 'conflict');
      await rejectsWith(admin.getTenant('nobody'), 'not_found');
    });

    it('names the field in validation problems', async () => {
      await assert.rejects(admin.createTenant({ slug: 'x', name: 7 }), (err: unknown) => {
        assert.ok(isAdminError(err, 'bad_request'));
        assert.match(err.problems[0] ?? '', /^name: /);
        return true;
      });
    });
  });

  describe('agents', () => {
    it('creates with defaults; the token is returned once and stored hashed, never shown hashed', async () => {
      const { agent, token } = await admin.createAgent('acme', {
        slug: 'sales', extension: '7100', destinations: ['billing', 'support'], defaultDestination: 'billing',
      });
      assert.match(token, /^alt_/);
      assert.equal(agent.kind, 'builtin');
      assert.equal(agent.name, 'sales');
      assert.deepEqual(agent.fallback, { contained: false, destination: 'billing' });
      assert.equal(agent.tokenPrefix, token.slice(0, 8));
      assert.equal('tokenHash' in agent, false);
      assert.equal((await store.findAgentByTokenHash(hashToken(token)))?.id, agent.id);
      for (const a of await admin.listAgents('acme')) assert.equal('tokenHash' in a, false);
      assert.equal('tokenHash' in (await admin.getAgent('acme', 'sales')), false);
    });

    it('checks destinations, kinds, limits and the injected config rules', async () => {
      await rejectsWith(admin.createAgent('acme', { slug: 'a1', destinations: ['x'], defaultDestination: 'y' }), 'bad_request');
      await rejectsWith(admin.createAgent('acme', { slug: 'a1', destinations: ['x', 'x'] }), 'bad_request');
      await rejectsWith(admin.createAgent('acme', { slug: 'a1', destinations: ['bad,comma'] }), 'bad_request');
      await rejectsWith(admin.createAgent('acme', { slug: 'a1', kind: 'robot' }), 'bad_request');
      await rejectsWith(admin.createAgent('acme', { slug: 'a1', maxConcurrentCalls: -1 }), 'bad_request');
      await rejectsWith(admin.createAgent('acme', { slug: 'a1', kind: 'websocket' }), 'bad_request');
      const ok = await admin.createAgent('acme', { slug: 'a1', kind: 'websocket', config: { url: 'wss://bot.example' } });
      assert.deepEqual(ok.agent.config, { url: 'wss://bot.example' });
    });

    it('refuses a slug taken in the tenant and an extension taken anywhere (conflict); unknown tenant is not_found', async () => {
      await rejectsWith(admin.createAgent('acme', { slug: 'sales' }), 'conflict');
      await rejectsWith(admin.createAgent('globex', { slug: 'other', extension: '7100' }), 'conflict');
      await rejectsWith(admin.createAgent('nobody', { slug: 'x' }), 'not_found');
      await rejectsWith(admin.getAgent('globex', 'sales'), 'not_found');
    });

    it('updates fields, clears with null, and keeps the default among the destinations', async () => {
      const updated = await admin.updateAgent('acme', 'sales', { name: 'Sales', maxConcurrentCalls: 5, ringTimeMs: 200 });
      assert.equal(updated.name, 'Sales');
      assert.equal(updated.maxConcurrentCalls, 5);
      await rejectsWith(admin.updateAgent('acme', 'sales', { destinations: ['support'] }), 'bad_request');
      await rejectsWith(admin.updateAgent('acme', 'sales', { tokenHash: 'x' }), 'bad_request');
      const cleared = await admin.updateAgent('acme', 'sales', { extension: null });
      assert.equal(cleared.extension, undefined);
      assert.equal(changes.at(-1)?.action, 'updated');
    });

    it('sets and unsets extensions and destinations', async () => {
      assert.equal((await admin.setExtension('acme', 'sales', '7101')).extension, '7101');
      await rejectsWith(admin.setExtension('acme', 'sales', 'sip:bad@x'), 'bad_request');
      const added = await admin.addDestination('acme', 'sales', 'retention', true);
      assert.deepEqual(added.destinations, ['billing', 'support', 'retention']);
      assert.equal(added.defaultDestination, 'retention');
      assert.deepEqual((await admin.addDestination('acme', 'sales', 'retention')).destinations, added.destinations);
      await rejectsWith(admin.removeDestination('acme', 'sales', 'retention'), 'conflict');
      await rejectsWith(admin.removeDestination('acme', 'sales', 'nowhere'), 'not_found');
      assert.deepEqual((await admin.removeDestination('acme', 'sales', 'support')).destinations, ['billing', 'retention']);
      assert.equal((await admin.unsetExtension('acme', 'sales')).extension, undefined);
    });

    it('rotates the token: the new one routes, the old one no longer does', async () => {
      const before = await store.findAgent((await admin.getTenant('acme')).id, 'sales');
      const { agent, token } = await admin.rotateToken('acme', 'sales');
      assert.notEqual(before?.tokenHash, hashToken(token));
      assert.equal((await store.findAgentByTokenHash(hashToken(token)))?.id, agent.id);
      assert.equal(await store.findAgentByTokenHash(before?.tokenHash ?? ''), undefined);
      assert.equal(changes.at(-1)?.action, 'token_rotated');
    });
  });

  describe('API keys', () => {
    it('creates tenant- and agent-scoped keys, shown once, stored hashed, listed by prefix', async () => {
      const tenantKey = await admin.createApiKey('acme', { name: 'five9' });
      const agentKey = await admin.createApiKey('acme', { agent: 'sales' });
      assert.match(tenantKey.key, /^alk_/);
      assert.equal(agentKey.apiKey.name, 'sales');
      assert.equal(agentKey.apiKey.agentId, (await admin.getAgent('acme', 'sales')).id);
      assert.equal((await store.findApiKeyByHash(hashApiKey(tenantKey.key)))?.id, tenantKey.apiKey.id);
      const listed = await admin.listApiKeys('acme');
      assert.deepEqual(listed.map((k) => k.prefix), [tenantKey.key.slice(0, 8), agentKey.key.slice(0, 8)]);
      for (const k of listed) assert.equal('keyHash' in k, false);
      await rejectsWith(admin.createApiKey('acme', { agent: 'nobody' }), 'not_found');
      await rejectsWith(admin.createApiKey('globex', { agent: 'sales' }), 'not_found');
    });

    it('revokes by id or prefix, idempotently; unknown keys and other tenants are not_found', async () => {
      const { apiKey, key } = await admin.createApiKey('acme', { name: 'temp' });
      await rejectsWith(admin.revokeApiKey('globex', apiKey.id), 'not_found');
      const revoked = await admin.revokeApiKey('acme', apiKey.prefix);
      assert.equal(typeof revoked.revokedAt, 'number');
      assert.equal((await admin.revokeApiKey('acme', apiKey.id)).revokedAt, revoked.revokedAt);
      assert.equal(await store.findApiKeyByHash(hashApiKey(key)), undefined);
      await rejectsWith(admin.revokeApiKey('acme', 'alk_none'), 'not_found');
      assert.equal(changes.at(-1)?.entity, 'api_key');
    });
  });

  describe('calls', () => {
    const call = (id: string, startedAt: number, extra: Partial<CallRecord>): CallRecord => ({
      id, sipCallId: `sip-${id}`, trunk: 'local', from: 'sip:a@x', to: 'sip:b@y', direction: 'inbound',
      outcome: 'handoff', startedAt, ...extra,
    });

    before(async () => {
      const acme = await admin.getTenant('acme');
      const sales = await admin.getAgent('acme', 'sales');
      for (let i = 1; i <= 5; i++) {
        await store.putCall(call(`c${i}`, 1000 * i, { tenantId: acme.id, agentId: sales.id, outcome: i % 2 ? 'handoff' : 'contained' }));
      }
      await store.putCall(call('g1', 2500, { tenantId: (await admin.getTenant('globex')).id }));
    });

    it('lists newest first with filters by tenant, agent, outcome, since and until', async () => {
      assert.deepEqual((await admin.listCalls()).items.map((c) => c.id), ['c5', 'c4', 'c3', 'g1', 'c2', 'c1']);
      assert.deepEqual((await admin.listCalls({ tenant: 'globex' })).items.map((c) => c.id), ['g1']);
      assert.deepEqual((await admin.listCalls({ tenant: 'acme', agent: 'sales', outcome: 'contained' })).items.map((c) => c.id), ['c4', 'c2']);
      assert.deepEqual((await admin.listCalls({ since: 2000, until: '3000' })).items.map((c) => c.id), ['g1', 'c2']);
      assert.deepEqual((await admin.listCalls({ since: new Date(4000).toISOString() })).items.map((c) => c.id), ['c5', 'c4']);
      const salesId = (await admin.getAgent('acme', 'sales')).id;
      assert.equal((await admin.listCalls({ agent: salesId })).items.length, 5);
    });

    it('pages with a cursor', async () => {
      const first = await admin.listCalls({ tenant: 'acme', limit: '2' });
      assert.deepEqual(first.items.map((c) => c.id), ['c5', 'c4']);
      assert.ok(first.nextCursor);
      const second = await admin.listCalls({ tenant: 'acme', limit: 2, cursor: first.nextCursor });
      assert.deepEqual(second.items.map((c) => c.id), ['c3', 'c2']);
    });

    it('refuses bad filters (bad_request) and unknown names (not_found)', async () => {
      await rejectsWith(admin.listCalls({ limit: 0 }), 'bad_request');
      await rejectsWith(admin.listCalls({ since: 'yesterday' }), 'bad_request');
      await rejectsWith(admin.listCalls({ cursor: 'garbage' }), 'bad_request');
      await rejectsWith(admin.listCalls({ agent: 'sales' }), 'not_found'); // a slug needs its tenant
      await rejectsWith(admin.listCalls({ tenant: 'nobody' }), 'not_found');
    });

    it('gets one call, scoped to a tenant when asked', async () => {
      assert.equal((await admin.getCall('c1')).id, 'c1');
      assert.equal((await admin.getCall('c1', 'acme')).id, 'c1');
      await rejectsWith(admin.getCall('c1', 'globex'), 'not_found');
      await rejectsWith(admin.getCall('missing'), 'not_found');
    });
  });

  it('isolates a failing directory listener: the change is still committed', async () => {
    const noisy = new AdminService({ store, onDirectoryChange: () => { throw new Error('boom'); } });
    const t = await noisy.createTenant({ slug: 'initech' });
    assert.equal((await admin.getTenant('initech')).id, t.id);
  });
});
