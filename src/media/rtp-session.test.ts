import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { ManualMediaClock } from './clock.ts';
import { LINK_IDLE_MS } from './rtp-link.ts';
import { RtpSession } from './rtp-session.ts';
import type { RtpSessionOptions } from './rtp-session-types.ts';
import { ephemeralPorts, PortAllocator } from './ports.ts';
import type { PortSource } from './ports.ts';
import type { RtcpPacket } from './rtcp.ts';
import { RtpHeader, parseRtpHeader, writeRtpHeader } from './rtp.ts';
import { dominantFrequency, generateTone } from './tone.ts';
import { MediaError } from './errors.ts';

/** Yields to the event loop until `cond` holds (bounded by iterations, not by time). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

interface Rig {
  clock: ManualMediaClock;
  open(extra: Partial<RtpSessionOptions>): Promise<RtpSession>;
  /**
   * Ticks the clock and waits until every packet sent so far has reached a session
   * (`elsewhere`: packets sent to something else).
   */
  run(ticks: number, sessions: RtpSession[], elsewhere?: () => number): Promise<void>;
  close(): void;
}

function rig(host = '127.0.0.1'): Rig {
  const clock = new ManualMediaClock();
  const sessions: RtpSession[] = [];
  const base: RtpSessionOptions = {
    clock,
    ports: ephemeralPorts,
    localAddress: host,
    codec: { name: 'PCMU', pt: 0 },
    wallClock: () => 1_700_000_000_000 + clock.nowMs,
  };
  return {
    clock,
    async open(extra) {
      const s = await RtpSession.open({ ...base, ...extra });
      sessions.push(s);
      return s;
    },
    async run(ticks, group, elsewhere = () => 0) {
      const sent = (): number => group.reduce((n, s) => n + s.stats.packetsSent, 0) - elsewhere();
      const arrived = (): number => group.reduce((n, s) => n + s.stats.packetsReceived + s.stats.packetsIgnored, 0);
      for (let i = 0; i < ticks; i++) {
        clock.tick();
        await until(() => arrived() >= sent(), 'delivery');
      }
    },
    close() {
      for (const s of sessions) s.close();
    },
  };
}

/** Opens two sessions that know each other's address. */
async function pair(r: Rig, extra: Partial<RtpSessionOptions> = {}): Promise<[RtpSession, RtpSession]> {
  const a = await r.open(extra);
  const b = await r.open({ ...extra, remote: { address: hostOf(a), port: a.port, rtcpPort: a.rtcpPort } });
  a.setRemote({ address: hostOf(b), port: b.port, rtcpPort: b.rtcpPort });
  return [a, b];
}

/**
 * Ports from a range, as the gateway binds them (the sockets may then be connected, see
 * rtp-link.ts): below Linux's ephemeral range, at a random offset so that parallel test
 * files rarely meet (a taken port moves on to the next one).
 */
function fixedPorts(): PortAllocator {
  const min = 20000 + 2 * Math.floor(Math.random() * 5000);
  return new PortAllocator(min, min + 200);
}

const hosts = new WeakMap<RtpSession, string>();
function hostOf(s: RtpSession): string {
  return hosts.get(s) ?? '127.0.0.1';
}

test('a 1 kHz tone played by one session is detected by the other', async () => {
  const r = rig();
  try {
    const [a, b] = await pair(r);
    const frames: Int16Array[] = [];
    b.on('audio', (frame, kind) => {
      if (kind === 'audio') frames.push(frame.slice());
    });
    const played = a.play(generateTone(1000, 500));
    await r.run(40, [a, b]);
    assert.equal(await played, true);
    const tone = frames.filter((f) => {
      const d = dominantFrequency(f, [400, 1000, 1600, 2500]);
      return d?.freqHz === 1000 && d.share > 0.9;
    });
    assert.ok(tone.length >= 20, `tone frames: ${tone.length} of ${frames.length}`);
    const s = b.stats;
    assert.equal(s.lost, 0);
    assert.equal(s.packetsReceived, 40);
    assert.equal(a.stats.packetsSent, 40);
    assert.equal(a.stats.octetsSent, 40 * 160);
  } finally {
    r.close();
  }
});

test('DTMF digits sent by one session are received once each by the other', async () => {
  const r = rig();
  try {
    const [a, b] = await pair(r);
    const digits: string[] = [];
    b.on('dtmf', (e) => digits.push(e.digit));
    await r.run(3, [a, b]);
    a.sendDtmf('19#*');
    await r.run(60, [a, b]);
    assert.deepEqual(digits, ['1', '9', '#', '*']);
    assert.equal(a.stats.dtmfSent, 4);
    assert.equal(b.stats.dtmfReceived, 4);
    assert.throws(() => a.sendDtmf('x'), (e: unknown) => e instanceof MediaError && e.code === 'media_invalid_argument');
  } finally {
    r.close();
  }
});

