/**
 * G.711 encodings of shared PCM: prompts that many calls play (the prompt cache marks what it
 * hands out with {@link shareAudio}). Each law's encoding is made once and kept beside the
 * PCM, as Asterisk and FreeSWITCH keep prompts in the codec they send: a packet of a prompt
 * is then a 160-byte copy instead of 160 reads of a 64 KiB table (issue #4: the encode was
 * about a tenth of the media core at 600 calls playing prompts). The encoding grows a frame
 * at a time as the call furthest into the audio reads it, so no tick pays for a whole prompt
 * at once. Audio that is not shared (a bot's streamed speech) is encoded straight into the
 * packet, never into a copy.
 */
import { LINEAR_TO_ALAW, LINEAR_TO_ULAW } from './g711.ts';
import type { G711Law } from './g711.ts';

/** Samples of the frames whose views {@link Encoding.frames} keeps (20 ms at 8 kHz). */
const FRAME = 160;

/** One law's encoding of a shared buffer: bytes `[0, done)` are valid. */
interface Encoding {
  readonly bytes: Uint8Array;
  done: number;
  /**
   * Views of whole frames at multiples of {@link FRAME}, made on first use: a frame is then
   * copied by `TypedArray.set` (a memcpy) with no allocation. A JavaScript byte loop takes
   * about 0.6 µs a frame here, the copy a fifth of that.
   */
  readonly frames: Array<Uint8Array | undefined>;
}

/** The encodings of one shared buffer, made on first use per law. */
export interface SharedEncodings {
  PCMU: Encoding | undefined;
  PCMA: Encoding | undefined;
}

/** Shared PCM → its encodings; an entry goes with its buffer (WeakMap). */
const shared = new WeakMap<Int16Array, SharedEncodings>();

/**
 * Marks `pcm` as shared: played by many calls and never changed (the prompt cache's buffers).
 * Its encodings are then kept for as long as the buffer lives.
 */
export function shareAudio(pcm: Int16Array): void {
  if (!shared.has(pcm)) shared.set(pcm, { PCMU: undefined, PCMA: undefined });
}

/** The encodings of `pcm` when it is shared (look it up once per playback, not per frame). */
export function sharedEncodings(pcm: Int16Array): SharedEncodings | undefined {
  return shared.get(pcm);
}

/**
 * Writes `count` samples of `pcm` from `from`, encoded in `law`, into `dst` at `at`: copied
 * from the shared encoding (made up to `from + count` first when it is not yet), or encoded
 * straight from the PCM when `encodings` is undefined.
 */
export function encodeRange(
  law: G711Law, pcm: Int16Array, encodings: SharedEncodings | undefined, from: number, count: number, dst: Uint8Array, at: number,
): void {
  const table = law === 'PCMU' ? LINEAR_TO_ULAW : LINEAR_TO_ALAW;
  if (encodings === undefined) {
    for (let i = 0; i < count; i++) dst[at + i] = table[pcm[from + i]! & 0xffff]!;
    return;
  }
  let encoding = encodings[law];
  if (encoding === undefined) {
    encoding = { bytes: new Uint8Array(pcm.length), done: 0, frames: [] };
    encodings[law] = encoding;
  }
  const bytes = encoding.bytes;
  const end = from + count;
  if (encoding.done < end) {
    for (let i = encoding.done; i < end; i++) bytes[i] = table[pcm[i]! & 0xffff]!;
    encoding.done = end;
  }
  if (count === FRAME && from % FRAME === 0) {
    const k = from / FRAME;
    dst.set(encoding.frames[k] ??= bytes.subarray(from, end), at);
    return;
  }
  // A frame that straddles two playbacks, or a playback's last part.
  for (let i = 0; i < count; i++) dst[at + i] = bytes[from + i]!;
}
