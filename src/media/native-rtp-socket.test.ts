import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { ManualMediaClock } from './clock.ts';
import { loadNativeUdp, type NativeUdp } from '../lib/native-udp.ts';
import { NativeRtpSocket } from './native-rtp-socket.ts';
import { RtpPoller } from './rtp-poller.ts';

/** The addon (npm install builds it: a missing build fails these tests, with the reason). */
function addon(): NativeUdp {
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) throw new Error(reason);
  return udp;
}

function setup(): { udp: NativeUdp; clock: ManualMediaClock; poller: RtpPoller } {
  const udp = addon();
  const clock = new ManualMediaClock();
  return { udp, clock, poller: new RtpPoller(clock, udp) };
}

async function peer(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const s = createSocket(type);
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  return s;
}

/** Sends and waits until the kernel has queued it (loopback delivers inside the send). */
async function sendFrom(s: Socket, data: string, port: number, address = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => s.send(data, port, address, (e) => (e ? reject(e) : resolve())));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('datagrams wait in the kernel until the clock ticks; each comes with its source and its age', async () => {
  const { udp, clock, poller } = setup();
  const s = NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 1 << 16);
  const p = await peer();
  try {
    const got: Array<{ text: string; rinfo: RemoteInfo; ageMs: number | undefined }> = [];
    s.on('message', (msg, rinfo, ageMs, start = 0, length = msg.length) => {
      got.push({ text: msg.toString('utf8', start, start + length), rinfo: { ...rinfo }, ageMs });
    });
    assert.equal(clock.size, 1, 'the poller joined the clock with its first socket');
    const sentFrom = performance.now();
    await sendFrom(p, 'one', s.port);
    await sendFrom(p, 'two', s.port);
    await sleep(30);
    assert.equal(got.length, 0, 'nothing is read between ticks');
    clock.tick();
    const sinceSent = performance.now() - sentFrom;
    assert.deepEqual(got.map((g) => g.text), ['one', 'two']);
    assert.deepEqual(got[0]!.rinfo, { address: '127.0.0.1', family: 'IPv4', port: p.address().port, size: 3 });
    const age = got[0]!.ageMs!;
    // At least the test's sleep, at most the time since the send (1 ms for clock rounding): no
    // bound on how long the machine took, only that the age is the kernel's and not something else.
    assert.ok(age >= 25 && age <= sinceSent + 1, `age from the kernel's timestamp: ${age} ms, ${sinceSent} ms since the send`);
    clock.tick();
    assert.equal(got.length, 2, 'each datagram once');
    assert.equal(poller.stats.datagrams, 2);
  } finally {
    s.close();
    p.close();
  }
  assert.equal(poller.size, 0);
  assert.equal(clock.size, 0, 'the poller left the clock with its last socket');
});

test('IPv6: sources are printed as Node prints them, a connected socket sends without an address', async () => {
  const { udp, clock, poller } = setup();
  const s = NativeRtpSocket.open({ udp, poller }, '::1', 0, 1 << 16);
  const p = await peer('udp6');
  try {
    const from: string[] = [];
    s.on('message', (_msg, rinfo) => from.push(`${rinfo.address}|${rinfo.family}|${rinfo.port}`));
    await sendFrom(p, 'x', s.port, '::1');
    await sleep(5);
    clock.tick();
    assert.deepEqual(from, [`::1|IPv6|${p.address().port}`]);
    s.connect(p.address().port, '::1');
    assert.deepEqual(s.remoteAddress(), { address: '::1', family: 'IPv6', port: p.address().port });
    const got = once(p, 'message');
    s.send(Buffer.from('back'));
    const [msg, rinfo] = (await got) as [Buffer, RemoteInfo];
    assert.equal(String(msg), 'back');
    assert.equal(rinfo.port, s.port);
  } finally {
    s.close();
    p.close();
  }
});

test('unconnected sends take an address or a host name; region sends and callbacks behave as dgram', async () => {
  const { udp, poller } = setup();
  const s = NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 1 << 16);
  const p = await peer();
  try {
    const port = p.address().port;
    let got = once(p, 'message');
    s.send(Buffer.from('to-address'), port, '127.0.0.1');
    assert.equal(String((await got)[0]), 'to-address');
    got = once(p, 'message');
    const done = new Promise<Error | null>((r) => s.send(Buffer.from('xxregionxx'), 2, 6, port, '127.0.0.1', r));
    assert.equal(String((await got)[0]), 'region');
    assert.equal(await done, null, 'the callback runs with null, after the send');
    // A host name is looked up once; the datagrams before the answer are dropped.
    s.send(Buffer.from('early'), port, 'localhost');
    for (let i = 0; i < 50; i++) {
      got = once(p, 'message');
      s.send(Buffer.from('named'), port, 'localhost');
      const winner = await Promise.race([got.then(([m]) => String(m)), sleep(20).then(() => undefined)]);
      if (winner !== undefined) {
        assert.equal(winner, 'named');
        break;
      }
      assert.notEqual(i, 49, 'localhost never resolved');
    }
    // Broadcast without SO_BROADCAST: the kernel refuses; the callback says so, Node's way.
    const refused = await new Promise<Error | null>((r) => s.send(Buffer.from('x'), 9, '255.255.255.255', r));
    assert.equal((refused as NodeJS.ErrnoException).code, 'EACCES');
    assert.equal((refused as NodeJS.ErrnoException).syscall, 'send');
  } finally {
    s.close();
    p.close();
  }
});