test('symmetric RTP: latches to where the peer really sends from', async () => {
  const r = rig();
  const decoy = await udp('127.0.0.1');
  try {
    let decoyPackets = 0;
    decoy.on('message', () => decoyPackets++);
    const a = await r.open({});
    // The SDP for B names the decoy port; A really sends from a.port.
    const b = await r.open({ remote: { address: '127.0.0.1', port: decoy.address().port } });
    const latched: { address: string; port: number }[] = [];
    b.on('latched', (x) => latched.push(x));
    r.clock.tick();
    await until(() => decoyPackets === 1, 'B sends to the SDP address first');
    assert.equal(b.latched, false);
    a.setRemote({ address: '127.0.0.1', port: b.port });
    await r.run(5, [a, b], () => decoyPackets);
    assert.equal(b.latched, true);
    assert.deepEqual(latched, [{ address: '127.0.0.1', port: a.port }]);
    assert.deepEqual(b.remote, { address: '127.0.0.1', port: a.port });
    assert.ok(a.stats.packetsReceived >= 4, 'A now hears B');
  } finally {
    r.close();
    decoy.close();
  }
});

test('after latching, a stranger cannot steal the stream; the same SSRC from a new port can (NAT rebinding)', async () => {
  const r = rig();
  const stranger = await udp('127.0.0.1');
  try {
    const [a, b] = await pair(r, { rtcpMux: true, ports: fixedPorts() });
    await r.run(3, [a, b]);
    const h = new RtpHeader();
    const pkt = Buffer.alloc(172);
    writeRtpHeader(pkt, 0, { payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 0xbad });
    const ignoredBefore = b.stats.packetsIgnored;
    // While A sends, B's socket is connected to A: the kernel drops the stranger's datagram
    // (A's next packets queue up behind where it would have been).
    stranger.send(pkt, b.port, '127.0.0.1');
    await r.run(2, [a, b]);
    assert.equal(b.stats.packetsIgnored, ignoredBefore, 'never reached the session');
    assert.equal(b.remote?.port, a.port);
    // A falls silent: once LINK_IDLE_MS have passed, every source reaches B's latch again,
    // which still refuses a foreign SSRC (relatchAfterMs)…
    a.setSending(false);
    await r.run(LINK_IDLE_MS / r.clock.periodMs + 1, [a, b]);
    stranger.send(pkt, b.port, '127.0.0.1');
    await until(() => b.stats.packetsIgnored > ignoredBefore, 'stranger ignored');
    assert.equal(b.remote?.port, a.port);
    // …but takes A's SSRC from the stranger's port as a NAT rebinding.
    let got: Buffer | undefined;
    stranger.on('message', (m: Buffer) => (got = m));
    parseRtpHeader(pkt, pkt.length, h);
    writeRtpHeader(pkt, 0, { payloadType: 0, sequenceNumber: 60000, timestamp: 1, ssrc: a.ssrc });
    stranger.send(pkt, b.port, '127.0.0.1');
    await until(() => b.remote?.port === stranger.address().port, 'relatched');
    r.clock.tick();
    await until(() => got !== undefined, 'B sends to the new source');
    assert.ok(parseRtpHeader(got!, got!.length, h) && h.ssrc === b.ssrc);
  } finally {
    r.close();
    stranger.close();
  }
});

