import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { ManualMediaClock } from '../media/clock.ts';
import { MediaError } from '../media/errors.ts';
import { PortAllocator, ephemeralPorts, type PortSource } from '../media/ports.ts';
import { parseRtpHeader, RtpHeader } from '../media/rtp.ts';
import { createOffer, type OfferOptions } from '../sdp/index.ts';
import { SdpError } from '../sdp/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import type { Dialog } from '../dialog/index.ts';
import { openCallMedia, type CallMedia } from './media.ts';
import { answerReoffer, applyNegotiation, reanswer } from './modify.ts';
import { rejectionFor, rejectionHeaders } from './reject.ts';
import type { CallDeps } from './types.ts';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

/** A caller's RTP socket that keeps the payload type and sequence number of what arrives. */
async function callerSocket(): Promise<{ socket: Socket; port: number; got: Array<{ pt: number; seq: number }> }> {
  const socket = createSocket('udp4');
  const got: Array<{ pt: number; seq: number }> = [];
  const h = new RtpHeader();
  socket.on('message', (m) => {
    if (parseRtpHeader(m, m.length, h)) got.push({ pt: h.payloadType, seq: h.sequenceNumber });
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: socket.address().port, got };
}

function deps(clock: ManualMediaClock, ports: PortSource = ephemeralPorts): CallDeps {
  return { ports, mediaClock: clock, rtpBindAddress: '127.0.0.1', rtpAdvertisedAddress: '127.0.0.1' } as unknown as CallDeps;
}

function offer(port: number, extra: Partial<OfferOptions> = {}): string {
  return createOffer({ address: '127.0.0.1', port, ...extra });
}

test('the answer and the RTP stream use the offer’s first codec and its telephone-event type', async () => {
  const clock = new ManualMediaClock();
  const caller = await callerSocket();
  let media: CallMedia | undefined;
  try {
    media = await openCallMedia(offer(caller.port, { codecs: ['PCMA', 'PCMU'], telephoneEventPt: 96 }), deps(clock), '42');
    assert.equal(media.media.codec.name, 'PCMA');
    assert.equal(media.media.telephoneEventPt, 96);
    assert.match(media.answer, /^m=audio \d+ RTP\/AVP 8 96\r$/m);
    assert.match(media.answer, /^a=rtpmap:96 telephone-event\/8000\r$/m);
    media.rtp.sendDtmf('1');
    clock.tick(3);
    await until(() => caller.got.length === 3, 'packets at the offer’s address');
    assert.deepEqual(caller.got.map((p) => p.pt), [96, 96, 96]);
    clock.tick(10);
    await until(() => caller.got.length === 13, 'audio after the digit');
    assert.ok(caller.got.some((p) => p.pt === 8));
    assert.ok(caller.got.every((p) => p.pt === 8 || p.pt === 96));
  } finally {
    media?.rtp.close();
    caller.socket.close();
  }
});

test('a full port range refuses the call with media_ports_exhausted → 503 + Retry-After', async () => {
  const clock = new ManualMediaClock();
  const ports = new PortAllocator(40000, 40001);
  ports.allocate();
  const err = await openCallMedia(offer(4000), deps(clock, ports), '1').then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof MediaError);
  assert.equal(err.code, 'media_ports_exhausted');
  const r = rejectionFor(err, 5);
  assert.equal(r.status, 503);
  assert.deepEqual(rejectionHeaders(r), [['Retry-After', 5]]);
});

test('no common codec and no offer are refused with SDP errors (488)', async () => {
  const clock = new ManualMediaClock();
  const ports = new PortAllocator(40100, 40111);
  const g729 = offer(4000).replace(/RTP\/AVP 0 8 101/, 'RTP/AVP 18').replace(/a=rtpmap:(0|8|101) .*\r\n/g, '');
  for (const [sdp, code] of [[g729, 'sdp_no_common_codec'], ['', 'sdp_no_audio']] as const) {
    const err = await openCallMedia(sdp, deps(clock, ports), '1').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SdpError, String(err));
    assert.equal(err.code, code);
    assert.equal(rejectionFor(err, 5).status, 488);
  }
  assert.equal(ports.inUse, 0, 'the port goes back');
});

/** A re-INVITE server transaction that keeps the answer. */
function fakeTx(body: string): { tx: ServerTransaction; replies: Array<{ status: number; body?: string }> } {
  const replies: Array<{ status: number; body?: string }> = [];
  const tx = {
    request: { body: Buffer.from(body) },
    isInvite: true,
    reply: (status: number, o: { body?: string } = {}) => { replies.push({ status, ...(o.body === undefined ? {} : { body: o.body }) }); },
  } as unknown as ServerTransaction;
  return { tx, replies };
}

const dialog = {
  id: { localTag: 'gw' },
  acceptModify: (tx: ServerTransaction, o: { body?: string }) => tx.reply(200, o),
} as unknown as Dialog;

