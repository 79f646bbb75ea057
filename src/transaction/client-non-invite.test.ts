/** The non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6), driven by a ManualClock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  harness, newBranch, options, parse, request, responseTo, silentLayer, type Harness,
} from '../../test/support/fake-transport.ts';
import { heapAfterGc } from '../../test/support/heap.ts';
import { serialize, type SipRequest, type SipResponse } from '../sip/index.ts';
import type { ClientTransaction } from './client.ts';
import { DEFAULT_TIMERS } from './types.ts';

const { t1, t4 } = DEFAULT_TIMERS;

interface Req {
  h: Harness;
  req: SipRequest;
  tx: ClientTransaction;
  seen: SipResponse[];
}

/** Sends an OPTIONS through a fresh layer. */
function send(protocol: 'udp' | 'tcp' = 'udp'): Req {
  const h = harness({ protocol });
  const req = options({ branch: newBranch(), sentBy: '192.0.2.1:5060' });
  const seen: SipResponse[] = [];
  const tx = h.layer.request(req, h.transport.remote, { onResponse: (res) => { seen.push(res); } });
  return { h, req, tx, seen };
}

const sendTimes = (h: Harness): number[] => h.transport.times((s) => s.kind === 'request');

describe('non-INVITE client transaction', () => {
  it('retransmits with Timer E doubling from T1, capped at T2, until Timer F answers 408', async () => {
    const { h, tx, seen } = send();
    assert.equal(tx.state, 'trying');
    h.clock.advance(64 * t1);
    // Intervals 500, 1000, 2000, 4000 (= T2), 4000…; F fires at 64*T1 = 32000.
    assert.deepEqual(sendTimes(h), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal((await tx.final).status, 408);
    assert.deepEqual(seen.map((r) => r.status), [408]);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.stats.timeouts, 1);
    assert.equal(h.layer.stats.retransmissionsSent, 10);
  });

  it('retransmits every T2 in Proceeding, and Timer F still answers 408', async () => {
    const { h, req, tx, seen } = send();
    h.transport.inject(responseTo(req, 100));
    assert.equal(tx.state, 'proceeding');
    h.clock.advance(64 * t1);
    // E was due at T1 when the 100 came; from there it is reset to T2 each time.
    assert.deepEqual(sendTimes(h), [0, 500, 4500, 8500, 12500, 16500, 20500, 24500, 28500]);
    assert.equal((await tx.final).status, 408);
    assert.deepEqual(seen.map((r) => r.status), [100, 408]);
  });

  it('does not retransmit over TCP', async () => {
    const { h, tx } = send('tcp');
    h.clock.advance(64 * t1);
    assert.deepEqual(sendTimes(h), [0]);
    assert.equal((await tx.final).status, 408);
  });

  it('moves to Completed on a final, absorbs its retransmissions, and ends after Timer K = T4', async () => {
    const { h, req, tx, seen } = send();
    const ok = responseTo(req, 200);
    h.clock.advance(t1);
    h.transport.inject(ok);
    assert.equal(tx.state, 'completed');
    assert.equal(await tx.final, ok);
    h.transport.inject(ok);
    h.transport.inject(responseTo(req, 100));
    assert.deepEqual(seen, [ok]);
    // Past the turn, the layer holds the key alone (see the next test) and absorbs for it.
    h.clock.advance(t4 - 1);
    h.transport.inject(ok);
    assert.deepEqual([seen.length, h.strays.length, h.layer.stats.clientActive], [1, 0, 1]);
    // Timer K ends it (one sweep, at most 250 ms late): the same 200 is then a stray.
    h.clock.advance(251);
    assert.equal(h.layer.stats.clientActive, 0);
    h.transport.inject(ok);
    assert.equal(h.strays.length, 1);
    assert.deepEqual(sendTimes(h), [0, 500]);
    assert.equal(h.clock.scheduled, 0);
  });

  it('lets go of the request, the handlers and final once the TU has had the final', async () => {
    const { h, req, tx, seen } = send();
    const ok = responseTo(req, 200);
    h.transport.inject(ok);
    // Within the turn that delivered it, and in the microtasks awaiting it, all is still there.
    assert.equal(tx.request, req);
    assert.equal(await tx.final, ok);
    h.clock.advance(0);
    assert.throws(() => tx.request, /released/);
    assert.throws(() => tx.final, /released/);
    // The transaction object is done; the layer keeps its key and absorbs until Timer K.
    assert.equal(tx.state, 'terminated');
    h.transport.inject(ok);
    assert.deepEqual([seen.length, h.strays.length, h.layer.stats.clientActive], [1, 0, 1]);
    h.clock.advance(t4 + 250);
    assert.equal(h.layer.stats.clientActive, 0);
  });

  it('holds a fraction of the memory in Completed once released (heap, 2,000 BYEs)', () => {
    const { layer, clock, peer, deliver } = silentLayer();
    const n = 2000;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      const bye = request('BYE', { branch: newBranch(), toTag: `t${i}`, callId: `mem-${i}@gw.example.com` });
      const context = { call: `call-${i}`, scratch: new Array<number>(16).fill(i) };
      layer.request(bye, peer, { onResponse: () => { context.scratch[0] = 0; } });
      // The 200 as it comes off the wire: parsed from its bytes.
      deliver(parse(serialize(responseTo(bye, 200))));
    }
    const held = (heapAfterGc() - before) / n;
    clock.advance(0);
    const released = (heapAfterGc() - before) / n;
    assert.equal(layer.stats.clientActive, n);
    // Measured: about 9.5 KB a transaction before, 1 KB after (the key in the layer's table, and the
    // manual clock's cancelled Timer K entries, which real timers drop at once).
    assert.ok(held > 3000, `${Math.round(held)} B a transaction before the release`);
    assert.ok(released < held / 5, `${Math.round(released)} B a transaction after the release (${Math.round(held)} before)`);
  });

  it('ends at once over TCP (Timer K = 0)', () => {
    const { h, req, tx } = send('tcp');
    h.transport.inject(responseTo(req, 404));
    h.clock.advance(0);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.stats.clientActive, 0);
  });

  it('answers 503 on a transport error', async () => {
    const h = harness();
    h.transport.fail();
    const tx = h.layer.request(options(), h.transport.remote);
    assert.equal((await tx.final).status, 503);
    assert.equal(h.errors.length, 1);
  });
});
