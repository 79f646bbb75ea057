/**
 * End to end, issue "Agents" (WebSocket agent): agents of kind `websocket` in the store,
 * each pointing at a bot on 127.0.0.1 port 0, called by the contact-center emulator with
 * real RTP. The example echo bot (examples/echo-bot.ts) in-process: the caller's tone
 * comes back (Goertzel, the emulator's audio meter) at about 50 packets/s, and `#` ends
 * the call with the bot's destination and data. The same bot as a child process, killed
 * mid-call: the agent's fallback outcome, and a stored record. A scripted bot queues 3 s
 * of tone and sends `clear` when the caller presses 1: the caller's recording shows the
 * tone cut once, for good.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoBot, type EchoBot } from '../../examples/echo-bot.ts';
import { TestBotServer } from '../../src/agents/websocket/test-bot.ts';
import { ContactCenter, type CallOptions, type CallReport } from '../../src/ccsim/index.ts';
import { encodeUlaw, frameEnergy, generateTone, goertzelPower, readWav8k } from '../../src/media/index.ts';
import type { JsonObject } from '../../src/store/index.ts';
import { demoTenantId, startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { ROOT } from './cli-run.ts';
import { within } from './uac.ts';

const API_KEY = 'alk_e2e-ws-key-0123456789abcdef01';
const TONE_HZ = 1000;
const FRAME = 160;

/** Frames of a recording (8 kHz, 20 ms) that hold mostly the tone. */
function toneFrames(pcm: Int16Array, hz: number): boolean[] {
  const out: boolean[] = [];
  for (let at = 0; at + FRAME <= pcm.length; at += FRAME) {
    const frame = pcm.subarray(at, at + FRAME);
    const energy = frameEnergy(frame);
    out.push(energy > 1e5 && goertzelPower(frame, hz) / (2 * energy) > 0.5);
  }
  return out;
}

