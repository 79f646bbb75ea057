import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadNativeUdp, type NativeUdp } from '../lib/native-udp.ts';
import { ManualMediaClock } from './clock.ts';
import { NativeRtpSocket } from './native-rtp-socket.ts';
import { RtpPacer, type PacedSender, type RtpPacerOptions } from './rtp-pacer.ts';
import { RtpPoller } from './rtp-poller.ts';

/** The addon (npm install builds it: a missing build fails these tests, with the reason). */
function addon(): NativeUdp {
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) throw new Error(reason);
  return udp;
}

type Received = Array<{ text: string; at: number }>;

/** A dgram receiver that stamps each datagram with `performance.now()` as it is read. */
async function receiver(type: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: Socket; got: Received }> {
  const socket = createSocket(type);
  const got: Received = [];
  socket.on('message', (msg) => void got.push({ text: msg.toString(), at: performance.now() }));
  socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
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

/** A pacer, a peer that records what it receives, and native RTP sockets that send through the pacer. */
interface Rig {
  udp: NativeUdp;
  pacer: RtpPacer;
  /** The peer's port on 127.0.0.1. */
  port: number;
  got: Received;
  /** A socket bound to `address` (default 127.0.0.1) whose send-phase sends go through the pacer. */
  socket(address?: string): NativeRtpSocket;
}

/** Runs `fn` on a {@link Rig}; closes its sockets and peer and stops its pacer after, whatever happened. */
async function withRig(options: RtpPacerOptions, fn: (rig: Rig) => Promise<void>): Promise<void> {
  const udp = addon();
  const pacer = new RtpPacer(udp, options);
  const poller = new RtpPoller(new ManualMediaClock(), udp);
  const { socket: peer, got } = await receiver();
  const sockets: NativeRtpSocket[] = [];
  const socket = (address = '127.0.0.1'): NativeRtpSocket => {
    const s = NativeRtpSocket.open({ udp, poller, pacer }, address, 0, 1 << 16);
    sockets.push(s);
    return s;
  };
  try {
    await fn({ udp, pacer, port: peer.address().port, got, socket });
  } finally {
    for (const s of sockets) s.close();
    pacer.stop();
    peer.close();
  }
}

test('a batch leaves at its due time, not when it was committed, unconnected and connected sends alike', async () => {
  await withRig({ maxPackets: 8, regions: 2 }, async ({ pacer, port, got, socket }) => {
    const a = socket();
    const b = socket();
    b.connect(port, '127.0.0.1');
    const due = performance.now() + 60;
    pacer.begin(due);
    assert.equal(pacer.open, true);
    a.send(Buffer.from('to'), port, '127.0.0.1');
    b.send(Buffer.from('xconnectedx'), 1, 9);
    pacer.commit();
    assert.equal(pacer.open, false);
    await sleep(25);
    assert.equal(got.length, 0, 'held by the thread until due');
    await until(() => got.length === 2, 'both packets');
    assert.deepEqual(got.map((g) => g.text), ['to', 'connected'], 'in the order they were queued');
    assert.ok(got[0]!.at >= due - 1, `sent ${(due - got[0]!.at).toFixed(2)} ms before its due time`);
    assert.deepEqual({ ...pacer.stats, maxLateMs: 0 }, { batches: 1, packets: 2, overruns: 0, overflows: 0, errors: 0, maxLateMs: 0 });
  });
});

test('a packet queued on a connected socket reaches that peer even when the socket is disconnected before it leaves', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ pacer, port, got, socket }) => {
    const s = socket();
    s.connect(port, '127.0.0.1');
    pacer.begin(performance.now() + 40);
    s.send(Buffer.from('queued while connected'));
    pacer.commit();
    s.disconnect(); // the link went idle (rtp-link.ts) before the due time
    await until(() => got.length === 1, 'the packet');
    assert.equal(got[0]!.text, 'queued while connected');
    assert.equal(pacer.stats.errors, 0, 'not EDESTADDRREQ: sent to the address it was queued for');
  });
});

test('IPv6: paced sends to an IPv6 peer and to an IPv4 peer of a dual-stack socket', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ pacer, port, got, socket }) => {
    const s = socket('::');
    const { socket: v6, got: got6 } = await receiver('udp6');
    try {
      pacer.begin(performance.now() + 10);
      s.send(Buffer.from('six'), v6.address().port, '::1');
      s.send(Buffer.from('four'), port, '127.0.0.1');
      pacer.commit();
      await until(() => got6.length === 1 && got.length === 1, 'both packets');
      assert.deepEqual([got6[0]!.text, got[0]!.text], ['six', 'four']);
      assert.equal(pacer.stats.errors, 0);
    } finally {
      v6.close();
    }
  });
});

