/**
 * Conformance tests for the directory: tenants, agents, API keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectsWith, seed, withStore } from './support.ts';
import type { StoreFactory } from './support.ts';

/** Registers tenant tests. */
export function tenantTests(make: StoreFactory): void {
  describe('tenants', () => {
    it('creates and reads by id, slug and either', () => withStore(make, async (store) => {
      const t = await store.createTenant({ slug: 'acme', name: 'Acme', createdAt: 100 });
      assert.match(t.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(t, { id: t.id, slug: 'acme', name: 'Acme', createdAt: 100 });
      assert.deepEqual(await store.getTenant(t.id), t);
      assert.deepEqual(await store.getTenantBySlug('acme'), t);
      assert.deepEqual(await store.findTenant('acme'), t);
      assert.deepEqual(await store.findTenant(t.id), t);
      assert.equal(await store.getTenant('nope'), undefined);
      assert.equal(await store.findTenant('nope'), undefined);
    }));

    it('lists oldest first', () => withStore(make, async (store) => {
      const b = await store.createTenant({ slug: 'b', name: 'B', createdAt: 2 });
      const a = await store.createTenant({ slug: 'a', name: 'A', createdAt: 1 });
      assert.deepEqual((await store.listTenants()).map((t) => t.id), [a.id, b.id]);
    }));

    it('rejects a taken slug or id with conflict and a bad slug with invalid', () => withStore(make, async (store) => {
      const t = await store.createTenant({ slug: 'acme', name: 'Acme' });
      await rejectsWith(store.createTenant({ slug: 'acme', name: 'Other' }), 'conflict');
      await rejectsWith(store.createTenant({ id: t.id, slug: 'other', name: 'Other' }), 'conflict');
      await rejectsWith(store.createTenant({ slug: 'Bad Slug', name: 'x' }), 'invalid');
      assert.equal((await store.listTenants()).length, 1);
    }));
  });
}

/** Registers agent tests. */
export function agentTests(make: StoreFactory): void {
  describe('agents', () => {
    it('creates with defaults and reads it back', () => withStore(make, async (store) => {
      const { tenant } = await seed(store, 'x');
      const a = await store.createAgent({ tenantId: tenant.id, slug: 'bot', name: 'Bot', kind: 'websocket', createdAt: 5 });
      assert.deepEqual(a, {
        id: a.id, tenantId: tenant.id, slug: 'bot', name: 'Bot', kind: 'websocket', config: {}, destinations: [],
        maxConcurrentCalls: 0, ringTimeMs: 0, fallback: { contained: false }, createdAt: 5,
      });
      assert.deepEqual(await store.getAgent(a.id), a);
      assert.deepEqual(await store.findAgent(tenant.id, 'bot'), a);
      assert.deepEqual(await store.findAgent(tenant.id, a.id), a);
    }));

    it('round-trips every field', () => withStore(make, async (store) => {
      const { tenant } = await seed(store, 'x');
      const input = {
        tenantId: tenant.id, slug: 'full', name: 'Full', kind: 'flow', config: { steps: [{ say: 'hi' }], n: 1.5, ok: null },
        extension: '7001', tokenHash: 'h'.repeat(64), tokenPrefix: 'alt_abcd', destinations: ['billing', 'support'],
        defaultDestination: 'support', maxConcurrentCalls: 10, ringTimeMs: 250,
        fallback: { contained: false, destination: 'support' }, createdAt: 9,
      };
      const a = await store.createAgent(input);
      assert.deepEqual(await store.getAgent(a.id), { ...input, id: a.id });
      assert.deepEqual(await store.findAgentByExtension('7001'), a);
      assert.deepEqual(await store.findAgentByTokenHash('h'.repeat(64)), a);
      assert.equal(await store.findAgentByExtension('7002'), undefined);
    }));

    it('scopes slugs to the tenant and lists per tenant', () => withStore(make, async (store) => {
      const one = await seed(store, 'one');
      const two = await seed(store, 'two');
      const again = await store.createAgent({ tenantId: two.tenant.id, slug: 'a-one', name: 'same slug', kind: 'flow' });
      assert.equal(await store.findAgent(two.tenant.id, one.agent.id), undefined);
      assert.equal((await store.findAgent(two.tenant.id, 'a-one'))?.id, again.id);
      assert.equal((await store.findAgent(one.tenant.id, 'a-one'))?.id, one.agent.id);
      assert.deepEqual((await store.listAgents(two.tenant.id)).map((a) => a.id), [two.agent.id, again.id]);
    }));

    it('enforces uniqueness and existence with typed errors', () => withStore(make, async (store) => {
      const one = await seed(store, 'one');
      const two = await seed(store, 'two');
      await store.updateAgent(one.agent.id, { extension: '7001' });
      await store.setAgentToken(one.agent.id, 'a'.repeat(64), 'alt_aaaa');
      const base = { tenantId: two.tenant.id, name: 'n', kind: 'flow' };
      await rejectsWith(store.createAgent({ ...base, slug: 'a-two' }), 'conflict');
      await rejectsWith(store.createAgent({ ...base, slug: 'x1', extension: '7001' }), 'conflict');
      await rejectsWith(store.createAgent({ ...base, slug: 'x2', tokenHash: 'a'.repeat(64) }), 'conflict');
      await rejectsWith(store.updateAgent(two.agent.id, { extension: '7001' }), 'conflict');
      await rejectsWith(store.setAgentToken(two.agent.id, 'a'.repeat(64), 'alt_aaaa'), 'conflict');
      await rejectsWith(store.createAgent({ ...base, tenantId: 'missing', slug: 'x3' }), 'not_found');
      await rejectsWith(store.updateAgent('missing', { name: 'x' }), 'not_found');
      await rejectsWith(store.setAgentToken('missing', 'b'.repeat(64), 'alt_bbbb'), 'not_found');
      await rejectsWith(store.createAgent({ ...base, slug: 'x4', maxConcurrentCalls: -1 }), 'invalid');
      assert.equal((await store.listAgents(two.tenant.id)).length, 1);
    }));

    it('updates with a patch: absent keeps, null clears', () => withStore(make, async (store) => {
      const { agent } = await seed(store, 'x');
      await store.updateAgent(agent.id, { extension: '42', destinations: ['a', 'b'], defaultDestination: 'a' });
      const next = await store.updateAgent(agent.id, { name: 'Renamed', extension: null, maxConcurrentCalls: 3 });
      assert.equal(next.name, 'Renamed');
      assert.equal(next.maxConcurrentCalls, 3);
      assert.equal('extension' in next, false);
      assert.deepEqual(next.destinations, ['a', 'b']);
      assert.equal(next.defaultDestination, 'a');
      assert.deepEqual(await store.getAgent(agent.id), next);
      assert.equal(await store.findAgentByExtension('42'), undefined);
    }));

    it('replaces the token', () => withStore(make, async (store) => {
      const { agent } = await seed(store, 'x');
      await store.setAgentToken(agent.id, '1'.repeat(64), 'alt_1111');
      const next = await store.setAgentToken(agent.id, '2'.repeat(64), 'alt_2222');
      assert.equal(next.tokenPrefix, 'alt_2222');
      assert.equal(await store.findAgentByTokenHash('1'.repeat(64)), undefined);
      assert.equal((await store.findAgentByTokenHash('2'.repeat(64)))?.id, agent.id);
    }));
  });
}

/** Registers API key tests. */
export function apiKeyTests(make: StoreFactory): void {
  describe('api keys', () => {
    it('creates, finds by hash, lists, revokes idempotently', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const k1 = await store.createApiKey({ tenantId: tenant.id, name: 'ivr', keyHash: 'k1', prefix: 'alk_k1', createdAt: 10 });
      const k2 = await store.createApiKey({
        tenantId: tenant.id, agentId: agent.id, name: 'scoped', keyHash: 'k2', prefix: 'alk_k2', createdAt: 11,
      });
      assert.deepEqual(k1, { id: k1.id, tenantId: tenant.id, name: 'ivr', keyHash: 'k1', prefix: 'alk_k1', createdAt: 10 });
      assert.deepEqual(await store.findApiKeyByHash('k2'), k2);
      assert.deepEqual(await store.getApiKey(k1.id), k1);
      const revoked = await store.revokeApiKey(tenant.id, k1.id, 50);
      assert.equal(revoked.revokedAt, 50);
      assert.equal((await store.revokeApiKey(tenant.id, k1.id, 60)).revokedAt, 50);
      assert.equal(await store.findApiKeyByHash('k1'), undefined);
      assert.deepEqual(await store.listApiKeys(tenant.id), [{ ...k1, revokedAt: 50 }, k2]);
    }));

    it('keeps keys in their tenant and hashes unique', () => withStore(make, async (store) => {
      const one = await seed(store, 'one');
      const two = await seed(store, 'two');
      const k = await store.createApiKey({ tenantId: one.tenant.id, name: 'k', keyHash: 'same', prefix: 'alk_same' });
      await rejectsWith(store.createApiKey({ tenantId: two.tenant.id, name: 'k', keyHash: 'same', prefix: 'p' }), 'conflict');
      await rejectsWith(store.revokeApiKey(two.tenant.id, k.id), 'not_found');
      await rejectsWith(store.createApiKey({ tenantId: 'missing', name: 'k', keyHash: 'h1', prefix: 'p' }), 'not_found');
      await rejectsWith(store.createApiKey({
        tenantId: two.tenant.id, agentId: one.agent.id, name: 'k', keyHash: 'h2', prefix: 'p',
      }), 'not_found');
      assert.deepEqual(await store.listApiKeys(two.tenant.id), []);
      assert.equal((await store.findApiKeyByHash('same'))?.id, k.id);
    }));
  });
}
