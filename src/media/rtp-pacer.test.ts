import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadNativeUdp, type NativeUdp } from '../lib/native-udp.ts';
import { ManualMediaClock } from './clock.ts';
import { NativeRtpSocket } from './native-rtp-socket.ts';
import { RtpPacer, type PacedSender } from './rtp-pacer.ts';
import { RtpPoller } from './rtp-poller.ts';

/** The addon (npm install builds it: a missing build fails these tests, with the reason). */
function addon(): NativeUdp {
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) throw new Error(reason);
  return udp;
}

/** A dgram receiver that stamps each datagram with `performance.now()` as it is read. */
async function receiver(): Promise<{ socket: Socket; got: Array<{ text: string; at: number }> }> {
  const socket = createSocket('udp4');
  const got: Array<{ text: string; at: number }> = [];
  socket.on('message', (msg) => void got.push({ text: msg.toString(), at: performance.now() }));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, got };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** A native RTP socket whose clock-phase sends go through `pacer`. */
function pacedSocket(udp: NativeUdp, pacer: RtpPacer): NativeRtpSocket {
  const poller = new RtpPoller(new ManualMediaClock(), udp);
  return NativeRtpSocket.open({ udp, poller, pacer }, '127.0.0.1', 0, 1 << 16);
}

test('a batch leaves at its due time, not when it was committed, unconnected and connected sends alike', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 8, regions: 2 });
  const { socket: peer, got } = await receiver();
  const a = pacedSocket(udp, pacer);
  const b = pacedSocket(udp, pacer);
  try {
    b.connect(peer.address().port, '127.0.0.1');
    const due = performance.now() + 60;
    pacer.begin(due);
    assert.equal(pacer.open, true);
    a.send(Buffer.from('to'), peer.address().port, '127.0.0.1');
    b.send(Buffer.from('xconnectedx'), 1, 9);
    pacer.commit();
    assert.equal(pacer.open, false);
    await sleep(25);
    assert.equal(got.length, 0, 'held by the thread until due');
    await until(() => got.length === 2, 'both packets');
    assert.deepEqual(got.map((g) => g.text), ['to', 'connected'], 'in the order they were queued');
    assert.ok(got[0]!.at >= due - 1, `sent ${(due - got[0]!.at).toFixed(2)} ms before its due time`);
    assert.deepEqual({ ...pacer.stats, maxLateMs: 0 }, { batches: 1, packets: 2, overruns: 0, overflows: 0, errors: 0, maxLateMs: 0 });
  } finally {
    a.close();
    b.close();
    pacer.stop();
    peer.close();
  }
});

test('a packet queued on a connected socket reaches that peer even when the socket is disconnected before it leaves', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 4, regions: 2 });
  const { socket: peer, got } = await receiver();
  const s = pacedSocket(udp, pacer);
  try {
    s.connect(peer.address().port, '127.0.0.1');
    pacer.begin(performance.now() + 40);
    s.send(Buffer.from('queued while connected'));
    pacer.commit();
    s.disconnect(); // the link went idle (rtp-link.ts) before the due time
    await until(() => got.length === 1, 'the packet');
    assert.equal(got[0]!.text, 'queued while connected');
    assert.equal(pacer.stats.errors, 0, 'not EDESTADDRREQ: sent to the address it was queued for');
  } finally {
    s.close();
    pacer.stop();
    peer.close();
  }
});

test('IPv6: paced sends to an IPv6 peer and to an IPv4 peer of a dual-stack socket', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 4, regions: 2 });
  const poller = new RtpPoller(new ManualMediaClock(), udp);
  const s = NativeRtpSocket.open({ udp, poller, pacer }, '::', 0, 1 << 16);
  const v6 = createSocket('udp6');
  v6.bind(0, '::1');
  await once(v6, 'listening');
  const { socket: v4, got: got4 } = await receiver();
  const got6: string[] = [];
  v6.on('message', (msg) => void got6.push(msg.toString()));
  try {
    pacer.begin(performance.now() + 10);
    s.send(Buffer.from('six'), v6.address().port, '::1');
    s.send(Buffer.from('four'), v4.address().port, '127.0.0.1');
    pacer.commit();
    await until(() => got6.length === 1 && got4.length === 1, 'both packets');
    assert.deepEqual([got6[0], got4[0]!.text], ['six', 'four']);
    assert.equal(pacer.stats.errors, 0);
  } finally {
    s.close();
    pacer.stop();
    v6.close();
    v4.close();
  }
});

