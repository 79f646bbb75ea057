import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { FakeMedia, FakeTimers } from '../../../test/support/fake-media.ts';
import { ULAW_TO_LINEAR, encodeUlaw } from '../../media/g711.ts';
import type { Outcome } from '../types.ts';
import { WebSocketAgent } from './agent.ts';
import { BotError, type BotFailure } from './errors.ts';
import { CallAbort } from '../signal.ts';
import { TEST_CONTEXT, TestBotServer, type BotConnection } from './test-bot.ts';

let bot: TestBotServer;
beforeEach(async () => { bot = await TestBotServer.start(); });
afterEach(async () => { await bot.close(); });

interface Call {
  agent: WebSocketAgent;
  media: FakeMedia;
  timers: FakeTimers;
  ac: CallAbort;
  run: Promise<Outcome>;
}

function call(config: Record<string, unknown> = {}, media = new FakeMedia()): Call {
  const timers = new FakeTimers();
  const ac = new CallAbort();
  const agent = new WebSocketAgent({ url: bot.url, token: 't0k', ...config }, { timers });
  return { agent, media, timers, ac, run: agent.run(TEST_CONTEXT, media, ac) };
}

/** Connects a call and reads its `start`. */
async function connected(config: Record<string, unknown> = {}, media?: FakeMedia): Promise<Call & { conn: BotConnection }> {
  const c = call(config, media);
  const conn = await bot.accept();
  const start = await conn.nextEvent();
  assert.equal(start['event'], 'start');
  return { ...c, conn };
}

/**
 * Waits until the agent has read everything the bot sent so far: bot messages are handled
 * in order, and a mark with nothing queued is answered at once.
 */
async function sync(conn: BotConnection): Promise<void> {
  conn.send({ event: 'mark', mark: { name: 'sync' } });
  await conn.nextEvent('mark');
}

function failsWith(reason: BotFailure) {
  return (e: unknown): boolean => e instanceof BotError && e.code === 'agent_failed' && e.reason === reason;
}

/** A 20 ms frame of a ramp, and what it is after a µ-law round trip. */
function ramp(): { frame: Int16Array; ulaw: Uint8Array; decoded: Int16Array } {
  const frame = Int16Array.from({ length: 160 }, (_, i) => (i - 80) * 300);
  const ulaw = new Uint8Array(160);
  encodeUlaw(frame, ulaw);
  return { frame, ulaw, decoded: Int16Array.from(ulaw, (b) => ULAW_TO_LINEAR[b] ?? 0) };
}

test('start carries the call context and media format; the upgrade carries the bearer token', async () => {
  const c = call({ headers: { 'X-Bot-Tenant': 'acme' } });
  const conn = await bot.accept();
  assert.equal(conn.request.headers['authorization'], 'Bearer t0k');
  assert.equal(conn.request.headers['x-bot-tenant'], 'acme');
  assert.equal(conn.request.url, '/bot?key=secret');
  const start = await conn.nextEvent();
  assert.deepEqual(start, {
    event: 'start',
    start: {
      protocol: 'agentline.ws.v1', conversation_id: 'conv-9', shared_id: 'S-9',
      tenant: { id: 't1', slug: 'acme' }, agent: { id: 'a1', slug: 'voicebot', destinations: ['billing', 'support'] },
      caller: 'sip:+15551230000@carrier', callee: 'sip:7001@gw', x_headers: { 'X-five9sessionid': 'S-9', 'X-Lang': 'en' },
      media_format: { encoding: 'audio/x-mulaw', sample_rate: 8000, channels: 1, frame_ms: 20, frame_bytes: 160 },
      binary_media: true,
    },
  });
  conn.send({ event: 'hangup' });
  assert.deepEqual(await c.run, { contained: true });
});

test('media both ways: caller frames as µ-law base64, bot audio decoded and played', async () => {
  const c = await connected();
  const { frame, ulaw, decoded } = ramp();
  c.media.pushAudio(frame);
  c.media.pushAudio(frame);
  const m0 = await c.conn.nextEvent('media');
  const m1 = await c.conn.nextEvent('media');
  assert.deepEqual(m0['media'], { payload: Buffer.from(ulaw).toString('base64'), seq: 0, timestamp: 0 });
  assert.deepEqual((m1['media'] as Record<string, unknown>)['timestamp'], 20);
  c.conn.send({ event: 'media', media: { payload: Buffer.from(ulaw).toString('base64') } });
  const played = await c.media.waitFor((e) => e.kind === 'play');
  assert.ok(played.kind === 'play');
  assert.deepEqual(played.pcm, decoded);
  c.conn.send({ event: 'handoff', handoff: { contained: true } });
  await c.run;
  assert.equal(c.agent.stats?.outbound.sent, 2);
  assert.deepEqual(c.media.listeners, { dtmf: 0, audio: 0 });
});

