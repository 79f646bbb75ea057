/**
 * The addon's ops for the SIP socket (native/agentline_udp.c): recvLarge, watch and unwatch.
 * The RTP ops are covered with their users (src/media/native-rtp-socket.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { heapAfterGc } from '../../test/support/heap.ts';
import { loadNativeUdp, META_STRIDE, Meta, type NativeUdp } from './native-udp.ts';
import { peer, sendFrom } from '../../test/support/udp-peer.ts';

const { EINVAL, EBADF, EEXIST, ENOENT, EMSGSIZE } = constants.errno;
const ADDON = fileURLToPath(new URL('../../build/Release/agentline_udp.node', import.meta.url));
const SLOT = 65_536;

/** The addon (npm install builds it: a missing build fails these tests, with the reason). */
function addon(): NativeUdp {
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) throw new Error(reason);
  return udp;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A bound socket of the addon's, closed by `close`. */
function open(udp: NativeUdp, address = '127.0.0.1'): { fd: number; port: number; close(): void } {
  const fd = udp.open(address.includes(':'), address, 0, 1 << 20);
  assert.ok(fd >= 0, `open: ${fd}`);
  return { fd, port: udp.localPort(fd), close: () => assert.equal(udp.close(fd), 0) };
}

test('recvLarge and watch answer bad arguments with a negative errno, never a throw', () => {
  const udp = addon();
  const s = open(udp);
  const data = new Uint8Array(2 * SLOT);
  const meta = new Int32Array(2 * META_STRIDE);
  const file = openSync(fileURLToPath(import.meta.url), 'r');
  try {
    assert.equal(udp.recvLarge(-1, data, meta, SLOT), -EBADF);
    assert.equal(udp.recvLarge(file, data, meta, SLOT), -constants.errno.ENOTSOCK);
    assert.equal(udp.recvLarge(s.fd, data, new Uint8Array(meta.buffer) as unknown as Int32Array, SLOT), -EINVAL, 'meta must be an Int32Array');
    assert.equal(udp.recvLarge(s.fd, data, meta, 0), -EINVAL, 'no slot size');
    assert.equal(udp.recvLarge(s.fd, data, meta, 3 * SLOT), -EINVAL, 'a slot larger than the buffer');
    assert.equal(udp.recvLarge(s.fd, data, new Int32Array(META_STRIDE - 1), SLOT), -EINVAL, 'no room for one entry');
    assert.equal(udp.recvLarge(s.fd, 'data' as unknown as Uint8Array, meta, SLOT), -EINVAL);
    assert.equal(udp.recvLarge(s.fd, data, meta, SLOT), 0, 'nothing waiting');

    const noop = (): void => {};
    assert.equal(udp.watch(-1, noop), -EINVAL);
    assert.equal(udp.watch(s.fd, 'not a function' as unknown as () => void), -EINVAL);
    assert.equal(udp.watch(file, noop), -constants.errno.EPERM, 'a regular file cannot be polled');
    assert.equal(udp.unwatch(-1), -EINVAL);
    assert.equal(udp.unwatch('1' as unknown as number), -EINVAL);
    assert.equal(udp.unwatch(12345), -ENOENT);
    const id = udp.watch(s.fd, noop);
    assert.ok(id >= 0);
    assert.equal(udp.watch(s.fd, noop), -EEXIST, 'one watch per fd');
    assert.equal(udp.unwatch(id), 0);
    assert.equal(udp.unwatch(id), -ENOENT, 'twice');
  } finally {
    closeSync(file);
    s.close();
  }
  const closed = udp.watch(s.fd, () => {});
  assert.equal(closed, -EBADF, 'a closed fd');
});

