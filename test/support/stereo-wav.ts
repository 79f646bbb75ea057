/**
 * Reads the 2-channel PCM16 WAV files of call recordings back for tests (the media layer's
 * reader takes mono prompts only): checks the canonical 44-byte header and splits the
 * interleaved samples into one array per channel.
 */
import assert from 'node:assert/strict';

/** A recording split by channel. */
export interface StereoWav {
  sampleRate: number;
  /** Channel 1: the caller. */
  caller: Int16Array;
  /** Channel 2: what the gateway sent. */
  agent: Int16Array;
}

/** Parses a recording; fails the test when it is not 16-bit 2-channel PCM with consistent sizes. */
export function readStereoWav(bytes: Uint8Array): StereoWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  assert.equal(text(0), 'RIFF');
  assert.equal(text(8), 'WAVE');
  assert.equal(view.getUint16(20, true), 1, 'PCM');
  assert.equal(view.getUint16(22, true), 2, 'two channels');
  const sampleRate = view.getUint32(24, true);
  assert.equal(view.getUint32(28, true), sampleRate * 4, 'byte rate');
  assert.equal(view.getUint16(32, true), 4, 'block align');
  assert.equal(view.getUint16(34, true), 16, 'bits per sample');
  assert.equal(text(36), 'data');
  const dataBytes = view.getUint32(40, true);
  assert.equal(dataBytes, bytes.length - 44, 'data size fixed on close');
  assert.equal(view.getUint32(4, true), 36 + dataBytes, 'RIFF size');
  const frames = dataBytes / 4;
  const caller = new Int16Array(frames);
  const agent = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    caller[i] = view.getInt16(44 + 4 * i, true);
    agent[i] = view.getInt16(46 + 4 * i, true);
  }
  return { sampleRate, caller, agent };
}
