import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { once } from 'node:events';
import { isTransportError } from './errors.ts';
import { MAX_PER_EVENT, NativeUdpEndpoint } from './native-udp-endpoint.ts';
import type { Endpoint } from './types.ts';
import { peer, sendFrom } from '../../test/support/udp-peer.ts';

/** Resolves once `cond` holds, polling on the event loop. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > 3000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const target = (s: Socket): Endpoint => ({ protocol: 'udp', address: '127.0.0.1', port: s.address().port });

test('each datagram is a Buffer of its own: one handed out is unchanged by the datagrams after it', async () => {
  const ep = await NativeUdpEndpoint.bind('127.0.0.1', 0, 1 << 20);
  const p = await peer();
  try {
    const got: Array<{ data: Buffer; source: Endpoint }> = [];
    ep.listen((data, source) => got.push({ data, source }), (err) => assert.fail(err));
    await sendFrom(p, Buffer.alloc(3000, 'a'), ep.local.port);
    await until(() => got.length === 1, 'the first datagram');
    for (const fill of ['b', 'c', 'd']) await sendFrom(p, Buffer.alloc(3000, fill), ep.local.port);
    await until(() => got.length === 4, 'the others');
    assert.ok(got[0]!.data.equals(Buffer.alloc(3000, 'a')), 'the first is still all a');
    assert.deepEqual(got.map((g) => g.data.toString('latin1', 0, 1)), ['a', 'b', 'c', 'd']);
    assert.deepEqual(got[3]!.source, { protocol: 'udp', address: '127.0.0.1', port: p.address().port });
    assert.equal(got[0]!.source.address, got[3]!.source.address);
  } finally {
    await ep.close();
    p.close();
  }
});

test(`a burst of 200 datagrams arrives whole and in order, at most ${MAX_PER_EVENT} per readable event`, async () => {
  const ep = await NativeUdpEndpoint.bind('127.0.0.1', 0, 1 << 21);
  const p = await peer();
  try {
    // Queued before anything reads, so that the reads meet the per-event cap.
    for (let i = 0; i < 200; i++) await sendFrom(p, `datagram ${i} `.padEnd(500, '.'), ep.local.port);
    const got: string[] = [];
    // Microtasks run after each readable event's callback: they close that event's count.
    const counts: number[] = [];
    let current = 0;
    ep.listen((data) => {
      if (current++ === 0) {
        queueMicrotask(() => {
          counts.push(current);
          current = 0;
        });
      }
      got.push(data.toString('latin1', 0, data.indexOf(' ', 9)));
    }, (err) => assert.fail(err));
    await until(() => got.length === 200, '200 datagrams');
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => `datagram ${i}`));
    assert.equal(counts.reduce((a, b) => a + b, 0), 200);
    assert.ok(counts.every((n) => n <= MAX_PER_EVENT), `per event: ${counts.join(', ')}`);
    assert.ok(counts.length >= Math.ceil(200 / MAX_PER_EVENT), `events: ${counts.length}`);
  } finally {
    await ep.close();
    p.close();
  }
});

test('an exception thrown by the listener goes to onError; the rest of the batch is still delivered', async () => {
  const ep = await NativeUdpEndpoint.bind('127.0.0.1', 0, 1 << 20);
  const p = await peer();
  try {
    for (const text of ['one', 'two', 'three']) await sendFrom(p, text, ep.local.port);
    const got: string[] = [];
    const errors: Error[] = [];
    ep.listen((data) => {
      got.push(data.toString());
      if (data.toString() === 'two') throw new Error('listener bug');
    }, (err) => errors.push(err));
    await until(() => got.length === 3, 'three datagrams');
    assert.deepEqual(got, ['one', 'two', 'three']);
    assert.deepEqual(errors.map((e) => e.message), ['listener bug']);
  } finally {
    await ep.close();
    p.close();
  }
});

test('a 60,000-byte datagram is delivered whole; sends reach IPv4 peers from a dual-stack socket', async () => {
  const ep = await NativeUdpEndpoint.bind('::', 0, 1 << 20);
  const p = await peer();
  try {
    assert.equal(ep.isIpv6, true);
    assert.deepEqual(ep.local, { protocol: 'udp', address: '::', port: ep.local.port });
    const got: Array<{ data: Buffer; source: Endpoint }> = [];
    ep.listen((data, source) => got.push({ data, source }), (err) => assert.fail(err));
    const big = Buffer.alloc(60_000);
    for (let i = 0; i < big.length; i++) big[i] = i & 255;
    await sendFrom(p, big, ep.local.port);
    await until(() => got.length === 1, 'the large datagram');
    assert.ok(got[0]!.data.equals(big));
    assert.deepEqual(got[0]!.source, { protocol: 'udp', address: '127.0.0.1', port: p.address().port }, 'IPv4-mapped as IPv4');
    const reply = once(p, 'message');
    await ep.send(Buffer.from('reply'), target(p));
    assert.equal(String((await reply)[0]), 'reply');
  } finally {
    await ep.close();
    p.close();
  }
});

test('send errors: a host name, a bad port and an oversized datagram reject send_failed; after close, closed', async () => {
  const ep = await NativeUdpEndpoint.bind('127.0.0.1', 0, 1 << 16);
  const p = await peer();
  const code = (err: unknown): string => (isTransportError(err) ? err.code : String(err));
  const to = target(p);
  try {
    await assert.rejects(ep.send(Buffer.from('x'), { protocol: 'udp', address: 'sip.example.com', port: 5060 }), (err) => {
      assert.equal(code(err), 'send_failed');
      assert.match((err as Error).message, /not an IP address \[udp:sip\.example\.com:5060\]/);
      return true;
    });
    await assert.rejects(ep.send(Buffer.from('x'), { ...target(p), port: 0 }), (err) => code(err) === 'send_failed');
    await assert.rejects(ep.send(Buffer.alloc(70_000), target(p)), (err) => {
      assert.equal(code(err), 'send_failed');
      assert.equal(((err as Error).cause as NodeJS.ErrnoException).code, 'EMSGSIZE', 'the errno error as cause');
      return true;
    });
    await assert.rejects(ep.send(Buffer.from('x'), { protocol: 'udp', address: '::1', port: 5060 }), (err) => code(err) === 'send_failed');
  } finally {
    await Promise.all([ep.close(), ep.close()]);
    p.close();
  }
  await assert.rejects(ep.send(Buffer.from('late'), to), (err) => code(err) === 'closed');
  await ep.close();
});

test('a taken port fails to bind with EADDRINUSE; IPv6 sources keep their text', async () => {
  const first = await NativeUdpEndpoint.bind('::1', 0, 0);
  const p = await peer('udp6');
  try {
    await assert.rejects(NativeUdpEndpoint.bind('::1', first.local.port, 0), { code: 'EADDRINUSE', syscall: 'bind' });
    const got: Endpoint[] = [];
    first.listen((_data, source) => got.push(source), (err) => assert.fail(err));
    await sendFrom(p, 'v6', first.local.port, '::1');
    await until(() => got.length === 1, 'the datagram');
    assert.deepEqual(got[0], { protocol: 'udp', address: '::1', port: p.address().port });
  } finally {
    await first.close();
    p.close();
  }
});

test('closing from inside the listener stops the batch there; nothing arrives after close', async () => {
  const ep = await NativeUdpEndpoint.bind('127.0.0.1', 0, 1 << 20);
  const p = await peer();
  try {
    for (const text of ['one', 'two', 'three']) await sendFrom(p, text, ep.local.port);
    const got: string[] = [];
    ep.listen((data) => {
      got.push(data.toString());
      void ep.close();
    }, (err) => assert.fail(err));
    await until(() => got.length > 0, 'the first datagram');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(got, ['one']);
  } finally {
    await ep.close();
    p.close();
  }
});
