import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CallAbort, FlowAgent, parseFlow } from '../src/agents/index.ts';
import type { AgentContext, AgentMedia } from '../src/agents/types.ts';
import { frameEnergy } from '../src/media/tone.ts';
import { decodeWav } from '../src/media/wav.ts';
import { mediaBenchAgent, parseMediaAgent, promptLoopFlow, PROMPTS, speechLike, writePrompts } from './media-agent.ts';

const ctx: AgentContext = {
  tenant: { id: 't1', slug: 'demo' },
  agent: { id: 'a1', slug: 'media-bench', destinations: ['billing'], config: {} },
  conversationId: 'conv-1', caller: 'sip:bench@127.0.0.1', callee: 'sip:7020@127.0.0.1', xHeaders: {},
};

/** Media whose prompts end at once; aborts the call after `plays` of them. */
function countingMedia(plays: number, ac: CallAbort): AgentMedia & { files: string[] } {
  const files: string[] = [];
  return {
    files,
    onDtmf: () => () => undefined,
    onAudio: () => () => undefined,
    play: () => Promise.resolve({ completed: true }),
    playFile(path) {
      files.push(path);
      if (files.length === plays) ac.abort();
      return Promise.resolve({ completed: true });
    },
    say: () => Promise.reject(new Error('the bench flow never speaks')),
    mark: () => Promise.resolve({ completed: true }),
    stop: () => undefined,
  };
}

describe('media bench agent', () => {
  it('speech-like prompts: deterministic, syllables and pauses, never clipped', () => {
    const a = speechLike(2000, 1);
    assert.equal(a.length, 16_000);
    assert.deepEqual(a, speechLike(2000, 1));
    assert.notDeepEqual(a, speechLike(2000, 2));
    const energies = Array.from({ length: 100 }, (_, i) => frameEnergy(a.subarray(i * 160, (i + 1) * 160)));
    const loud = energies.filter((e) => e > 1e5).length;
    const quiet = energies.filter((e) => e < 1e3).length;
    assert.ok(loud > 30 && quiet > 5, `loud frames ${loud}, quiet frames ${quiet}`);
    assert.ok(a.every((s) => Math.abs(s) <= 8001));
  });

  it('writes the prompts as WAVs the gateway plays (PCM16 and µ-law at 8 kHz)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentline-media-agent-'));
    try {
      writePrompts(dir);
      for (const p of PROMPTS) {
        const wav = decodeWav(readFileSync(join(dir, p.file)));
        assert.equal(wav.format.sampleRate, 8000);
        assert.equal(wav.format.formatTag, p.encoding === 'pcm16' ? 1 : 7);
        assert.equal(wav.samples.length, p.durationMs * 8);
        const original = speechLike(p.durationMs, p.seed);
        // µ-law keeps a sample within about 3 % of its size (plus the smallest step).
        const worst = wav.samples.reduce((m, s, i) => Math.max(m, Math.abs(s - original[i]!) - 0.04 * Math.abs(original[i]!)), 0);
        assert.ok(worst <= 8, `${p.file}: off by ${worst}`);
      }
      const agent = mediaBenchAgent('flow', dir);
      assert.equal(agent.kind, 'flow');
      assert.equal(mediaBenchAgent('tone', dir).kind, 'builtin');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start the flow without its prompts', () => {
    assert.throws(() => mediaBenchAgent('flow', join(tmpdir(), 'agentline-no-such-dir')), /prompts missing/);
    assert.throws(() => parseMediaAgent('tts'), /unknown media bench agent \[agent:tts\]/);
  });

  it('the flow plays its prompts in turn for as long as the call lasts', async () => {
    const flow = promptLoopFlow('/bench');
    assert.equal(parseFlow(flow).maxSteps, 10_000);
    const ac = new CallAbort();
    const media = countingMedia(25, ac);
    const outcome = await new FlowAgent({ flow }).run(ctx, media, ac);
    assert.equal(media.files.length, 25);
    assert.deepEqual(media.files.slice(0, 3), ['/bench/welcome.wav', '/bench/menu.wav', '/bench/welcome.wav']);
    assert.equal(outcome.contained, true);
    assert.equal(outcome.data?.['ended_early'], true, 'the call ended it, not the flow');
    assert.equal((outcome.data?.['path'] as string[]).length, 25);
  });
});
