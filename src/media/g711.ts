/**
 * ITU-T G.711 µ-law and A-law codecs on precomputed lookup tables.
 *
 * Decoding is one read from a 256-entry Int16Array; encoding one read from a
 * 65536-entry Uint8Array indexed by `sample & 0xffff`. The tables are built once at
 * module load from the segment algorithms of G.711 §3 / the classic reference code
 * (Sun `g711.c`), so that the hot path never branches on segments. Every function
 * writes into a caller-supplied buffer: nothing is allocated per packet.
 */

/** The G.711 variants Agentline negotiates (RFC 3551 §4.5.14). */
export type G711Law = 'PCMU' | 'PCMA';

/** µ-law bias added before segment search (G.711 §3.4: 33 on the 14-bit scale, 132 here). */
const ULAW_BIAS = 0x84;
/** Largest magnitude µ-law can represent after the bias is added (16-bit scale). */
const ULAW_CLIP = 32635;

/** Encodes one 16-bit linear sample to µ-law with the segment algorithm (slow path). */
function ulawFromLinear(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = sample < 0 ? -sample : sample;
  if (magnitude > ULAW_CLIP) magnitude = ULAW_CLIP;
  magnitude += ULAW_BIAS;
  // Segment (exponent) = position of the highest set bit above bit 7.
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  // G.711 transmits µ-law with all bits inverted.
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Decodes one µ-law byte to a 16-bit linear sample (slow path). */
function linearFromUlaw(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return (u & 0x80) !== 0 ? -magnitude : magnitude;
}

/** Upper bounds of the A-law segments on the 13-bit scale (G.711 Table 1a). */
const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** Encodes one 16-bit linear sample to A-law with the segment algorithm (slow path). */
function alawFromLinear(sample: number): number {
  let value = sample >> 3; // 13-bit magnitude scale
  let mask: number;
  if (value >= 0) {
    mask = 0xd5; // sign bit set for positive values, even bits inverted (G.711 §3.3)
  } else {
    mask = 0x55;
    value = -value - 1;
  }
  let segment = 0;
  while (segment < 8 && value > (ALAW_SEGMENT_END[segment] ?? 0)) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const shift = segment < 2 ? 1 : segment;
  return ((segment << 4) | ((value >> shift) & 0x0f)) ^ mask;
}

/** Decodes one A-law byte to a 16-bit linear sample (slow path). */
function linearFromAlaw(code: number): number {
  const a = code ^ 0x55;
  let magnitude = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return (a & 0x80) !== 0 ? magnitude : -magnitude;
}

function buildDecodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decode(code);
  return table;
}

function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = encode(i >= 32768 ? i - 65536 : i);
  return table;
}

/** µ-law byte → 16-bit linear sample. 256 entries. */
export const ULAW_TO_LINEAR: Int16Array = buildDecodeTable(linearFromUlaw);
/** A-law byte → 16-bit linear sample. 256 entries. */
export const ALAW_TO_LINEAR: Int16Array = buildDecodeTable(linearFromAlaw);
/** 16-bit linear sample (indexed by `sample & 0xffff`) → µ-law byte. 65536 entries. */
export const LINEAR_TO_ULAW: Uint8Array = buildEncodeTable(ulawFromLinear);
/** 16-bit linear sample (indexed by `sample & 0xffff`) → A-law byte. 65536 entries. */
export const LINEAR_TO_ALAW: Uint8Array = buildEncodeTable(alawFromLinear);

/** µ-law code of digital silence (linear 0). */
export const ULAW_SILENCE = 0xff;
/** A-law code of digital silence (the smallest positive step, linear +8). */
export const ALAW_SILENCE = 0xd5;

function decodeWith(table: Int16Array, src: Uint8Array, dst: Int16Array, length: number): number {
  const n = Math.min(length, src.length, dst.length);
  for (let i = 0; i < n; i++) dst[i] = table[src[i]!]!;
  return n;
}

function encodeWith(table: Uint8Array, src: Int16Array, dst: Uint8Array, length: number): number {
  const n = Math.min(length, src.length, dst.length);
  for (let i = 0; i < n; i++) dst[i] = table[src[i]! & 0xffff]!;
  return n;
}

/**
 * Decodes µ-law bytes into 16-bit linear samples.
 * @param src µ-law bytes
 * @param dst destination samples (caller-owned, reused)
 * @param length samples to decode (default: as many as both buffers hold)
 * @returns the number of samples written
 */
export function decodeUlaw(src: Uint8Array, dst: Int16Array, length = src.length): number {
  return decodeWith(ULAW_TO_LINEAR, src, dst, length);
}

/**
 * Encodes 16-bit linear samples into µ-law bytes.
 * @param src linear samples
 * @param dst destination bytes (caller-owned, reused)
 * @param length samples to encode (default: as many as both buffers hold)
 * @returns the number of bytes written
 */
export function encodeUlaw(src: Int16Array, dst: Uint8Array, length = src.length): number {
  return encodeWith(LINEAR_TO_ULAW, src, dst, length);
}

/**
 * Decodes A-law bytes into 16-bit linear samples.
 * @param src A-law bytes
 * @param dst destination samples (caller-owned, reused)
 * @param length samples to decode (default: as many as both buffers hold)
 * @returns the number of samples written
 */
export function decodeAlaw(src: Uint8Array, dst: Int16Array, length = src.length): number {
  return decodeWith(ALAW_TO_LINEAR, src, dst, length);
}

/**
 * Encodes 16-bit linear samples into A-law bytes.
 * @param src linear samples
 * @param dst destination bytes (caller-owned, reused)
 * @param length samples to encode (default: as many as both buffers hold)
 * @returns the number of bytes written
 */
export function encodeAlaw(src: Int16Array, dst: Uint8Array, length = src.length): number {
  return encodeWith(LINEAR_TO_ALAW, src, dst, length);
}

/**
 * Decodes with the given law. Same contract as {@link decodeUlaw}.
 * @returns the number of samples written
 */
export function decodeG711(law: G711Law, src: Uint8Array, dst: Int16Array, length = src.length): number {
  return decodeWith(law === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR, src, dst, length);
}

/**
 * Encodes with the given law. Same contract as {@link encodeUlaw}.
 * @returns the number of bytes written
 */
export function encodeG711(law: G711Law, src: Int16Array, dst: Uint8Array, length = src.length): number {
  return encodeWith(law === 'PCMU' ? LINEAR_TO_ULAW : LINEAR_TO_ALAW, src, dst, length);
}

/** The byte that encodes silence in the given law. */
export function g711Silence(law: G711Law): number {
  return law === 'PCMU' ? ULAW_SILENCE : ALAW_SILENCE;
}
