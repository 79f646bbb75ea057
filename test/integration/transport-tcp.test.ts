/**
 * SipTransport over TCP with real loopback sockets (RFC 3261 §18.3 framing, §18.2.2
 * response routing, RFC 5626 §3.5.1 keep-alives): framing, errors, reuse, idle timeout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createResponse, serialize, type SipRequest, type SipResponse } from '../../src/sip/index.ts';
import { mustParse, rawRequest, TcpListenerPeer, TcpPeer } from '../support/sip-sockets.ts';
import { ManualTime, startTransport, waitFor, type Harness } from './transport-harness.ts';

const tcpVia = (branch: string, sentBy = '192.0.2.10:5999'): string => `SIP/2.0/TCP ${sentBy};branch=z9hG4bK-${branch}`;

/** A parsed request to hand to `sendRequest`. */
function request(callId: string, via = tcpVia(callId)): SipRequest {
  return mustParse(Buffer.from(rawRequest({ callId, via: [via] }), 'latin1')) as SipRequest;
}

describe('TCP transport on 127.0.0.1', () => {
  let h: Harness;
  const clients: TcpPeer[] = [];
  const connect = async (): Promise<TcpPeer> => {
    const c = await TcpPeer.connect(h.transport.port);
    clients.push(c);
    return c;
  };

  before(async () => {
    h = await startTransport('127.0.0.1');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h.transport.close();
  });

  test('frames a message written one byte at a time', async () => {
    const c = await connect();
    await c.writeBytewise(rawRequest({ callId: 'bytewise', via: [tcpVia('bw')], body: 'v=0\r\n' }));
    const inbound = await h.inbound.next();
    assert.equal(inbound.message.callId, 'bytewise');
    assert.equal(inbound.message.body.toString(), 'v=0\r\n');
    assert.equal(inbound.source.protocol, 'tcp');
    assert.equal(inbound.source.port, c.localPort);
    assert.match(inbound.connectionId ?? '', /^tcp-\d+$/);
    assert.equal(inbound.message.via.params.get('received'), '127.0.0.1');
  });

  test('delivers two messages written at once, skipping a lone CRLF', async () => {
    const c = await connect();
    await c.write('\r\n' + rawRequest({ callId: 'first', via: [tcpVia('1')] }) + rawRequest({ callId: 'second', via: [tcpVia('2')] }));
    const a = await h.inbound.next();
    const b = await h.inbound.next();
    assert.deepEqual([a.message.callId, b.message.callId], ['first', 'second']);
    assert.equal(a.connectionId, b.connectionId);
  });

  test('answers a CRLF CRLF keep-alive ping with CRLF (RFC 5626 §3.5.1)', async () => {
    const c = await connect();
    const before = h.transport.stats().keepalivesAnswered;
    await c.write('\r\n\r\n');
    assert.deepEqual(await c.stream.items.next('a pong'), { kind: 'crlf', length: 2 });
    await waitFor(() => h.transport.stats().keepalivesAnswered === before + 1, 'the pong to be counted');
  });

  test('answers a message without Content-Length with 400, then closes', async () => {
    const c = await connect();
    await c.write(rawRequest({ callId: 'no-cl', via: [tcpVia('nocl')], contentLength: false }));
    const res = (await c.nextMessage()) as SipResponse;
    assert.equal(res.status, 400);
    assert.equal(res.reason, 'Content-Length Required');
    assert.equal(res.callId, 'no-cl');
    await c.waitClosed();
    const drop = await h.drops.next();
    assert.deepEqual([drop.reason, drop.answered], ['bad_content_length', true]);
  });

  test('answers a message over the size limit with 513, then closes', async () => {
    const small = await startTransport('127.0.0.1', { protocols: ['tcp'], limits: { maxMessageBytes: 1000 } });
    try {
      const c = await TcpPeer.connect(small.transport.port);
      await c.write(rawRequest({ callId: 'huge', via: [tcpVia('huge')], body: 'x'.repeat(3000) }));
      const res = (await c.nextMessage()) as SipResponse;
      assert.deepEqual([res.status, res.callId], [513, 'huge']);
      await c.waitClosed();
      assert.equal((await small.drops.next()).reason, 'too_large');
    } finally {
      await small.transport.close();
    }
  });

  test('answers a well-framed malformed request with 400 and keeps the connection', async () => {
    const c = await connect();
    await c.write(rawRequest({ callId: 'bad-mf', via: [tcpVia('mf')], maxForwards: '999' }));
    const res = (await c.nextMessage()) as SipResponse;
    assert.deepEqual([res.status, res.reason], [400, 'Bad Max-Forwards']);
    await h.drops.next();
    await c.write(rawRequest({ callId: 'still-open', via: [tcpVia('open')] }));
    assert.equal((await h.inbound.next()).message.callId, 'still-open');
  });

  test('sends a response on the connection the request came on (§18.2.2)', async () => {
    const c = await connect();
    await c.write(rawRequest({ callId: 'same-conn', via: [tcpVia('sc', '192.0.2.10:5999')] }));
    const inbound = await h.inbound.next();
    await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound);
    const res = (await c.nextMessage()) as SipResponse;
    assert.deepEqual([res.status, res.callId], [200, 'same-conn']);
  });

  test('opens a new connection to received:sent-by port when the request connection is gone', async () => {
    const uac = await TcpListenerPeer.listen();
    try {
      const c = await TcpPeer.connect(h.transport.port);
      await c.write(rawRequest({ callId: 'reconnect', via: [tcpVia('rc', `127.0.0.1:${uac.port}`)] }));
      const inbound = await h.inbound.next();
      const id = inbound.connectionId ?? '';
      const open = h.transport.stats().connectionsOpen;
      await c.close();
      await waitFor(() => h.transport.stats().connectionsOpen === open - 1, `the server to see ${id} close`);
      await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound);
      const got = await uac.nextMessage();
      assert.equal((got.message as SipResponse).callId, 'reconnect');
    } finally {
      await uac.close();
    }
  });

  test('reuses the inbound connection for a request to its remote endpoint', async () => {
    const c = await connect();
    await c.write(rawRequest({ callId: 'register-flow', via: [tcpVia('flow')] }));
    await h.inbound.next();
    const dialled = h.transport.stats().connectionsConnected;
    const used = await h.transport.sendRequest(request('bye-on-flow'), { protocol: 'tcp', address: '127.0.0.1', port: c.localPort });
    assert.deepEqual(used, { protocol: 'tcp', address: '127.0.0.1', port: c.localPort });
    assert.equal((await c.nextMessage()).callId, 'bye-on-flow');
    assert.equal(h.transport.stats().connectionsConnected, dialled);
  });

  test('dials once and reuses the outbound connection, both ways', async () => {
    const uas = await TcpListenerPeer.listen();
    try {
      const target = { protocol: 'tcp' as const, address: '127.0.0.1', port: uas.port };
      await Promise.all([h.transport.sendRequest(request('out-1'), target), h.transport.sendRequest(request('out-2'), target)]);
      await h.transport.sendRequest(request('out-3'), target);
      const got = [await uas.nextMessage(), await uas.nextMessage(), await uas.nextMessage()];
      assert.deepEqual(got.map((g) => g.connection), [0, 0, 0]);
      assert.deepEqual(got.map((g) => g.message.callId).sort(), ['out-1', 'out-2', 'out-3']);
      assert.equal(uas.connectionCount, 1);
      // The peer answers on the same connection; it arrives with that connection's id.
      const conn = await uas.accepted.next();
      const reply = createResponse(got[0]?.message as SipRequest, 200);
      conn.socket.write(serialize(reply));
      const inbound = await h.inbound.next();
      assert.equal((inbound.message as SipResponse).status, 200);
      assert.equal(inbound.source.port, uas.port);
      assert.match(inbound.connectionId ?? '', /^tcp-\d+$/);
    } finally {
      await uas.close();
    }
  });

  test('refuses connections over maxConnections and reports them', async () => {
    const t = await startTransport('127.0.0.1', { protocols: ['tcp'], maxConnections: 1 });
    try {
      const a = await TcpPeer.connect(t.transport.port);
      await a.write(rawRequest({ callId: 'a', via: [tcpVia('a')] }));
      await t.inbound.next();
      const b = await TcpPeer.connect(t.transport.port);
      await b.waitClosed();
      assert.equal((await t.drops.next()).reason, 'limit');
      const stats = t.transport.stats();
      assert.deepEqual([stats.connectionsOpen, stats.connectionsRejected], [1, 1]);
      await a.close();
    } finally {
      await t.transport.close();
    }
  });
});