test('binary media after the bot accepts it in `connected`', async () => {
  const c = await connected();
  const { frame, ulaw, decoded } = ramp();
  c.conn.send({ event: 'connected', connected: { binary: true } });
  await sync(c.conn);
  c.media.pushAudio(frame);
  const m = await c.conn.next();
  assert.ok(m.binary);
  assert.deepEqual(new Uint8Array(m.bytes), ulaw);
  c.conn.socket.send(Buffer.from(ulaw));
  const played = await c.media.waitFor((e) => e.kind === 'play');
  assert.ok(played.kind === 'play');
  assert.deepEqual(played.pcm, decoded);
  c.conn.send({ event: 'hangup' });
  await c.run;
  assert.equal(c.agent.stats?.binary, true);
});

test('a binary frame before negotiation is a bad message, ignored', async () => {
  const c = await connected();
  c.conn.socket.send(Buffer.alloc(160, 0xff));
  c.conn.send({ event: 'hangup' });
  await c.run;
  assert.equal(c.agent.stats?.badMessages, 1);
  assert.equal(c.media.played.length, 0);
});

test('dtmf is forwarded; clear stops playback at once', async () => {
  const c = await connected();
  c.media.press('5');
  assert.deepEqual(await c.conn.nextEvent(), { event: 'dtmf', dtmf: { digit: '5' } });
  c.conn.send({ event: 'clear' });
  await c.media.waitFor((e) => e.kind === 'stop');
  assert.equal(c.media.stops, 1);
  c.conn.send({ event: 'hangup' });
  await c.run;
});

test('mark round trip: answered when the audio before it has played', async () => {
  const c = await connected({}, new FakeMedia({ autoComplete: false }));
  c.conn.send({ event: 'media', media: { payload: Buffer.alloc(800, 0xff).toString('base64') } });
  c.conn.send({ event: 'mark', mark: { name: 'greeting-done' } });
  await c.media.waitFor((e) => e.kind === 'mark');
  assert.equal(c.media.pending, 2);
  c.media.completeNext();
  assert.deepEqual(await c.conn.nextEvent(), { event: 'mark', mark: { name: 'greeting-done', completed: true } });
  c.conn.send({ event: 'media', media: { payload: Buffer.alloc(160, 0xff).toString('base64') } });
  c.conn.send({ event: 'mark', mark: { name: 'cut' } });
  await c.media.waitFor(() => c.media.events.filter((e) => e.kind === 'mark').length === 2);
  c.conn.send({ event: 'clear' });
  assert.deepEqual(await c.conn.nextEvent(), { event: 'mark', mark: { name: 'cut', completed: false } });
  c.conn.send({ event: 'hangup' });
  await c.run;
});

test('handoff is the outcome; the bot gets stop and a normal close', async () => {
  const c = await connected();
  c.conn.send({ event: 'handoff', handoff: { contained: false, destination: 'billing', data: { customer_id: 'C1' } } });
  assert.deepEqual(await c.run, { contained: false, destination: 'billing', data: { customer_id: 'C1' } });
  assert.deepEqual(await c.conn.nextEvent(), { event: 'stop', stop: { reason: 'handoff' } });
  assert.equal(await c.conn.closed, 1000);
  assert.equal(c.timers.scheduled, 0);
});

test('hangup is a contained outcome with the bot data', async () => {
  const c = await connected();
  c.conn.send({ event: 'hangup', hangup: { data: { resolved: true } } });
  assert.deepEqual(await c.run, { contained: true, data: { resolved: true } });
});

test('a bot killed mid-call rejects: the call uses its fallback', async () => {
  const c = await connected();
  c.conn.socket.terminate();
  await assert.rejects(c.run, failsWith('bot_disconnected'));
  assert.deepEqual(c.media.listeners, { dtmf: 0, audio: 0 });
});

