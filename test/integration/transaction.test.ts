/**
 * Two transaction layers (a UAC and a UAS) over real loopback sockets, UDP and TCP
 * (RFC 3261 §17 over §18): OPTIONS, INVITE rejected and ACKed, late ACKs, and a CANCEL
 * crossing a 200 (§9.2). The system clock runs with small timers; nothing asserts a
 * duration, every wait has a guard timeout so a broken test fails instead of hanging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SipRequest, SipResponse } from '../../src/sip/index.ts';
import { TransactionLayer, type ServerTransaction, type TimerConfig } from '../../src/transaction/index.ts';
import { SipTransport, type Endpoint, type Inbound, type Protocol } from '../../src/transport/index.ts';
import { ackFor, cancelFor, newBranch, request } from '../support/fake-transport.ts';
import { AsyncQueue, WAIT_MS } from '../support/sip-sockets.ts';

/** Small timers so that Timer I/D/K end quickly; Timer H (64*T1) stays above the ACK's round trip. */
const TIMERS: Partial<TimerConfig> = { t1: 50, t2: 400, t4: 500, timerD: 500 };

/** One SIP endpoint: a transport on 127.0.0.1:0 and a transaction layer on top. */
interface Peer {
  transport: SipTransport;
  layer: TransactionLayer;
  /** How the TU answers new requests; tests set it. */
  answer: (tx: ServerTransaction) => void;
  served: AsyncQueue<ServerTransaction>;
  acks: AsyncQueue<Inbound>;
  /** Responses that matched no client transaction. */
  strays: AsyncQueue<SipResponse>;
  errors: unknown[];
}

async function startPeer(): Promise<Peer> {
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  const errors: unknown[] = [];
  transport.onError((err) => errors.push(err));
  const peer = { transport, answer: () => {}, served: new AsyncQueue(), acks: new AsyncQueue(), strays: new AsyncQueue(), errors } as Omit<Peer, 'layer'>;
  const layer = new TransactionLayer(transport, {
    onRequest: (tx) => {
      peer.served.push(tx);
      peer.answer(tx);
    },
    onAck: (inbound) => peer.acks.push(inbound),
    onStrayResponse: (res) => peer.strays.push(res),
  }, { timers: TIMERS, onError: (err) => errors.push(err) });
  return Object.assign(peer, { layer });
}

/** `promise`, or a rejection after WAIT_MS: a hang guard, not an assertion on time. */
async function guard<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

