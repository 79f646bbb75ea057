/** The INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2), driven by a ManualClock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flush, harness, invite, newBranch, responseTo, type Harness } from '../../test/support/fake-transport.ts';
import type { SipRequest, SipResponse } from '../sip/index.ts';
import { isTransportError } from '../transport/errors.ts';
import type { ClientTransaction } from './client.ts';
import { DEFAULT_TIMERS } from './types.ts';

const { t1, timerD } = DEFAULT_TIMERS;

interface Call {
  h: Harness;
  req: SipRequest;
  tx: ClientTransaction;
  /** Every response handed to `handlers.onResponse`. */
  seen: SipResponse[];
}

/** Sends an INVITE through a fresh layer. */
function call(opts: { protocol?: 'udp' | 'tcp'; headers?: string[] } = {}): Call {
  const h = harness({ protocol: opts.protocol });
  const req = invite({ branch: newBranch(), sentBy: '192.0.2.1:5060', headers: opts.headers });
  const seen: SipResponse[] = [];
  const tx = h.layer.request(req, h.transport.remote, { onResponse: (res) => { seen.push(res); } });
  return { h, req, tx, seen };
}

const inviteTimes = (h: Harness): number[] =>
  h.transport.times((s) => s.kind === 'request' && s.message.method === 'INVITE');

describe('INVITE client transaction', () => {
  it('retransmits with Timer A at T1, 2T1, 4T1… over UDP until Timer B answers 408', async () => {
    const { h, tx, seen } = call();
    h.clock.advance(64 * t1);
    assert.deepEqual(inviteTimes(h), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    const final = await tx.final;
    assert.equal(final.status, 408);
    assert.equal(final.callId, tx.request.callId);
    assert.deepEqual(seen.map((r) => r.status), [408]);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.layer.stats.timeouts, 1);
    assert.equal(h.layer.stats.clientActive, 0);
  });

  it('does not retransmit over TCP; Timer B still answers 408', async () => {
    const { h, tx } = call({ protocol: 'tcp' });
    h.clock.advance(64 * t1);
    assert.deepEqual(inviteTimes(h), [0]);
    assert.equal((await tx.final).status, 408);
  });

  it('stops retransmitting when the transport used TCP for a large request (§18.1.1)', async () => {
    const h = harness();
    h.transport.tcpFallback = true;
    const tx = h.layer.request(invite(), h.transport.remote);
    await flush();
    h.clock.advance(4 * t1);
    assert.deepEqual(inviteTimes(h), [0]);
    assert.equal(tx.sentTo.protocol, 'tcp');
  });

  it('stops Timer A on a 1xx and waits in Proceeding without Timer B (§17.1.1.2)', async () => {
    const { h, req, tx, seen } = call();
    h.clock.advance(t1);
    h.transport.inject(responseTo(req, 180, 'uas'));
    assert.equal(tx.state, 'proceeding');
    // Ringing may last longer than 64*T1: only Calling times out.
    h.clock.advance(128 * t1);
    assert.deepEqual(inviteTimes(h), [0, 500]);
    assert.equal(tx.state, 'proceeding');
    h.transport.inject(responseTo(req, 200, 'uas'));
    assert.equal((await tx.final).status, 200);
    assert.deepEqual(seen.map((r) => r.status), [180, 200]);
  });

  it('ACKs a non-2xx final itself: same branch, To from the response, CSeq n ACK (§17.1.1.3)', async () => {
    const { h, req, tx, seen } = call({ headers: ['Route: <sip:proxy.example.com;lr>'] });
    const busy = responseTo(req, 486, 'uas-tag');
    h.transport.inject(busy);
    assert.equal(tx.state, 'completed');
    assert.equal((await tx.final).status, 486);
    const [ack] = h.transport.requests('ACK');
    assert.ok(ack);
    assert.equal(ack.uri.toString(), req.uri.toString());
    assert.deepEqual(ack.getAll('via'), [req.get('via')]);
    assert.equal(ack.via.branch, req.via.branch);
    assert.equal(ack.get('to'), busy.get('to'));
    assert.equal(ack.to.tag, 'uas-tag');
    assert.equal(ack.get('from'), req.get('from'));
    assert.equal(ack.callId, req.callId);
    assert.deepEqual(ack.cseq, { seq: req.cseq.seq, method: 'ACK' });
    assert.equal(ack.get('route'), '<sip:proxy.example.com;lr>');
    const sent = h.transport.sent.find((s) => s.kind === 'request' && s.message === ack);
    assert.deepEqual(sent?.kind === 'request' && sent.target, h.transport.remote);
    // A retransmitted final is ACKed again and not passed up.
    h.transport.inject(busy);
    assert.equal(h.transport.requests('ACK').length, 2);
    assert.deepEqual(seen.map((r) => r.status), [486]);
  });

  it('ends Completed after Timer D over UDP', () => {
    const { h, req, tx } = call();
    h.transport.inject(responseTo(req, 603));
    h.clock.advance(timerD - 1);
    assert.equal(tx.state, 'completed');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(inviteTimes(h), [0], 'Timer A stopped by the final');
    assert.equal(h.clock.scheduled, 0);
  });

  it('ends Completed at once over TCP (Timer D = 0)', () => {
    const { h, req, tx } = call({ protocol: 'tcp' });
    h.transport.inject(responseTo(req, 404));
    h.clock.advance(0);
    assert.equal(tx.state, 'terminated');
  });
});

describe('INVITE client transaction, Accepted (RFC 6026)', () => {
  it('passes every 2xx up, sends no ACK itself, and ends after Timer M = 64*T1', async () => {
    const { h, req, tx, seen } = call();
    const ok = responseTo(req, 200, 'a');
    h.transport.inject(ok);
    assert.equal(tx.state, 'accepted');
    assert.equal(await tx.final, ok);
    h.transport.inject(ok);
    // A 2xx from another fork is passed up too (§13.2.2.4).
    h.transport.inject(responseTo(req, 200, 'b'));
    assert.deepEqual(seen.map((r) => r.to.tag), ['a', 'a', 'b']);
    assert.equal(h.transport.requests('ACK').length, 0, 'the ACK for a 2xx is the TU\'s');
    h.clock.advance(64 * t1 - 1);
    assert.equal(tx.state, 'accepted');
    h.clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(inviteTimes(h), [0]);
    // After Timer M a 2xx retransmission is a stray for the TU (§13.2.2.4).
    h.transport.inject(ok);
    assert.equal(h.strays.length, 1);
  });
});

describe('INVITE client transaction, transport errors (§17.1.4)', () => {
  it('answers 503 when the first send fails', async () => {
    const h = harness();
    h.transport.fail(1);
    const tx = h.layer.request(invite(), h.transport.remote);
    const final = await tx.final;
    assert.equal(final.status, 503);
    assert.equal(tx.state, 'terminated');
    assert.ok(isTransportError(h.errors[0], 'send_failed'));
  });

  it('answers 503 when a retransmission fails', async () => {
    const h = harness();
    const tx = h.layer.request(invite(), h.transport.remote);
    h.transport.fail(1);
    h.clock.advance(t1);
    assert.equal((await tx.final).status, 503);
    h.clock.advance(64 * t1);
    assert.equal(h.layer.stats.timeouts, 0);
  });
});