test('a latched peer whose port closes: no error per packet, and every source is heard again', async () => {
  const r = rig();
  const stranger = await udp('127.0.0.1');
  try {
    const [a, b] = await pair(r, { rtcpMux: true, ports: fixedPorts() });
    const errors: unknown[] = [];
    b.on('error', (e) => errors.push(e));
    await r.run(3, [a, b]);
    a.close();
    // B's next packets hit a closed port: ICMP port unreachable, which only a connected
    // socket hears (ECONNREFUSED). Fewer ticks than LINK_IDLE_MS: not the silence rule.
    for (let i = 0; i < 2; i++) {
      r.clock.tick();
      for (let j = 0; j < 50; j++) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    assert.ok(2 * r.clock.periodMs < LINK_IDLE_MS);
    const pkt = Buffer.alloc(172);
    writeRtpHeader(pkt, 0, { payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 0xbad });
    const ignoredBefore = b.stats.packetsIgnored;
    stranger.send(pkt, b.port, '127.0.0.1');
    await until(() => b.stats.packetsIgnored > ignoredBefore, 'the stranger reaches the latch (socket unconnected)');
    assert.deepEqual(errors, []);
    const sent = b.stats.packetsSent;
    r.clock.tick();
    assert.equal(b.stats.packetsSent, sent + 1, 'B goes on sending');
  } finally {
    r.close();
    stranger.close();
  }
});

test('RTCP reports flow both ways (separate RTCP sockets and rtcp-mux)', async () => {
  for (const rtcpMux of [false, true]) {
    const r = rig();
    try {
      const [a, b] = await pair(r, { rtcpMux, rtcpIntervalMs: 100 });
      const got: RtcpPacket[][] = [];
      b.on('rtcp', (p) => got.push(p));
      await r.run(30, [a, b]);
      await until(() => got.length >= 2 && a.stats.remote !== undefined, `RTCP arrived (mux ${rtcpMux})`);
      const sr = got.flat().find((p) => p.type === 'sr');
      assert.ok(sr && sr.type === 'sr' && sr.ssrc === a.ssrc, 'B got an SR from A');
      assert.ok(got.flat().some((p) => p.type === 'sdes'));
      const remote = a.stats.remote!;
      assert.equal(remote.fractionLost, 0);
      assert.equal(remote.cumulativeLost, 0);
      assert.equal(rtcpMux ? a.rtcpPort === a.port : a.rtcpPort !== a.port, true);
    } finally {
      r.close();
    }
  }
});

test('close is idempotent, returns the port once, says BYE and stops the clock listener', async () => {
  const r = rig();
  const released: number[] = [];
  const ports: PortSource = { allocate: () => 0, release: (p) => released.push(p) };
  try {
    const [a, b] = await pair(r, { ports });
    const byes: RtcpPacket[][] = [];
    b.on('rtcp', (p) => byes.push(p));
    let closes = 0;
    a.on('close', () => closes++);
    await r.run(2, [a, b]);
    a.close();
    a.close();
    assert.equal(closes, 1);
    assert.equal(a.isClosed, true);
    await until(() => byes.flat().some((p) => p.type === 'bye'), 'BYE');
    await until(() => released.length > 0, 'port returned');
    assert.deepEqual(released, [0]);
    assert.equal(r.clock.size, 3, "only B's prepare, send and work listeners are left");
    assert.equal(await a.play(new Int16Array(10)), false);
    b.close();
    assert.equal(r.clock.size, 0, 'close leaves every phase');
  } finally {
    r.close();
  }
});

test('barge-in: clear() cuts the tone at once', async () => {
  const r = rig();
  try {
    const [a, b] = await pair(r);
    let toneFrames = 0;
    b.on('audio', (frame, kind) => {
      if (kind === 'audio' && (dominantFrequency(frame, [1000])?.share ?? 0) > 0.5) toneFrames++;
    });
    const played = a.play(generateTone(1000, 2000));
    await r.run(10, [a, b]);
    a.clear();
    assert.equal(await played, false);
    const before = toneFrames;
    await r.run(10, [a, b]);
    assert.ok(toneFrames - before <= 3, 'only what was already in flight/buffered');
    assert.equal(a.pendingSamples, 0);
  } finally {
    r.close();
  }
});

test('a throwing listener is reported as an error and media keeps flowing', async () => {
  const r = rig();
  try {
    const [a, b] = await pair(r);
    const errors: unknown[] = [];
    b.on('error', (e) => errors.push(e));
    b.on('audio', () => {
      throw new Error('listener bug');
    });
    await r.run(5, [a, b]);
    assert.ok(errors.length >= 1);
    assert.equal(b.stats.packetsReceived, 5);
  } finally {
    r.close();
  }
});

test('Node 20 dgram: a failed send without a callback is dropped silently, so the session checks the first packet to each target', async () => {
  // Pins the platform fact behind RtpSession.onSend: only a failed lookup becomes an
  // 'error' event; EACCES (broadcast without SO_BROADCAST) reaches a callback only.
  const s = await udp('127.0.0.1');
  const events: unknown[] = [];
  s.on('error', (e) => events.push(e));
  s.send(Buffer.alloc(4), 9, '255.255.255.255');
  const viaCallback = await new Promise<Error | null>((resolve) => s.send(Buffer.alloc(4), 9, '255.255.255.255', resolve));
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
  s.close();
  assert.ok(viaCallback !== null, 'the callback sees the error');
  assert.deepEqual(events, [], 'no error event without a callback');

  const r = rig();
  try {
    const a = await r.open({ remote: { address: '255.255.255.255', port: 9 }, rtcp: false });
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    r.clock.tick(5);
    await until(() => errors.length === 1, 'first packet to the target reports its error');
    a.setRemote({ address: '255.255.255.255', port: 11 });
    r.clock.tick(5);
    await until(() => errors.length === 2, 'so does the first packet to a new target');
    for (let i = 0; i < 10; i++) await new Promise<void>((res) => setImmediate(res));
    assert.equal(errors.length, 2, 'later packets go without a callback');
  } finally {
    r.close();
  }
});

test('IPv6 loopback', async (t) => {
  let probe: Socket;
  try {
    probe = await udp('::1');
  } catch {
    // Some containers have no ::1 at all; IPv6 is then not a path this host can carry.
    t.skip('no IPv6 loopback');
    return;
  }
  probe.close();
  const r = rig('::1');
  try {
    const a = await r.open({});
    hosts.set(a, '::1');
    const b = await r.open({ remote: { address: '::1', port: a.port, rtcpPort: a.rtcpPort } });
    a.setRemote({ address: '::1', port: b.port, rtcpPort: b.rtcpPort });
    const digits: string[] = [];
    b.on('dtmf', (e) => digits.push(e.digit));
    a.sendDtmf('5');
    await r.run(12, [a, b]);
    assert.deepEqual(digits, ['5']);
    assert.equal(b.remote?.address, '::1');
  } finally {
    r.close();
  }
});

function udp(address: string): Promise<Socket> {
  const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}
