import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRange, shareAudio, sharedEncodings } from './encoded-audio.ts';
import { encodeG711 } from './g711.ts';
import type { G711Law } from './g711.ts';

/** Speech-like levels: every segment of both laws, both signs. */
const signal = (n: number): Int16Array => Int16Array.from({ length: n }, (_, i) => Math.round(32767 * Math.sin(i * 0.37) * ((i % 97) / 96)));

const reference = (law: G711Law, pcm: Int16Array, from: number, count: number): Uint8Array => {
  const out = new Uint8Array(count);
  encodeG711(law, pcm.subarray(from, from + count), out);
  return out;
};

for (const law of ['PCMU', 'PCMA'] as const) {
  test(`${law}: shared and unshared audio encode as the reference does, at any offset`, () => {
    const plain = signal(1000);
    const prompt = signal(1000);
    shareAudio(prompt);
    assert.equal(sharedEncodings(plain), undefined);
    const encodings = sharedEncodings(prompt);
    assert.notEqual(encodings, undefined);
    const dst = new Uint8Array(200);
    // Two calls at different places in the same prompt, then one far ahead of both.
    for (const [from, count] of [[0, 160], [160, 160], [0, 160], [320, 37], [357, 160], [900, 100]] as const) {
      encodeRange(law, prompt, encodings, from, count, dst, 12);
      assert.deepEqual(dst.subarray(12, 12 + count), reference(law, prompt, from, count), `shared ${from}+${count}`);
      encodeRange(law, plain, undefined, from, count, dst, 12);
      assert.deepEqual(dst.subarray(12, 12 + count), reference(law, plain, from, count), `plain ${from}+${count}`);
    }
  });
}

test('a shared buffer is encoded once per law: later reads copy the kept encoding', () => {
  const prompt = signal(480);
  shareAudio(prompt);
  const encodings = sharedEncodings(prompt);
  const first = new Uint8Array(160);
  encodeRange('PCMU', prompt, encodings, 0, 160, first, 0);
  // Shared audio must not change; if it did, the kept encoding shows that it is what is sent.
  prompt[0] = prompt[0]! === 0 ? 1000 : -prompt[0]!;
  const again = new Uint8Array(160);
  encodeRange('PCMU', prompt, encodings, 0, 160, again, 0);
  assert.deepEqual(again, first);
  // The other law has its own encoding, made from the buffer as it is now.
  encodeRange('PCMA', prompt, encodings, 0, 160, again, 0);
  assert.deepEqual(again, reference('PCMA', prompt, 0, 160));
  // Unshared audio is encoded every time.
  encodeRange('PCMU', prompt, undefined, 0, 160, again, 0);
  assert.notDeepEqual(again, first);
});

test('marking a buffer twice keeps its encodings', () => {
  const prompt = signal(320);
  shareAudio(prompt);
  const before = sharedEncodings(prompt);
  encodeRange('PCMA', prompt, before, 0, 160, new Uint8Array(160), 0);
  shareAudio(prompt);
  assert.equal(sharedEncodings(prompt), before);
  assert.notEqual(before?.PCMA, undefined);
});
