import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoBot } from '../../../examples/echo-bot.ts';
import { FakeMedia, FakeTimers } from '../../../test/support/fake-media.ts';
import { ULAW_TO_LINEAR, encodeUlaw } from '../../media/g711.ts';
import { WebSocketAgent } from './agent.ts';
import { CallAbort } from '../signal.ts';
import { TEST_CONTEXT } from './test-bot.ts';

test('examples/echo-bot.ts: echoes audio, 1 clears, # hands off to support', async () => {
  const bot = await startEchoBot({ port: 0, token: 'sekrit' });
  try {
    const media = new FakeMedia();
    const agent = new WebSocketAgent({ url: `ws://127.0.0.1:${bot.port}`, token: 'sekrit' }, { timers: new FakeTimers() });
    const run = agent.run(TEST_CONTEXT, media, new CallAbort());
    await media.audioListened(); // the agent listens once the socket is open
    const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    const ulaw = new Uint8Array(160);
    encodeUlaw(frame, ulaw);
    media.pushAudio(frame);
    const echoed = await media.waitFor((e) => e.kind === 'play');
    assert.ok(echoed.kind === 'play');
    assert.deepEqual(echoed.pcm, Int16Array.from(ulaw, (b) => ULAW_TO_LINEAR[b] ?? 0));
    media.press('1');
    await media.waitFor((e) => e.kind === 'stop');
    media.press('#');
    assert.deepEqual(await run, { contained: false, destination: 'support', data: { reason: 'pressed #' } });
  } finally {
    await bot.close();
  }
});

test('examples/echo-bot.ts: a wrong token is refused (the agent fails to connect)', async () => {
  const bot = await startEchoBot({ port: 0, token: 'sekrit' });
  try {
    const agent = new WebSocketAgent({ url: `ws://127.0.0.1:${bot.port}`, token: 'wrong' }, { timers: new FakeTimers() });
    await assert.rejects(agent.run(TEST_CONTEXT, new FakeMedia(), new CallAbort()), { code: 'agent_failed', reason: 'bot_connect_failed' });
  } finally {
    await bot.close();
  }
});