test('hold and resume by re-INVITE: a=sendonly, c=0.0.0.0 and a=inactive stop our RTP; sendrecv resumes it', async () => {
  const clock = new ManualMediaClock();
  const caller = await callerSocket();
  let media: CallMedia | undefined;
  try {
    media = await openCallMedia(offer(caller.port), deps(clock), '7');
    const m = media;
    // One tick at a time, as the real clock does (the send ring holds 4 packets in flight).
    const run = async (ticks: number, expected: number): Promise<void> => {
      for (let i = 0; i < ticks; i++) {
        clock.tick();
        await until(() => caller.got.length === m.rtp.stats.packetsSent, 'delivery');
      }
      await until(() => caller.got.length === expected, `${expected} packets`);
    };
    let expected = 5;
    await run(5, expected);
    const holds: Array<[string, RegExp]> = [
      [offer(caller.port, { direction: 'sendonly', sessionVersion: 2 }), /a=recvonly/],
      [offer(caller.port, { sessionVersion: 3 }).replace(/c=IN IP4 127\.0\.0\.1/g, 'c=IN IP4 0.0.0.0'), /a=recvonly/],
      [offer(caller.port, { direction: 'inactive', sessionVersion: 4 }), /a=inactive/],
    ];
    for (const [sdp, direction] of holds) {
      const { tx, replies } = fakeTx(sdp);
      reanswer(tx, dialog, m, '127.0.0.1', '7');
      assert.equal(replies[0]?.status, 200);
      assert.match(replies[0]?.body ?? '', direction);
      await run(10, expected);
      // Resume.
      const resume = fakeTx(offer(caller.port, { sessionVersion: 9 }));
      reanswer(resume.tx, dialog, m, '127.0.0.1', '7');
      assert.match(resume.replies[0]?.body ?? '', /a=sendrecv/);
      expected += 5;
      await run(5, expected);
    }
    const seqs = caller.got.map((p) => p.seq);
    // Nothing went out while on hold, and sequence numbers go on without a gap (RFC 3550 §5.1).
    assert.equal(seqs.length, 20);
    assert.ok(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff)), `sequence ${seqs.join(',')}`);
  } finally {
    media?.rtp.close();
    caller.socket.close();
  }
});

test('re-offers: same offer → same o= version; only another codec → switched; nothing in common → 488, unchanged', async () => {
  const clock = new ManualMediaClock();
  const media = await openCallMedia(offer(5000), deps(clock), '9');
  try {
    const version = (sdp: string): string | undefined => /^o=\S+ \d+ (\d+)/m.exec(sdp)?.[1];
    assert.equal(version(media.answer), '1');
    applyNegotiation(media, answerReoffer(offer(5000), media, '127.0.0.1', '9'));
    assert.equal(version(media.answer), '1', 'unchanged answer keeps its version (RFC 3264 §8)');
    applyNegotiation(media, answerReoffer(offer(5002), media, '127.0.0.1', '9'));
    assert.equal(version(media.answer), '1', 'our answer does not name their port');
    assert.equal(media.rtp.remote?.port, 5002, 'a new address replaces the target');
    applyNegotiation(media, answerReoffer(offer(5002, { direction: 'sendonly' }), media, '127.0.0.1', '9'));
    assert.equal(version(media.answer), '2');
    const g729 = fakeTx(offer(5002).replace(/RTP\/AVP 0 8 101/, 'RTP/AVP 18').replace(/a=rtpmap:(0|8|101) .*\r\n/g, ''));
    reanswer(g729.tx, dialog, media, '127.0.0.1', '9');
    assert.equal(g729.replies[0]?.status, 488);
    assert.equal(media.media.codec.name, 'PCMU');
    assert.equal(version(media.answer), '2', 'a refused offer leaves the answer as it was');
    const pcma = fakeTx(offer(5002, { codecs: ['PCMA'], sessionVersion: 5 }));
    reanswer(pcma.tx, dialog, media, '127.0.0.1', '9');
    assert.equal(pcma.replies[0]?.status, 200);
    assert.match(pcma.replies[0]?.body ?? '', /^m=audio \d+ RTP\/AVP 8 101\r$/m);
    assert.deepEqual(media.media.codec, { name: 'PCMA', pt: 8 });
    assert.equal(version(media.answer), '3');
    applyNegotiation(media, answerReoffer(offer(5002), media, '127.0.0.1', '9'));
    assert.equal(media.media.codec.name, 'PCMA', 'an offer of both keeps the running codec');
    const refresh = fakeTx('');
    reanswer(refresh.tx, dialog, media, '127.0.0.1', '9');
    assert.equal(refresh.replies[0]?.body, media.answer, 'a session refresh without SDP gets the current answer');
  } finally {
    media.rtp.close();
  }
});

test('a re-INVITE with only PCMA switches the running stream to A-law in place: same SSRC, no sequence gap', async () => {
  const clock = new ManualMediaClock();
  const caller = await callerSocket();
  let media: CallMedia | undefined;
  try {
    media = await openCallMedia(offer(caller.port), deps(clock), '11');
    const m = media;
    const run = async (ticks: number): Promise<void> => {
      for (let i = 0; i < ticks; i++) {
        clock.tick();
        await until(() => caller.got.length === m.rtp.stats.packetsSent, 'delivery');
      }
    };
    await run(3);
    const re = fakeTx(offer(caller.port, { codecs: ['PCMA'], telephoneEventPt: 96, sessionVersion: 2 }));
    reanswer(re.tx, dialog, m, '127.0.0.1', '11');
    assert.equal(re.replies[0]?.status, 200);
    assert.match(re.replies[0]?.body ?? '', /^m=audio \d+ RTP\/AVP 8 96\r$/m);
    await run(3);
    m.rtp.sendDtmf('1');
    await run(1);
    assert.deepEqual(caller.got.map((p) => p.pt), [0, 0, 0, 8, 8, 8, 96]);
    const seqs = caller.got.map((p) => p.seq);
    assert.ok(seqs.every((q, i) => i === 0 || q === ((seqs[i - 1]! + 1) & 0xffff)), `sequence ${seqs.join(',')}`);
  } finally {
    media?.rtp.close();
    caller.socket.close();
  }
});
