/**
 * Conformance tests for call detail records and the store lifecycle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallQuery, CallRecord, Store } from '../types.ts';
import { rejectsWith, withStore } from './support.ts';
import type { StoreFactory } from './support.ts';

/** Builds a CDR with sensible defaults. */
function call(id: string, startedAt: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    id, sipCallId: `${id}@cc`, trunk: 'five9', from: 'sip:+15550001@cc', to: 'sip:7001@gw', direction: 'inbound',
    outcome: 'ringing', startedAt, ...extra,
  };
}

/** Follows cursors to the end; `between` runs after the first page. */
async function allPages(store: Store, query: CallQuery, between?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.listCalls(cursor === undefined ? query : { ...query, cursor });
    ids.push(...page.items.map((c) => c.id));
    cursor = page.nextCursor;
    if (++pages === 1 && between) await between();
  } while (cursor !== undefined && pages < 1000);
  return ids;
}

/** Registers CDR tests. */
export function callTests(make: StoreFactory): void {
  describe('call records', () => {
    it('puts, gets, upserts and patches', () => withStore(make, async (store) => {
      const c = call('c1', 100, { tenantId: 't', agentId: 'a', sharedId: 'S' });
      await store.putCall(c);
      assert.deepEqual(await store.getCall('c1'), c);
      const ended = await store.updateCall('c1', {
        outcome: 'handoff', answerCode: 200, answeredAt: 110, endedAt: 200, endedBy: 'agent', contained: false,
        destination: 'billing', media: { lossPct: 0.5, jitterMs: 3, codec: 'PCMU' },
      });
      assert.deepEqual(await store.getCall('c1'), ended);
      assert.equal(ended.sharedId, 'S');
      assert.equal(ended.contained, false);
      const replaced = call('c1', 100, { outcome: 'rejected', answerCode: 403 });
      await store.putCall(replaced);
      assert.deepEqual(await store.getCall('c1'), replaced);
      await rejectsWith(store.updateCall('missing', { outcome: 'x' }), 'not_found');
      assert.equal(await store.getCall('missing'), undefined);
    }));

    it('filters by tenant, agent, outcome and time', () => withStore(make, async (store) => {
      await store.putCall(call('a1', 100, { tenantId: 'A', agentId: 'a1', outcome: 'contained' }));
      await store.putCall(call('a2', 200, { tenantId: 'A', agentId: 'a2', outcome: 'handoff' }));
      await store.putCall(call('b1', 300, { tenantId: 'B', agentId: 'b1', outcome: 'handoff' }));
      await store.putCall(call('x1', 400, { outcome: 'rejected' }));
      const ids = async (q: CallQuery): Promise<string[]> => (await store.listCalls(q)).items.map((c) => c.id);
      assert.deepEqual(await ids({}), ['x1', 'b1', 'a2', 'a1']);
      assert.deepEqual(await ids({ tenantId: 'A' }), ['a2', 'a1']);
      assert.deepEqual(await ids({ agentId: 'b1' }), ['b1']);
      assert.deepEqual(await ids({ outcome: 'handoff' }), ['b1', 'a2']);
      assert.deepEqual(await ids({ since: 200, until: 400 }), ['b1', 'a2']);
      assert.deepEqual(await ids({ tenantId: 'A', outcome: 'handoff', since: 100 }), ['a2']);
    }));

    it('paginates with a stable cursor under concurrent inserts', () => withStore(make, async (store) => {
      // 25 calls, with ties on startedAt (ordered by id within a tie).
      const original = Array.from({ length: 25 }, (_, i) => call(`c${String(i).padStart(2, '0')}`, 1_000 + Math.floor(i / 3)));
      for (const c of original) await store.putCall(c);
      const expected = [...original].sort((x, y) => y.startedAt - x.startedAt || (x.id < y.id ? 1 : -1)).map((c) => c.id);
      const seen = await allPages(store, { limit: 10 }, async () => {
        for (let i = 0; i < 5; i++) await store.putCall(call(`new${i}`, 5_000 + i));
        await store.putCall(call('old', 1));
      });
      assert.deepEqual(seen, [...expected, 'old']);
      assert.equal(new Set(seen).size, seen.length);
    }));

    it('rejects a bad cursor or limit with invalid', () => withStore(make, async (store) => {
      await rejectsWith(store.listCalls({ cursor: 'not-a-cursor' }), 'invalid');
      await rejectsWith(store.listCalls({ limit: 0 }), 'invalid');
      await rejectsWith(store.listCalls({ limit: 100_000 }), 'invalid');
      assert.deepEqual(await store.listCalls({}), { items: [] });
    }));
  });
}

/** Registers lifecycle tests. */
export function lifecycleTests(make: StoreFactory): void {
  describe('lifecycle', () => {
    it('pings, closes idempotently, and refuses work once closed', async () => {
      const { store, cleanup } = await make();
      try {
        await store.ping();
        await store.close();
        await store.close();
        await rejectsWith(store.ping(), 'store_unavailable');
        await rejectsWith(store.getTenant('x'), 'store_unavailable');
        await rejectsWith(store.createTenant({ slug: 'x', name: 'x' }), 'store_unavailable');
      } finally {
        await cleanup();
      }
    });

    it('flushes queued writes on close', async () => {
      const { store, cleanup } = await make();
      try {
        const pending = store.createTenant({ slug: 'late', name: 'Late' });
        await store.close();
        assert.equal((await pending).slug, 'late');
      } finally {
        await cleanup();
      }
    });
  });
}
