/**
 * Memory of a long flow run: a prompt's wait for the call's end must not outlive the
 * prompt. Racing every prompt against one promise that lives for the whole call kept a
 * reaction per prompt on it (a race promise and its two resolving functions, about 150
 * bytes) until the call ended: a looping IVR leaked for hours.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentContext, AgentMedia, PlaybackResult } from '../types.ts';
import { FlowAgent } from './agent.ts';
import { CallAbort } from '../signal.ts';
import { heapAfterGc } from '../../../test/support/heap.ts';

const ctx: AgentContext = {
  tenant: { id: 't1', slug: 'acme' },
  agent: { id: 'a1', slug: 'ivr', destinations: [], config: {} },
  conversationId: 'conv-1', sharedId: 'S-1', caller: 'sip:a@x', callee: 'sip:7001@gw', xHeaders: {},
};

const DONE: PlaybackResult = { completed: true };

/** Media whose prompts play at once, except the ones numbered in `holdAt`, which wait for `release()`. */
class InstantMedia implements AgentMedia {
  prompts = 0;
  private held: (() => void) | undefined;
  private reached: (() => void) | undefined;

  constructor(private readonly holdAt: ReadonlySet<number>) {}

  /** Resolves when the run waits on a held prompt. */
  heldPrompt(): Promise<void> {
    return new Promise((resolve) => { this.reached = resolve; });
  }

  release(): void {
    const h = this.held;
    this.held = undefined;
    h?.();
  }

  playFile(): Promise<PlaybackResult> {
    if (!this.holdAt.has(++this.prompts)) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.held = () => resolve(DONE);
      this.reached?.();
    });
  }

  onDtmf(): () => void { return () => undefined; }
  onAudio(): () => void { return () => undefined; }
  play(): Promise<PlaybackResult> { return Promise.resolve(DONE); }
  say(): Promise<PlaybackResult> { return Promise.resolve(DONE); }
  mark(): Promise<PlaybackResult> { return Promise.resolve(DONE); }
  stop(): void {}
}

test('prompts of a live call leave nothing behind (no reaction per prompt on a call-long promise)', async () => {
  const loop = {
    start: 'a',
    maxSteps: 10_000,
    steps: { a: { play: '/p/a.wav', next: 'b', bargeIn: false }, b: { play: '/p/b.wav', next: 'a', bargeIn: false } },
  };
  const media = new InstantMedia(new Set([1000, 9000]));
  const ac = new CallAbort();
  let reached = media.heldPrompt();
  const run = new FlowAgent({ flow: loop }).run(ctx, media, ac);
  await reached;
  const before = heapAfterGc();
  reached = media.heldPrompt();
  media.release();
  await reached; // 8000 prompts later, the call still up
  const grown = heapAfterGc() - before;
  assert.equal(media.prompts, 9000);
  // The leak kept ~525 bytes per prompt (4.2 MB here); what grows without it is the flow's
  // path (8000 entries) and code V8 compiles meanwhile, up to ~0.7 MB in repeated runs.
  assert.ok(grown < 1_500_000, `heap grew by ${grown} bytes over 8000 prompts of one call`);
  ac.abort();
  const outcome = await run;
  assert.equal(outcome.data?.['ended_early'], true);
});
