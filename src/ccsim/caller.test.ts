/**
 * The caller's RTP under mid-call offers, on a hand-driven media clock and loopback UDP:
 * a gateway hold (`a=sendonly`) stops our packets, resume starts them again, and a
 * re-offer naming another port moves them there.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualMediaClock, ephemeralPorts } from '../media/index.ts';
import { answerOffer } from '../sdp/index.ts';
import { within } from '../../test/support/wait.ts';
import { CallerMedia } from './caller.ts';

async function peer(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: socket.address().port };
}

test('hold stops our RTP, resume starts it again, a new port moves it', async () => {
  const [a, b] = await Promise.all([peer(), peer()]);
  const clock = new ManualMediaClock();
  const media = await CallerMedia.open({ clock, ports: ephemeralPorts, localAddress: '127.0.0.1', rtcpMux: true });
  try {
    const gateway = answerOffer(media.offer, { address: '127.0.0.1', port: a.port }).answer;
    media.connect(gateway);
    clock.tick(3);
    assert.match(media.answerReoffer(gateway.replace('a=sendrecv', 'a=sendonly')), /^a=recvonly$/m);
    assert.equal(media.direction, 'recvonly');
    clock.tick(4);
    media.answerReoffer(gateway);
    clock.tick(2);
    const moved = once(b.socket, 'message');
    media.answerReoffer(gateway.replace(`m=audio ${a.port}`, `m=audio ${b.port}`));
    clock.tick(1);
    await within(moved, 'RTP at the new port');
  } finally {
    const result = await media.close();
    a.socket.close();
    b.socket.close();
    assert.equal(result.packetsSent, 6, 'nothing sent while held');
  }
});