for (const protocol of ['udp', 'tcp'] as const satisfies readonly Protocol[]) {
  describe(`transactions over ${protocol.toUpperCase()} on 127.0.0.1`, () => {
    let uac: Peer;
    let uas: Peer;
    let target: Endpoint;
    let calls = 0;

    before(async () => {
      [uac, uas] = await Promise.all([startPeer(), startPeer()]);
      target = { protocol, address: '127.0.0.1', port: uas.transport.port };
    });
    after(async () => {
      uac.layer.close();
      uas.layer.close();
      await Promise.all([uac.transport.close(), uas.transport.close()]);
    });

    /** A request from the UAC to the UAS, with a fresh branch and Call-ID. */
    const outgoing = (method: string): SipRequest => request(method, {
      branch: newBranch(),
      transport: protocol.toUpperCase(),
      sentBy: `127.0.0.1:${uac.transport.port}`,
      uri: `sip:7001@127.0.0.1:${uas.transport.port}`,
      callId: `${protocol}-${++calls}@agentline.test`,
    });

    /** The UAS's server transaction for `req` (earlier tests' ones are skipped). */
    const servedFor = async (req: SipRequest): Promise<ServerTransaction> => {
      for (;;) {
        const tx = await uas.served.next(req.method);
        // An INVITE refused by an earlier test and ACKed since has let go of its request.
        if (tx.state === 'confirmed' || tx.state === 'terminated') continue;
        if (tx.request.callId === req.callId && tx.request.method === req.method) return tx;
      }
    };

    it('answers an OPTIONS', async () => {
      uas.answer = (tx) => { tx.reply(200, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']] }); };
      const tx = uac.layer.request(outgoing('OPTIONS'), target);
      const res = await guard(tx.final, '200 to OPTIONS');
      assert.equal(res.status, 200);
      assert.equal(res.cseq.method, 'OPTIONS');
      assert.deepEqual(uac.errors, []);
    });

    it('rejects an INVITE with 486; the ACK is absorbed by the server transaction; a late ACK reaches the TU', async () => {
      let ackTimeouts = 0;
      const ended = new Promise<void>((resolve) => {
        uas.answer = (tx) => {
          tx.onAckTimeout = () => { ackTimeouts++; };
          tx.onTerminated = resolve;
          tx.reply(486);
        };
      });
      const inv = outgoing('INVITE');
      const tx = uac.layer.request(inv, target);
      const busy = await guard(tx.final, '486');
      assert.equal(busy.status, 486);
      // Confirmed ends by Timer I; without the ACK, Timer H would fire onAckTimeout first.
      await guard(ended, 'the server transaction to end');
      assert.equal(ackTimeouts, 0);
      assert.equal(uas.acks.size, 0, 'the ACK for a non-2xx is not the TU\'s');
      // The same ACK again, after the transaction ended: it matches nothing and goes up.
      uac.layer.request(ackFor(inv, busy), target);
      const late = await uas.acks.next('the late ACK');
      assert.equal(late.message.callId, inv.callId);
      assert.deepEqual([uac.errors, uas.errors], [[], []]);
    });

    it('passes the ACK for a 2xx, sent later by the UAC TU, to the UAS TU', async () => {
      uas.answer = (tx) => { tx.reply(200); };
      const inv = outgoing('INVITE');
      const tx = uac.layer.request(inv, target);
      const ok = await guard(tx.final, '200 to INVITE');
      const served = await servedFor(inv);
      assert.equal(served.state, 'accepted');
      uac.layer.request(ackFor(inv, ok, newBranch()), target);
      const ack = await uas.acks.next('the ACK for the 2xx');
      assert.equal(ack.message.to.tag, ok.to.tag);
    });

    it('lets a 200 win over a CANCEL that crosses it: CANCEL answered 200, no 487 (§9.2)', async () => {
      let cancelled = 0;
      uas.answer = (tx) => {
        tx.onCancel = () => { cancelled++; };
        tx.reply(180);
        tx.reply(200); // leaves before the CANCEL, sent on the 180, can arrive
      };
      const inv = outgoing('INVITE');
      const seen: number[] = [];
      let cancel: Promise<SipResponse> | undefined;
      const tx = uac.layer.request(inv, target, {
        onResponse: (res) => {
          seen.push(res.status);
          // §9.1: a CANCEL only after a provisional response.
          if (res.status === 180) cancel = uac.layer.request(cancelFor(inv), target).final;
        },
      });
      const ok = await guard(tx.final, '200 to INVITE');
      assert.equal(ok.status, 200);
      assert.ok(cancel, 'the CANCEL was sent on the 180');
      const cancelOk = await guard(cancel, '200 to CANCEL');
      assert.equal(cancelOk.status, 200);
      assert.equal(cancelOk.to.tag, ok.to.tag);
      const served = await servedFor(inv);
      assert.equal(served.lastResponse?.status, 200, 'no 487 after the 200');
      assert.equal(served.state, 'accepted');
      assert.equal(cancelled, 0);
      assert.ok(!seen.includes(487));
      uac.layer.request(ackFor(inv, ok, newBranch()), target);
      const ack = await uas.acks.next('the ACK for the 2xx');
      assert.equal(ack.message.callId, inv.callId);
      assert.deepEqual([uac.errors, uas.errors], [[], []]);
    });
  });
}

describe('a completed BYE transaction over UDP, retired to the layer after its 2 s grace', () => {
  let uac: Peer;
  let uas: Peer;
  before(async () => {
    [uac, uas] = await Promise.all([startPeer(), startPeer()]);
  });
  after(async () => {
    uac.layer.close();
    uas.layer.close();
    await Promise.all([uac.transport.close(), uas.transport.close()]);
  });

  it('answers a retransmitted BYE with the same 200 until Timer J, and passes it up as new after', async () => {
    const target: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: uas.transport.port };
    uas.answer = (tx) => { tx.reply(200, { headers: [['X-Answer', 'first']] }); };
    const bye = request('BYE', {
      branch: newBranch(), sentBy: `127.0.0.1:${uac.transport.port}`, uri: `sip:7001@127.0.0.1:${uas.transport.port}`,
      callId: 'retired-bye@agentline.test', toTag: 'uas-tag',
    });
    const ok = await guard(uac.layer.request(bye, target).final, '200 to BYE');
    assert.equal(ok.get('X-Answer'), 'first');
    // Past the grace (2 s) and the UAC's own Timer K (T4 = 500 ms here): the UAS answers from its
    // table of retired keys, and the 200 reaches the UAC as a stray.
    await new Promise((r) => setTimeout(r, 2300));
    assert.equal(uas.layer.stats.serverActive, 1);
    uas.answer = (tx) => { tx.reply(200, { headers: [['X-Answer', 'second']] }); };
    await uac.transport.sendRequest(bye, target);
    const again = await uac.strays.next('the 200 again');
    assert.deepEqual([again.status, again.get('X-Answer'), uas.served.size], [200, 'first', 1]);
    // Timer J is 64*T1 = 3.2 s here: after it (and the sweep), the same BYE is a new request.
    await new Promise((r) => setTimeout(r, 3200 + 800 - 2300));
    await uac.transport.sendRequest(bye, target);
    await uac.strays.next('the answer to the BYE as a new request');
    assert.equal(uas.served.size, 2);
    assert.deepEqual([uac.errors, uas.errors], [[], []]);
  });
});
