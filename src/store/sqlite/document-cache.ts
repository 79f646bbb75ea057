/**
 * Recently read handoff documents, in memory, so that the Handoff API's repeated reads of
 * a record (a contact-center script polls right after the BYE, and again on retries)
 * cost no SQLite lookup. Filled by reads and by puts (a record put is cached when its
 * transaction commits, so the first read after the BYE is a hit too). Bounded by the bytes
 * of `data` it holds, least recently used first out. A shared-id lookup answers the newest
 * record (by `created_at`, then insertion order): a put moves the shared id to its record
 * only when the store found it the newest, inside the put's own transaction. Correct with
 * other writers on the same file: the owner clears it whenever SQLite's `data_version` says
 * another connection committed; `data_version` is read at most every 20 ms, so another
 * process's commit shows within 20 ms.
 */
import type { HandoffDocument, HandoffLookup } from '../types.ts';

/** Bytes an entry costs besides its `data` text (keys, object, map slots), roughly. */
const ENTRY_OVERHEAD = 256;

/**
 * Past its bound the cache evicts down to this share of it, not just below it. A Map keeps
 * its deleted entries as holes at the front until it rehashes, and every eviction walks from
 * the front: evicting one entry per put walked over every earlier eviction's hole each time
 * (about 50-90 µs a put once 90,000 documents filled it; src/store/sqlite/document-cache.test.ts).
 * One walk for an eighth of the entries costs a few steps per put.
 */
const LOW_WATER = 7 / 8;

export class DocumentCache {
  /** Documents by `tenant \0 id`, least recently used first. */
  readonly #byId = new Map<string, HandoffDocument>();
  /** `tenant \0 shared id` → `tenant \0 id` of the newest record. */
  readonly #byShared = new Map<string, string>();
  #bytes = 0;

  /** @param maxBytes 0 disables the cache */
  constructor(private readonly maxBytes: number) {}

  /** A cached document, or undefined (a miss: read the store). */
  get(tenantId: string, lookup: HandoffLookup): HandoffDocument | undefined {
    const idKey = 'sharedId' in lookup ? this.#byShared.get(`${tenantId}\0${lookup.sharedId}`) : `${tenantId}\0${lookup.id}`;
    if (idKey === undefined) return undefined;
    const doc = this.#byId.get(idKey);
    if (doc === undefined) return undefined;
    this.#byId.delete(idKey); // most recently used goes last
    this.#byId.set(idKey, doc);
    return doc;
  }

  /** Remembers what a lookup read from the store. */
  set(lookup: HandoffLookup, doc: HandoffDocument): void {
    const size = doc.dataJson.length + ENTRY_OVERHEAD;
    if (size > this.maxBytes / 8) return; // one huge record must not flush the rest
    const idKey = `${doc.tenantId}\0${doc.id}`;
    if (!this.#byId.has(idKey)) {
      this.#byId.set(idKey, Object.freeze(doc)); // shared by every reader
      this.#bytes += size;
    }
    if ('sharedId' in lookup) this.#byShared.set(`${doc.tenantId}\0${lookup.sharedId}`, idKey);
    this.#evict();
  }

  /**
   * A record was put and committed: it answers lookups by its id, and by its shared id when
   * `newest` (it is what a shared-id read now returns). A record that is not the newest
   * leaves the shared id's entry alone: that entry, if any, still names the newest.
   */
  added(doc: HandoffDocument, newest: boolean): void {
    if (doc.sharedId !== undefined && newest) {
      this.#byShared.delete(`${doc.tenantId}\0${doc.sharedId}`); // even when `doc` is too big to hold
      this.set({ sharedId: doc.sharedId }, doc);
    } else {
      this.set({ id: doc.id }, doc);
    }
  }

  /** Forgets everything (another writer committed, or records were purged). */
  clear(): void {
    this.#byId.clear();
    this.#byShared.clear();
    this.#bytes = 0;
  }

  /** Entries held. */
  get size(): number {
    return this.#byId.size;
  }

  #evict(): void {
    if (this.#bytes <= this.maxBytes) return;
    const target = this.maxBytes * LOW_WATER;
    for (const [idKey, doc] of this.#byId) {
      if (this.#bytes <= target) return;
      this.#byId.delete(idKey);
      this.#bytes -= doc.dataJson.length + ENTRY_OVERHEAD;
      if (doc.sharedId !== undefined) {
        const sharedKey = `${doc.tenantId}\0${doc.sharedId}`;
        if (this.#byShared.get(sharedKey) === idKey) this.#byShared.delete(sharedKey);
      }
    }
  }
}
