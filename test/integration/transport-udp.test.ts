/**
 * SipTransport over UDP with real loopback sockets (RFC 3261 §18.1.1, §18.2.1, §18.2.2,
 * RFC 3581): stamping, response routing, transport-made error answers, drops. Every test runs
 * on both UDP socket implementations (`udpIo`): node:dgram and the native addon.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createResponse, type SipRequest, type SipResponse } from '../../src/sip/index.ts';
import { rawRequest, UdpPeer } from '../support/sip-sockets.ts';
import { startTransport, UDP_IOS, type Harness } from './transport-harness.ts';

for (const udpIo of UDP_IOS) {
  describe(`UDP transport on 127.0.0.1 [${udpIo}]`, () => {
    let h: Harness;
    let peer: UdpPeer;
    let other: UdpPeer;

    before(async () => {
      h = await startTransport('127.0.0.1', { now: () => 42, udpIo });
      peer = await UdpPeer.bind('127.0.0.1');
      other = await UdpPeer.bind('127.0.0.1');
    });
    after(async () => {
      await Promise.all([h.transport.close(), peer.close(), other.close()]);
    });

    test('delivers a request with received and rport filled (§18.2.1, RFC 3581 §4)', async () => {
      await peer.send(rawRequest({ callId: 'stamp' }), h.transport.port);
      const inbound = await h.inbound.next();
      assert.equal(inbound.message.callId, 'stamp');
      assert.deepEqual(inbound.source, { protocol: 'udp', address: '127.0.0.1', port: peer.port });
      assert.equal(inbound.local.port, h.transport.port);
      assert.equal(inbound.connectionId, undefined);
      assert.equal(inbound.receivedAt, 42);
      const via = inbound.message.via;
      assert.equal(via.params.get('received'), '127.0.0.1');
      assert.equal(via.params.get('rport'), String(peer.port));
      assert.equal(via.branch, 'z9hG4bK-test');
    });

    test('rewrites only the first element of a Via line holding several', async () => {
      const via = 'SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-a;rport , SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b;received=10.9.9.9';
      await peer.send(rawRequest({ callId: 'multi', via: [via, 'SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-c'] }), h.transport.port);
      const msg = (await h.inbound.next()).message;
      const lines = msg.headers.filter((l) => l.key === 'via');
      assert.equal(lines.length, 2);
      assert.equal(
        lines[0]?.value,
        `SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-a;rport=${peer.port};received=127.0.0.1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b;received=10.9.9.9`,
      );
      assert.equal(lines[1]?.value, 'SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-c');
      assert.deepEqual(msg.vias.map((v) => v.branch), ['z9hG4bK-a', 'z9hG4bK-b', 'z9hG4bK-c']);
    });

    test('adds nothing when sent-by matches the source and there is no rport', async () => {
      const via = `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-same`;
      await peer.send(rawRequest({ callId: 'same', via: [via] }), h.transport.port);
      const msg = (await h.inbound.next()).message;
      assert.equal(msg.headers.find((l) => l.key === 'via')?.value, via);
    });

    test('routes a response to received:rport, not to the sent-by (RFC 3581 §4)', async () => {
      await peer.send(rawRequest({ callId: 'rport' }), h.transport.port);
      const inbound = await h.inbound.next();
      await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound);
      const res = (await peer.nextMessage()) as SipResponse;
      assert.equal(res.status, 200);
      assert.equal(res.callId, 'rport');
      assert.equal(res.via.params.get('rport'), String(peer.port));
    });

    test('routes a response without rport to the sent-by port (§18.2.2)', async () => {
      const via = `SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bK-sentby`;
      await peer.send(rawRequest({ callId: 'sentby', via: [via] }), h.transport.port);
      const inbound = await h.inbound.next();
      await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 486), inbound);
      const res = (await other.nextMessage()) as SipResponse;
      assert.equal(res.status, 486);
      assert.equal(res.callId, 'sentby');
    });

    test('answers a malformed request itself with 400 and the reason, and reports it', async () => {
      const before = h.transport.stats();
      const reply = (await peer.request(rawRequest({ callId: 'bad-mf', maxForwards: 'lots' }), h.transport.port)) as SipResponse;
      assert.equal(reply.status, 400);
      assert.equal(reply.reason, 'Bad Max-Forwards');
      assert.equal(reply.callId, 'bad-mf');
      assert.ok(reply.to.tag, 'a final response carries a To tag (RFC 3261 §8.2.6.2)');
      assert.equal(reply.via.params.get('rport'), String(peer.port));
      const drop = await h.drops.next();
      assert.equal(drop.reason, 'bad_header_value');
      assert.equal(drop.answered, true);
      const after = h.transport.stats();
      assert.equal(after.errorResponses, before.errorResponses + 1);
      assert.equal(after.parseErrors.bad_header_value, (before.parseErrors.bad_header_value ?? 0) + 1);
    });

    test('answers a request whose Via has another SIP version with 505', async () => {
      const data = rawRequest({ callId: 'v3', via: ['SIP/3.0/UDP 192.0.2.10;branch=z9hG4bK-v3'] });
      await peer.send(data, h.transport.port);
      // The copied Via keeps its foreign version, so the reply is checked as text.
      const reply = (await peer.received.next('a reply')).data.toString('latin1');
      assert.match(reply, /^SIP\/2\.0 505 SIP Version Not Supported\r\n/);
      assert.match(reply, /\r\nCall-ID: v3\r\n/);
      assert.equal((await h.drops.next()).reason, 'bad_version');
    });

    test('answers a datagram over the size limit with 513', async () => {
      const small = await startTransport('127.0.0.1', { protocols: ['udp'], limits: { maxMessageBytes: 600 }, udpIo });
      try {
        const data = rawRequest({ callId: 'big', body: 'x'.repeat(800) });
        const reply = (await peer.request(data, small.transport.port)) as SipResponse;
        assert.equal(reply.status, 513);
        assert.equal(reply.callId, 'big');
        assert.deepEqual(await small.drops.next(), {
          reason: 'too_large', detail: 'Message Too Large [too_large]', source: { protocol: 'udp', address: '127.0.0.1', port: peer.port }, answered: true,
        });
      } finally {
        await small.transport.close();
      }
    });

    test('never answers a malformed ACK (§17.1.1.3)', async () => {
      const before = h.transport.stats().errorResponses;
      await peer.send(rawRequest({ method: 'ACK', callId: 'bad-ack', maxForwards: 'lots' }), h.transport.port);
      const drop = await h.drops.next();
      assert.equal(drop.answered, false);
      assert.equal(h.transport.stats().errorResponses, before);
    });

    test('drops and counts a garbage datagram, then still works', async () => {
      const before = h.transport.stats();
      await peer.send(Buffer.from([0x00, 0x01, 0xff, 0x13, 0x10, 0x41]), h.transport.port);
      const drop = await h.drops.next();
      assert.equal(drop.answered, false);
      assert.equal(drop.source.port, peer.port);
      const stats = h.transport.stats();
      assert.equal(stats.parseErrors[drop.reason], (before.parseErrors[drop.reason] ?? 0) + 1);
      assert.equal(stats.drops[drop.reason], (before.drops[drop.reason] ?? 0) + 1);
      assert.equal(stats.datagramsIn, before.datagramsIn + 1);
      assert.equal(stats.datagramsOut, before.datagramsOut);
      await peer.send(rawRequest({ callId: 'after-garbage' }), h.transport.port);
      assert.equal((await h.inbound.next()).message.callId, 'after-garbage');
    });

    test('drops a malformed response without answering', async () => {
      const before = h.transport.stats();
      await peer.send('SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n', h.transport.port);
      const drop = await h.drops.next();
      assert.equal(drop.reason, 'missing_header');
      assert.equal(drop.answered, false);
      assert.equal(h.transport.stats().errorResponses, before.errorResponses);
    });

    test('ignores CRLF keep-alive datagrams', async () => {
      const before = h.transport.stats();
      await peer.send('\r\n\r\n', h.transport.port);
      await peer.send(rawRequest({ callId: 'after-crlf' }), h.transport.port);
      assert.equal((await h.inbound.next()).message.callId, 'after-crlf');
      assert.deepEqual(h.transport.stats().drops, before.drops);
    });

    test('survives a throwing and a rejecting onMessage handler', async () => {
      const t = await startTransport('127.0.0.1', { protocols: ['udp'], udpIo });
      try {
        let calls = 0;
        t.transport.onMessage(() => {
          calls++;
          throw new Error('handler bug');
        });
        t.transport.onMessage(async () => {
          throw new Error('async handler bug');
        });
        await peer.send(rawRequest({ callId: 'one' }), t.transport.port);
        await peer.send(rawRequest({ callId: 'two' }), t.transport.port);
        assert.equal((await t.inbound.next()).message.callId, 'one');
        assert.equal((await t.inbound.next()).message.callId, 'two');
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(calls, 2);
        assert.equal(t.transport.stats().handlerErrors, 4);
        assert.equal(t.errors.length, 4);
      } finally {
        await t.transport.close();
      }
    });

    test('sendRequest sends a small request as one datagram', async () => {
      const inbound = h.inbound;
      await peer.send(rawRequest({ callId: 'seed' }), h.transport.port);
      const seed = (await inbound.next()).message as SipRequest;
      const used = await h.transport.sendRequest(seed, { protocol: 'udp', address: '127.0.0.1', port: other.port });
      assert.deepEqual(used, { protocol: 'udp', address: '127.0.0.1', port: other.port });
      const got = (await other.nextMessage()) as SipRequest;
      assert.equal(got.callId, 'seed');
      assert.equal(got.via.transport, 'UDP');
    });
  });

  describe(`UDP transport on ::1 [${udpIo}]`, () => {
    test('stamps received=::1 and routes the response to rport', async () => {
      const h = await startTransport('::1', { udpIo });
      const peer = await UdpPeer.bind('::1');
      try {
        const via = `SIP/2.0/UDP [::1]:5999;branch=z9hG4bK-v6;rport`;
        await peer.send(rawRequest({ callId: 'v6', via: [via] }), h.transport.port);
        const inbound = await h.inbound.next();
        assert.equal(inbound.source.address, '::1');
        assert.equal(inbound.message.via.params.get('received'), '::1');
        assert.equal(inbound.message.via.params.get('rport'), String(peer.port));
        await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound);
        const res = (await peer.nextMessage()) as SipResponse;
        assert.equal(res.status, 200);
        assert.equal(res.callId, 'v6');
        assert.deepEqual(h.transport.advertised('udp'), { protocol: 'udp', address: '::1', port: h.transport.port });
      } finally {
        await Promise.all([h.transport.close(), peer.close()]);
      }
    });

    test('on :: (dual-stack) an IPv4 peer is seen, stamped and answered as IPv4', async () => {
      const h = await startTransport('::', { protocols: ['udp'], udpIo });
      const peer = await UdpPeer.bind('127.0.0.1');
      try {
        await peer.send(rawRequest({ callId: 'mapped' }), h.transport.port);
        const inbound = await h.inbound.next();
        assert.deepEqual(inbound.source, { protocol: 'udp', address: '127.0.0.1', port: peer.port });
        assert.equal(inbound.message.via.params.get('received'), '127.0.0.1');
        await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound);
        assert.equal(((await peer.nextMessage()) as SipResponse).callId, 'mapped');
      } finally {
        await Promise.all([h.transport.close(), peer.close()]);
      }
    });
  });
}
