import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeMedia, FakeTimers, flush } from '../../../test/support/fake-media.ts';
import type { AgentContext, Outcome } from '../types.ts';
import { FlowAgent } from './agent.ts';
import { DEMO_FLOW } from './demo.ts';
import { CallAbort } from '../signal.ts';

const ctx: AgentContext = {
  tenant: { id: 't1', slug: 'acme' },
  agent: { id: 'a1', slug: 'ivr', destinations: ['billing', 'support'], config: {} },
  conversationId: 'conv-1', sharedId: 'S-42', caller: 'sip:alice@example.com', callee: 'sip:7001@gw',
  xHeaders: { 'X-Five9SessionId': 'S-42', 'X-Lang': 'en' },
};

interface Harness {
  media: FakeMedia;
  timers: FakeTimers;
  ac: CallAbort;
  run: Promise<Outcome>;
}

function start(flow: unknown, media = new FakeMedia()): Harness {
  const timers = new FakeTimers();
  const ac = new CallAbort();
  const run = new FlowAgent({ flow }, { timers }).run(ctx, media, ac);
  return { media, timers, ac, run };
}

/** A one-collect flow: prompt "enter", then branch on what was entered. */
function collectFlow(collect: Record<string, unknown>): unknown {
  return {
    steps: {
      ask: { collect: { prompt: { say: 'enter' }, into: 'v', ...collect }, next: 'done' },
      done: { end: true },
      silent: { handoff: { reason: 'no_input' } },
      wrong: { handoff: { reason: 'invalid' } },
    },
  };
}

test('say and play run in order, then end contained with path and data', async () => {
  const h = start({
    steps: {
      hi: { say: 'Hello ${call.caller}', next: 'jingle' },
      jingle: { play: '/p/j.wav', next: 'bye' },
      bye: { end: { data: { resolved: true, lang: '${x.x-lang}' } } },
    },
  });
  const o = await h.run;
  assert.deepEqual(h.media.said, ['Hello sip:alice@example.com']);
  assert.deepEqual(h.media.files, ['/p/j.wav']);
  assert.deepEqual(o, { contained: true, data: { resolved: true, lang: 'en', path: ['hi', 'jingle', 'bye'], digits: {} } });
  assert.deepEqual(h.media.listeners, { dtmf: 0, audio: 0 });
});

test('set interpolates X- headers (any case) and call fields; branch on a data value', async () => {
  const h = start({
    steps: {
      tag: { set: { session: '${x.X-five9sessionid}', conv: '${call.conversation_id}', vip: true }, next: 'which' },
      which: { branch: { value: '${session}', on: { 'S-42': 'known' }, default: 'unknown' } },
      known: { handoff: { destination: 'billing', data: { sid: '${session}' } } },
      unknown: { end: true },
    },
  });
  const o = await h.run;
  assert.equal(o.contained, false);
  assert.equal(o.destination, 'billing');
  assert.deepEqual(o.data, { session: 'S-42', conv: 'conv-1', vip: true, sid: 'S-42', path: ['tag', 'which', 'known'], digits: {} });
});

test('collect: max digits end the entry at once; the digits go into the variable', async () => {
  const h = start(collectFlow({ maxDigits: 3 }));
  await flush();
  for (const d of '123') h.media.press(d);
  const o = await h.run;
  assert.equal(o.data?.['v'], '123');
  assert.deepEqual(o.data?.['digits'], { v: '123' });
  assert.deepEqual(o.data?.['path'], ['ask', 'done']);
});

test('collect: the terminator ends the entry and is not kept', async () => {
  const h = start(collectFlow({ maxDigits: 10 }));
  await flush();
  for (const d of '42#') h.media.press(d);
  assert.equal((await h.run).data?.['v'], '42');
});

test('collect: an inter-digit gap ends the entry', async () => {
  const h = start(collectFlow({ maxDigits: 4, interDigitTimeoutMs: 2000, timeoutMs: 10_000 }));
  await flush();
  h.media.press('7');
  await h.timers.advance(1999);
  h.media.press('8');
  await h.timers.advance(2000);
  assert.equal((await h.run).data?.['v'], '78');
});

test('collect: silence re-prompts, then goes to onNoInput', async () => {
  const h = start(collectFlow({ retries: 1, timeoutMs: 5000, reprompt: { say: 'again' }, onNoInput: 'silent' }));
  await h.timers.advance(4999);
  assert.deepEqual(h.media.said, ['enter']);
  await h.timers.advance(1);
  assert.deepEqual(h.media.said, ['enter', 'again']);
  await h.timers.advance(5000);
  const o = await h.run;
  assert.deepEqual(o, { contained: false, data: { v: '', handoff_reason: 'no_input', path: ['ask', 'silent'], digits: { v: '' } } });
});

test('collect: the overall timeout takes an entry long enough, and a retry can succeed', async () => {
  const h = start(collectFlow({ minDigits: 2, maxDigits: 5, timeoutMs: 3000, interDigitTimeoutMs: 3000, retries: 2, onInvalid: 'wrong' }));
  await flush();
  h.media.press('1');
  await h.timers.advance(3000); // one digit < minDigits: invalid, re-prompt
  assert.deepEqual(h.media.said, ['enter', 'enter']);
  h.media.press('5');
  h.media.press('6');
  await h.timers.advance(3000);
  assert.equal((await h.run).data?.['v'], '56');
});

