/**
 * RtpSession against fake sockets (through the pooled-sockets lease): what it hands to
 * dgram, in which clock phase, and with or without completion callbacks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { RemoteInfo, Socket } from 'node:dgram';
import { ManualMediaClock } from './clock.ts';
import { ntpFromUnixMs, ntpMiddle32, parseRtcp, writeReceiverReport } from './rtcp.ts';
import type { RtcpPacket } from './rtcp.ts';
import { writeRtpHeader } from './rtp.ts';
import { SILENT_PAYLOAD } from './rtp-outbound.ts';
import { RtpSession } from './rtp-session.ts';
import type { RtpSessionOptions } from './rtp-session-types.ts';
import type { PeerAddress, RtpSocketLease } from './rtp-sockets.ts';
import { ephemeralPorts } from './ports.ts';

/** One `send` call: its arguments as given, and a copy of the bytes at the time of the call. */
interface Sent {
  args: unknown[];
  bytes: Buffer;
  callback: ((error: Error | null) => void) | undefined;
}

/** Records sends; completion callbacks run only when the test says so. */
class FakeSocket extends EventEmitter {
  readonly sent: Sent[] = [];

  send(...args: unknown[]): void {
    const buf = args[0] as Buffer;
    const sliced = typeof args[1] === 'number' && typeof args[2] === 'number' && args.length >= 5;
    const bytes = Buffer.from(sliced ? buf.subarray(args[1] as number, (args[1] as number) + (args[2] as number)) : buf);
    const last = args[args.length - 1];
    this.sent.push({ args, bytes, callback: typeof last === 'function' ? (last as Sent['callback']) : undefined });
  }

  /** Delivers a datagram as if it came from `from`. */
  deliver(msg: Buffer, from: PeerAddress): void {
    const rinfo: RemoteInfo = { address: from.address, port: from.port, family: 'IPv4', size: msg.length };
    this.emit('message', msg, rinfo);
  }
}

interface Fake {
  clock: ManualMediaClock;
  rtp: FakeSocket;
  rtcp: FakeSocket;
  released: (PeerAddress | undefined)[];
  session: RtpSession;
}

const PEER = { address: '192.0.2.10', port: 40000, rtcpPort: 40001 };

async function opened(extra: Partial<RtpSessionOptions> = {}, clock = new ManualMediaClock()): Promise<Fake> {
  const rtp = new FakeSocket();
  const rtcp = new FakeSocket();
  const released: (PeerAddress | undefined)[] = [];
  const lease: RtpSocketLease = {
    port: 30000, rtcpPort: 30001, rtp: rtp as unknown as Socket, rtcp: rtcp as unknown as Socket, stalePeer: undefined,
    release: (lastPeer) => void released.push(lastPeer),
  };
  const session = await RtpSession.open({
    clock, ports: ephemeralPorts, sockets: lease, localAddress: '0.0.0.0', codec: { name: 'PCMU', pt: 0 },
    remote: PEER, wallClock: () => 1_700_000_000_000 + clock.nowMs, ...extra,
  });
  return { clock, rtp, rtcp, released, session };
}

function audioPacket(seq: number, ssrc = 0x5151): Buffer {
  const b = Buffer.alloc(172, 0xff);
  writeRtpHeader(b, 0, { payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc });
  return b;
}

test('send phase: every session has sent its packet before any work listener runs', async () => {
  const clock = new ManualMediaClock();
  const seen: number[] = [];
  // Registered before the session: with one listener per session, it would run first.
  const ref: { f?: Fake } = {};
  clock.add(() => seen.push(ref.f?.session.stats.packetsSent ?? -1));
  const f = (ref.f = await opened({}, clock));
  clock.tick(3);
  assert.deepEqual(seen, [1, 2, 3]);
  f.session.close();
});

test('send phase: a frame queued before the tick leaves in it; one queued from an audio event leaves a tick later', async () => {
  const f = await opened();
  const tone = new Int16Array(160).fill(1000);
  f.session.enqueue(tone);
  f.clock.tick();
  let queued = false;
  f.session.on('audio', () => {
    if (!queued) f.session.enqueue(tone);
    queued = true;
  });
  f.rtp.deliver(audioPacket(1), PEER);
  f.rtp.deliver(audioPacket(2), PEER);
  f.clock.tick(3);
  const payloads = f.rtp.sent.map((s) => s.bytes.subarray(12));
  const silent = payloads.map((p) => p.equals(SILENT_PAYLOAD.PCMU));
  // Tick 0: the frame queued before. The first `audio` event comes in tick 1's work phase
  // (after its send), so the frame it queues goes out in tick 2.
  assert.deepEqual(silent, [false, true, false, true]);
  f.session.close();
});

test('each inbound datagram first lets the clock run a tick that is due (poll)', async () => {
  const clock = new ManualMediaClock();
  const received: number[] = [];
  const ref: { f?: Fake } = {};
  Object.assign(clock, { poll: () => received.push(ref.f!.session.stats.packetsReceived + ref.f!.session.stats.packetsIgnored) });
  const f = (ref.f = await opened({}, clock));
  f.rtp.deliver(audioPacket(1), PEER);
  f.rtp.deliver(Buffer.from('junk'), PEER);
  f.rtp.deliver(audioPacket(2), PEER);
  assert.deepEqual(received, [0, 1, 2], 'poll runs before each datagram is handled');
  f.session.close();
});

