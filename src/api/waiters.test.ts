import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HandoffEvent, HandoffListener, Store } from '../store/index.ts';
import { HandoffWaiters } from './waiters.ts';

/** Just enough Store for the waiters: onHandoff and a way to fire it. */
function fakeStore(): { store: Store; fire(e: HandoffEvent): void; listeners: Set<HandoffListener> } {
  const listeners = new Set<HandoffListener>();
  const store = {
    onHandoff(l: HandoffListener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as Store;
  return { store, listeners, fire: (e) => { for (const l of listeners) l(e); } };
}

test('a matching record wakes the waiter; others do not', async () => {
  const f = fakeStore();
  const w = new HandoffWaiters(f.store);
  const armed = w.arm({ tenantId: 't1', by: 'shared_id', value: 'S' });
  const result = armed.until(60_000);
  f.fire({ id: 'x', tenantId: 't2', agentId: 'a', sharedId: 'S' }); // another tenant
  f.fire({ id: 'S', tenantId: 't1', agentId: 'a' }); // id, not shared id
  assert.equal(w.size, 1);
  f.fire({ id: 'y', tenantId: 't1', agentId: 'a', sharedId: 'S' });
  assert.equal(await result, 'event');
  assert.equal(w.size, 0);
});

test('an event between arm() and until() is not lost', async () => {
  const f = fakeStore();
  const w = new HandoffWaiters(f.store);
  const armed = w.arm({ tenantId: 't', by: 'id', value: 'i' });
  f.fire({ id: 'i', tenantId: 't', agentId: 'a' });
  assert.equal(await armed.until(60_000), 'event');
});

test('timeout, abort and close end the wait and remove the waiter', async () => {
  const f = fakeStore();
  const w = new HandoffWaiters(f.store);
  assert.equal(await w.arm({ tenantId: 't', by: 'id', value: 'i' }).until(0), 'timeout');
  const ac = new AbortController();
  const aborted = w.arm({ tenantId: 't', by: 'id', value: 'i' }).until(60_000, ac.signal);
  ac.abort();
  assert.equal(await aborted, 'aborted');
  const closed = w.arm({ tenantId: 't', by: 'id', value: 'i' }).until(60_000);
  w.close();
  assert.equal(await closed, 'closed');
  assert.equal(w.size, 0);
  assert.equal(f.listeners.size, 0);
  assert.equal(await w.arm({ tenantId: 't', by: 'id', value: 'i' }).until(60_000), 'closed');
});

test('cancel() disarms', () => {
  const f = fakeStore();
  const w = new HandoffWaiters(f.store);
  const armed = w.arm({ tenantId: 't', by: 'id', value: 'i' });
  assert.equal(w.size, 1);
  armed.cancel();
  armed.cancel();
  assert.equal(w.size, 0);
});
