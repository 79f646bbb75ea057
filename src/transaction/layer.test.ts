/**
 * The transaction layer (RFC 3261 §17): matching, CANCEL (§9.2), RFC 2543 peers, stray
 * responses, packet loss between two layers, and isolation of TU errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ackFor, cancelFor, FakeTransport, flush, harness, invite, newBranch, options, request, responseTo,
} from '../../test/support/fake-transport.ts';
import type { SipResponse } from '../sip/index.ts';
import { ManualClock } from './clock.ts';
import { TransactionLayer } from './layer.ts';
import type { ServerTransaction } from './server.ts';
import { DEFAULT_TIMERS } from './types.ts';

const { t1 } = DEFAULT_TIMERS;
const statuses = (responses: SipResponse[]): number[] => responses.map((r) => r.status);

describe('CANCEL (RFC 3261 §9.2)', () => {
  it('answers 200 to the CANCEL and 487 to the pending INVITE with the same To tag, and calls onCancel', () => {
    let cancelled = 0;
    const h = harness({ onRequest: (tx) => { tx.onCancel = () => { cancelled++; }; } });
    const inv = invite();
    h.transport.inject(inv);
    h.transport.inject(cancelFor(inv));
    const [ok] = h.transport.responses(200);
    const [terminated] = h.transport.responses(487);
    assert.ok(ok && terminated);
    assert.equal(ok.cseq.method, 'CANCEL');
    assert.equal(terminated.cseq.method, 'INVITE');
    assert.ok(terminated.to.tag);
    assert.equal(ok.to.tag, terminated.to.tag);
    assert.equal(cancelled, 1);
    assert.equal(h.requests.length, 1, 'the CANCEL is not a request for the TU');
    // The caller ACKs the 487 within the INVITE transaction.
    h.transport.inject(ackFor(inv, terminated));
    assert.equal(h.requests[0]?.state, 'confirmed');
  });

  it('sends the 487 with the To tag of the early dialog the TU created', () => {
    const h = harness({ onRequest: (tx) => { tx.reply(180, { toTag: 'early-dialog' }); } });
    const inv = invite();
    h.transport.inject(inv);
    h.transport.inject(cancelFor(inv));
    assert.equal(h.transport.responses(487)[0]?.to.tag, 'early-dialog');
    assert.equal(h.transport.responses(200)[0]?.to.tag, 'early-dialog');
  });

  it('answers 481 to a CANCEL that matches no INVITE', () => {
    const h = harness();
    h.transport.inject(cancelFor(invite()));
    assert.deepEqual(statuses(h.transport.responses()), [481]);
  });

  it('answers 200 but sends no 487 once the INVITE has its final response', () => {
    let cancelled = 0;
    const h = harness({ onRequest: (tx) => { tx.onCancel = () => { cancelled++; }; tx.reply(200); } });
    const inv = invite();
    h.transport.inject(inv);
    h.transport.inject(cancelFor(inv));
    assert.deepEqual(statuses(h.transport.responses()), [200, 200], 'answered in the same turn: no 100');
    assert.equal(h.transport.responses(200)[1]?.cseq.method, 'CANCEL');
    assert.equal(cancelled, 0);
  });

  it('answers a retransmitted CANCEL from its own transaction, with one 487 only', () => {
    const h = harness();
    const inv = invite();
    h.transport.inject(inv);
    const cancel = cancelFor(inv);
    h.transport.inject(cancel);
    h.transport.inject(cancel);
    assert.deepEqual(statuses(h.transport.responses()), [200, 487, 200]);
    h.clock.advance(0);
    assert.equal(h.transport.responses(100).length, 0, 'no 100 after the 487');
  });
});

describe('100 Trying, deferred to the end of the turn (RFC 3261 §17.2.1)', () => {
  it('sends no 100 for an INVITE the TU answers in the same turn', () => {
    const h = harness({ onRequest: (tx) => { tx.reply(180); tx.reply(200); } });
    h.transport.inject(invite());
    h.clock.advance(t1);
    assert.deepEqual(statuses(h.transport.responses()), [180, 200]);
  });

  it('sends no 100 for an INVITE the TU answers from a promise callback before the turn ends', async () => {
    const h = harness({ onRequest: (tx) => { void Promise.resolve().then(() => { tx.reply(180); }); } });
    h.transport.inject(invite());
    await Promise.resolve();
    h.clock.advance(0);
    assert.deepEqual(statuses(h.transport.responses()), [180]);
  });

  it('sends one 100 without a To tag for an INVITE the TU has not answered, then the TU\'s responses', () => {
    const h = harness();
    h.transport.inject(invite());
    h.transport.inject(invite());
    assert.deepEqual(h.transport.responses(), [], 'nothing before the turn ends');
    assert.equal(h.clock.scheduled, 1, 'one timer for all the 100s owed in the turn');
    h.clock.advance(0);
    const trying = h.transport.responses(100);
    assert.equal(trying.length, 2);
    assert.equal(trying[0]?.to.tag, undefined, '§8.2.6.2: no To tag on a 100');
    h.requests[0]?.reply(180);
    h.clock.advance(t1);
    assert.deepEqual(statuses(h.transport.responses()), [100, 100, 180]);
  });

  it('answers a retransmitted INVITE with 100 at once when nothing was sent yet, and sends no second 100', () => {
    const h = harness();
    const branch = newBranch();
    h.transport.inject(invite({ branch }));
    h.transport.inject(invite({ branch }));
    assert.deepEqual(statuses(h.transport.responses()), [100]);
    assert.equal(h.requests.length, 1, 'the retransmission is not a new request');
    h.clock.advance(0);
    assert.deepEqual(statuses(h.transport.responses()), [100]);
    h.transport.inject(invite({ branch }));
    assert.deepEqual(statuses(h.transport.responses()), [100, 100], 'then the last provisional again');
  });

  it('cancels an INVITE with no response yet with 200 and 487 and no 100 (§9.2)', () => {
    let cancelled = 0;
    const h = harness({ onRequest: (tx) => { tx.onCancel = () => { cancelled++; }; } });
    const inv = invite();
    h.transport.inject(inv);
    h.transport.inject(cancelFor(inv));
    h.clock.advance(0);
    assert.deepEqual(statuses(h.transport.responses()), [200, 487]);
    assert.equal(cancelled, 1);
  });

  it('cancels an INVITE after its deferred 100 with 200 and 487', () => {
    const h = harness();
    const inv = invite();
    h.transport.inject(inv);
    h.clock.advance(0);
    h.transport.inject(cancelFor(inv));
    assert.deepEqual(statuses(h.transport.responses()), [100, 200, 487]);
  });

  it('sends no 100 for other methods', () => {
    const h = harness();
    h.transport.inject(options());
    h.clock.advance(t1);
    assert.deepEqual(h.transport.responses(), []);
  });

  it('waits tryingDelay ms when configured', () => {
    const clock = new ManualClock();
    const wire = new FakeTransport({ clock });
    new TransactionLayer(wire, { onRequest: () => {} }, { clock, tryingDelay: 50 });
    wire.inject(invite());
    clock.advance(49);
    assert.deepEqual(wire.responses(), []);
    clock.advance(1);
    assert.deepEqual(statuses(wire.responses()), [100]);
  });

  it('drops the pending 100 on close', () => {
    const h = harness();
    h.transport.inject(invite());
    h.layer.close();
    assert.equal(h.clock.scheduled, 0);
    h.clock.advance(t1);
    assert.deepEqual(h.transport.responses(), []);
  });
});

describe('RFC 2543 peers (§17.2.3, no magic cookie)', () => {
  for (const branch of [null, '2543-branch']) {
    it(`matches retransmissions, ACK and CANCEL with ${branch === null ? 'no branch' : 'a cookie-less branch'}`, () => {
      const h = harness({ onRequest: (tx) => { tx.reply(486); } });
      const inv = invite({ branch });
      h.transport.inject(inv);
      h.transport.inject(invite({ branch }));
      assert.equal(h.requests.length, 1);
      assert.deepEqual(statuses(h.transport.responses()), [486, 486]);
      const busy = h.transport.responses(486)[0] as SipResponse;
      h.transport.inject(ackFor(inv, busy));
      assert.equal(h.requests[0]?.state, 'confirmed');
      assert.equal(h.acks.length, 0);
      // Another INVITE from the same peer (new CSeq) is a new transaction.
      h.transport.inject(invite({ branch, cseq: 2 }));
      assert.equal(h.requests.length, 2);
    });
  }

  it('finds the INVITE a cookie-less CANCEL refers to', () => {
    const h = harness();
    const inv = invite({ branch: null });
    h.transport.inject(inv);
    h.transport.inject(cancelFor(inv));
    assert.deepEqual(statuses(h.transport.responses()), [200, 487]);
  });
});

describe('responses and ACKs outside transactions', () => {
  it('hands a response with an unknown branch to tu.onStrayResponse', () => {
    const h = harness();
    h.layer.request(options(), h.transport.remote);
    const stray = responseTo(options({ branch: newBranch() }), 200);
    h.transport.inject(stray);
    const noBranch = responseTo(options({ branch: null }), 200);
    h.transport.inject(noBranch);
    assert.deepEqual(h.strays, [stray, noBranch]);
  });

  it('hands a response whose CSeq method differs to tu.onStrayResponse (§17.1.3)', () => {
    const h = harness();
    const inv = invite();
    h.layer.request(inv, h.transport.remote);
    h.transport.inject(responseTo(cancelFor(inv), 200));
    assert.equal(h.strays.length, 1);
  });

  it('sends an ACK for a 2xx without a transaction (§17.1.1.3)', () => {
    const h = harness();
    const inv = invite();
    const tx = h.layer.request(ackFor(inv, responseTo(inv, 200), newBranch()), h.transport.remote);
    assert.deepEqual(h.transport.requests().map((r) => r.method), ['ACK']);
    assert.equal(h.layer.stats.clientActive, 0);
    h.clock.advance(64 * t1);
    assert.equal(h.transport.sent.length, 1);
    assert.equal(tx.request.method, 'ACK');
  });

  it('rejects a request without a Via branch', () => {
    const h = harness();
    assert.throws(() => h.layer.request(options({ branch: null }), h.transport.remote), /branch/);
  });
});

/** Advances `clock` by `ms` in steps, letting deliveries between the fakes run. */
async function run(clock: ManualClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

describe('lost packets between two layers (UDP)', () => {
  function pair(answer: (tx: ServerTransaction) => void) {
    const clock = new ManualClock();
    const uacWire = new FakeTransport({ clock, local: { address: '192.0.2.10', port: 5060 } });
    const uasWire = new FakeTransport({ clock });
    uacWire.link(uasWire);
    const errors: unknown[] = [];
    const onError = (err: unknown) => { errors.push(err); };
    const uac = new TransactionLayer(uacWire, { onRequest: () => {} }, { clock, onError });
    const served: ServerTransaction[] = [];
    const uas = new TransactionLayer(uasWire, { onRequest: (tx) => { served.push(tx); answer(tx); } }, { clock, onError });
    return { clock, uacWire, uasWire, uac, uas, served, errors };
  }

  it('completes an INVITE → 486 → ACK when INVITEs, responses and the ACK are lost', async () => {
    const p = pair((tx) => tx.reply(486));
    p.uacWire.drop(2, 'request'); // INVITE at 0 and T1 lost; the one at 3*T1 arrives
    p.uasWire.drop(1, 'response'); // its 486 (sent at once, so no 100) lost; Timer G resends it
    const tx = p.uac.request(invite({ sentBy: '192.0.2.10:5060' }), p.uacWire.remote);
    await run(p.clock, 1900);
    p.uacWire.drop(1, 'request'); // the first ACK is lost too; the next 486 is ACKed again
    await run(p.clock, 2000);
    assert.equal((await tx.final).status, 486);
    assert.equal(p.served.length, 1);
    assert.equal(p.served[0]?.state, 'confirmed');
    assert.equal(p.uacWire.requests('ACK').length, 2);
    await run(p.clock, 40_000, 1000);
    assert.deepEqual([p.uac.stats.clientActive, p.uas.stats.serverActive, p.uas.stats.timeouts], [0, 0, 0]);
    assert.deepEqual(p.errors, []);
  });

  it('completes an OPTIONS when requests and the 200 are lost', async () => {
    const p = pair((tx) => tx.reply(200));
    p.uacWire.drop(3, 'request');
    p.uasWire.drop(1, 'response');
    // `final` is read when the request is sent: a completed non-INVITE transaction lets it go.
    const { final } = p.uac.request(options({ sentBy: '192.0.2.10:5060' }), p.uacWire.remote);
    await run(p.clock, 8000);
    assert.equal((await final).status, 200);
    assert.equal(p.served.length, 1);
    assert.deepEqual(statuses(p.uasWire.responses()), [200, 200]);
  });
});

describe('TU errors', () => {
  it('reports a throwing onRequest, answers 500 and keeps working', () => {
    const boom = new Error('tu bug');
    const h = harness({ onRequest: (tx) => { if (tx.request.method === 'INVITE') throw boom; tx.reply(200); } });
    h.transport.inject(invite());
    assert.deepEqual(h.errors, [boom]);
    h.clock.advance(0);
    assert.deepEqual(statuses(h.transport.responses()), [500], 'the 500 is the first response: no 100');
    h.transport.inject(options());
    assert.deepEqual(statuses(h.transport.responses()), [500, 200]);
  });

  it('does not add a 500 when the TU threw after answering', () => {
    const h = harness({ onRequest: (tx) => { tx.reply(200); throw new Error('late'); } });
    h.transport.inject(options());
    assert.deepEqual(statuses(h.transport.responses()), [200]);
    assert.equal(h.errors.length, 1);
  });

  it('isolates throwing onAck, onStrayResponse, onResponse, onCancel, onAckTimeout and onTerminated', () => {
    const clock = new ManualClock();
    const wire = new FakeTransport({ clock });
    const errors: unknown[] = [];
    const thrower = (): never => { throw new Error('handler'); };
    const layer = new TransactionLayer(wire, {
      onRequest: (tx) => { tx.onCancel = thrower; tx.onAckTimeout = thrower; tx.onTerminated = thrower; },
      onAck: thrower,
      onStrayResponse: thrower,
    }, { clock, onError: (err) => { errors.push(err); } });
    const inv = invite();
    wire.inject(inv);
    wire.inject(cancelFor(inv));
    assert.deepEqual(statuses(wire.responses()), [200, 487]);
    wire.inject(ackFor(inv, responseTo(inv, 200), newBranch()));
    wire.inject(responseTo(options(), 200));
    const out = invite();
    const tx = layer.request(out, wire.remote, { onResponse: thrower });
    wire.inject(responseTo(out, 486));
    assert.equal(tx.state, 'completed');
    assert.equal(wire.requests('ACK').length, 1);
    // 64*T1, and the 250 ms a retired transaction's key may outlive its timer (the CANCEL's).
    clock.advance(64 * t1 + 250);
    // onCancel, onAck, onStrayResponse, onResponse, onAckTimeout, onTerminated
    assert.equal(errors.length, 6);
    assert.deepEqual([layer.stats.serverActive, layer.stats.clientActive], [0, 0]);
  });
});

describe('close()', () => {
  it('ends every transaction and ignores later messages', () => {
    const h = harness();
    const inv = invite();
    h.transport.inject(inv);
    const client = h.layer.request(options(), h.transport.remote);
    h.layer.close();
    assert.equal(h.requests[0]?.state, 'terminated');
    assert.equal(client.state, 'terminated');
    assert.equal(h.clock.scheduled, 0);
    h.transport.inject(request('OPTIONS'));
    assert.equal(h.requests.length, 1);
  });
  it('settles the final of a pending client transaction with a 503, once, also for requests after close', async () => {
    const h = harness();
    const seen: number[] = [];
    const pendingInvite = h.layer.request(invite({ branch: newBranch() }), h.transport.remote, { onResponse: (r) => { seen.push(r.status); } });
    const pendingOptions = h.layer.request(options({ branch: newBranch() }), h.transport.remote);
    const answered = h.layer.request(options({ branch: newBranch() }), h.transport.remote);
    h.transport.inject(responseTo(answered.request, 200));
    h.layer.close();
    assert.equal((await pendingInvite.final).status, 503);
    assert.equal((await pendingOptions.final).status, 503);
    assert.equal((await answered.final).status, 200, 'a settled final stays as it was');
    assert.deepEqual(seen, [503], 'the TU hears it once');
    assert.equal(pendingInvite.state, 'terminated');
    const late = h.layer.request(options({ branch: newBranch() }), h.transport.remote);
    assert.equal((await late.final).status, 503);
    assert.equal(h.clock.scheduled, 0);
  });
});
