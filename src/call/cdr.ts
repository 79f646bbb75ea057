/**
 * The call detail record of one call, written at the start and updated as the call
 * goes. Writes never fail the call: a store error is logged.
 *
 * Hot path (docs/benchmarks.md, "Calls per second"): the writer keeps the merged record
 * in memory and writes it whole (one upsert, no read-modify-write). One write is in
 * flight at a time; patches that arrive meanwhile coalesce into the next write, so a
 * call costs two or three CDR statements instead of five (insert + four updates, each
 * with its own read). CDRs are not the durable handoff record: eventual is enough.
 */
import type { Logger } from '../obs/index.ts';
import type { CallPatch, CallRecord, Store } from '../store/index.ts';

/** Coalesced CDR writes for one call, in order. */
export class CdrWriter {
  #record: CallRecord | undefined;
  /** The record changed since the last write was issued. */
  #dirty = false;
  /** The write in flight (with any follow-up it schedules); settled when idle. */
  #chain: Promise<void> = Promise.resolve();
  #writing = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** Writes the first version of the record. */
  start(record: CallRecord): void {
    this.#record = record;
    this.#touch();
  }

  /** Merges `patch` into the record (written after the earlier writes). */
  update(id: string, patch: CallPatch): void {
    const current = this.#record;
    if (current === undefined) return;
    this.#record = { ...current, ...patch, id };
    this.#touch();
  }

  /** Resolves when every queued write has settled. */
  flushed(): Promise<void> {
    return this.#chain;
  }

  #touch(): void {
    this.#dirty = true;
    if (this.#writing) return;
    this.#writing = true;
    this.#chain = this.#drain();
  }

  /** Writes the latest record until nothing changed during the last write. */
  async #drain(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      try {
        await this.store.putCall(this.#record as CallRecord);
      } catch (err) {
        this.logger.warn({ err }, 'call record write failed');
      }
    }
    this.#writing = false;
  }
}

