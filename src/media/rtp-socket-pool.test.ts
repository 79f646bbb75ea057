import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { ManualMediaClock } from './clock.ts';
import { MediaError } from './errors.ts';
import { loadNativeUdp } from '../lib/native-udp.ts';
import { NativeRtpSocket, type NativeRtpIo } from './native-rtp-socket.ts';
import type { RtcpPacket } from './rtcp.ts';
import { PortAllocator } from './ports.ts';
import { writeRtpHeader } from './rtp.ts';
import { RtpPoller } from './rtp-poller.ts';
import { RtpSession } from './rtp-session.ts';
import { RtpSocketPool } from './rtp-socket-pool.ts';

/** A small range from a random base (test files run in parallel). */
function range(pairs: number): PortAllocator {
  const base = 50000 + 2 * Math.floor(Math.random() * 6000);
  return new PortAllocator(base, base + 2 * pairs - 1);
}

function pool(ports: PortAllocator, extra: { maxIdle?: number; native?: NativeRtpIo } = {}) {
  let now = 0;
  const p = new RtpSocketPool({ ports, localAddress: '127.0.0.1', quarantineMs: 500, now: () => now, ...extra });
  return { pool: p, advance: (ms: number) => { now += ms; } };
}

async function peer(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/**
 * Yields to the event loop until `cond` holds (bounded by iterations, not by time), running
 * `step` each time (a clock tick: native sockets are read then).
 */
async function until(cond: () => boolean, what: string, step?: () => void): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    step?.();
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

function rtpPacket(ssrc: number, seq: number): Buffer {
  const buf = Buffer.alloc(12 + 160, 0xff);
  writeRtpHeader(buf, 0, { payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, marker: false });
  return buf;
}

test('a released pair serves another call only after its quarantine, oldest first', async () => {
  const ports = range(8);
  const { pool: p, advance } = pool(ports);
  const a = await p.acquire();
  assert.equal(a.rtcpPort, a.port + 1);
  a.release({ address: '127.0.0.1', port: 4000 });
  const b = await p.acquire();
  assert.notEqual(b.port, a.port, 'a pair still resting is not reused while the range has room');
  advance(500);
  const c = await p.acquire();
  assert.equal(c.port, a.port, 'the rested pair is reused: no bind');
  assert.deepEqual(c.stalePeer, { address: '127.0.0.1', port: 4000 });
  assert.deepEqual(p.stats, { reused: 1, bound: 2 });
  assert.equal(ports.inUse, 2);
  for (const l of [b, c]) l.release();
  p.close();
  assert.equal(ports.inUse, 0, 'close returns every port');
});

test('tryAcquire lends a rested pair at once, and nothing while none has rested; closed, it throws', async () => {
  const ports = range(8);
  const { pool: p, advance } = pool(ports);
  assert.equal(p.tryAcquire(), undefined, 'an empty pool binds nothing here');
  const a = await p.acquire();
  a.release({ address: '127.0.0.1', port: 4000 });
  advance(499);
  assert.equal(p.tryAcquire(), undefined, 'still resting');
  advance(1);
  const b = p.tryAcquire();
  assert.equal(b?.port, a.port);
  assert.deepEqual(b?.stalePeer, { address: '127.0.0.1', port: 4000 });
  assert.deepEqual(p.stats, { reused: 1, bound: 1 });
  b?.release();
  p.close();
  assert.throws(() => p.tryAcquire(), (err: unknown) => err instanceof MediaError && err.code === 'media_session_closed');
  assert.equal(ports.inUse, 0);
});

test('honours the range: 503-style exhaustion only when every pair is in a live call', async () => {
  const ports = range(2);
  const { pool: p } = pool(ports);
  const a = await p.acquire();
  const b = await p.acquire();
  for (const l of [a, b]) assert.ok(l.port >= ports.min && l.port <= ports.max);
  await assert.rejects(p.acquire(), (err: unknown) => err instanceof MediaError && err.code === 'media_ports_exhausted');
  a.release();
  const c = await p.acquire();
  assert.equal(c.port, a.port, 'with the range full, a resting pair is taken early');
  b.release();
  c.release();
  p.close();
});

test('keeps at most maxIdle pairs; the rest are closed and their ports returned', async () => {
  const ports = range(4);
  const { pool: p } = pool(ports, { maxIdle: 1 });
  const leases = [await p.acquire(), await p.acquire()];
  for (const l of leases) l.release();
  assert.equal(p.idle, 1);
  assert.equal(ports.inUse, 1);
  p.close();
  assert.equal(ports.inUse, 0);
});

for (const io of ['dgram', 'native'] as const) {
  test(`drops what reaches an idle pair, and a straggler from the previous peer cannot latch the next call [${io}]`, async () => {
    const ports = range(4);
    const clock = new ManualMediaClock();
    const udp = io === 'native' ? loadNativeUdp().udp : undefined;
    if (io === 'native' && udp === undefined) throw new Error(loadNativeUdp().reason);
    const { pool: p, advance } = pool(ports, udp === undefined ? {} : { native: { udp, poller: new RtpPoller(clock, udp) } });
    const tick = io === 'native' ? () => clock.tick() : undefined;
    const oldPeer = await peer();
    const newPeer = await peer();
    const sessions: RtpSession[] = [];
    try {
      const lease = await p.acquire();
      const first = await RtpSession.open({
        clock, ports, sockets: lease, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcp: false,
        remote: { address: '127.0.0.1', port: oldPeer.address().port },
      });
      sessions.push(first);
      oldPeer.send(rtpPacket(1, 0), lease.port, '127.0.0.1');
      await until(() => first.latched, 'the first call latches: its socket connects to the old peer', tick);
      first.close(); // and the pair goes back unconnected, or the new peer below would never be heard
      oldPeer.send(rtpPacket(1, 1), lease.port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 20)); // read and dropped while idle (native: drained on reuse)
      advance(500);
      const reused = await p.acquire();
      assert.equal(reused.port, lease.port);
      const second = await RtpSession.open({
        clock, ports, sockets: reused, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcp: false,
        remote: { address: '127.0.0.1', port: newPeer.address().port },
      });
      sessions.push(second);
      oldPeer.send(rtpPacket(1, 2), reused.port, '127.0.0.1');
      await until(() => second.stats.packetsIgnored === 1, 'the straggler', tick);
      assert.equal(second.latched, false);
      newPeer.send(rtpPacket(2, 1), reused.port, '127.0.0.1');
      await until(() => second.stats.packetsReceived === 1, 'the new peer', tick);
      assert.equal(second.latched, true);
      assert.equal(second.remote?.port, newPeer.address().port);
      assert.equal(second.stats.packetsIgnored, 1, 'the datagram that reached the idle pair was never heard');
    } finally {
      for (const s of sessions) s.close();
      p.close();
      oldPeer.close();
      newPeer.close();
    }
  });
}

