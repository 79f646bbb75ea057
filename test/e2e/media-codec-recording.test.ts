/**
 * End to end, issue "Media": a real gateway with recording on, whose built-in agent greets
 * with a 1 kHz tone; the caller is a UAC on our SIP stack with a raw RTP socket on
 * loopback, so that the test sees payload types and chooses the packet size.
 * - A re-INVITE offering only PCMA on a call that began with PCMU is answered 200 with
 *   PCMA (RFC 3264 §8.3.2); the gateway's tone then arrives A-law-encoded (payload type 8)
 *   and decodes to 1 kHz, and the caller's A-law audio reaches the agent (the recording).
 * - A caller sending 40 ms packets is heard at its real pace: the recording's caller channel
 *   holds as many 20 ms frames of its tone as it sent, and each direction is on its own channel.
 * Waits are event-driven with guard timeouts; no assertion depends on timing but for wide bounds.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type Gateway } from '../../src/app.ts';
import { parseConfig } from '../../src/config/index.ts';
import type { Dialog } from '../../src/dialog/index.ts';
import { dominantFrequency } from '../../src/media/tone.ts';
import { createOffer, parseAnswer, type NegotiatedMedia } from '../../src/sdp/index.ts';
import { createLogger } from '../../src/obs/index.ts';
import type { CallRecord, JsonObject } from '../../src/store/index.ts';
import { readStereoWav, type StereoWav } from '../support/stereo-wav.ts';
import { loopbackConfig } from '../support/gateway-config.ts';
import { RawRtpPeer, type SendFormat } from './raw-rtp.ts';
import { TestUac, until, within } from './uac.ts';

const SESSION_HEADER = 'X-five9sessionid';
const TONE_HZ = 1000;
const CALLER_HZ = 440;
const CANDIDATES = [CALLER_HZ, TONE_HZ, 2000];

const when = (cond: () => boolean, what: string, ms = 8000): Promise<void> => until(cond, what, ms);

/** 20 ms frames of `channel` whose dominant frequency is `freqHz` (clearly). */
function toneFrames(channel: Int16Array, freqHz: number): number {
  let n = 0;
  for (let i = 0; i + 160 <= channel.length; i += 160) {
    const d = dominantFrequency(channel.subarray(i, i + 160), CANDIDATES);
    if (d?.freqHz === freqHz && d.share > 0.8) n++;
  }
  return n;
}