test('RTP goes out without a completion callback, except the first packet to each new target', async () => {
  const f = await opened();
  const errors: unknown[] = [];
  f.session.on('error', (e) => errors.push(e));
  f.clock.tick(3);
  f.rtp.deliver(audioPacket(1), { address: '192.0.2.99', port: 41000 }); // latches: a new target
  f.clock.tick(2);
  const withCallback = f.rtp.sent.map((s) => s.callback !== undefined);
  assert.deepEqual(withCallback, [true, false, false, true, false]);
  // The packet is handed over exactly, no offset/length for dgram to slice.
  assert.deepEqual(f.rtp.sent.map((s) => [s.args.length, (s.args[0] as Buffer).length]), [[4, 172], [3, 172], [3, 172], [4, 172], [3, 172]]);
  f.rtp.sent[0]!.callback!(new Error('EACCES'));
  assert.equal(errors.length, 1, 'a failed first send is reported');
  f.session.close();
});

test('a session that never receives: no jitter buffer, zero counts, reports without reception blocks', async () => {
  const f = await opened({ rtcpIntervalMs: 100 });
  f.clock.tick(20);
  const s = f.session.stats;
  assert.deepEqual(
    [s.packetsReceived, s.octetsReceived, s.lost, s.concealed, s.late, s.duplicate, s.reordered, s.jitterMs, s.dtmfReceived],
    [0, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  const inbound = (f.session as unknown as { inbound: { jitter: unknown } }).inbound;
  assert.equal(inbound.jitter, undefined, 'no jitter buffer without an inbound packet');
  const reports = f.rtcp.sent.map((x) => parseRtcp(x.bytes)![0]!);
  assert.ok(reports.length >= 1);
  for (const head of reports) assert.ok(head.type === 'sr' && head.reports.length === 0, 'RFC 3550 §6.4: no report block about nothing');
  f.rtp.deliver(audioPacket(7), PEER);
  assert.notEqual(inbound.jitter, undefined, 'made by the first accepted packet');
  f.session.close();
});

test('RTCP: no copy; a report in flight is neither overwritten by the BYE nor followed by another; release waits for the BYE', async () => {
  const f = await opened({ rtcpIntervalMs: 100 });
  f.clock.tick(20);
  assert.equal(f.rtcp.sent.length, 1, 'the next report waits for the first to complete');
  const report = f.rtcp.sent[0]!;
  const [buf, offset, length] = report.args as [Buffer, number, number];
  assert.equal(offset, 0);
  assert.deepEqual(buf.subarray(0, length), report.bytes);
  f.session.close();
  assert.deepEqual(buf.subarray(0, length), report.bytes, 'the BYE has a region of its own');
  assert.equal(f.rtcp.sent.length, 2);
  const bye = f.rtcp.sent[1]!;
  assert.ok(parseRtcp(bye.bytes)!.some((p: RtcpPacket) => p.type === 'bye'));
  assert.deepEqual(f.released, [], 'sockets kept until the BYE has left');
  bye.callback!(null);
  assert.deepEqual(f.released, [{ address: PEER.address, port: PEER.port }]);
  report.callback!(null);
  f.session.close();
  assert.equal(f.rtcp.sent.length, 2);
});

test('a report completes, then the next one is sent on time', async () => {
  const f = await opened({ rtcpIntervalMs: 100 });
  let completed = 0;
  for (let i = 0; i < 40; i++) {
    f.clock.tick();
    for (; completed < f.rtcp.sent.length; completed++) f.rtcp.sent[completed]!.callback!(null);
  }
  assert.ok(f.rtcp.sent.length >= 4, String(f.rtcp.sent.length));
  f.session.close();
});

/** A receiver report on `ssrc` whose LSR is `lsrUnixMs` and DLSR zero: its round trip is arrival - LSR. */
function receiverReport(ssrc: number, lsrUnixMs: number): Buffer {
  const buf = Buffer.alloc(64);
  const length = writeReceiverReport(buf, 0, {
    ssrc: 0x7777,
    reports: [{ ssrc, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0,
      lastSr: ntpMiddle32(...ntpFromUnixMs(lsrUnixMs)), delaySinceLastSr: 0 }],
  });
  return buf.subarray(0, length);
}

test("RTCP: a report's round trip counts from the kernel's arrival time a native socket gives (RFC 3550 §6.4.1)", async () => {
  const now = 1_700_000_000_000;
  for (const rtcpMux of [false, true]) {
    const f = await opened({ rtcpMux, wallClock: () => now });
    const rr = receiverReport(f.session.ssrc, now - 300);
    const rinfo: RemoteInfo = { address: PEER.address, port: rtcpMux ? PEER.port : PEER.rtcpPort, family: 'IPv4', size: rr.length };
    // As a native socket hands it: a region of its poll buffer, received 100 ms before this poll.
    const pollBuffer = Buffer.concat([Buffer.alloc(8), rr]);
    (rtcpMux ? f.rtp : f.rtcp).emit('message', pollBuffer, rinfo, 100, 8, rr.length);
    const rtt = f.session.stats.remote?.rttMs;
    assert.ok(rtt !== undefined && Math.abs(rtt - 200) < 0.1, `rtcp-mux ${rtcpMux}: rtt ${rtt}`);
    f.session.close();
  }
});
