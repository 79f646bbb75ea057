import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError, type ApiKey, type Store } from '../store/index.ts';
import { Directory } from './auth.ts';
import { findInScope, type LookupContext } from './handoff-lookup.ts';
import { HandoffWaiters } from './waiters.ts';

/** A store that is down: every read rejects, as a closed or failed SQLite store does. */
function downStore(): Store {
  const down = (): Promise<never> => Promise.reject(new StoreError('store_unavailable', 'store is closed'));
  return new Proxy({} as Store, { get: () => down });
}

const key = { id: 'K1', tenantId: 'T1', prefix: 'alk_x', createdAt: 0 } as unknown as ApiKey;

describe('findInScope', () => {
  it('a store that is down rejects the lookup once, and leaves no rejection unheard (it would end the process)', async () => {
    const unheard: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unheard.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const store = downStore();
      // TTL 0: no cached tenant or agent, so all three reads go to the store and fail.
      const ctx: LookupContext = { store, directory: new Directory(store, { ttlMs: 0 }), waiters: new HandoffWaiters(store), now: Date.now };
      await assert.rejects(findInScope(ctx, key, { account: 'acme', project: 'bot', id: 'R1', waitSec: 0 }), /store is closed/);
      // Unhandled rejections are reported after the microtask queue drains: give it two turns.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unheard, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
