/**
 * SipTransport as a whole: one port for UDP and TCP, advertised addresses, the §18.1.1
 * UDP-to-TCP size fallback, errors with stable codes, and an idempotent close; on both UDP
 * socket implementations (`udpIo`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createResponse, type SipRequest } from '../../src/sip/index.ts';
import { SipTransport, UDP_SIZE_LIMIT, type Endpoint } from '../../src/transport/index.ts';
import { mustParse, rawRequest, TcpListenerPeer, TcpPeer, UdpPeer } from '../support/sip-sockets.ts';
import { startTransport, UDP_IOS, waitFor } from './transport-harness.ts';

/** A request whose serialized size is above the §18.1.1 limit. */
function largeRequest(callId: string): SipRequest {
  const body = 'a=x-padding:' + 'p'.repeat(UDP_SIZE_LIMIT) + '\r\n';
  const text = rawRequest({
    method: 'INVITE',
    callId,
    via: ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-large;rport'],
    headers: ['Content-Type: application/sdp'],
    body,
  });
  return mustParse(Buffer.from(text, 'latin1')) as SipRequest;
}

for (const udpIo of UDP_IOS) {
  describe(`SipTransport [${udpIo}]`, () => {
    test('binds UDP and TCP on the same port and advertises it', async () => {
      const t = await SipTransport.listen({ host: '127.0.0.1', port: 0, udpIo });
      try {
        assert.ok(t.port > 0);
        assert.deepEqual(t.advertised('udp'), { protocol: 'udp', address: '127.0.0.1', port: t.port });
        assert.deepEqual(t.advertised('tcp'), { protocol: 'tcp', address: '127.0.0.1', port: t.port });
        assert.throws(() => t.advertised('tls'), { code: 'unsupported_protocol' });
        const udp = await UdpPeer.bind();
        const tcp = await TcpPeer.connect(t.port);
        const got: string[] = [];
        t.onMessage((i) => got.push(`${i.source.protocol}:${i.message.callId}`));
        await udp.send(rawRequest({ callId: 'u' }), t.port);
        await tcp.write(rawRequest({ callId: 't', via: ['SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-t'] }));
        await waitFor(() => got.length === 2, 'both messages');
        assert.deepEqual(got.sort(), ['tcp:t', 'udp:u']);
        await Promise.all([udp.close(), tcp.close()]);
      } finally {
        await t.close();
      }
    });

    test('advertises publicAddress when given', async () => {
      const t = await SipTransport.listen({ host: '127.0.0.1', port: 0, protocols: ['udp'], publicAddress: '203.0.113.7', udpIo });
      try {
        assert.deepEqual(t.advertised('udp'), { protocol: 'udp', address: '203.0.113.7', port: t.port });
        assert.throws(() => t.advertised('tcp'), { code: 'unsupported_protocol' });
      } finally {
        await t.close();
      }
    });

    test('fails to bind a taken port with bind_failed', async () => {
      const first = await SipTransport.listen({ host: '127.0.0.1', port: 0, udpIo });
      try {
        await assert.rejects(SipTransport.listen({ host: '127.0.0.1', port: first.port, udpIo }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'bind_failed');
          assert.equal((err.cause as NodeJS.ErrnoException).code, 'EADDRINUSE', 'the socket error, with Node\'s code');
          return true;
        });
      } finally {
        await first.close();
      }
    });

    test('sends a UDP request over 1300 bytes over TCP with the Via transport rewritten (§18.1.1)', async () => {
      const h = await startTransport('127.0.0.1', { udpIo });
      const uas = await TcpListenerPeer.listen();
      try {
        const req = largeRequest('large');
        const target: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: uas.port };
        const used = await h.transport.sendRequest(req, target);
        assert.deepEqual(used, { protocol: 'tcp', address: '127.0.0.1', port: uas.port });
        const { message } = await uas.nextMessage();
        assert.equal(message.callId, 'large');
        assert.equal(message.via.transport, 'TCP');
        assert.equal(message.via.branch, 'z9hG4bK-large');
        assert.ok(message.body.length > UDP_SIZE_LIMIT);
        assert.equal(h.transport.stats().tcpFallbacks, 1);
      } finally {
        await uas.close();
        await h.transport.close();
      }
    });

    test('falls back to UDP when the TCP connection is refused (§18.1.1)', async () => {
      const h = await startTransport('127.0.0.1', { udpIo });
      const udp = await UdpPeer.bind();
      try {
        const used = await h.transport.sendRequest(largeRequest('refused'), { protocol: 'udp', address: '127.0.0.1', port: udp.port });
        assert.deepEqual(used, { protocol: 'udp', address: '127.0.0.1', port: udp.port });
        const got = await udp.nextMessage();
        assert.equal(got.callId, 'refused');
        assert.equal(got.via.transport, 'UDP');
        assert.equal(h.transport.stats().tcpFallbacks, 0);
      } finally {
        await udp.close();
        await h.transport.close();
      }
    });

    test('sends a large request over TCP on ::1 too', async () => {
      const h = await startTransport('::1', { udpIo });
      const uas = await TcpListenerPeer.listen('::1');
      try {
        const used = await h.transport.sendRequest(largeRequest('large6'), { protocol: 'udp', address: '::1', port: uas.port });
        assert.equal(used.protocol, 'tcp');
        assert.equal((await uas.nextMessage()).message.via.transport, 'TCP');
      } finally {
        await uas.close();
        await h.transport.close();
      }
    });

    test('rejects sends to an unopened protocol and a refused TCP peer with stable codes', async () => {
      const h = await startTransport('127.0.0.1', { protocols: ['udp'], udpIo });
      const t = await startTransport('127.0.0.1', { protocols: ['tcp'], udpIo });
      const udp = await UdpPeer.bind();
      try {
        const req = mustParse(Buffer.from(rawRequest(), 'latin1')) as SipRequest;
        await assert.rejects(h.transport.sendRequest(req, { protocol: 'tcp', address: '127.0.0.1', port: 9 }), { code: 'unsupported_protocol' });
        await assert.rejects(h.transport.sendRequest(req, { protocol: 'tls', address: '127.0.0.1', port: 9 }), { code: 'unsupported_protocol' });
        await assert.rejects(t.transport.sendRequest(req, { protocol: 'tcp', address: '127.0.0.1', port: udp.port }), { code: 'connect_failed' });
        await assert.rejects(SipTransport.listen({ host: '127.0.0.1', port: 0, protocols: ['tls'], udpIo }), { code: 'unsupported_protocol' });
      } finally {
        await Promise.all([h.transport.close(), t.transport.close(), udp.close()]);
      }
    });

    test('UDP sends that fail reject, never throw, and only datagrams sent are counted', async () => {
      const h = await startTransport('127.0.0.1', { protocols: ['udp'], udpIo });
      const udp = await UdpPeer.bind();
      try {
        const req = mustParse(Buffer.from(rawRequest({ callId: 'count' }), 'latin1')) as SipRequest;
        const before = h.transport.stats().datagramsOut;
        const sent = h.transport.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: udp.port });
        assert.deepEqual(await sent, { protocol: 'udp', address: '127.0.0.1', port: udp.port });
        assert.equal((await udp.nextMessage()).callId, 'count');
        assert.equal(h.transport.stats().datagramsOut, before + 1);
        // Port 0: refused by the socket (the native addon at once, node:dgram in its callback).
        let badRequest: Promise<Endpoint> | undefined;
        assert.doesNotThrow(() => { badRequest = h.transport.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: 0 }); });
        await assert.rejects(badRequest!);
        const res = createResponse(req, 200);
        const inbound = { message: req, source: { protocol: 'udp' as const, address: '127.0.0.1', port: 0 }, local: h.transport.advertised('udp'), receivedAt: 0 };
        // The Via's sent-by (192.0.2.10:5060, rport empty) is where a response goes: point it at port 0.
        res.setTopVia(Object.assign(res.via.clone(), { host: '127.0.0.1', port: 0 }));
        let badResponse: Promise<void> | undefined;
        assert.doesNotThrow(() => { badResponse = h.transport.sendResponse(res, inbound); });
        await assert.rejects(badResponse!);
        assert.equal(h.transport.stats().datagramsOut, before + 1, 'refused datagrams are not counted');
      } finally {
        await Promise.all([h.transport.close(), udp.close()]);
      }
    });

    test('close() is idempotent, closes connections, and later sends fail with closed', async () => {
      const h = await startTransport('127.0.0.1', { udpIo });
      const c = await TcpPeer.connect(h.transport.port);
      await c.write(rawRequest({ callId: 'c', via: ['SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-c'] }));
      await h.inbound.next();
      await Promise.all([h.transport.close(), h.transport.close()]);
      await h.transport.close();
      await c.waitClosed();
      assert.equal(h.transport.stats().connectionsOpen, 0);
      const req = mustParse(Buffer.from(rawRequest(), 'latin1')) as SipRequest;
      await assert.rejects(h.transport.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: 9 }), { code: 'closed' });
    });
  });
}
