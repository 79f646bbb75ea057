import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { ManualMediaClock } from './clock.ts';
import { loadNativeUdp } from '../lib/native-udp.ts';
import type { NativeRtpIo } from './native-rtp-socket.ts';
import { isWildcard, RtpLink } from './rtp-link.ts';
import { RtpPoller } from './rtp-poller.ts';
import { bindRtpSockets } from './rtp-sockets.ts';
import type { RtpUdpSocket } from './rtp-udp-socket.ts';
import { ephemeralPorts, PortAllocator } from './ports.ts';

/** The native addon's sockets (npm install builds it: a missing build fails these tests). */
function nativeIo(): NativeRtpIo {
  const { udp, reason } = loadNativeUdp();
  if (udp === undefined) throw new Error(reason);
  return { udp, poller: new RtpPoller(new ManualMediaClock(), udp) };
}

async function peer(): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/**
 * The RTP socket of a pair bound as the gateway binds it (a port from a range), or on port 0;
 * node:dgram's or the native addon's.
 */
async function rtpSocket(pinned: boolean, io: 'dgram' | 'native'): Promise<{ socket: RtpUdpSocket; close(): void }> {
  const min = 22000 + 2 * Math.floor(Math.random() * 4000);
  const ports = pinned ? new PortAllocator(min, min + 100) : ephemeralPorts;
  const b = await bindRtpSockets(ports, '127.0.0.1', 1 << 16, 5, false, io === 'native' ? nativeIo() : undefined);
  return { socket: b.rtp, close: () => b.rtp.close() };
}

const target = (s: Socket): { address: string; port: number } => ({ address: '127.0.0.1', port: s.address().port });

for (const io of ['dgram', 'native'] as const) {
  test(`connected to a peer, sends carry no address; another target drops the connection first [${io}]`, async () => {
    const { socket, close } = await rtpSocket(true, io);
    const [p1, p2] = [await peer(), await peer()];
    try {
      const errors: Error[] = [];
      const link = new RtpLink(socket, true, (e) => errors.push(e));
      const t1 = target(p1);
      link.connect(t1);
      assert.equal(link.connected, true);
      assert.deepEqual(socket.remoteAddress(), { address: '127.0.0.1', family: 'IPv4', port: t1.port });
      const got1 = once(p1, 'message');
      link.send(Buffer.from('one'), { ...t1 }, 1); // an equal target, not the same object
      assert.equal(String((await got1)[0]), 'one');
      const got2 = once(p2, 'message');
      link.send(Buffer.from('two'), target(p2), 2);
      assert.equal(String((await got2)[0]), 'two');
      assert.equal(link.connected, false);
      assert.throws(() => socket.remoteAddress(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
      const port = socket.address().port;
      link.connect(t1);
      link.disconnect();
      link.disconnect();
      assert.equal(socket.address().port, port, 'a port from the range stays bound after a disconnect');
      assert.deepEqual(errors, []);
    } finally {
      close();
      p1.close();
      p2.close();
    }
  });

  test(`a socket on a kernel-picked port is never connected (Linux would take the port back on disconnect) [${io}]`, async () => {
    const { socket, close } = await rtpSocket(false, io);
    const p = await peer();
    try {
      const link = new RtpLink(socket, false, () => undefined);
      const port = socket.address().port;
      link.connect(target(p));
      assert.equal(link.connected, false);
      const got = once(p, 'message');
      link.send(Buffer.from('x'), target(p), 1);
      const [, rinfo] = await got;
      assert.equal(rinfo.port, port);
    } finally {
      close();
      p.close();
    }
  });

  test(`the first packet to a new target reports a failed send once [${io}]`, async () => {
    const { socket, close } = await rtpSocket(true, io);
    try {
      const errors: Error[] = [];
      const link = new RtpLink(socket, true, (e) => errors.push(e));
      // Broadcast without SO_BROADCAST: the kernel refuses the send (EACCES).
      const bad = { address: '255.255.255.255', port: 9 };
      for (let i = 0; i < 3; i++) link.send(Buffer.from('x'), bad, 7);
      for (let i = 0; i < 20 && errors.length === 0; i++) await new Promise<void>((r) => setImmediate(r));
      assert.equal(errors.length, 1);
      assert.equal((errors[0] as NodeJS.ErrnoException).code, 'EACCES');
    } finally {
      close();
    }
  });
}

test('wildcard binds are told apart (their sockets are never connected)', () => {
  for (const a of ['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '::0']) assert.equal(isWildcard(a), true, a);
  for (const a of ['127.0.0.1', '10.0.0.5', '::1', '2001:db8::1', '0.0.0.1']) assert.equal(isWildcard(a), false, a);
});
