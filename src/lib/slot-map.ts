/**
 * A string-keyed table for objects that come and go by the thousand a second (calls,
 * dialogs, transactions), shaped for V8's generational collector. `Map`'s API, the part the
 * gateway uses.
 *
 * A `Map` keeps its entries in a hash table that it replaces as entries come and go (a
 * deleted entry leaves a hole until the next rehash). Once a long-lived `Map`'s table is in
 * the old generation, each replacement is allocated there too, and the table it replaced is
 * left as it was: dead, in old space, still pointing at every value it held at that moment.
 * A scavenge cannot tell that an old object is dead (every old-to-young pointer is a root
 * for it), so whatever such a table points at in the young generation survives, and is
 * promoted, and waits in old space for the next mark-compact, with everything it reaches.
 * For the gateway's tables that was every call live at a rehash, whole (docs/benchmarks.md,
 * "Calls per second", item 2).
 *
 * Here the `Map` maps keys to slot numbers (small integers, which are not pointers) and the
 * values sit in an array whose slot is cleared when its key goes: no table, live or dead,
 * points at a value that has left. Freed slots are reused, so the array stops growing at the
 * peak count (it is not shrunk).
 */
export class SlotMap<V> {
  readonly #slots = new Map<string, number>();
  readonly #values: Array<V | undefined> = [];
  readonly #free: number[] = [];

  /** Number of keys held. */
  get size(): number {
    return this.#slots.size;
  }

  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  /** Slots in the value array: the most keys ever held at once (freed slots are reused). */
  get capacity(): number {
    return this.#values.length;
  }

  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /** Holds `value` under `key`; a key already held keeps its place in the order. */
  set(key: string, value: V): this {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#values.length;
      this.#slots.set(key, slot);
    }
    this.#values[slot] = value;
    return this;
  }

  /** @returns false when `key` was not held */
  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#values[slot] = undefined;
    this.#free.push(slot);
    return true;
  }

  /**
   * The values in the order their keys were first set, as a `Map` iterates: a key deleted
   * during the iteration is not visited, one set during it is, at the end.
   */
  *values(): IterableIterator<V> {
    for (const slot of this.#slots.values()) yield this.#values[slot] as V;
  }

  /** Drops every key and value. */
  clear(): void {
    this.#slots.clear();
    this.#values.length = 0;
    this.#free.length = 0;
  }
}
