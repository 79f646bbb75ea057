/**
 * Conformance tests for handoff records: the durable hand-over that the BYE
 * waits for and contact-center scripts read.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { HandoffEvent, HandoffRecord, JsonObject } from '../types.ts';
import { rejectsWith, seed, withStore } from './support.ts';
import type { StoreFactory } from './support.ts';

const DAY = 86_400_000;

/** Builds a record with sensible defaults. */
function record(tenantId: string, agentId: string, extra: Partial<HandoffRecord> = {}): HandoffRecord {
  return {
    id: randomUUID(), tenantId, agentId,
    data: { contained: false, destination: 'billing', customer_id: 'C-1' },
    createdAt: 1_000, expiresAt: 1_000 + 7 * DAY,
    ...extra,
  };
}

/** A JSON object whose serialisation is about `bytes` long, with multi-byte text. */
function bigData(bytes: number): JsonObject {
  const unit = 'héllo wörld 🌍 "quoted" \\ \n\t ';
  const transcript = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
  return { contained: true, transcript, turns: Array.from({ length: 100 }, (_, i) => ({ i, text: `turn ${i}` })) };
}

/** Registers handoff record tests. */
export function handoffTests(make: StoreFactory): void {
  describe('handoff records', () => {
    it('round-trips by id and shared id; absent shared id stays absent', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const withShared = record(tenant.id, agent.id, { sharedId: 'S-1' });
      const without = record(tenant.id, agent.id);
      await store.putHandoff(withShared);
      await store.putHandoff(without);
      assert.deepEqual(await store.getHandoffById(tenant.id, withShared.id), withShared);
      assert.deepEqual(await store.getHandoffBySharedId(tenant.id, 'S-1'), withShared);
      const got = await store.getHandoffById(tenant.id, without.id);
      assert.deepEqual(got, without);
      assert.equal('sharedId' in (got ?? {}), false);
      assert.equal(await store.getHandoffById(tenant.id, randomUUID()), undefined);
      assert.equal(await store.getHandoffBySharedId(tenant.id, 'S-2'), undefined);
    }));

    it('serves documents: the same record with data as its JSON text', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const old = record(tenant.id, agent.id, { sharedId: 'S', createdAt: 1_000, data: { n: 1 } });
      const newer = record(tenant.id, agent.id, { sharedId: 'S', createdAt: 2_000, data: bigData(4096) });
      const bare = record(tenant.id, agent.id);
      for (const r of [newer, old, bare]) await store.putHandoff(r);
      const asDocument = ({ data, ...rest }: HandoffRecord) => ({ ...rest, dataJson: JSON.stringify(data) });
      assert.deepEqual(await store.getHandoffDocument(tenant.id, { sharedId: 'S' }), asDocument(newer));
      assert.deepEqual(await store.getHandoffDocument(tenant.id, { id: old.id }), asDocument(old));
      const doc = await store.getHandoffDocument(tenant.id, { id: bare.id });
      assert.deepEqual(doc, asDocument(bare));
      assert.equal('sharedId' in (doc ?? {}), false);
      assert.deepEqual(JSON.parse(doc?.dataJson ?? 'null'), bare.data);
      const other = await seed(store, 'y');
      assert.equal(await store.getHandoffDocument(other.tenant.id, { sharedId: 'S' }), undefined);
      assert.equal(await store.getHandoffDocument(other.tenant.id, { id: old.id }), undefined);
      assert.equal(await store.getHandoffDocument(tenant.id, { sharedId: 'nope' }), undefined);
    }));

    it('rejects a second record with the same id (records are read-only)', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const r = record(tenant.id, agent.id, { sharedId: 'S' });
      await store.putHandoff(r);
      await rejectsWith(store.putHandoff({ ...r, data: { contained: true } }), 'conflict');
      assert.deepEqual((await store.getHandoffById(tenant.id, r.id))?.data, r.data);
      await rejectsWith(store.putHandoff({ ...r, id: randomUUID(), data: [] as unknown as JsonObject }), 'invalid');
    }));

    it('snapshots data at put time', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const r = record(tenant.id, agent.id);
      const pending = store.putHandoff(r);
      r.data.destination = 'mutated';
      await pending;
      assert.equal((await store.getHandoffById(tenant.id, r.id))?.data.destination, 'billing');
    }));

    it('answers the newest record for a reused shared id', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const old = record(tenant.id, agent.id, { sharedId: 'S', createdAt: 1_000, data: { n: 1 } });
      const newer = record(tenant.id, agent.id, { sharedId: 'S', createdAt: 3_000, data: { n: 3 } });
      const middle = record(tenant.id, agent.id, { sharedId: 'S', createdAt: 2_000, data: { n: 2 } });
      await store.putHandoff(old);
      await store.putHandoff(newer);
      await store.putHandoff(middle); // written last, but older: createdAt decides
      assert.deepEqual(await store.getHandoffBySharedId(tenant.id, 'S'), newer);
      assert.deepEqual(await store.getHandoffById(tenant.id, old.id), old);
    }));

    it('isolates tenants by id and by shared id', () => withStore(make, async (store) => {
      const a = await seed(store, 'a');
      const b = await seed(store, 'b');
      const ra = record(a.tenant.id, a.agent.id, { sharedId: 'SAME' });
      await store.putHandoff(ra);
      assert.equal(await store.getHandoffById(b.tenant.id, ra.id), undefined);
      assert.equal(await store.getHandoffBySharedId(b.tenant.id, 'SAME'), undefined);
      const rb = record(b.tenant.id, b.agent.id, { sharedId: 'SAME', createdAt: 9_000 });
      await store.putHandoff(rb);
      assert.equal((await store.getHandoffBySharedId(a.tenant.id, 'SAME'))?.id, ra.id);
      assert.equal((await store.getHandoffBySharedId(b.tenant.id, 'SAME'))?.id, rb.id);
    }));

    it('round-trips a 10 MiB record intact', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const r = record(tenant.id, agent.id, { sharedId: 'BIG', data: bigData(10 * 1024 * 1024) });
      assert.ok(Buffer.byteLength(JSON.stringify(r.data)) >= 10 * 1024 * 1024);
      await store.putHandoff(r);
      assert.deepEqual(await store.getHandoffBySharedId(tenant.id, 'BIG'), r);
    }));

    it('commits 1000 records put in one tick, all readable', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const records = Array.from({ length: 1000 }, (_, i) =>
        record(tenant.id, agent.id, { sharedId: `S-${i}`, data: { contained: i % 2 === 0, i } }));
      await Promise.all(records.map((r) => store.putHandoff(r)));
      for (const r of records) {
        assert.deepEqual(await store.getHandoffBySharedId(tenant.id, r.sharedId ?? ''), r);
      }
    }));

    it('fails only the conflicting record of a batch', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const first = record(tenant.id, agent.id);
      await store.putHandoff(first);
      const fresh = [record(tenant.id, agent.id), record(tenant.id, agent.id)];
      const results = await Promise.allSettled([
        store.putHandoff(fresh[0]!), store.putHandoff({ ...first }), store.putHandoff(fresh[1]!),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      for (const r of fresh) assert.ok(await store.getHandoffById(tenant.id, r.id));
    }));

    it('purges expired records only', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const expired = record(tenant.id, agent.id, { expiresAt: 5_000 });
      const edge = record(tenant.id, agent.id, { expiresAt: 6_000 });
      const live = record(tenant.id, agent.id, { expiresAt: 6_001 });
      for (const r of [expired, edge, live]) await store.putHandoff(r);
      assert.equal(await store.purgeExpired(6_000), 2);
      assert.equal(await store.getHandoffById(tenant.id, expired.id), undefined);
      assert.equal(await store.getHandoffById(tenant.id, edge.id), undefined);
      assert.deepEqual(await store.getHandoffById(tenant.id, live.id), live);
      assert.equal(await store.purgeExpired(6_000), 0);
    }));

    it('notifies listeners after commit, when the record is readable', () => withStore(make, async (store) => {
      const { tenant, agent } = await seed(store, 'x');
      const r = record(tenant.id, agent.id, { sharedId: 'S' });
      const seen: Array<Promise<HandoffRecord | undefined>> = [];
      const events: HandoffEvent[] = [];
      store.onHandoff(() => {
        throw new Error('a faulty listener is isolated');
      });
      const off = store.onHandoff((ev) => {
        events.push(ev);
        seen.push(store.getHandoffById(ev.tenantId, ev.id));
      });
      await store.putHandoff(r);
      await waitFor(() => events.length === 1);
      assert.deepEqual(events[0], { id: r.id, tenantId: tenant.id, agentId: agent.id, sharedId: 'S' });
      assert.deepEqual(await seen[0], r);
      off();
      await store.putHandoff(record(tenant.id, agent.id));
      await rejectsWith(store.putHandoff(r), 'conflict');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(events.length, 1);
    }));
  });
}

/** Polls `cond` (a cluster backend may deliver events asynchronously); gives up after about 2000 polls. */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(cond(), 'condition not met');
}
