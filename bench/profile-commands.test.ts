import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';
import { heapSamplingParams } from './profile-commands.ts';

interface ProfileNode { selfSize: number; children: ProfileNode[] }

function totalBytes(node: ProfileNode): number {
  return node.children.reduce((sum, c) => sum + totalBytes(c), node.selfSize);
}

/** Allocates about `mb` MB that dies young, while keeping ~1 MB alive; returns the sampled bytes. */
async function sampleChurn(mode: string | undefined, mb: number): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', heapSamplingParams(mode));
    const kept: number[][] = [];
    let sink = 0;
    for (let i = 0; i < mb * 1024; i++) {
      const garbage = new Array<number>(128).fill(i); // ~1 KB each
      sink += garbage.length;
      if (i % 1024 === 0) kept.push(garbage);
    }
    assert.ok(sink > 0 && kept.length > 0);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return totalBytes(profile.head as unknown as ProfileNode);
  } finally {
    session.disconnect();
  }
}

test('heap-start counts every allocation, heap-start old only what no scavenge collected', async () => {
  const all = await sampleChurn(undefined, 100);
  const old = await sampleChurn('old', 100);
  assert.ok(all > 80 * 2 ** 20, `all: ${all} bytes sampled`);
  // What is left: the kept arrays, and garbage that no scavenge has reached yet (at most the young generation).
  assert.ok(old < all / 3, `old: ${old} bytes sampled against ${all}`);
});

test('heap-start refuses a mode it does not know', () => {
  assert.throws(() => heapSamplingParams('olde'), /unknown heap-start mode \[olde\]/);
  assert.equal(heapSamplingParams(undefined).includeObjectsCollectedByMinorGC, true);
});
