import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeMedia } from '../../../test/support/fake-media.ts';
import { InboundAudio, OutboundAudio, type BotSocket } from './audio.ts';
import { parseWebSocketConfig, upgradeHeaders, botOrigin } from './config.ts';
import { AgentConfigError } from '../errors.ts';
import { parseBotMessage } from './protocol.ts';

class FakeSocket implements BotSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<string | Buffer> = [];
  send(data: string | Buffer): void {
    this.sent.push(data);
  }
}

const frame = new Int16Array(160);

test('outbound: frames are dropped and counted while the socket is backed up', () => {
  const socket = new FakeSocket();
  const out = new OutboundAudio(socket, 1000);
  out.push(frame);
  socket.bufferedAmount = 1001;
  out.push(frame);
  out.push(frame);
  socket.bufferedAmount = 1000;
  out.push(frame);
  assert.deepEqual(out.stats, { sent: 2, dropped: 2 });
  const seqs = socket.sent.map((m) => (JSON.parse(String(m)) as { media: { seq: number } }).media.seq);
  assert.deepEqual(seqs, [0, 3], 'seq counts dropped frames: the bot sees the gap');
});

test('outbound: nothing is sent on a socket that is not open; binary mode sends raw µ-law', () => {
  const socket = new FakeSocket();
  const out = new OutboundAudio(socket, 1000);
  socket.readyState = 0;
  out.push(frame);
  socket.readyState = 1;
  out.binary = true;
  out.push(frame);
  assert.deepEqual(out.stats, { sent: 1, dropped: 1 });
  const bin = socket.sent[0];
  assert.ok(Buffer.isBuffer(bin));
  assert.equal(bin.length, 160);
  assert.equal(bin[0], 0xff, 'µ-law silence');
});

test('inbound: the queue is capped; chunks beyond it are dropped; played audio frees room', async () => {
  const media = new FakeMedia({ autoComplete: false });
  const inbound = new InboundAudio(media, 30);
  inbound.push(new Uint8Array(160));
  inbound.push(new Uint8Array(80));
  inbound.push(new Uint8Array(1));
  assert.deepEqual(inbound.stats, { played: 2, dropped: 1, queuedMs: 30 });
  media.completeNext();
  await Promise.resolve();
  inbound.push(new Uint8Array(160));
  assert.deepEqual(inbound.stats, { played: 3, dropped: 1, queuedMs: 30 });
  media.stop();
  await Promise.resolve();
  assert.equal(inbound.stats.queuedMs, 0);
});

test('config: defaults, token as bearer, explicit Authorization wins, errors name the field', () => {
  const c = parseWebSocketConfig({ url: 'wss://bot.example/v1', token: 'abc' });
  assert.equal(c.connectTimeoutMs, 5000);
  assert.equal(c.maxQueuedAudioMs, 30_000);
  assert.deepEqual(upgradeHeaders(c), { Authorization: 'Bearer abc' });
  assert.deepEqual(upgradeHeaders({ ...c, headers: { authorization: 'Basic x', 'X-Id': '1' } }), { authorization: 'Basic x', 'X-Id': '1' });
  assert.equal(botOrigin('wss://u:p@bot.example:8443/path?token=s'), 'wss://bot.example:8443');
  for (const [bad, field] of [[{}, 'url'], [{ url: 'https://bot' }, 'url'], [{ url: 'ws://b', connectTimeoutMs: -1 }, 'connectTimeoutMs'],
    [{ url: 'ws://b', headers: { 'bad name': 'x' } }, 'headers']] as const) {
    assert.throws(() => parseWebSocketConfig(bad), (e: unknown) => e instanceof AgentConfigError && e.code === 'agent_config_invalid' && e.message.includes(field));
  }
});

test('protocol: bot messages are checked', () => {
  assert.deepEqual(parseBotMessage('{"event":"clear","extra":1}'), { ok: true, message: { event: 'clear' } });
  assert.equal(parseBotMessage('{"event":"handoff","handoff":{"contained":false,"destination":"billing"}}').ok, true);
  for (const bad of ['', '[]', '{"event":"mark","mark":{}}', '{"event":"media","media":{"payload":"abc"}}', '{"event":"handoff","handoff":{}}']) {
    assert.equal(parseBotMessage(bad).ok, false, bad);
  }
});
