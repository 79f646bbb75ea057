import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ALAW_TO_LINEAR,
  LINEAR_TO_ALAW,
  LINEAR_TO_ULAW,
  ULAW_TO_LINEAR,
  decodeAlaw,
  decodeG711,
  decodeUlaw,
  encodeAlaw,
  encodeG711,
  encodeUlaw,
  g711Silence,
} from './g711.ts';

test('µ-law decode matches ITU-T G.711 reference values', () => {
  assert.equal(ULAW_TO_LINEAR[0xff], 0);
  assert.equal(ULAW_TO_LINEAR[0x7f], 0); // negative zero
  assert.equal(ULAW_TO_LINEAR[0x00], -32124);
  assert.equal(ULAW_TO_LINEAR[0x80], 32124);
  assert.equal(ULAW_TO_LINEAR[0xfe], 8);
  assert.equal(ULAW_TO_LINEAR[0x7e], -8);
  assert.equal(ULAW_TO_LINEAR[0xef], 132); // first step of segment 1
});

test('A-law decode matches ITU-T G.711 reference values', () => {
  assert.equal(ALAW_TO_LINEAR[0xd5], 8);
  assert.equal(ALAW_TO_LINEAR[0x55], -8);
  assert.equal(ALAW_TO_LINEAR[0xaa], 32256);
  assert.equal(ALAW_TO_LINEAR[0x2a], -32256);
  assert.equal(ALAW_TO_LINEAR[0x80], 5504);
  assert.equal(ALAW_TO_LINEAR[0x00], -5504);
});

test('encode matches reference codes at the edges', () => {
  assert.equal(LINEAR_TO_ULAW[0], 0xff);
  assert.equal(LINEAR_TO_ULAW[32767], 0x80);
  assert.equal(LINEAR_TO_ULAW[0x8000], 0x00); // -32768 clips to the largest negative code
  assert.equal(LINEAR_TO_ALAW[0], 0xd5);
  assert.equal(LINEAR_TO_ALAW[32767], 0xaa);
  assert.equal(LINEAR_TO_ALAW[0x8000], 0x2a);
  assert.equal(LINEAR_TO_ALAW[0xffff], 0x55); // -1
  assert.equal(g711Silence('PCMU'), 0xff);
  assert.equal(g711Silence('PCMA'), 0xd5);
});

test('every code survives decode → encode (µ-law negative zero maps to positive zero)', () => {
  for (let code = 0; code < 256; code++) {
    const expectedU = code === 0x7f ? 0xff : code;
    assert.equal(LINEAR_TO_ULAW[ULAW_TO_LINEAR[code]! & 0xffff], expectedU, `µ-law ${code}`);
    assert.equal(LINEAR_TO_ALAW[ALAW_TO_LINEAR[code]! & 0xffff], code, `A-law ${code}`);
  }
});

test('encoding is monotonic and the quantization error stays within one segment step', () => {
  let prevU = -Infinity;
  let prevA = -Infinity;
  for (let s = -32768; s <= 32767; s++) {
    const u = ULAW_TO_LINEAR[LINEAR_TO_ULAW[s & 0xffff]!]!;
    const a = ALAW_TO_LINEAR[LINEAR_TO_ALAW[s & 0xffff]!]!;
    assert.ok(u >= prevU && a >= prevA, `monotonic at ${s}`);
    prevU = u;
    prevA = a;
    // Largest step is 1024 (µ-law) / 1024 (A-law) in the top segment; half a step of error.
    const tol = Math.max(16, Math.abs(s) / 16) + 1;
    if (Math.abs(s) <= 32124) assert.ok(Math.abs(u - s) <= tol, `µ-law error at ${s}: ${u}`);
    if (Math.abs(s) <= 32256) assert.ok(Math.abs(a - s) <= tol, `A-law error at ${s}: ${a}`);
  }
});

test('buffer functions write into caller buffers and honour length', () => {
  const pcm = Int16Array.from([0, 1000, -1000, 32767, -32768]);
  const bytes = new Uint8Array(8).fill(0x11);
  assert.equal(encodeUlaw(pcm, bytes), 5);
  assert.equal(bytes[5], 0x11);
  const back = new Int16Array(5);
  assert.equal(decodeUlaw(bytes, back, 5), 5);
  assert.equal(back[0], 0);
  assert.equal(encodeAlaw(pcm, bytes, 2), 2);
  assert.equal(decodeAlaw(bytes, back, 2), 2);
  assert.equal(back[0], 8);
  assert.equal(encodeG711('PCMU', pcm, bytes), 5);
  assert.equal(decodeG711('PCMA', bytes, back), 5);
  // The shorter buffer bounds the work.
  assert.equal(decodeUlaw(new Uint8Array(10), new Int16Array(3)), 3);
});

test('property: decode(encode(decode(x))) equals decode(x) for both laws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 320 }), (codes) => {
      for (const law of ['PCMU', 'PCMA'] as const) {
        const pcm = new Int16Array(codes.length);
        decodeG711(law, codes, pcm);
        const again = new Uint8Array(codes.length);
        encodeG711(law, pcm, again);
        const pcm2 = new Int16Array(codes.length);
        decodeG711(law, again, pcm2);
        assert.deepEqual(pcm2, pcm);
      }
    }),
  );
});
