/**
 * Conversation ids: UUIDs (the record's `id` is a UUID by contract) in version 7, time
 * ordered (RFC 9562 §5.7): 48 bits of Unix time in ms, the version, 12 bits of counter,
 * the variant, 62 random bits. Ids made one after another sort one after another, so the
 * store's b-trees keyed on them (the primary keys of the handoff records and of the call
 * records) take each insert at their right edge instead of dirtying a random page per write.
 *
 * Monotonic within the process (RFC 9562 §6.2, method 1): `rand_a` is a counter that
 * starts at a random value below 2^11 each new millisecond and counts up within one; when
 * it runs out, or the clock steps back, the timestamp of the last id is carried on (a few ms
 * ahead of the clock at worst, as §6.2 allows). The random bits come from the CSPRNG in
 * blocks (one `randomFillSync` per 400 ids), as `crypto.randomUUID` does.
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes drawn per refill; 10 per id (8 for `rand_b`, 2 for a new counter start). */
const ID_BYTES = 10;
const POOL_BYTES = 400 * ID_BYTES;
/** Largest value of the 12-bit counter. */
const COUNTER_MAX = 0xfff;

/** A source of UUIDv7 strings, monotonic across its own calls. */
export class UuidV7Source {
  readonly #pool = Buffer.alloc(POOL_BYTES);
  #offset = POOL_BYTES;
  #lastMs = -1;
  #counter = 0;

  /**
   * The next id.
   * @param nowMs Unix time, ms (default `Date.now()`); an earlier time than the last id's
   *   keeps the last id's time
   */
  next(nowMs: number = Date.now()): string {
    if (this.#offset + ID_BYTES > POOL_BYTES) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const r = this.#pool;
    const o = this.#offset;
    this.#offset = o + ID_BYTES;
    const ms = Math.floor(nowMs);
    if (ms > this.#lastMs) {
      this.#lastMs = ms;
      this.#counter = ((r[o + 8]! & 0x07) << 8) | r[o + 9]!; // random start, room to count
    } else if (++this.#counter > COUNTER_MAX) {
      this.#lastMs += 1; // §6.2: the counter ran out; the timestamp moves on
      this.#counter = ((r[o + 8]! & 0x07) << 8) | r[o + 9]!;
    }
    return format(this.#lastMs, this.#counter, r, o);
  }
}

/** ASCII codes of the hex digits. */
const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
/** The text of one id, written in place (the dashes stay), read as one flat string. */
const TEXT = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');

/** Writes `byte` as two hex digits at `at` of {@link TEXT}. */
function hex2(byte: number, at: number): void {
  TEXT[at] = HEX_CODES[byte >>> 4]!;
  TEXT[at + 1] = HEX_CODES[byte & 0xf]!;
}

/**
 * `tttttttt-tttt-7ccc-vrrr-rrrrrrrrrrrr` from the time, the counter and the 8 random bytes
 * at `o`. Written as bytes and read once: one flat string, where a chain of 20 `+` would
 * make 20 string pieces that every later use (a Map key, a SQLite parameter) flattens again.
 */
function format(ms: number, counter: number, r: Buffer, o: number): string {
  const hi = Math.floor(ms / 0x10000); // top 32 of the 48 bits
  const lo = ms % 0x10000;
  hex2(hi >>> 24, 0);
  hex2((hi >>> 16) & 0xff, 2);
  hex2((hi >>> 8) & 0xff, 4);
  hex2(hi & 0xff, 6);
  hex2(lo >>> 8, 9);
  hex2(lo & 0xff, 11);
  hex2(0x70 | (counter >>> 8), 14);
  hex2(counter & 0xff, 16);
  hex2(0x80 | (r[o]! & 0x3f), 19); // variant 10 (RFC 9562 §4.1)
  hex2(r[o + 1]!, 21);
  for (let i = 2; i < 8; i++) hex2(r[o + i]!, 24 + 2 * (i - 2));
  return TEXT.toString('latin1', 0, 36);
}

const ids = new UuidV7Source();

/**
 * A new conversation id (the handoff record's and the CDR's `id`): a UUIDv7.
 * @param nowMs Unix time of the call's start, ms (default `Date.now()`)
 */
export function newConversationId(nowMs?: number): string {
  return ids.next(nowMs);
}