test('recvLarge reads a 60,000-byte datagram whole, the next one in the next slot, with sources and ages', async () => {
  const udp = addon();
  const s = open(udp);
  const p = await peer();
  try {
    const big = Buffer.alloc(60_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
    await sendFrom(p, big, s.port);
    await sendFrom(p, 'small', s.port);
    await sleep(20);
    const data = new Uint8Array(8 * SLOT);
    const meta = new Int32Array(8 * META_STRIDE);
    assert.equal(udp.recvLarge(s.fd, data, meta, SLOT), 2);
    assert.equal(meta[Meta.index], 0);
    assert.equal(meta[Meta.offset], 0);
    assert.equal(meta[Meta.length], 60_000);
    assert.ok(Buffer.from(data.buffer, 0, 60_000).equals(big), 'every byte');
    assert.equal(meta[Meta.port], p.address().port);
    assert.equal(meta[Meta.family], 4);
    assert.equal(udp.formatAddress(4, meta[Meta.address]!, 0, 0, 0), '127.0.0.1');
    const age = meta[Meta.ageUs]! / 1000;
    assert.ok(age >= 15 && age < 1000, `age from the kernel's timestamp: ${age} ms`);
    assert.equal(meta[META_STRIDE + Meta.offset], SLOT);
    assert.equal(meta[META_STRIDE + Meta.length], 5);
    assert.equal(Buffer.from(data.buffer, SLOT, 5).toString(), 'small');
    assert.equal(udp.recvLarge(s.fd, data, meta, SLOT), 0);
  } finally {
    s.close();
    p.close();
  }
});

test('recvLarge stops at the room it has and marks a datagram longer than a slot -EMSGSIZE', async () => {
  const udp = addon();
  const s = open(udp);
  const p = await peer();
  try {
    for (const text of ['one', 'two', 'x'.repeat(2000), 'four']) await sendFrom(p, text, s.port);
    const data = new Uint8Array(4 * 1024);
    const meta = new Int32Array(2 * META_STRIDE);
    assert.equal(udp.recvLarge(s.fd, data, meta, 1024), 2, 'two meta entries');
    assert.equal(Buffer.from(data.buffer, 1024, 3).toString(), 'two');
    const more = new Int32Array(4 * META_STRIDE);
    assert.equal(udp.recvLarge(s.fd, data, more, 1024), 2);
    assert.equal(more[Meta.length], -EMSGSIZE);
    assert.equal(more[META_STRIDE + Meta.length], 4);
    assert.equal(more[META_STRIDE + Meta.offset], 1024);
  } finally {
    s.close();
    p.close();
  }
});

test('a dual-stack IPv6 socket (::) sees an IPv4 sender as IPv4, and an IPv6 one as IPv6', async () => {
  const udp = addon();
  const s = open(udp, '::');
  const p4 = await peer('udp4');
  const p6 = await peer('udp6');
  try {
    await sendFrom(p4, 'v4', s.port, '127.0.0.1');
    await sendFrom(p6, 'v6', s.port, '::1');
    const data = new Uint8Array(2 * SLOT);
    const meta = new Int32Array(2 * META_STRIDE);
    assert.equal(udp.recvLarge(s.fd, data, meta, SLOT), 2);
    const source = (m: number): string => {
      const a = m + Meta.address;
      return `${udp.formatAddress(meta[m + Meta.family]!, meta[a]!, meta[a + 1]!, meta[a + 2]!, meta[a + 3]!)}|${meta[m + Meta.family]}|${meta[m + Meta.port]}`;
    };
    assert.equal(source(0), `127.0.0.1|4|${p4.address().port}`);
    assert.equal(source(META_STRIDE), `::1|6|${p6.address().port}`);
    // And the other way: an IPv4 target of the IPv6 socket is mapped by the addon.
    const got = once(p4, 'message');
    assert.equal(udp.sendTo(s.fd, true, Buffer.from('back'), 0, 4, '127.0.0.1', p4.address().port), 4);
    assert.equal(String((await got)[0]), 'back');
  } finally {
    s.close();
    p4.close();
    p6.close();
  }
});

test('a watch calls back while data waits (level-triggered) and never after unwatch', async () => {
  const udp = addon();
  const s = open(udp);
  const p = await peer();
  let calls = 0;
  const id = udp.watch(s.fd, () => calls++);
  try {
    await sleep(20);
    assert.equal(calls, 0, 'nothing readable yet');
    await sendFrom(p, 'unread', s.port);
    await sleep(20);
    assert.ok(calls >= 2, `called again while the datagram waits unread: ${calls}`);
    assert.equal(udp.unwatch(id), 0);
    const after = calls;
    await sendFrom(p, 'more', s.port);
    await sleep(30);
    assert.equal(calls, after, 'no callback once unwatched');
    const meta = new Int32Array(4 * META_STRIDE);
    assert.equal(udp.recvLarge(s.fd, new Uint8Array(4 * SLOT), meta, SLOT), 2, 'the datagrams still wait in the kernel');
  } finally {
    udp.unwatch(id);
    s.close();
    p.close();
  }
});

/**
 * Watches `fd` and unwatches it `n` times, each with a new callback holding 8 KB; returns weak
 * references to the callbacks and the ids. A function of its own, so that no frame of the
 * (async) test keeps the last callback in a register.
 */
function cycle(udp: NativeUdp, fd: number, n: number): { refs: Array<WeakRef<() => void>>; ids: number[] } {
  const refs: Array<WeakRef<() => void>> = [];
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const payload = new Array<number>(1000).fill(i);
    const callback = (): void => void payload.length;
    refs.push(new WeakRef(callback));
    const id = udp.watch(fd, callback);
    assert.ok(id >= 0, `watch ${i}: ${id}`);
    ids.push(id);
    assert.equal(udp.unwatch(id), 0);
  }
  return { refs, ids };
}