test('native RTCP sockets: read on one tick in ten, reports both ways, and the BYE leaves through them', async () => {
  const loaded = loadNativeUdp();
  if (loaded.udp === undefined) throw new Error(loaded.reason);
  const udp = loaded.udp;
  const ports = range(4);
  const clock = new ManualMediaClock();
  const rtcpPoller = new RtpPoller(clock, udp, 10);
  const { pool: p } = pool(ports, { native: { udp, poller: new RtpPoller(clock, udp), rtcpPoller } });
  const sessions: RtpSession[] = [];
  try {
    const [la, lb] = [await p.acquire(), await p.acquire()];
    assert.ok(la.rtcp instanceof NativeRtpSocket && lb.rtcp instanceof NativeRtpSocket, 'both RTCP sockets are native');
    const base = { clock, ports, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 }, rtcpIntervalMs: 100,
      wallClock: () => 1_700_000_000_000 + clock.nowMs } as const;
    const a = await RtpSession.open({ ...base, sockets: la, remote: { address: '127.0.0.1', port: lb.port, rtcpPort: lb.rtcpPort } });
    const b = await RtpSession.open({ ...base, sockets: lb, remote: { address: '127.0.0.1', port: la.port, rtcpPort: la.rtcpPort } });
    sessions.push(a, b);
    const atB: RtcpPacket[] = [];
    b.on('rtcp', (packets) => atB.push(...packets));
    await until(() => atB.some((x) => x.type === 'sr') && a.stats.remote !== undefined, 'reports both ways', () => clock.tick());
    // Each RTCP poll reads both sockets, on one tick in ten.
    assert.ok(rtcpPoller.stats.polls <= Math.ceil((clock.currentTick + 1) / 10), `polls ${rtcpPoller.stats.polls} by tick ${clock.currentTick}`);
    assert.equal(a.stats.remote?.fractionLost, 0);
    a.close();
    await until(() => atB.some((x) => x.type === 'bye'), "A's RTCP BYE", () => clock.tick());
  } finally {
    for (const s of sessions) s.close();
    p.close();
  }
});

test('sends to IP literals at once and still resolves a host name', async () => {
  const ports = range(2);
  const { pool: p } = pool(ports);
  const lease = await p.acquire();
  const target = await peer();
  let got = 0;
  target.on('message', () => { got++; });
  const port = target.address().port;
  lease.rtp.send(rtpPacket(3, 1), port, '127.0.0.1');
  lease.rtp.send(rtpPacket(3, 2), port, 'localhost');
  await until(() => got === 2, 'both datagrams');
  lease.release();
  p.close();
  target.close();
});
