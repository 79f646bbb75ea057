/** The INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1), driven by a ManualClock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ackFor, cancelFor, harness, invite, newBranch, silentLayer, type Harness } from '../../test/support/fake-transport.ts';
import { heapAfterGc } from '../../test/support/heap.ts';
import type { SipResponse } from '../sip/index.ts';
import type { ServerTransaction } from './server.ts';
import { DEFAULT_TIMERS } from './types.ts';

const { t1, t4 } = DEFAULT_TIMERS;

/** Injects an INVITE and returns its server transaction. */
function receiveInvite(h: Harness, branch = newBranch()): ServerTransaction {
  h.transport.inject(invite({ branch }));
  const tx = h.requests.at(-1);
  assert.ok(tx);
  return tx;
}

const sentStatus = (h: Harness, status: number): number[] =>
  h.transport.times((s) => s.kind === 'response' && s.message.status === status);

describe('INVITE server transaction', () => {
  it('sends 100 Trying when the TU has not answered by the end of the turn (§17.2.1)', () => {
    const h = harness();
    const tx = receiveInvite(h);
    assert.deepEqual(h.transport.responses(), [], 'the 100 waits for the TU');
    h.clock.advance(0);
    const [trying] = h.transport.responses();
    assert.equal(trying?.status, 100);
    assert.equal(trying.to.tag, undefined, '100 Trying carries no To tag (§8.2.6.2)');
    assert.equal(tx.state, 'proceeding');
    assert.equal(h.layer.stats.serverActive, 1);
  });

  it('resends the last provisional to a retransmitted INVITE in Proceeding, a 100 when none was sent yet', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveInvite(h, branch);
    h.transport.inject(invite({ branch }));
    h.clock.advance(0);
    tx.reply(180);
    h.transport.inject(invite({ branch }));
    // The retransmission gets the 100 at once; the deferred one is then not sent again.
    assert.deepEqual(h.transport.responses().map((r) => r.status), [100, 180, 180]);
    assert.equal(h.requests.length, 1, 'the TU sees the INVITE once');
    assert.equal(h.layer.stats.retransmissionsReceived, 2);
  });

  it('retransmits a non-2xx final with Timer G at T1, 2T1, 4T1… capped at T2 over UDP, until Timer H', () => {
    const h = harness();
    const tx = receiveInvite(h);
    let ackTimeouts = 0;
    tx.onAckTimeout = () => { ackTimeouts++; };
    tx.reply(486);
    h.clock.advance(64 * t1);
    // Intervals 500, 1000, 2000, then T2 = 4000 each time; H stops G at 64*T1 = 32000.
    assert.deepEqual(sentStatus(h, 486), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(ackTimeouts, 1);
    assert.equal(tx.state, 'terminated');
  });

  it('does not retransmit the final over TCP, but Timer H still runs', () => {
    const h = harness({ protocol: 'tcp' });
    const tx = receiveInvite(h);
    tx.reply(486);
    h.clock.advance(64 * t1 - 1);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.deepEqual(sentStatus(h, 486), [0]);
    assert.equal(tx.state, 'terminated');
  });

  it('resends the final to a retransmitted INVITE in Completed', () => {
    const h = harness({ protocol: 'tcp' });
    const branch = newBranch();
    const tx = receiveInvite(h, branch);
    tx.reply(603);
    h.transport.inject(invite({ branch }));
    assert.equal(sentStatus(h, 603).length, 2);
  });

  it('moves to Confirmed on ACK, stops Timer G and H, and ends after Timer I = T4 over UDP', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveInvite(h, branch);
    let ackTimeouts = 0;
    tx.onAckTimeout = () => { ackTimeouts++; };
    const res = tx.reply(486);
    h.clock.advance(t1);
    h.transport.inject(ackFor(invite({ branch }), res));
    assert.equal(tx.state, 'confirmed');
    assert.throws(() => tx.request, /released/, 'nothing needs the INVITE any more');
    // A late TU answer (e.g. a refusal decided after a CANCEL's 487 was ACKed) is ignored, not an error.
    assert.equal(tx.reply(500).status, 0);
    assert.deepEqual(sentStatus(h, 500), []);
    // §17.2.1: in Confirmed, ACKs and INVITE retransmissions are absorbed.
    h.transport.inject(ackFor(invite({ branch }), res));
    h.transport.inject(invite({ branch }));
    h.clock.advance(t4 - 1);
    assert.equal(tx.state, 'confirmed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    h.clock.advance(64 * t1);
    assert.deepEqual(sentStatus(h, 486), [0, 500]);
    assert.equal(ackTimeouts, 0);
    assert.equal(h.acks.length, 0, 'the ACK for a non-2xx stays in the transaction');
    assert.equal(h.clock.scheduled, 0);
  });

  it('holds little for Timer I once a refused INVITE is ACKed (heap, 2,000 INVITEs answered 486)', () => {
    const refused: { inv: ReturnType<typeof invite>; res: SipResponse }[] = [];
    const { layer, deliver } = silentLayer((tx) => void refused.push({ inv: tx.request, res: tx.reply(486) }));
    const n = 2000;
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) deliver(invite({ branch: newBranch(), callId: `refused-${i}@cc.example.com` }));
    const acks = refused.map(({ inv, res }) => ackFor(inv, res));
    refused.length = 0;
    const completed = (heapAfterGc() - before) / n;
    for (const ack of acks) deliver(ack);
    acks.length = 0;
    const confirmed = (heapAfterGc() - before) / n;
    // Measured: about 8.9 KB a transaction in Completed with the INVITE and the 486; 1.8 KB in
    // Confirmed (the transaction, its key, where the INVITE came from, the Timer I timer).
    assert.ok(completed > 6000, `${Math.round(completed)} B a transaction in Completed`);
    assert.ok(confirmed < 2500, `${Math.round(confirmed)} B a transaction in Confirmed`);
    assert.equal(layer.stats.serverActive, n);
  });

  it('ends Confirmed at once over TCP (Timer I = 0)', () => {
    const h = harness({ protocol: 'tcp' });
    const branch = newBranch();
    const tx = receiveInvite(h, branch);
    const res = tx.reply(486);
    h.transport.inject(ackFor(invite({ branch }), res));
    assert.equal(tx.state, 'confirmed');
    h.clock.advance(0);
    assert.equal(tx.state, 'terminated');
  });

  it('fires onAckTimeout and onTerminated when Timer H expires without ACK', () => {
    const h = harness();
    const branch = newBranch();
    const tx = receiveInvite(h, branch);
    const events: string[] = [];
    tx.onAckTimeout = () => events.push('ack-timeout');
    tx.onTerminated = () => events.push('terminated');
    const res = tx.reply(500);
    h.clock.advance(64 * t1);
    assert.deepEqual(events, ['ack-timeout', 'terminated']);
    assert.equal(h.layer.stats.timeouts, 1);
    assert.equal(h.layer.stats.serverActive, 0);
    // A late ACK no longer matches a transaction: it goes to the TU like an ACK for a 2xx.
    h.transport.inject(ackFor(invite({ branch }), res));
    assert.equal(h.acks.length, 1);
  });
});