test('watch and unwatch many times: slots, callbacks and async contexts are released; a stale id stays dead', async () => {
  const udp = addon();
  const s = open(udp);
  try {
    // More cycles than the table has slots (256): each unwatch frees its slot.
    const { refs, ids } = cycle(udp, s.fd, 600);
    const first = ids[0]!;
    assert.equal(new Set(ids).size, 600, 'every watch has its own id');
    assert.equal(udp.unwatch(first), -ENOENT);
    const keep = udp.watch(s.fd, () => {});
    assert.equal(udp.unwatch(first), -ENOENT, 'an old id does not reach the watch now in its slot');
    assert.equal(udp.unwatch(keep), 0);
    await sleep(10); // handles close on the next loop iteration; WeakRefs clear after the job
    const base = heapAfterGc();
    assert.deepEqual(refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i])), [], 'every callback was collected');
    for (let i = 0; i < 2000; i++) udp.unwatch(udp.watch(s.fd, () => {}));
    await sleep(10);
    const grown = heapAfterGc() - base;
    assert.ok(grown < 512 * 1024, `heap after 2,000 more watches: +${grown} bytes`);
  } finally {
    s.close();
  }
});

/** Runs a CommonJS script in a child Node process with the addon's path as ADDON. */
function child(script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ADDON } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a throwing callback reaches process uncaughtException; ticks run after a callback; the watch holds the loop', () => {
  const r = child(`
    const udp = require(process.env.ADDON);
    const dgram = require('node:dgram');
    const fd = udp.open(false, '127.0.0.1', 0, 0);
    const data = new Uint8Array(65536), meta = new Int32Array(12);
    let calls = 0;
    const id = udp.watch(fd, () => {
      calls++;
      udp.recvLarge(fd, data, meta, 65536);
      if (calls === 1) { process.nextTick(() => console.log('tick after callback')); return; }
      throw new Error('thrown by callback ' + calls);
    });
    process.on('uncaughtException', (err) => {
      console.log('uncaught: ' + err.message);
      console.log('unwatch ' + udp.unwatch(id) + ' close ' + udp.close(fd));
      s.close();
    });
    const s = dgram.createSocket('udp4');
    s.send('a', udp.localPort(fd), '127.0.0.1', () => setTimeout(() => s.send('b', udp.localPort(fd), '127.0.0.1'), 30));
    // Unref'd: only the watch (and the peer) keep the process alive until the second datagram.
    setTimeout(() => console.log('alive at 300 ms'), 300).unref();
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'tick after callback\nuncaught: thrown by callback 2\nunwatch 0 close 0\n');

  const held = child(`
    const udp = require(process.env.ADDON);
    const fd = udp.open(false, '127.0.0.1', 0, 0);
    const id = udp.watch(fd, () => {});
    setTimeout(() => console.log('unwatch ' + udp.unwatch(id)), 100).unref();
  `);
  assert.equal(held.status, 0, held.stderr);
  assert.equal(held.stdout, 'unwatch 0\n', 'the watch kept the loop alive until the unref\'d timer fired');
});

test('watches still open when a worker ends are stopped and freed (no crash, no hang)', async () => {
  for (const how of ['terminate', 'exit'] as const) {
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const udp = require(workerData.addon);
      for (let i = 0; i < 3; i++) {
        const fd = udp.open(false, '127.0.0.1', 0, 0);
        if (udp.watch(fd, () => {}) < 0) throw new Error('watch failed');
      }
      parentPort.postMessage('watching');
      if (workerData.how === 'exit') setTimeout(() => process.exit(3), 20);
    `, { eval: true, workerData: { addon: ADDON, how } });
    const [message] = await once(worker, 'message');
    assert.equal(message, 'watching');
    const code = how === 'terminate' ? await worker.terminate() : (await once(worker, 'exit'))[0];
    assert.equal(code, how === 'terminate' ? 1 : 3, how);
  }
});

