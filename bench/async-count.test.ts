import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncCounter, siteOf } from './async-count.ts';

async function chain(): Promise<number> {
  return (await Promise.resolve(1)) + 1;
}

test('counts the promises and timers made in its window only, with their sites', async () => {
  await chain(); // before the window
  const counter = new AsyncCounter();
  counter.start(1);
  for (let i = 0; i < 50; i++) await chain();
  await new Promise<void>((resolve) => setTimeout(resolve, 1));
  const counts = counter.stop();
  await chain(); // after the window
  assert.ok((counts.types['PROMISE'] ?? 0) >= 100, `promises: ${counts.types['PROMISE']}`);
  assert.equal(counts.types['Timeout'], 1);
  const top = counts.sites[0];
  assert.ok(top !== undefined && top.type === 'PROMISE' && top.count >= 50, JSON.stringify(top));
  assert.match(top.site, /chain \(bench\/async-count\.test\.ts:\d+:\d+\)/);
});

test('scales sampled sites back up, and a second window starts from zero', async () => {
  const counter = new AsyncCounter();
  counter.start(1);
  for (let i = 0; i < 10; i++) await chain();
  const first = counter.stop();
  counter.start(4);
  for (let i = 0; i < 400; i++) await chain();
  const second = counter.stop();
  assert.ok((second.types['PROMISE'] ?? 0) > (first.types['PROMISE'] ?? 0) * 20);
  assert.equal(second.sampleEvery, 4);
  const sampled = second.sites.reduce((sum, s) => sum + s.count, 0);
  const total = Object.values(second.types).reduce((sum, n) => sum + n, 0);
  assert.ok(Math.abs(sampled - total) <= 4, `sampled ${sampled}, total ${total}`);
});

test('names a site by its first frames outside async_hooks, with paths cut to the repository', () => {
  const stack = [
    'Error',
    '    at AsyncHook.init (node:internal/async_hooks:200:9)',
    '    at emitInitNative (node:internal/async_hooks:202:43)',
    '    at Call.run (/work/main/src/call/call.ts:113:9)',
    '    at CallManager.handleInvite (file:///work/main/src/call/manager.ts:104:15)',
    '    at /work/main/node_modules/tsx/dist/x.mjs:1:2',
    '    at ignored (/work/main/src/app.ts:1:1)',
  ].join('\n');
  assert.equal(siteOf(stack), 'Call.run (src/call/call.ts:113:9) < CallManager.handleInvite (src/call/manager.ts:104:15) < node_modules/tsx/dist/x.mjs:1:2');
});
