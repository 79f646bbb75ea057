import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuiltinAgent, parseBuiltinConfig } from './builtin.ts';
import { AgentConfigError } from './errors.ts';
import type { AgentContext, AgentMedia, DtmfListener } from './types.ts';

const ctx: AgentContext = {
  tenant: { id: 't', slug: 't' }, agent: { id: 'a', slug: 'a', destinations: ['billing'], config: {} },
  conversationId: 'c', caller: 'sip:a@b', callee: 'sip:7001@gw', xHeaders: {},
};

function fakeMedia(): AgentMedia & { press(d: string): void; listeners: number } {
  const set = new Set<DtmfListener>();
  return {
    onDtmf: (l) => { set.add(l); return () => set.delete(l); },
    press: (d) => { for (const l of set) l(d); },
    get listeners() { return set.size; },
  };
}

const config = { waitMs: 60_000, digits: { '1': { contained: false, destination: 'billing' } }, outcome: { contained: true } };

test('a configured digit ends the conversation with its outcome', async () => {
  const media = fakeMedia();
  const run = new BuiltinAgent(config).run(ctx, media, new AbortController().signal);
  media.press('9'); // not configured: ignored
  media.press('1');
  const o = await run;
  assert.equal(o.contained, false);
  assert.equal(o.destination, 'billing');
  assert.equal(o.data?.['digit'], '1');
  assert.equal(media.listeners, 0);
});

test('the wait ends with the default outcome', async () => {
  const o = await new BuiltinAgent({ ...config, waitMs: 1 }).run(ctx, fakeMedia(), new AbortController().signal);
  assert.deepEqual(o, { contained: true, data: { timed_out: true } });
});

test('an abort resolves at once with the default outcome', async () => {
  const ac = new AbortController();
  const run = new BuiltinAgent(config).run(ctx, fakeMedia(), ac.signal);
  ac.abort();
  assert.equal((await run).data?.['ended_early'], true);
});

test('configuration is checked at the boundary', () => {
  assert.equal(parseBuiltinConfig({}).waitMs, 30_000);
  for (const bad of [{ waitMs: -1 }, { digits: { x: { contained: true } } }, { outcome: { destination: 'x' } }]) {
    assert.throws(() => parseBuiltinConfig(bad), (e: unknown) => e instanceof AgentConfigError && e.code === 'agent_config_invalid');
  }
});