test('scoped IPv6 addresses (fe80::1%lo, as Node writes a link-local peer) are sent to and printed with their zone', () => {
  const udp = addon();
  const s = open(udp, '::');
  try {
    const payload = Buffer.from('x');
    // The zone is read, by name or by index: no EINVAL. (Nothing holds fe80::1 on lo here, so
    // the kernel may refuse the route; what matters is that the address was understood.)
    for (const target of ['fe80::1%lo', 'fe80::1%1']) {
      assert.notEqual(udp.sendTo(s.fd, true, payload, 0, 1, target, 9), -EINVAL, target);
    }
    assert.equal(udp.sendTo(s.fd, true, payload, 0, 1, 'fe80::1%no-such-if0', 9), -EINVAL, 'an unknown interface');
    assert.equal(udp.sendTo(s.fd, true, payload, 0, 1, '127.0.0.1%lo', 9), -EINVAL, 'a zone on an IPv4 address');
    // fe80::1 as the four words a meta entry carries (network order), with scope 1 (lo) or none.
    const words = new Int32Array(new Uint8Array([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).buffer);
    const [a0, a1, a2, a3] = words as unknown as [number, number, number, number];
    assert.equal(udp.formatAddress(6, a0, a1, a2, a3, 1), 'fe80::1%lo');
    assert.equal(udp.formatAddress(6, a0, a1, a2, a3, 0), 'fe80::1');
    assert.equal(udp.formatAddress(6, a0, a1, a2, a3), 'fe80::1');
    assert.equal(udp.formatAddress(6, a0, a1, a2, a3, 0x7ffffff0), 'fe80::1%2147483632', 'an index with no interface');
  } finally {
    s.close();
  }
});

test('a meta entry carries no scope for IPv4 and IPv6 loopback sources', async () => {
  const udp = addon();
  const s = open(udp, '::');
  const v6 = await peer('udp6');
  const v4 = await peer('udp4');
  try {
    await sendFrom(v6, 'six', s.port, '::1');
    await sendFrom(v4, 'four', s.port, '127.0.0.1');
    const data = Buffer.alloc(2 * SLOT);
    const meta = new Int32Array(2 * META_STRIDE);
    assert.equal(udp.recvLarge(s.fd, data, meta, SLOT), 2);
    assert.deepEqual([meta[Meta.scope], meta[META_STRIDE + Meta.scope]], [0, 0]);
  } finally {
    v6.close();
    v4.close();
    s.close();
  }
});