describe('gateway media: codec change by re-INVITE, any caller ptime, stereo recording', () => {
  let dir: string;
  let recordDir: string;
  let gw: Gateway;
  let uac: TestUac;
  let tenantId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentline-media-codec-'));
    recordDir = join(dir, 'recordings');
    mkdirSync(recordDir);
    const raw = loopbackConfig(dir, { demo: { enabled: true } }, 40);
    raw['rtp'] = { ...(raw['rtp'] as Record<string, unknown>), recordDir };
    gw = await startGateway(parseConfig(raw), { logger: createLogger({ level: 'silent' }) });
    uac = await TestUac.start(gw.sipPort);
    const tenant = await gw.store.getTenantBySlug('demo');
    assert.ok(tenant);
    tenantId = tenant.id;
    await gw.store.createAgent({
      tenantId, slug: 'toner-rec', name: 'Greets with a long tone', kind: 'builtin', extension: '7020',
      config: { waitMs: 20_000, greeting: { tone: { freqHz: TONE_HZ, durationMs: 15_000 } }, outcome: { contained: true } } as JsonObject,
    });
  });

  after(async () => {
    await uac.close();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Places a call from `peer`'s port; returns the dialog and what the answer agreed. */
  async function call(peer: RawRtpPeer, sid: string): Promise<{ dialog: Dialog; media: NegotiatedMedia }> {
    const invite = uac.ua.invite({
      target: { protocol: 'udp', address: '127.0.0.1', port: gw.sipPort },
      uri: `sip:7020@127.0.0.1:${gw.sipPort}`,
      headers: [[SESSION_HEADER, sid]],
      sdp: createOffer({ address: '127.0.0.1', port: peer.port, sessionId: '4711', sessionVersion: 1 }),
    });
    const { response, dialog } = await within(invite.result, 'the answer');
    assert.equal(response.status, 200);
    assert.ok(dialog);
    dialog.handlers = { onBye: () => undefined };
    return { dialog, media: parseAnswer(response.body.toString(), ['PCMU', 'PCMA']) };
  }

  /** Hangs up and returns the call record and its recording, once the file is complete. */
  async function hangUp(dialog: Dialog, sid: string): Promise<{ cdr: CallRecord; wav: StereoWav }> {
    assert.equal((await within(dialog.bye(), 'BYE response')).status, 200);
    let cdr: CallRecord | undefined;
    await when(() => {
      void gw.store.getHandoffBySharedId(tenantId, sid)
        .then((h) => (h === undefined ? undefined : gw.store.getCall(h.id)))
        .then((r) => { cdr = r; });
      return typeof (cdr?.media as JsonObject | undefined)?.['recording'] === 'string';
    }, 'the call record with its recording');
    const path = (cdr!.media as JsonObject)['recording'] as string;
    let wav: StereoWav | undefined;
    await when(() => {
      void readFile(path).then((b) => {
        // The header's sizes are written last, on close.
        if (b.length > 44 && b.readUInt32LE(40) === b.length - 44) wav = readStereoWav(b);
      }, () => undefined);
      return wav !== undefined;
    }, 'the finished recording');
    return { cdr: cdr!, wav: wav! };
  }

  test('re-INVITE with only PCMA on a PCMU call: 200 with PCMA, then A-law both ways without dropping the call', async () => {
    const peer = await RawRtpPeer.open();
    const sid = randomUUID();
    try {
      const { dialog, media } = await call(peer, sid);
      assert.equal(media.codec.name, 'PCMU');
      let format: SendFormat = { law: 'PCMU', pt: 0 };
      const sending = peer.stream({ target: { address: media.remoteAddress, port: media.remotePort }, freqHz: CALLER_HZ, durationMs: 10_000, format: () => format });
      await when(() => peer.toneFrames(0, 'PCMU', TONE_HZ) >= 25, 'half a second of the µ-law tone');

      const reoffer = createOffer({ address: '127.0.0.1', port: peer.port, codecs: ['PCMA'], telephoneEventPt: 96, sessionId: '4711', sessionVersion: 2 });
      const res = await within(dialog.reinvite(reoffer), 're-INVITE response');
      assert.equal(res.status, 200, 'not 488: another codec we support is negotiated');
      const answer = res.body.toString();
      assert.match(answer, /^m=audio \d+ RTP\/AVP 8 96\r$/m);
      const agreed = parseAnswer(answer, { codecs: ['PCMA'], telephoneEventPt: 96 });
      assert.deepEqual(agreed.codec, { name: 'PCMA', pt: 8 });
      assert.equal(agreed.telephoneEventPt, 96);
      format = { law: 'PCMA', pt: 8 };
      const switchedAt = peer.received.length;

      await when(() => peer.toneFrames(8, 'PCMA', TONE_HZ) >= 50, 'a second of the A-law tone');
      const after = peer.received.slice(switchedAt);
      const firstAlaw = after.findIndex((p) => p.pt === 8);
      assert.ok(firstAlaw >= 0);
      assert.deepEqual(after.slice(firstAlaw).filter((p) => p.pt !== 8).map((p) => p.pt), [], 'only A-law after the switch');
      const seqs = peer.received.map((p) => p.seq);
      assert.ok(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff)), 'one stream: no sequence gap across the switch');

      sending.stop();
      const { cdr, wav } = await hangUp(dialog, sid);
      assert.equal((cdr.media as JsonObject)['codec'], 'PCMA');
      // The caller's A-law audio was decoded as A-law: its tone is on the caller channel to the end.
      const lastSecond = wav.caller.subarray(wav.caller.length - 8000, wav.caller.length - 1600);
      assert.ok(toneFrames(lastSecond, CALLER_HZ) >= 35, `caller tone after the switch: ${toneFrames(lastSecond, CALLER_HZ)} of 40 frames`);
    } finally {
      peer.close();
    }
  });

  test('a caller sending 40 ms packets is heard at its real pace; the recording keeps each side on its channel', async () => {
    const peer = await RawRtpPeer.open();
    const sid = randomUUID();
    try {
      const { dialog, media } = await call(peer, sid);
      await when(() => peer.toneFrames(0, 'PCMU', TONE_HZ) >= 5, 'the greeting');
      const sent = peer.stream({ target: { address: media.remoteAddress, port: media.remotePort }, freqHz: CALLER_HZ, durationMs: 1200, ptimeMs: 40 });
      await within(sent.done, 'the caller’s 1.2 s of tone');
      // Let playout drain (the jitter buffer holds about 40 ms).
      const drained = peer.received.length + 10;
      await when(() => peer.received.length >= drained, 'a few more ticks');
      const { wav } = await hangUp(dialog, sid);

      assert.equal(wav.sampleRate, 8000);
      const heard = toneFrames(wav.caller, CALLER_HZ);
      // 1.2 s is 60 frames of 20 ms; the first and last may be partial.
      assert.ok(heard >= 56 && heard <= 61, `caller frames with its tone: ${heard} (one packet per tick would give about 30)`);
      assert.equal(toneFrames(wav.caller, TONE_HZ), 0, 'no agent audio on the caller channel');
      assert.equal(toneFrames(wav.agent, CALLER_HZ), 0, 'no caller audio on the agent channel');
      const frames = Math.floor(wav.agent.length / 160);
      assert.ok(toneFrames(wav.agent, TONE_HZ) >= frames - 5, `the greeting fills the agent channel: ${toneFrames(wav.agent, TONE_HZ)} of ${frames}`);
    } finally {
      peer.close();
    }
  });
});