test('outside a send phase the socket sends at once; an empty batch is not committed', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ pacer, port, got, socket }) => {
    const s = socket();
    s.send(Buffer.from('now'), port, '127.0.0.1');
    const sent = new Promise<Error | null>((resolve) => s.send(Buffer.from('cb'), port, '127.0.0.1', resolve));
    assert.equal(await sent, null);
    await until(() => got.length === 2, 'the direct sends');
    assert.deepEqual(got.map((g) => g.text), ['now', 'cb']);
    pacer.begin(performance.now() + 500);
    pacer.commit();
    assert.equal(pacer.stats.batches, 0);
  });
});

test('a send with a callback in the send phase leaves in order with the stream, and its callback follows the batch', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ pacer, port, got, socket }) => {
    const s = socket();
    const told: Array<Error | null> = [];
    pacer.begin(performance.now() + 40);
    s.send(Buffer.from('1'), port, '127.0.0.1');
    pacer.commit();
    // The next tick's first packet to a new target comes with a callback (rtp-link.ts).
    pacer.begin(performance.now() + 60);
    s.send(Buffer.from('2'), port, '127.0.0.1', (error) => void told.push(error));
    pacer.commit();
    await sleep(20);
    assert.equal(got.length, 0, 'not sent at once: it would overtake packet 1');
    await until(() => got.length === 2, 'both packets');
    assert.deepEqual(got.map((g) => g.text), ['1', '2']);
    await until(() => {
      pacer.begin(performance.now());
      pacer.commit();
      return told.length > 0;
    }, 'the callback');
    assert.deepEqual([...told], [null]);
    // One that the thread never sends (the pacer stops first) hears so.
    pacer.begin(performance.now() + 10_000);
    s.send(Buffer.from('3'), port, '127.0.0.1', (error) => void told.push(error));
    pacer.commit();
    pacer.stop();
    await until(() => told.length === 2, 'the cancelled send\'s callback');
    assert.equal((told[1] as NodeJS.ErrnoException | null)?.code, 'ECANCELED');
  });
});

test('a failed paced send comes back to its sender when the region is reused', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ pacer }) => {
    const results: number[] = [];
    const sender: PacedSender = { pacedResult: (r) => void results.push(r) };
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
  });
});

test('a batch takes what fits; the rest goes out at once, and a tick with no free region sends directly', async () => {
  await withRig({ maxPackets: 2, payloadBytes: 64, regions: 1 }, async ({ pacer, port, got, socket }) => {
    const s = socket();
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
    await until(() => {
      pacer.begin(performance.now());
      return pacer.open;
    }, 'a free region');
    s.send(Buffer.alloc(100, 1), port, '127.0.0.1');
    pacer.commit();
    assert.deepEqual({ overruns: pacer.stats.overruns, overflows: pacer.stats.overflows }, { overruns: 1, overflows: 2 });
  });
});

test('a socket closed while a batch names it stays open until the batch is sent', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ udp, pacer, port, got, socket }) => {
    const s = socket();
    const fd = s.fd;
    pacer.begin(performance.now() + 60);
    s.send(Buffer.from('last'), port, '127.0.0.1');
    s.close(); // during the send phase: after the commit
    pacer.commit();
    assert.ok(udp.localPort(fd) > 0, 'still open while the batch waits');
    await until(() => got.length === 1, 'the batch');
    assert.equal(got[0]!.text, 'last');
    await until(() => udp.localPort(fd) < 0, 'the close');
    assert.equal(udp.localPort(fd), -constants.errno.EBADF);
    assert.equal(pacer.stats.errors, 0);
  });
});

test('stop drops what was not sent, closes what waited on it, and later ticks send at once', async () => {
  await withRig({ maxPackets: 4, regions: 2 }, async ({ udp, pacer, port, got, socket }) => {
    const s = socket();
    const t = socket();
    const fd = s.fd;
    pacer.begin(performance.now() + 10_000);
    s.send(Buffer.from('never'), port, '127.0.0.1');
    pacer.commit();
    s.close();
    assert.ok(udp.localPort(fd) > 0);
    pacer.stop();
    assert.equal(udp.localPort(fd), -constants.errno.EBADF, 'closed by the stop');
    pacer.begin(performance.now());
    assert.equal(pacer.open, false);
    t.send(Buffer.from('after'), port, '127.0.0.1');
    await until(() => got.length === 1, 'the direct send');
    assert.equal(got[0]!.text, 'after');
  });
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