test('outside a send phase, and for a send with a callback, the socket sends at once', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 4, regions: 2 });
  const { socket: peer, got } = await receiver();
  const s = pacedSocket(udp, pacer);
  try {
    s.send(Buffer.from('now'), peer.address().port, '127.0.0.1');
    pacer.begin(performance.now() + 500);
    const sent = new Promise<Error | null>((resolve) => s.send(Buffer.from('cb'), peer.address().port, '127.0.0.1', resolve));
    assert.equal(await sent, null);
    await until(() => got.length === 2, 'the direct sends');
    assert.deepEqual(got.map((g) => g.text), ['now', 'cb']);
    pacer.commit();
    assert.equal(pacer.stats.batches, 0, 'an empty batch is not committed');
  } finally {
    s.close();
    pacer.stop();
    peer.close();
  }
});

test('a failed paced send comes back to its sender when the region is reused', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 4, regions: 2 });
  const results: number[] = [];
  const sender: PacedSender = { pacedResult: (r) => void results.push(r) };
  try {
    pacer.begin(performance.now());
    assert.equal(pacer.queue(sender, 1_000_000, Buffer.from('x'), 0, 1, undefined, 0), true);
    pacer.commit();
    await until(() => {
      pacer.begin(performance.now());
      pacer.commit();
      return results.length > 0;
    }, 'the result');
    assert.deepEqual(results, [-constants.errno.EBADF]);
    assert.equal(pacer.stats.errors, 1);
  } finally {
    pacer.stop();
  }
});

test('a batch takes what fits; the rest goes out at once, and a tick with no free region sends directly', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 2, payloadBytes: 64, regions: 1 });
  const { socket: peer, got } = await receiver();
  const s = pacedSocket(udp, pacer);
  try {
    const port = peer.address().port;
    pacer.begin(performance.now() + 80);
    for (const text of ['p1', 'p2', 'direct']) s.send(Buffer.from(text), port, '127.0.0.1');
    pacer.commit();
    await until(() => got.length === 1, 'the packet that did not fit');
    assert.equal(got[0]!.text, 'direct');
    pacer.begin(performance.now());
    assert.equal(pacer.open, false, 'the only region is still with the thread');
    s.send(Buffer.from('overrun'), port, '127.0.0.1');
    await until(() => got.length === 2, 'the overrun tick');
    assert.equal(got[1]!.text, 'overrun');
    await until(() => got.length === 4, 'the batch');
    assert.deepEqual(got.map((g) => g.text).slice(2), ['p1', 'p2']);
    const big = Buffer.alloc(100, 1);
    await until(() => {
      pacer.begin(performance.now());
      return pacer.open;
    }, 'a free region');
    s.send(big, port, '127.0.0.1');
    pacer.commit();
    assert.deepEqual({ overruns: pacer.stats.overruns, overflows: pacer.stats.overflows }, { overruns: 1, overflows: 2 });
  } finally {
    s.close();
    pacer.stop();
    peer.close();
  }
});

test('a socket closed while a batch names it stays open until the batch is sent', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 4, regions: 2 });
  const { socket: peer, got } = await receiver();
  const s = pacedSocket(udp, pacer);
  const fd = s.fd;
  try {
    pacer.begin(performance.now() + 60);
    s.send(Buffer.from('last'), peer.address().port, '127.0.0.1');
    s.close(); // during the send phase: after the commit
    pacer.commit();
    assert.ok(udp.localPort(fd) > 0, 'still open while the batch waits');
    await until(() => got.length === 1, 'the batch');
    assert.equal(got[0]!.text, 'last');
    await until(() => udp.localPort(fd) < 0, 'the close');
    assert.equal(udp.localPort(fd), -constants.errno.EBADF);
    assert.equal(pacer.stats.errors, 0);
  } finally {
    pacer.stop();
    peer.close();
  }
});

test('stop drops what was not sent, closes what waited on it, and later ticks send at once', async () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 4, regions: 2 });
  const { socket: peer, got } = await receiver();
  const s = pacedSocket(udp, pacer);
  const t = pacedSocket(udp, pacer);
  const fd = s.fd;
  try {
    pacer.begin(performance.now() + 10_000);
    s.send(Buffer.from('never'), peer.address().port, '127.0.0.1');
    pacer.commit();
    s.close();
    assert.ok(udp.localPort(fd) > 0);
    pacer.stop();
    assert.equal(udp.localPort(fd), -constants.errno.EBADF, 'closed by the stop');
    pacer.begin(performance.now());
    assert.equal(pacer.open, false);
    t.send(Buffer.from('after'), peer.address().port, '127.0.0.1');
    await until(() => got.length === 1, 'the direct send');
    assert.equal(got[0]!.text, 'after');
    pacer.stop();
  } finally {
    t.close();
    peer.close();
  }
});

test('a realtime priority is taken when the process may, and reported either way', () => {
  const udp = addon();
  const pacer = new RtpPacer(udp, { maxPackets: 1, priority: 1 });
  try {
    assert.equal(typeof pacer.realtime, 'boolean');
  } finally {
    pacer.stop();
  }
  const normal = new RtpPacer(udp, { maxPackets: 1 });
  assert.equal(normal.realtime, false, 'not asked');
  normal.stop();
});
