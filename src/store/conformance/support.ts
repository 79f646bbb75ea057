/**
 * Helpers shared by the store conformance suite's test groups.
 */
import assert from 'node:assert/strict';
import { isStoreError } from '../errors.ts';
import type { StoreErrorCode } from '../errors.ts';
import type { Agent, Store, Tenant } from '../types.ts';

/** A fresh, empty store and the function that disposes of it. */
export interface StoreFixture {
  store: Store;
  cleanup: () => Promise<void>;
}

/** Makes one fresh, empty store per test. */
export type StoreFactory = () => Promise<StoreFixture>;

/** Runs `fn` on a fresh store, then closes and cleans it up whatever happens. */
export async function withStore(make: StoreFactory, fn: (store: Store) => Promise<void>): Promise<void> {
  const { store, cleanup } = await make();
  try {
    await fn(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

/** Asserts that `p` rejects with a StoreError of `code`. */
export async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isStoreError(err), `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Creates a tenant and one agent in it (slugs derived from `tag`). */
export async function seed(store: Store, tag: string): Promise<{ tenant: Tenant; agent: Agent }> {
  const tenant = await store.createTenant({ slug: `t-${tag}`, name: `Tenant ${tag}`, createdAt: 1 });
  const agent = await store.createAgent({
    tenantId: tenant.id, slug: `a-${tag}`, name: `Agent ${tag}`, kind: 'flow', createdAt: 1,
  });
  return { tenant, agent };
}
