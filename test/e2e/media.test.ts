/**
 * End to end, issue "Media": a real gateway whose built-in agent greets with a 1 kHz
 * tone; the caller is a UAC on our SIP stack with an RtpSession from src/media on
 * loopback, sending µ-law audio and digits by RFC 4733 and SIP INFO. Proves that audio
 * crosses both ways (Goertzel on what the caller hears, packet counts in the call
 * record), that every digit reaches the agent once, that the gateway's stream is in
 * order at about 50 packets/s, and that symmetric RTP latches to the caller's real source.
 * Waits are event-driven with guard timeouts; the only rate check has wide bounds.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../../src/app.ts';
import { parseConfig } from '../../src/config/index.ts';
import type { Dialog } from '../../src/dialog/index.ts';
import { ScavengeSteer } from '../../src/lib/gc-steer.ts';
import { TimerMediaClock } from '../../src/media/clock.ts';
import { ephemeralPorts } from '../../src/media/ports.ts';
import { RtpSession } from '../../src/media/rtp-session.ts';
import { dominantFrequency, frameEnergy, generateTone } from '../../src/media/tone.ts';
import { createOffer, parseAnswer } from '../../src/sdp/index.ts';
import { createLogger } from '../../src/obs/index.ts';
import type { CallRecord, JsonObject } from '../../src/store/index.ts';
import type { SipRequest } from '../../src/sip/index.ts';
import { TestUac, until, within } from './uac.ts';
import { loopbackConfig, rtpPortRange } from '../support/gateway-config.ts';

const SESSION_HEADER = 'X-five9sessionid';
const TONE_HZ = 1000;
const CALLER_HZ = 440;
const haveEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

const when = (cond: () => boolean, what: string, ms = 8000): Promise<void> => until(cond, what, ms);

/** The caller's side: a dialog and an RTP session that counts the tone it hears. */
interface Caller {
  dialog: Dialog;
  rtp: RtpSession;
  /** Frames whose dominant frequency is the greeting tone. */
  toneFrames: number;
  /** Frames with sound in them (above about −40 dBFS). */
  loudFrames: number;
  /** Wall time of the first frame heard, ms. */
  firstHeardAt: number | undefined;
  bye: Promise<SipRequest>;
  close(): void;
}

async function placeCall(uac: TestUac, gatewayPort: number, user: string, sid: string, sdpPort?: (real: number) => number): Promise<Caller> {
  const clock = new TimerMediaClock();
  const rtp = await RtpSession.open({ clock, ports: ephemeralPorts, localAddress: '127.0.0.1', codec: { name: 'PCMU', pt: 0 } });
  const advertised = sdpPort?.(rtp.port) ?? rtp.port;
  const invite = uac.ua.invite({
    target: { protocol: 'udp', address: '127.0.0.1', port: gatewayPort },
    uri: `sip:${user}@127.0.0.1:${gatewayPort}`,
    headers: [[SESSION_HEADER, sid]],
    sdp: createOffer({ address: '127.0.0.1', port: advertised }),
  });
  const { response, dialog } = await within(invite.result, 'the answer');
  assert.equal(response.status, 200);
  assert.ok(dialog);
  const negotiated = parseAnswer(response.body.toString(), ['PCMU', 'PCMA']);
  assert.equal(negotiated.codec.name, 'PCMU');
  assert.equal(negotiated.telephoneEventPt, 101);
  rtp.setRemote({ address: negotiated.remoteAddress, port: negotiated.remotePort });
  let resolveBye!: (req: SipRequest) => void;
  const bye = new Promise<SipRequest>((resolve) => { resolveBye = resolve; });
  dialog.handlers = { onBye: (req) => resolveBye(req) };
  const caller: Caller = {
    dialog, rtp, toneFrames: 0, loudFrames: 0, firstHeardAt: undefined, bye,
    close: () => rtp.close(),
  };
  rtp.on('audio', (frame, kind) => {
    if (kind !== 'audio') return;
    caller.firstHeardAt ??= performance.now();
    if (frameEnergy(frame) > 1e4) caller.loudFrames++;
    const d = dominantFrequency(frame, [CALLER_HZ, TONE_HZ, 2000]);
    if (d?.freqHz === TONE_HZ && d.share > 0.8) caller.toneFrames++;
  });
  // The caller talks: µ-law audio to the gateway for the whole call.
  void rtp.play(generateTone(CALLER_HZ, 20_000));
  return caller;
}

