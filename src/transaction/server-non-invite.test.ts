/** The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8), driven by a ManualClock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bye, harness, newBranch, options, silentLayer, type Harness } from '../../test/support/fake-transport.ts';
import { heapAfterGc } from '../../test/support/heap.ts';
import type { ServerTransaction } from './server.ts';
import { DEFAULT_TIMERS } from './types.ts';

const { t1 } = DEFAULT_TIMERS;

/** Injects an OPTIONS and returns its server transaction. */
function receiveOptions(h: Harness, branch: string): ServerTransaction {
  h.transport.inject(options({ branch }));
  const tx = h.requests.at(-1);
  assert.ok(tx);
  return tx;
}

/** Injects an in-dialog BYE and returns its server transaction. */
function receiveBye(h: Harness, branch: string, toTag: string): ServerTransaction {
  h.transport.inject(bye({ branch, toTag }));
  const tx = h.requests.at(-1);
  assert.ok(tx);
  return tx;
}

const statuses = (h: Harness): number[] => h.transport.responses().map((r) => r.status);

describe('non-INVITE server transaction', () => {
  it('starts in Trying, sends no 100 itself, and absorbs retransmissions', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveOptions(h, branch);
    assert.equal(tx.state, 'trying');
    h.transport.inject(options({ branch }));
    h.transport.inject(options({ branch }));
    assert.deepEqual(statuses(h), []);
    assert.equal(h.requests.length, 1);
    assert.equal(h.layer.stats.retransmissionsReceived, 2);
  });

  it('resends the last provisional to a retransmission in Proceeding', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveOptions(h, branch);
    tx.reply(100);
    assert.equal(tx.state, 'proceeding');
    h.transport.inject(options({ branch }));
    assert.deepEqual(statuses(h), [100, 100]);
  });

  it('moves to Completed on a final, resends it to retransmissions and ignores later TU responses', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveOptions(h, branch);
    tx.reply(200);
    assert.equal(tx.state, 'completed');
    h.transport.inject(options({ branch }));
    tx.reply(500);
    tx.reply(180);
    assert.deepEqual(statuses(h), [200, 200]);
    assert.equal(tx.lastResponse?.status, 200);
  });

  it('treats a non-2xx final like a 2xx (a BYE answered 481)', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveBye(h, branch, 'gone');
    tx.reply(481);
    h.transport.inject(bye({ branch, toTag: 'gone' }));
    assert.deepEqual(statuses(h), [481, 481]);
    assert.equal(tx.state, 'completed');
  });

  it('ends after Timer J = 64*T1 over UDP (the last 30 s as a key the layer keeps)', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveOptions(h, branch);
    tx.reply(200);
    h.clock.advance(64 * t1 - 1);
    assert.equal(tx.state, 'terminated', 'the object ends after the grace');
    h.transport.inject(options({ branch }));
    assert.deepEqual([statuses(h), h.requests.length, h.layer.stats.serverActive], [[200, 200], 1, 1]);
    // Timer J, and the sweep at most 250 ms after it: the same request is then new to the layer.
    h.clock.advance(251);
    assert.equal(h.layer.stats.serverActive, 0);
    h.transport.inject(options({ branch }));
    assert.equal(h.requests.length, 2);
  });

  it('lets the request go 2 s into Completed, keeps resending the final, and still ends at 64*T1', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveBye(h, branch, 't1');
    tx.reply(200);
    h.clock.advance(1999);
    assert.equal(tx.request.method, 'BYE', 'the TU may still read its request just after answering');
    h.clock.advance(1);
    assert.throws(() => tx.request, /released/);
    // A retransmitted BYE gets the same 200 again; a late TU answer is ignored, not an error.
    h.transport.inject(bye({ branch, toTag: 't1' }));
    assert.equal(tx.reply(500).status, 200);
    assert.deepEqual(statuses(h), [200, 200]);
    assert.deepEqual([h.layer.stats.retransmissionsReceived, h.layer.stats.retransmissionsSent], [1, 1]);
    assert.equal(tx.state, 'terminated', 'the layer answers for it now');
    h.clock.advance(64 * t1 - 2000 - 1);
    h.transport.inject(bye({ branch, toTag: 't1' }));
    assert.deepEqual(statuses(h), [200, 200, 200]);
    assert.equal(h.layer.stats.serverActive, 1);
    h.clock.advance(251);
    assert.equal(h.layer.stats.serverActive, 0);
  });

  it('holds less than half the memory once retired after the grace (heap, 2,000 BYEs)', () => {
    const { layer, clock, deliver } = silentLayer((tx) => void tx.reply(200));
    const n = 2000;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      deliver(bye({ branch: newBranch(), toTag: `t${i}`, callId: `mem-${i}@cc.example.com` }));
    }
    const held = (heapAfterGc() - before) / n;
    clock.advance(2000);
    const released = (heapAfterGc() - before) / n;
    // Measured: about 5.3 KB a transaction with its request, 2.2 KB once the layer keeps only
    // the key, the 200 (its values slices of the request's text) and where it goes.
    assert.ok(held > 4000, `${Math.round(held)} B a transaction before the grace`);
    assert.ok(released < 3000, `${Math.round(released)} B a transaction after the grace`);
    assert.equal(layer.stats.serverActive, n);
  });

  it('ends at once over TCP (Timer J = 0)', () => {
    const h = harness({ protocol: 'tcp' });
    const tx = receiveOptions(h, newBranch());
    let ended = 0;
    tx.onTerminated = () => { ended++; };
    tx.reply(200);
    h.clock.advance(0);
    assert.equal(tx.state, 'terminated');
    assert.equal(ended, 1);
  });

  it('keeps transactions apart by branch, sent-by and method (§17.2.3)', () => {
    const h = harness();
    const branch = newBranch();
    receiveOptions(h, branch);
    h.transport.inject(options({ branch, sentBy: '192.0.2.99:5060' }));
    h.transport.inject(bye({ branch }));
    assert.equal(h.requests.length, 3);
  });
});