describe('TCP idle timeout', () => {
  test('closes a connection silent for idleTimeoutMs in both directions', async () => {
    const time = new ManualTime();
    const h = await startTransport('127.0.0.1', { idleTimeoutMs: 1000, now: time.now, timers: time });
    try {
      const c = await TcpPeer.connect(h.transport.port);
      await c.write(rawRequest({ callId: 'idle-1', via: [tcpVia('i1')] }));
      assert.equal((await h.inbound.next()).receivedAt, time.now());
      time.advance(999);
      await c.write(rawRequest({ callId: 'idle-2', via: [tcpVia('i2')] }));
      await h.inbound.next();
      time.advance(999);
      assert.equal(h.transport.stats().connectionsOpen, 1);
      time.advance(1);
      await c.waitClosed();
      await waitFor(() => h.transport.stats().connectionsOpen === 0, 'the pool to drop the connection');
      assert.equal(h.transport.stats().connectionsIdleClosed, 1);
    } finally {
      await h.transport.close();
    }
    assert.equal(time.pending, 0);
  });
});

describe('TCP transport on ::1', () => {
  test('delivers a request and answers on the same connection', async () => {
    const h = await startTransport('::1');
    try {
      const c = await TcpPeer.connect(h.transport.port, '::1');
      await c.write(rawRequest({ callId: 'v6-tcp', via: [`SIP/2.0/TCP [::1]:${c.localPort};branch=z9hG4bK-v6t;rport`] }));
      const inbound = await h.inbound.next();
      assert.deepEqual(inbound.source, { protocol: 'tcp', address: '::1', port: c.localPort });
      assert.equal(inbound.message.via.params.get('received'), '::1');
      await h.transport.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound);
      assert.equal(((await c.nextMessage()) as SipResponse).status, 200);
      assert.deepEqual(h.transport.advertised('tcp'), { protocol: 'tcp', address: '::1', port: h.transport.port });
      await c.close();
    } finally {
      await h.transport.close();
    }
  });
});