describe('INVITE server transaction, Accepted (RFC 6026)', () => {
  function accepted(): { h: Harness; tx: ServerTransaction; ok: SipResponse; branch: string } {
    const h = harness();
    const branch = newBranch();
    const tx = receiveInvite(h, branch);
    const ok = tx.reply(200, { toTag: 'uas-tag' });
    return { h, tx, ok, branch };
  }

  it('moves to Accepted on a 2xx and absorbs INVITE retransmissions (§7.1)', () => {
    const { h, tx, branch } = accepted();
    assert.equal(tx.state, 'accepted');
    h.transport.inject(invite({ branch }));
    assert.deepEqual(h.transport.responses().map((r) => r.status), [200], 'answered in the same turn: no 100');
    assert.equal(h.requests.length, 1);
  });

  it('never retransmits the 2xx itself, but sends the TU\'s retransmissions', () => {
    const { h, tx, ok } = accepted();
    h.clock.advance(4 * t1);
    assert.deepEqual(sentStatus(h, 200), [0]);
    tx.respond(ok);
    h.clock.advance(t1);
    tx.respond(ok);
    assert.deepEqual(sentStatus(h, 200), [0, 2000, 2500]);
  });

  it('hands the ACK for the 2xx (a new branch) to tu.onAck', () => {
    const { h, tx, ok, branch } = accepted();
    h.transport.inject(ackFor(invite({ branch }), ok, newBranch()));
    assert.equal(h.acks.length, 1);
    assert.equal(h.acks[0]?.message.to.tag, 'uas-tag');
    // Even one that reuses the INVITE's branch (broken peers): in Accepted it is the TU's.
    h.transport.inject(ackFor(invite({ branch }), ok));
    assert.equal(h.acks.length, 2);
    assert.equal(tx.state, 'accepted');
  });

  it('lets go of the TU once the final response is out: Accepted lasts 64*T1, the call must not', () => {
    const h = harness();
    const tx = receiveInvite(h);
    let cancelled = 0;
    tx.onCancel = () => { cancelled++; };
    tx.reply(200, { toTag: 'uas-tag' });
    // onCancel closes over the TU's call: kept, it would pin every call for 32 s after its 2xx.
    assert.equal(tx.onCancel, undefined);
    h.transport.inject(cancelFor(tx.request));
    assert.deepEqual(h.transport.responses().map((r) => r.status), [200, 200], 'the CANCEL is answered 200');
    assert.equal(cancelled, 0);
  });

  it('on release hands its key to the layer, which absorbs INVITEs and answers a CANCEL 200 until Timer L', () => {
    const { h, tx, ok, branch } = accepted();
    let ended = 0;
    tx.onTerminated = () => { ended++; };
    h.clock.advance(1000);
    tx.release();
    assert.equal(tx.lastResponse, undefined);
    assert.equal(tx.finalSent, true);
    assert.throws(() => tx.request, /released/);
    assert.deepEqual([tx.state, ended, h.layer.stats.serverActive], ['terminated', 1, 1]);
    h.transport.inject(invite({ branch }));
    assert.equal(h.requests.length, 1, 'a retransmitted INVITE is still absorbed');
    assert.equal(h.layer.stats.retransmissionsReceived, 1);
    tx.respond(ok);
    assert.equal(sentStatus(h, 200).length, 1, 'the TU said it sends nothing more');
    // A CANCEL after the 2xx changes nothing and gets 200, with the 2xx's To tag (§9.2).
    h.transport.inject(cancelFor(invite({ branch })));
    const cancelOk = h.transport.responses().at(-1);
    assert.deepEqual([cancelOk?.status, cancelOk?.to.tag, h.requests.length], [200, 'uas-tag', 1]);
    // Timer L runs from the 2xx (64*T1), the sweep at most 250 ms after.
    h.clock.advance(64 * t1 - 1000 - 1);
    h.transport.inject(invite({ branch }));
    assert.equal(h.requests.length, 1);
    h.clock.advance(251);
    assert.equal(h.layer.stats.serverActive, 1, 'the CANCEL transaction, until Timer J');
    h.transport.inject(invite({ branch }));
    assert.equal(h.requests.length, 2, 'after Timer L the same INVITE is new');
  });

  it('ends when Timer L = 64*T1 fires', () => {
    const { h, tx } = accepted();
    let ended = 0;
    tx.onTerminated = () => { ended++; };
    h.clock.advance(64 * t1 - 1);
    assert.equal(tx.state, 'accepted');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(ended, 1);
    assert.equal(h.layer.stats.serverActive, 0);
    tx.reply(200);
    assert.equal(sentStatus(h, 200).length, 1, 'a terminated transaction sends nothing');
  });
});