async function callRecord(gw: Gateway, id: string): Promise<CallRecord> {
  let rec: CallRecord | undefined;
  await when(() => {
    void gw.store.getCall(id).then((r) => { rec = r; });
    return rec?.media !== undefined && rec.endedAt !== undefined;
  }, 'the call record with its media');
  return rec as CallRecord;
}

/**
 * A steer the media clock may hand each tick's slack to: a young generation always over the
 * budget, so that each tick with room runs one (counted, not run: V8's gc is not needed; and
 * no minimum interval between them, which the steer's own tests cover).
 */
function countingSteer(): { steer: ScavengeSteer; steered: () => number } {
  let steered = 0;
  const steer = new ScavengeSteer({
    minIntervalMs: 0,
    scavenge: () => void steered++,
    young: () => ({ used: 9 * 1024 * 1024, available: 16 * 1024 * 1024 }),
  });
  return { steer, steered: () => steered };
}

describe('gateway media: RTP both ways, tones and digits', () => {
  let dir: string;
  let gw: Gateway;
  let uac: TestUac;
  let tenantId: string;
  // With the pacer (rtp.pacer, on by default with native sockets), the media clock gives its
  // slack to no steer: a scavenge shorter than the pacer's lead delays no packet anywhere.
  const steer = countingSteer();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-media-'));
    gw = await startGateway(parseConfig(loopbackConfig(dir, {
      demo: { enabled: true },
    }, 40)), { logger: createLogger({ level: 'silent' }), scavengeSteer: steer.steer });
    uac = await TestUac.start(gw.sipPort);
    const tenant = await gw.store.getTenantBySlug('demo');
    assert.ok(tenant);
    tenantId = tenant.id;
    await gw.store.createAgent({
      tenantId, slug: 'toner', name: 'Greets with a tone', kind: 'builtin', extension: '7010', destinations: ['billing'],
      config: {
        waitMs: 20_000, greeting: { tone: { freqHz: TONE_HZ, durationMs: 6000 } },
        digits: { '#': { contained: false, destination: 'billing' } },
      } as JsonObject,
    });
    await gw.store.createAgent({
      tenantId, slug: 'speaker', name: 'Greets by espeak-ng', kind: 'builtin', extension: '7011',
      config: { waitMs: 20_000, greeting: { say: 'Welcome to Agentline. Press any key.' }, outcome: { contained: true } } as JsonObject,
    });
  });

  after(async () => {
    await uac.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the caller hears the tone in order at ~50 pps; every digit (RFC 4733 and INFO) reaches the agent once', async () => {
    const sid = randomUUID();
    const caller = await placeCall(uac, gw.sipPort, '7010', sid);
    try {
      await when(() => caller.toneFrames >= 50, 'a second of the greeting tone');
      const press = async (digit: string): Promise<void> => {
        const tx = caller.dialog.request('INFO', { body: `Signal=${digit}\r\nDuration=160\r\n`, contentType: 'application/dtmf-relay' });
        assert.equal((await within(tx.final, 'INFO response')).status, 200);
      };
      await press('6');
      caller.rtp.sendDtmf('45', { gapMs: 200 });
      await when(() => caller.rtp.stats.dtmfSent === 2, 'digits 4 and 5 on the wire');
      // 7 is signalled twice, by RFC 4733 and by INFO, as some phones do: one key press.
      caller.rtp.sendDtmf('7', { gapMs: 300 });
      await when(() => caller.rtp.stats.dtmfSent === 3, 'digit 7 on the wire');
      await press('7');
      caller.rtp.sendDtmf('#');
      const bye = await within(caller.bye, 'the gateway BYE', 10_000);
      const heardFor = (performance.now() - (caller.firstHeardAt ?? 0)) / 1000;
      assert.equal(bye.get('X-destination'), 'billing');

      const record = await gw.store.getHandoffBySharedId(tenantId, sid);
      assert.equal(record?.data['digits'], '6457#', 'each digit once, in the order pressed');

      const s = caller.rtp.stats;
      const pps = s.packetsReceived / heardFor;
      assert.ok(pps > 35 && pps < 65, `about 50 packets/s: ${s.packetsReceived} in ${heardFor.toFixed(2)} s`);
      assert.equal(s.reordered, 0, 'in-order sequence numbers');
      assert.equal(s.duplicate, 0);
      assert.equal(s.lost, 0);

      const cdr = await callRecord(gw, record?.id ?? '');
      const media = cdr.media as JsonObject;
      assert.equal(media['codec'], 'PCMU');
      assert.ok((media['packetsReceived'] as number) > 50, 'the gateway got the caller’s audio');
      assert.ok((media['packetsSent'] as number) > 50);
      assert.equal(media['dtmfReceived'], 4, 'RFC 4733: 4, 5, 7, #');
      // 7 counts for whichever copy came first; the other is the duplicate.
      const digits = media['digits'] as { info: number; rtp: number; duplicate: number };
      assert.equal(digits.info + digits.rtp, 5);
      assert.equal(digits.duplicate, 1);
      assert.deepEqual((media['playback'] as JsonObject)['bargeIns'], 1, 'the first digit cut the greeting');

      // The media clock that paced it shows in /metrics (operators watch skipped ticks and slews).
      const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
      const ticks = /^agentline_media_clock_ticks_total (\d+)$/m.exec(metrics);
      assert.ok(ticks !== null && Number(ticks[1]) >= 50, `clock ticks in /metrics: ${ticks?.[1]}`);
      assert.match(metrics, /^agentline_media_clock_skipped_ticks_total \d+$/m);
      assert.match(metrics, /^agentline_media_clock_busy_ratio [\d.e-]+$/m);
      // The pacer sent the packets: no scavenge was steered into the ticks' slack.
      assert.equal(steer.steered(), 0, 'no steered scavenge with the pacer');
      assert.match(metrics, /^agentline_media_clock_scavenges_total 0$/m);
      // The caller's RTP was read by the native poller (rtp.io auto, with the addon npm install builds).
      const polled = /^agentline_rtp_native_datagrams_total (\d+)$/m.exec(metrics);
      assert.ok(polled !== null && Number(polled[1]) >= 50, `native RTP reads in /metrics: ${polled?.[1]}`);
      // And the tone it played went out through the pacer's thread (rtp.pacer, on by default with native sockets).
      const paced = /^agentline_rtp_paced_packets_total (\d+)$/m.exec(metrics);
      assert.ok(paced !== null && Number(paced[1]) >= 50, `paced RTP packets in /metrics: ${paced?.[1]}`);
    } finally {
      caller.close();
    }
  });

  test('symmetric RTP: an SDP naming the wrong port still gets the audio where the caller sends from', async () => {
    const decoy = createSocket('udp4');
    decoy.bind(0, '127.0.0.1');
    await once(decoy, 'listening');
    let decoyPackets = 0;
    decoy.on('message', () => decoyPackets++);
    const sid = randomUUID();
    const caller = await placeCall(uac, gw.sipPort, '7010', sid, () => decoy.address().port);
    try {
      await when(() => caller.toneFrames >= 25, 'the tone at the real source');
      const res = await within(caller.dialog.bye(), 'BYE response');
      assert.equal(res.status, 200);
      let record: Awaited<ReturnType<Gateway['store']['getHandoffBySharedId']>>;
      await when(() => {
        void gw.store.getHandoffBySharedId(tenantId, sid).then((r) => { record = r; });
        return record !== undefined;
      }, 'the handoff record');
      const cdr = await callRecord(gw, record?.id ?? '');
      const media = cdr.media as JsonObject;
      assert.equal(media['latches'], 1);
      assert.ok(decoyPackets < (media['packetsSent'] as number), 'only the packets before the latch went to the SDP port');
    } finally {
      caller.close();
      decoy.close();
    }
  });

  test('say(): the greeting spoken by espeak-ng reaches the caller', { skip: haveEspeak || process.env.CI ? false : 'espeak-ng is not installed' }, async () => {
    const sid = randomUUID();
    const caller = await placeCall(uac, gw.sipPort, '7011', sid);
    try {
      await when(() => caller.loudFrames >= 25, 'half a second of speech');
      await within(caller.rtp.stats.packetsReceived > 0 ? caller.dialog.bye() : Promise.reject(new Error('no RTP')), 'BYE response');
      let record: Awaited<ReturnType<Gateway['store']['getHandoffBySharedId']>>;
      await when(() => {
        void gw.store.getHandoffBySharedId(tenantId, sid).then((r) => { record = r; });
        return record !== undefined;
      }, 'the handoff record');
      assert.equal(record?.data['greeting_error'], undefined);
    } finally {
      caller.close();
    }
  });
});