test('invalid messages are ignored; too many fail the agent', async () => {
  const c = await connected({ maxBadMessages: 3 });
  for (const bad of ['{nope', '{"event":"dance"}', '{"event":"media","media":{"payload":"!!"}}']) c.conn.socket.send(bad);
  await sync(c.conn);
  assert.equal(c.agent.stats?.badMessages, 3);
  c.conn.send({ event: 'handoff', handoff: { contained: 'yes' } });
  await assert.rejects(c.run, failsWith('bot_protocol'));
  assert.deepEqual(await c.conn.nextEvent(), { event: 'stop', stop: { reason: 'error' } });
});

test('a bot silent past idleTimeoutMs fails; any valid message resets the wait', async () => {
  const c = await connected({ idleTimeoutMs: 10_000 });
  await c.timers.advance(9_000);
  c.conn.send({ event: 'keepalive' });
  await sync(c.conn);
  let settled = false;
  c.run.then(() => { settled = true; }, () => { settled = true; });
  await c.timers.advance(9_999);
  assert.equal(settled, false);
  const rejected = assert.rejects(c.run, failsWith('bot_idle_timeout'));
  await c.timers.advance(1);
  await rejected;
});

test('caller hangup: stop is sent, and a handoff within the grace time is the outcome', async () => {
  const c = await connected();
  c.ac.abort();
  assert.deepEqual(await c.conn.nextEvent(), { event: 'stop', stop: { reason: 'caller_hangup' } });
  c.conn.send({ event: 'handoff', handoff: { contained: false, destination: 'support', data: { summary: 'x' } } });
  assert.deepEqual(await c.run, { contained: false, destination: 'support', data: { summary: 'x' } });
});

test('caller hangup: without an answer, the grace time ends the run', async () => {
  const c = await connected({ stopGraceMs: 500 });
  c.ac.abort();
  await c.conn.nextEvent('stop');
  await c.timers.advance(500);
  assert.deepEqual(await c.run, { contained: true, data: { ended_early: true } });
});

test('inbound audio beyond the queue cap is dropped, newest first', async () => {
  const c = await connected({ maxQueuedAudioMs: 40 }, new FakeMedia({ autoComplete: false }));
  const chunk = Buffer.alloc(160, 0xff).toString('base64');
  for (let i = 0; i < 4; i++) c.conn.send({ event: 'media', media: { payload: chunk } });
  c.conn.send({ event: 'mark', mark: { name: 'm' } });
  await c.media.waitFor((e) => e.kind === 'mark');
  assert.equal(c.media.played.length, 2);
  assert.deepEqual(c.agent.stats?.inbound, { played: 2, dropped: 2, queuedMs: 40 });
  c.media.completeAll();
  await c.conn.nextEvent('mark');
  c.conn.send({ event: 'media', media: { payload: chunk } });
  await c.media.waitFor(() => c.media.played.length === 3);
  c.conn.send({ event: 'hangup' });
  await c.run;
});

test('refused upgrade (401) and refused connection reject as bot_connect_failed', async () => {
  const guarded = await TestBotServer.start(() => 401);
  try {
    const agent = new WebSocketAgent({ url: guarded.url }, { timers: new FakeTimers() });
    await assert.rejects(agent.run(TEST_CONTEXT, new FakeMedia(), new CallAbort()), failsWith('bot_connect_failed'));
  } finally {
    await guarded.close();
  }
  const url = bot.url;
  await bot.close();
  bot = await TestBotServer.start();
  const agent = new WebSocketAgent({ url }, { timers: new FakeTimers() });
  await assert.rejects(agent.run(TEST_CONTEXT, new FakeMedia(), new CallAbort()), failsWith('bot_connect_failed'));
});

test('a bot that never answers the upgrade times out', async () => {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => { sockets.push(s); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const timers = new FakeTimers();
    const agent = new WebSocketAgent({ url: `ws://127.0.0.1:${port}/`, connectTimeoutMs: 3000 }, { timers });
    const rejected = assert.rejects(agent.run(TEST_CONTEXT, new FakeMedia(), new CallAbort()), failsWith('bot_connect_timeout'));
    await timers.advance(3000);
    await rejected;
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('an aborted call before connect resolves without a bot', async () => {
  const ac = new CallAbort();
  ac.abort();
  const agent = new WebSocketAgent({ url: bot.url }, { timers: new FakeTimers() });
  assert.deepEqual(await agent.run(TEST_CONTEXT, new FakeMedia(), ac), { contained: true, data: { ended_early: true } });
});
