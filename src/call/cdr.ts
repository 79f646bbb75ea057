/**
 * The call detail record of one call, written at the start and updated as the call
 * goes. Writes are queued in order and never fail the call: a store error is logged.
 */
import type { Logger } from '../obs/index.ts';
import type { CallPatch, CallRecord, Store } from '../store/index.ts';

/** Serialized CDR writes for one call. */
export class CdrWriter {
  #chain: Promise<void> = Promise.resolve();
  #started = false;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** Writes the first version of the record. */
  start(record: CallRecord): void {
    this.#started = true;
    this.#enqueue(() => this.store.putCall(record));
  }

  /** Merges `patch` into the record (after the earlier writes). */
  update(id: string, patch: CallPatch): void {
    if (!this.#started) return;
    this.#enqueue(async () => {
      await this.store.updateCall(id, patch);
    });
  }

  /** Resolves when every queued write has settled. */
  flushed(): Promise<void> {
    return this.#chain;
  }

  #enqueue(write: () => Promise<void>): void {
    this.#chain = this.#chain.then(write).catch((err: unknown) => {
      this.logger.warn({ err }, 'call record write failed');
    });
  }
}