test('a connected socket whose peer port is closed reports ECONNREFUSED as an error event', async () => {
  const { udp, clock, poller } = setup();
  const s = NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 1 << 16);
  const gone = await peer();
  const port = gone.address().port;
  gone.close();
  try {
    const errors: string[] = [];
    s.on('error', (e) => errors.push((e as NodeJS.ErrnoException).code ?? '?'));
    s.on('message', () => undefined);
    s.connect(port, '127.0.0.1');
    s.send(Buffer.from('a')); // ICMP port unreachable comes back...
    await sleep(5);
    clock.tick(); // ...and is queued on the socket: the poll reads it
    s.send(Buffer.from('b'));
    await sleep(5);
    clock.tick();
    assert.ok(errors.length >= 1 && errors.every((c) => c === 'ECONNREFUSED'), `errors: ${errors.join(',')}`);
    s.disconnect();
    assert.throws(() => s.remoteAddress(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
    assert.throws(() => s.disconnect(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
  } finally {
    s.close();
  }
});

test('a taken port fails to open with EADDRINUSE; drain discards what waited; close is idempotent', async () => {
  const { udp, poller } = setup();
  const s = NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 1 << 16);
  assert.throws(() => NativeRtpSocket.open({ udp, poller }, '127.0.0.1', s.port, 1 << 16), { code: 'EADDRINUSE', syscall: 'bind' });
  const p = await peer();
  try {
    for (let i = 0; i < 3; i++) await sendFrom(p, 'stale', s.port);
    await sleep(5);
    assert.equal(s.drain(), 3);
    assert.equal(s.drain(), 0);
  } finally {
    p.close();
    s.close();
    s.close();
  }
  assert.equal(s.fd, -1);
  s.send(Buffer.from('after close'), 9, '127.0.0.1'); // a no-op, not a crash
  assert.equal(s.drain(), 0);
});

test('a listener may close any socket during a poll: no datagram reaches a closed one; the others go on', async () => {
  const { udp, clock, poller } = setup();
  const sockets = [0, 1, 2, 3].map(() => NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 1 << 16));
  const p = await peer();
  try {
    const heard: number[] = [];
    sockets.forEach((s, i) => s.on('message', () => {
      heard.push(i);
      // The first socket heard closes socket 2 and stops listening on socket 3.
      if (heard.length === 1) {
        sockets[2]!.close();
        sockets[3]!.removeAllListeners('message');
      }
    }));
    for (const s of sockets) await sendFrom(p, 'x', s.port);
    await sleep(5);
    clock.tick();
    assert.deepEqual(heard, [0, 1]);
    assert.equal(poller.size, 2);
    for (const s of sockets.slice(0, 2)) await sendFrom(p, 'y', s.port);
    await sleep(5);
    clock.tick();
    assert.deepEqual(heard, [0, 1, 0, 1], 'the list was compacted after the poll');
  } finally {
    for (const s of sockets) s.close();
    p.close();
  }
});

test('a socket gives at most 32 datagrams a poll (a flood cannot starve the others); the rest wait, in order', async () => {
  const { udp, clock, poller } = setup();
  const s = NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 4 << 20);
  const other = NativeRtpSocket.open({ udp, poller }, '127.0.0.1', 0, 1 << 16);
  const p = await peer();
  try {
    const seen: number[] = [];
    let others = 0;
    s.on('message', (msg, _rinfo, _age, start = 0, length = 0) => {
      assert.equal(length, 1200);
      seen.push(msg.readUInt32BE(start));
    });
    other.on('message', () => others++);
    const payload = Buffer.alloc(1200);
    for (let i = 0; i < 100; i++) {
      payload.writeUInt32BE(i, 0);
      await new Promise<void>((r) => p.send(payload, s.port, '127.0.0.1', () => r()));
    }
    await sendFrom(p, 'x', other.port);
    await sleep(10);
    const counts: number[] = [];
    for (let t = 0; t < 4; t++) {
      clock.tick();
      counts.push(seen.length);
    }
    assert.deepEqual(counts, [32, 64, 96, 100]);
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(others, 1, 'the other socket was read in the first poll');
  } finally {
    s.close();
    other.close();
    p.close();
  }
});

test('the addon answers bad arguments with a negative errno, never a crash', () => {
  const udp = addon();
  const EINVAL = -22;
  assert.equal(udp.open(false, 'not-an-address', 0, 0), EINVAL);
  assert.equal(udp.open(true, '300.1.1.1', 0, 0), EINVAL);
  assert.equal(udp.send(-1, Buffer.alloc(4), 0, 4), -9, 'EBADF');
  assert.equal(udp.close(-1), EINVAL);
  const fd = udp.open(false, '127.0.0.1', 0, 0);
  assert.ok(fd >= 0);
  try {
    assert.equal(udp.send(fd, Buffer.alloc(4), 2, 4), EINVAL, 'a region past the end of the buffer');
    assert.equal(udp.send(fd, Buffer.alloc(4), -1, 2), EINVAL);
    assert.equal(udp.sendTo(fd, false, Buffer.alloc(4), 0, 4, 'localhost', 9), EINVAL, 'only numeric addresses');
    assert.equal(udp.connect(fd, false, '::1', 9), EINVAL, 'an IPv6 peer on an IPv4 socket');
    assert.equal(udp.recvBatch(new Int32Array([fd]), 2, new Uint8Array(4096), new Int32Array(12)), EINVAL, 'more fds than given');
    assert.equal(udp.recvBatch(new Int32Array([fd]), 1, new Uint8Array(4096), new Int32Array(12)), 0, 'nothing waiting');
    assert.equal(udp.formatAddress(4, 0x0100007f, 0, 0, 0), '127.0.0.1');
  } finally {
    assert.equal(udp.close(fd), 0);
  }
});