test('collect: invalid entries use up the retries, then go to onInvalid', async () => {
  const h = start(collectFlow({ valid: ['1', '2'], retries: 1, onInvalid: 'wrong' }));
  await flush();
  h.media.press('9');
  await flush();
  h.media.press('8');
  const o = await h.run;
  assert.equal(o.data?.['handoff_reason'], 'invalid');
  assert.equal(h.media.said.length, 2);
});

test('barge-in: a digit stops the prompt at once and is the collect\'s input', async () => {
  const h = start({
    steps: {
      greet: { say: 'a long greeting', next: 'menu' },
      menu: { collect: { prompt: { say: 'menu' }, into: 'choice' }, next: 'route' },
      route: { branch: { on: { '2': 'support' }, default: 'end' } },
      support: { handoff: { destination: 'support' } },
      end: { end: true },
    },
  }, new FakeMedia({ autoComplete: false }));
  await flush();
  assert.deepEqual(h.media.said, ['a long greeting']);
  h.media.press('2');
  assert.equal(h.media.stops, 1);
  const o = await h.run;
  assert.equal(o.destination, 'support');
  assert.deepEqual(h.media.said, ['a long greeting'], 'the menu prompt is skipped: the caller typed ahead');
  assert.deepEqual(o.data?.['path'], ['greet', 'menu', 'route', 'support']);
});

test('bargeIn: false lets the prompt play out; the digit still counts', async () => {
  const h = start({
    steps: {
      legal: { say: 'legal notice', next: 'ask', bargeIn: false },
      ask: { collect: { into: 'x' }, next: 'end' },
      end: { end: true },
    },
  }, new FakeMedia({ autoComplete: false }));
  await flush();
  h.media.press('5');
  assert.equal(h.media.stops, 0);
  h.media.completeNext();
  assert.equal((await h.run).data?.['x'], '5');
});

test('caller hangup during a prompt resolves at once with the onHangup outcome', async () => {
  const h = start({ onHangup: { contained: false, data: { note: 'hung up' } }, steps: { s: { say: 'x', next: 'e' }, e: { end: true } } },
    new FakeMedia({ autoComplete: false }));
  await flush();
  h.ac.abort();
  const o = await h.run;
  assert.deepEqual(o, { contained: false, data: { note: 'hung up', ended_early: true, path: ['s'], digits: {} } });
});

test('caller hangup during a collect keeps what was collected', async () => {
  const h = start({
    steps: {
      a: { collect: { into: 'acct', maxDigits: 1 }, next: 'b' },
      b: { collect: { into: 'pin', maxDigits: 4 }, next: 'e' },
      e: { end: true },
    },
  });
  await flush();
  h.media.press('7');
  await flush();
  h.media.press('1');
  h.ac.abort();
  const o = await h.run;
  assert.equal(o.contained, true);
  assert.equal(o.data?.['ended_early'], true);
  assert.deepEqual(o.data?.['digits'], { acct: '7' });
  assert.equal(h.timers.scheduled, 0);
});

test('a prompt that cannot play is skipped and the flow goes on', async () => {
  const h = start({ steps: { s: { say: 'x', next: 'e' }, e: { end: true } } }, new FakeMedia({ sayError: new Error('no espeak-ng') }));
  assert.equal((await h.run).contained, true);
});

test('a loop beyond maxSteps fails the agent (the call uses its fallback)', async () => {
  const h = start({ maxSteps: 5, steps: { a: { set: { n: 1 }, next: 'b' }, b: { branch: { on: {}, default: 'a' } } } });
  await assert.rejects(h.run, (e: unknown) => (e as { code?: string }).code === 'agent_failed');
});

test('demo flow: greeting, menu, 1 → billing', async () => {
  const h = start(DEMO_FLOW);
  await flush();
  assert.deepEqual(h.media.said, ['Welcome to Agentline.', 'Press 1 for billing, 2 for support, 3 to finish here.']);
  h.media.press('1');
  const o = await h.run;
  assert.equal(o.destination, 'billing');
  assert.equal(o.data?.['handoff_reason'], 'billing question');
  assert.deepEqual(o.data?.['path'], ['greet', 'menu', 'route', 'billing']);
  assert.deepEqual(o.data?.['digits'], { choice: '1' });
});

test('demo flow: 3 ends contained after a goodbye', async () => {
  const h = start(DEMO_FLOW);
  await flush();
  h.media.press('3');
  const o = await h.run;
  assert.equal(o.contained, true);
  assert.equal(o.data?.['resolved'], true);
  assert.equal(h.media.said.at(-1), 'Thank you for calling. Goodbye.');
});

test('demo flow: silence re-prompts once, then hands off to the default destination with no_input', async () => {
  const h = start(DEMO_FLOW);
  await h.timers.advance(5000);
  assert.equal(h.media.said.length, 3);
  assert.match(h.media.said[2] ?? '', /^Sorry/);
  await h.timers.advance(5000);
  const o = await h.run;
  assert.equal(o.contained, false);
  assert.equal(o.destination, undefined);
  assert.equal(o.data?.['handoff_reason'], 'no_input');
  assert.deepEqual(o.data?.['path'], ['greet', 'menu', 'no_input']);
});
