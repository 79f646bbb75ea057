import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuiltinAgent, parseBuiltinConfig } from './builtin.ts';
import { AgentConfigError } from './errors.ts';
import { CallAbort } from './signal.ts';
import type { AgentContext, AgentMedia, DtmfListener, PlaybackResult } from './types.ts';

const ctx: AgentContext = {
  tenant: { id: 't', slug: 't' }, agent: { id: 'a', slug: 'a', destinations: ['billing'], config: {} },
  conversationId: 'c', caller: 'sip:a@b', callee: 'sip:7001@gw', xHeaders: {},
};

/** What the fake media was asked to do, in order. */
type MediaCall = ['play', number] | ['playFile', string] | ['say', string] | ['stop'];

/** A fake media handle: records playbacks (which never finish) and lets the test press keys. */
function fakeMedia(fail?: Error & { code: string }): AgentMedia & { press(d: string): void; listeners: number; calls: MediaCall[] } {
  const set = new Set<DtmfListener>();
  const calls: MediaCall[] = [];
  const pending = (): Promise<PlaybackResult> => (fail ? Promise.reject(fail) : new Promise<PlaybackResult>(() => {}));
  return {
    calls,
    onDtmf: (l) => { set.add(l); return () => void set.delete(l); },
    onAudio: () => () => undefined,
    play: (pcm) => { calls.push(['play', pcm.length]); return pending(); },
    playFile: (path) => { calls.push(['playFile', path]); return pending(); },
    say: (text) => { calls.push(['say', text]); return pending(); },
    mark: () => Promise.resolve({ completed: true }),
    stop: () => void calls.push(['stop']),
    press: (d) => { for (const l of set) l(d); },
    get listeners() { return set.size; },
  };
}

const config = { waitMs: 60_000, digits: { '1': { contained: false, destination: 'billing' } }, outcome: { contained: true } };

test('a configured digit ends the conversation with its outcome', async () => {
  const media = fakeMedia();
  const run = new BuiltinAgent(config).run(ctx, media, new CallAbort());
  media.press('9'); // not configured: ignored
  media.press('1');
  const o = await run;
  assert.equal(o.contained, false);
  assert.equal(o.destination, 'billing');
  assert.equal(o.data?.['digit'], '1');
  assert.equal(o.data?.['digits'], '91');
  assert.equal(media.listeners, 0);
});

test('a greeting plays first and the first digit cuts it (barge-in)', async () => {
  for (const [greeting, first] of [
    [{ tone: { freqHz: 1000, durationMs: 500 } }, ['play', 4000]],
    [{ file: '/prompts/hello.wav' }, ['playFile', '/prompts/hello.wav']],
    [{ say: 'Hello, press 1 for billing' }, ['say', 'Hello, press 1 for billing']],
  ] as const) {
    const media = fakeMedia();
    const run = new BuiltinAgent({ ...config, greeting }).run(ctx, media, new CallAbort());
    assert.deepEqual(media.calls, [first]);
    media.press('7');
    media.press('1');
    const o = await run;
    assert.deepEqual(media.calls, [first, ['stop']]);
    assert.equal(o.data?.['digits'], '71');
  }
});

test('a greeting that cannot play is reported in the outcome, the call goes on', async () => {
  const media = fakeMedia(Object.assign(new Error('no espeak-ng'), { code: 'media_tts_unavailable' }));
  const run = new BuiltinAgent({ ...config, greeting: { say: 'hi' } }).run(ctx, media, new CallAbort());
  await new Promise<void>((r) => setImmediate(r));
  media.press('1');
  const o = await run;
  assert.equal(o.destination, 'billing');
  assert.equal(o.data?.['greeting_error'], 'media_tts_unavailable');
});

test('the wait ends with the default outcome', async () => {
  const o = await new BuiltinAgent({ ...config, waitMs: 1 }).run(ctx, fakeMedia(), new CallAbort());
  assert.deepEqual(o, { contained: true, data: { timed_out: true } });
});

test('an abort resolves at once with the default outcome', async () => {
  const ac = new CallAbort();
  const run = new BuiltinAgent(config).run(ctx, fakeMedia(), ac);
  ac.abort();
  assert.equal((await run).data?.['ended_early'], true);
});

test('configuration is checked at the boundary', () => {
  assert.equal(parseBuiltinConfig({}).waitMs, 30_000);
  assert.deepEqual(parseBuiltinConfig({ greeting: { tone: { freqHz: 440, durationMs: 100 } } }).greeting, { tone: { freqHz: [440], durationMs: 100 } });
  const bads = [
    { waitMs: -1 }, { digits: { x: { contained: true } } }, { outcome: { destination: 'x' } }, { greeting: 'hello.wav' },
    { greeting: { tone: { freqHz: 5000, durationMs: 100 } } }, { greeting: { tone: { freqHz: 440 } } }, { greeting: { say: ' ' } },
  ];
  for (const bad of bads) {
    assert.throws(() => parseBuiltinConfig(bad), (e: unknown) => e instanceof AgentConfigError && e.code === 'agent_config_invalid');
  }
});

test('a configuration object is parsed once for all the agents made from it; a bad one fails every time', () => {
  const raw = { waitMs: 10, outcome: { contained: false, destination: 'billing' } };
  assert.equal(new BuiltinAgent(raw).config, new BuiltinAgent(raw).config);
  assert.notEqual(new BuiltinAgent({ ...raw }).config, new BuiltinAgent(raw).config);
  const bad = { waitMs: -1 };
  assert.throws(() => new BuiltinAgent(bad), AgentConfigError);
  assert.throws(() => new BuiltinAgent(bad), AgentConfigError);
});