/** Starts examples/echo-bot.ts as a child on port 0; resolves with the child and its port. */
async function spawnEchoBot(): Promise<{ child: ReturnType<typeof spawn>; port: number; started: Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/echo-bot.ts'), '--port', '0'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let onStart: () => void = () => undefined;
  const started = new Promise<void>((resolve) => { onStart = resolve; });
  const port = await within(new Promise<number>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`echo bot exited ${String(code)}: ${out}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
      if (/^call /m.test(out)) onStart();
    });
  }), 'the echo bot child to listen', 20_000);
  return { child, port, started };
}

describe('websocket agents: a bot on the call, through the emulator', () => {
  let gw: TestGateway;
  let cc: ContactCenter;
  let echo: EchoBot;
  let tenantId: string;
  let api: string;

  /** Creates a websocket agent in the store, reached by `extension`, fallback billing. */
  async function wsAgent(slug: string, extension: string, url: string): Promise<void> {
    await gw.store.createAgent({
      tenantId, slug, name: slug, kind: 'websocket', config: { url, binary: false, stopGraceMs: 300 }, extension,
      destinations: ['billing', 'support'], defaultDestination: 'billing', fallback: { contained: false, destination: 'billing' },
    });
  }

  function call(extension: string, project: string, script: NonNullable<CallOptions['script']>): Promise<CallReport> {
    return within(cc.call({
      variables: { extension },
      script: { maxCallMs: 15_000, ...script },
      query: { apiBase: api, apiKey: API_KEY, account: 'demo', project, timeoutMs: 2000, retries: 1, backoffMs: 10, waitSec: 5 },
    }), 'the emulated call', 20_000);
  }

  /** The call record's media statistics (written just after the BYE). */
  async function mediaOf(conversationId: string): Promise<JsonObject> {
    for (let i = 0; i < 200; i++) {
      const media = (await gw.store.getCall(conversationId))?.media;
      if (media !== undefined) return media;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no media statistics in the call record [id:${conversationId}]`);
  }

  before(async () => {
    gw = await startTestGateway('ws', { demo: { enabled: true, apiKey: API_KEY } });
    api = `http://127.0.0.1:${gw.httpPort}`;
    tenantId = await demoTenantId(gw);
    echo = await startEchoBot({ port: 0 });
    cc = await ContactCenter.start({ gateway: { host: '127.0.0.1', port: gw.sipPort } });
  });

  after(async () => {
    await cc?.close();
    await gw?.close();
    await echo?.close();
  });

  test('echo: the caller\'s tone comes back at ~50 packets/s; # ends with the bot\'s destination and data', async () => {
    await wsAgent('echo', '7101', `ws://127.0.0.1:${echo.port}`);
    const r = await call('7101', 'echo', { audio: { kind: 'tone', hz: TONE_HZ }, detectHz: TONE_HZ, presses: [{ digits: '#', atMs: 1500 }] });
    assert.equal(r.answer.status, 200);
    assert.equal(r.ended, 'agent');
    assert.ok(r.media?.tone?.heard, 'the caller heard its own tone, echoed by the bot');
    assert.ok((r.media?.tone?.activeMs ?? 0) >= 500, `echoed tone: ${r.media?.tone?.activeMs} ms`);
    const expected = r.durationMs / 20;
    const got = r.media?.packetsReceived ?? 0;
    assert.ok(got > expected * 0.5 && got < expected * 1.5, `about 50 packets/s: ${got} packets over ${r.durationMs} ms`);
    assert.equal(r.variables['contained'], 'false');
    assert.equal(r.variables['destination'], 'support');
    assert.equal(r.query.branch, 'success', r.query.reason);
    const data = r.query.handoff?.data;
    assert.equal(data?.['reason'], 'pressed #');
    assert.equal(data?.['destination'], 'support');
    assert.equal(data?.['destination_note'], undefined);
    assert.equal(r.decision.skill, 'support');
  });

  test('the bot killed mid-call: the agent\'s fallback outcome, and a stored record', async () => {
    const bot = await spawnEchoBot();
    try {
      await wsAgent('doomed', '7102', `ws://127.0.0.1:${bot.port}`);
      const placed = call('7102', 'doomed', { audio: { kind: 'tone', hz: TONE_HZ }, detectHz: TONE_HZ });
      await within(bot.started, 'the bot to get the call');
      // Let the echo run a little, so that the bot dies in the middle of a live conversation.
      await new Promise((resolve) => setTimeout(resolve, 500));
      bot.child.kill('SIGKILL');
      const r = await placed;
      assert.equal(r.ended, 'agent');
      assert.ok(r.media?.tone?.heard, 'the echo was flowing before the bot died');
      assert.equal(r.variables['contained'], 'false');
      assert.equal(r.variables['destination'], 'billing', 'the agent\'s fallback');
      const stored = await gw.store.getHandoffBySharedId(tenantId, r.sessionId);
      assert.ok(stored, 'the record is stored');
      assert.equal(stored.data['destination_note'], 'agent_failed');
      assert.equal(stored.data['destination'], 'billing');
      assert.deepEqual(r.query.handoff?.data, stored.data);
    } finally {
      bot.child.kill('SIGKILL');
    }
  });

  test('clear: the queued bot audio is cut at once and does not come back', async () => {
    const bot = await TestBotServer.start();
    try {
      await wsAgent('clearing', '7103', bot.url);
      const recordPath = join(gw.dir, 'clear.wav');
      const placed = call('7103', 'clearing', { detectHz: TONE_HZ, recordPath, presses: [{ digits: '1', atMs: 600 }, { digits: '#', atMs: 1500 }] });
      const conn = await within(bot.accept(), 'the bot connection');
      await within(conn.nextEvent('start'), 'start');
      const tone = generateTone(TONE_HZ, 3000);
      const bytes = new Uint8Array(FRAME);
      for (let at = 0; at < tone.length; at += FRAME) {
        encodeUlaw(tone.subarray(at, at + FRAME), bytes);
        conn.send({ event: 'media', media: { payload: Buffer.from(bytes).toString('base64') } });
      }
      assert.deepEqual((await within(conn.nextEvent('dtmf'), 'digit 1'))['dtmf'], { digit: '1' });
      conn.send({ event: 'clear' });
      assert.deepEqual((await within(conn.nextEvent('dtmf'), 'digit #'))['dtmf'], { digit: '#' });
      conn.send({ event: 'handoff', handoff: { contained: true, data: { cleared: true } } });
      const r = await placed;
      assert.equal(r.variables['contained'], 'true');
      assert.equal(r.query.handoff?.data['cleared'], true);
      const frames = toneFrames(await readWav8k(recordPath), TONE_HZ);
      const first = frames.indexOf(true);
      const last = frames.lastIndexOf(true);
      assert.ok(first >= 0, 'the caller heard the bot\'s tone');
      const heard = frames.filter(Boolean).length;
      assert.ok(heard < 100, `3 s of tone queued, cut by clear after the 1: ${heard} frames heard`);
      assert.equal(heard, last - first + 1, 'one unbroken run: after the clear no queued tone came back');
      const playback = (await mediaOf(r.query.handoff?.id ?? ''))['playback'] as JsonObject;
      assert.equal(playback['bargeIns'], 1, 'the clear cut the playback once');
    } finally {
      await bot.close();
    }
  });
});