describe('gateway media on node:dgram (rtp.io: dgram, the fallback without the native addon)', () => {
  // No pacer without the addon's sockets: the clock hands each tick's slack to the steer.
  const steer = countingSteer();
  let dir: string;
  let gw: Gateway;
  let uac: TestUac;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-media-dgram-'));
    gw = await startGateway(parseConfig(loopbackConfig(dir, {
      demo: { enabled: true },
      rtp: { host: '127.0.0.1', ...rtpPortRange(40), io: 'dgram' },
    })), { logger: createLogger({ level: 'silent' }), scavengeSteer: steer.steer });
    uac = await TestUac.start(gw.sipPort);
    const tenant = await gw.store.getTenantBySlug('demo');
    assert.ok(tenant);
    await gw.store.createAgent({
      tenantId: tenant.id, slug: 'toner', name: 'Greets with a tone', kind: 'builtin', extension: '7010',
      config: { waitMs: 20_000, greeting: { tone: { freqHz: TONE_HZ, durationMs: 6000 } }, outcome: { contained: true } } as JsonObject,
    });
  });

  after(async () => {
    await uac.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the tone reaches the caller and the caller is heard; nothing goes through the native poller', async () => {
    const sid = randomUUID();
    const caller = await placeCall(uac, gw.sipPort, '7010', sid);
    try {
      await when(() => caller.toneFrames >= 25, 'half a second of the greeting tone');
      await within(caller.dialog.bye(), 'BYE response');
      const tenant = await gw.store.getTenantBySlug('demo');
      let record: Awaited<ReturnType<Gateway['store']['getHandoffBySharedId']>>;
      await when(() => {
        void gw.store.getHandoffBySharedId(tenant?.id ?? '', sid).then((r) => { record = r; });
        return record !== undefined;
      }, 'the handoff record');
      const media = (await callRecord(gw, record?.id ?? '')).media as JsonObject;
      assert.ok((media['packetsReceived'] as number) > 10, `the gateway heard the caller: ${String(media['packetsReceived'])}`);
      const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
      assert.doesNotMatch(metrics, /^agentline_rtp_native_datagrams_total [1-9]/m);
      assert.doesNotMatch(metrics, /^agentline_rtp_paced_packets_total [1-9]/m);
      // Scavenges were run in the ticks' slack, and counted where operators see them.
      const scavenges = /^agentline_media_clock_scavenges_total (\d+)$/m.exec(metrics);
      assert.ok(steer.steered() >= 10, `scavenges run after ticks: ${steer.steered()}`);
      assert.ok(scavenges !== null && Number(scavenges[1]) >= 10, `in /metrics: ${scavenges?.[1]}`);
    } finally {
      caller.close();
    }
  });
});
